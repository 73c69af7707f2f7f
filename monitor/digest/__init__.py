"""The digest campaigners read: what goes in it, its HTML and text forms, and its files.

This package owns three things:

* ``build`` — pure data. From the store's history over a window of runs (and the state
  at the previous digest's last run) it decides what a campaigner must see, most urgent
  first: new problems grouped by partner, links still broken (one line each), what was
  fixed, content changes (keywords first, then a word-level diff under its heading),
  moved and blocked links. A transient failure seen once is only "watching"; the next
  run confirms it or lets it go. Whatever a campaigner saw in full once is one line after.
* ``render_html`` / ``render_text`` — the Jinja2 page (autoescaped, self-contained, styles
  inlined on elements so mail clients keep them) and its plain-text twin.
* ``write`` — the files: ``digest-YYYY-MM-DD[-N].html`` (never overwritten), ``latest.html``,
  ``index.html`` and, on request, the ``.txt``; each written atomically; the digest is
  recorded in the store only after its files are on disk, so a failure loses nothing.

Text that comes from partner pages (titles, anchor text, diff lines, URLs) is untrusted:
control and bidi-override characters are removed here, HTML escaping is Jinja's, and
only ``http(s)`` URLs ever become links.

Modules: ``model`` (the data), ``text`` (untrusted text, times), ``advice`` (statuses and
notes in plain words), ``diffs`` (stored changes read back), ``build``, ``render`` (with
``monitor/templates/``) and ``files`` (``write``, the index).
"""

from monitor.digest.advice import blocked_advice, note_advice, plain_words
from monitor.digest.build import build
from monitor.digest.diffs import file_change
from monitor.digest.files import DigestError, IndexEntry, index_entries, render_index, write
from monitor.digest.model import (
    ChangeEvent,
    DiffBlock,
    DiffLine,
    Digest,
    Group,
    Item,
    KeywordFlag,
    PageChange,
    Place,
    Segment,
    Written,
)
from monitor.digest.render import STYLES, render_html, render_text
from monitor.digest.text import MAX_DIFF_LINES, clean, is_http_url

__all__ = [
    "MAX_DIFF_LINES",
    "STYLES",
    "ChangeEvent",
    "DiffBlock",
    "DiffLine",
    "Digest",
    "DigestError",
    "Group",
    "IndexEntry",
    "Item",
    "KeywordFlag",
    "PageChange",
    "Place",
    "Segment",
    "Written",
    "blocked_advice",
    "build",
    "clean",
    "file_change",
    "index_entries",
    "is_http_url",
    "note_advice",
    "plain_words",
    "render_html",
    "render_index",
    "render_text",
    "write",
]
