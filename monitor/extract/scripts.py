"""Is a page a shell its scripts fill in? (advice for a watch without ``render: browser``)

Pure. A page drawn by script arrives as ``<div id="app"></div>`` and a bundle: read as
HTML it has (almost) no text. ``drawn_by_script`` says so from the page's bytes and the
text read from it, so the digest can advise ``render: browser`` instead of "no text".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Under this many characters of compared text a page reads as (almost) empty.
ALMOST_EMPTY_CHARS = 200
_SCRIPT = re.compile(rb"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
_SRC = re.compile(rb"\bsrc\s*=", re.I)
_DATA = re.compile(rb"\btype\s*=\s*[\"']?application/(ld\+)?json", re.I)
_CODE_CHARS = 200  # an inline script this long is code that may draw the page


def drawn_by_script(body: bytes, lines: Sequence[str]) -> bool:
    """True when the page's text (``lines``) is under ``ALMOST_EMPTY_CHARS`` and it
    carries a script that may draw it: one loaded by ``src``, or inline code of some
    length (JSON data blocks do not count)."""
    if sum(len(line) for line in lines) >= ALMOST_EMPTY_CHARS:
        return False
    for match in _SCRIPT.finditer(body):
        attributes, code = match.group(1), match.group(2)
        if _DATA.search(attributes):
            continue
        if _SRC.search(attributes) or len(code.strip()) >= _CODE_CHARS:
            return True
    return False
