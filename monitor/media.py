"""Media types and charsets of an answer: one definition of "is this a page" for every stage.

Pure. ``fetch`` asks ``may_be_html`` before it reads a link's body (to look for a
soft-404); ``run`` asks ``is_html`` whether a watched page is read as a page or kept as a
file's bytes; ``classify`` asks it before it parses a body; all of them read the charset
with ``charset``, so a watched page and its soft-404 check decode one answer alike.
"""

from __future__ import annotations

import codecs
import re

# Declared HTML; "" is an answer with no Content-Type, read as a page when it looks like one.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", ""})

_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def media_type(content_type: str) -> str:
    """``'text/html; charset=utf-8'`` -> ``'text/html'``: lower case, no parameters."""
    return content_type.split(";")[0].strip().lower()


def charset(content_type: str) -> str | None:
    """The charset parameter of a Content-Type, quoted or not; None when absent."""
    found = _CHARSET.search(content_type)
    return found.group(1) if found else None


def may_be_html(content_type: str) -> bool:
    """True when the declared type is HTML or missing: worth reading the body to know."""
    return media_type(content_type) in HTML_TYPES


def is_html(content_type: str, body: bytes) -> bool:
    """True for an answer to read as a page: declared HTML, or undeclared and markup."""
    media = media_type(content_type)
    if media:
        return media in HTML_TYPES
    return body.lstrip().removeprefix(codecs.BOM_UTF8).lstrip()[:1] == b"<"
