"""Bytes to text: BOMs, the HTTP charset, a late ``<meta charset>``, WHATWG labels, and a
guess when nothing is declared (``decode``).
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


# Labels whose meaning on the web differs from Python's codec of the same name (WHATWG
# Encoding Standard): browsers read "iso-8859-1" and "ascii" as windows-1252, and so on.
_WEB_LABELS = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "x-cp1251": "cp1251",
    "x-cp1250": "cp1250",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
}


_META_CHARSET = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.I)


# A charset declaration can sit after large inline scripts or styles; browsers honour a
# late one, so look well past the 1024 bytes of the HTML prescan, but not forever.
_META_SCAN_LIMIT = 1 << 20


# Python codecs that are not character encodings of a web page, though lookup() finds them.
_NOT_PAGE_ENCODINGS = frozenset(
    # utf-7 is banned on the web (it smuggled markup past filters); browsers ignore it.
    {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined", "rot-13", "utf-7"}
)


def _codec(label: str | None) -> str | None:
    """A Python text codec name for a charset label from HTTP or HTML, or None if unknown."""
    if not label:
        return None
    key = label.strip().strip("\"'").strip().lower()
    if not key:
        return None
    key = _WEB_LABELS.get(key, key)
    try:
        name = codecs.lookup(key).name
        if name.replace("_", "-") in _NOT_PAGE_ENCODINGS:
            return None
        # lookup() also finds bytes-to-bytes codecs (base64, zlib...); decoding raises then.
        b"a".decode(name, "ignore")
    except (LookupError, ValueError, TypeError):
        return None
    return name


def _meta_charset(body: bytes) -> str | None:
    m = _META_CHARSET.search(body, 0, _META_SCAN_LIMIT)
    return m.group(1).decode("ascii") if m else None


_ASCII = bytes(range(128))


def _few_errors(text: str, body: bytes) -> bool:
    """True when a lossy UTF-8 decode replaced only a handful of bytes (a damaged page, or
    a body cut at the size cap mid-character) rather than a whole other encoding."""
    bad = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    non_ascii = len(body.translate(None, _ASCII))
    return bad <= 8 or bad * 100 <= non_ascii


def decode(body: bytes, declared_charset: str | None = None) -> str:
    """Decode an HTML body the way a careful browser would; never raises.

    Takes the raw ``body`` and the ``charset`` parameter of the HTTP Content-Type header
    (``declared_charset``, may be None or garbage).  Order: a byte-order mark wins; then
    the first of the HTTP charset, the page's own ``<meta charset>`` /
    ``http-equiv`` declaration (searched in the first MiB, so a late one counts) and
    UTF-8 that decodes without error; then the declared charset with replacement
    characters; with nothing declared, UTF-8 with replacement when only a few bytes are
    bad, else the encoding ``charset_normalizer`` guesses.  Returns the text without BOM.
    """
    if not body:
        return ""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, "replace")
    http = _codec(declared_charset)
    meta = _codec(_meta_charset(body))
    if meta is not None and meta.startswith(("utf-16", "utf-32")):
        # A meta tag readable as ASCII cannot be in UTF-16; the standard says UTF-8.
        meta = "utf-8"
    for encoding in dict.fromkeys(e for e in (http, meta, "utf-8") if e):
        try:
            return body.decode(encoding)
        except UnicodeError:
            continue
    declared = http or meta
    if declared is not None and declared != "utf-8":
        return body.decode(declared, "replace")
    text = body.decode("utf-8", "replace")
    if _few_errors(text, body):
        return text
    best = charset_normalizer.from_bytes(body[:65536]).best()
    guessed = _codec(best.encoding) if best is not None else None
    return body.decode(guessed, "replace") if guessed else text
