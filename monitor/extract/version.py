"""The version of the rules that turn a page into its compared text (this package's and
the noise rules'); stored versions made under another are a quiet new baseline.
"""

from __future__ import annotations

# The version of the rules that turn a page into its compared text: this module's, the
# noise rules' (noise.py) and what pipeline.pages.compared_lines adds. Versions stored
# under another value become a quiet new baseline on their next change instead of a
# false "changed". tests/test_text_rules.py fails when the fixture pages' text changes
# and this does not move.
# 2 (30 Nov 2026): the title line; live counts and relative times cut within lines.
# 3 (4 Dec 2026): main content chosen between trafilatura's modes and readability-lxml;
# the h1 first unless it is the site's name; no "Title:" line; fewer noise rules
# cutting real text.
# 4 (4 Dec 2026): on a long page, an h1 outside main/article is not put first; the
# text on both sides of an empty block element stays on two lines. Live counts written
# "1.2k", "1,2K", "12'345", "12 тыс.", "12,3 тыс.", "12 duizend", "12 mille" are cut like
# those in digits, and so are the countries beside them ("12,345 signatures · 37
# countries", "Countries: 37").
TEXT_RULES = 4
