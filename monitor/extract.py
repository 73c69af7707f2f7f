"""Pure extraction: the bytes of an HTML page -> ``Page`` (title, main-content lines, links).

This module owns everything between "the server sent these bytes" and "this is the text
a campaigner reads and these are the links a visitor can click":

* **decoding** (:func:`decode`): BOMs, the HTTP charset, a ``<meta charset>`` declared
  anywhere in the page, then UTF-8 with replacement; it never raises.
* **links** (:func:`links`): every user-facing link and embedded resource, resolved
  against ``<base href>`` and the page URL, normalised so one target is one URL string,
  with the anchor text of each occurrence; non-http(s) schemes come back with a
  ``skip_reason`` instead of being dropped silently.
* **text** (:func:`page`): the main content as a reader sees it, one block element per
  line, headings marked with ``"# "``.  Main content is chosen per page between
  extractions of the same pruned tree (trafilatura's balanced, precision and recall
  modes, readability's article, a JSON-LD ``articleBody``): the one the others agree
  with most (:func:`_choose`), so that one extractor's blind spot on a page is
  outvoted, and the same page always gives the same choice.  When trafilatura finds
  nothing (tiny pages, odd layouts) the page's text without furniture is weighed too,
  and ``Page.notes`` say when it wins.  A configured CSS selector replaces all of them.

Parsing stack (a deliberate choice, measured): the normal path parses once with
``lxml.html`` and hands that tree to trafilatura (which is lxml-based and copies it).
BeautifulSoup (with the lxml parser) plus soupsieve is used only for a watch's CSS
``selector``, so that selector validation (:func:`compile_selector`) and matching are
the same engine.  (On a 1 MB page bs4 takes ~240 ms just to parse; lxml ~16 ms.)
Both are imported on first use: their import (~60 ms, soupsieve compiling its
grammar) is a tenth of a run's start-up, and most watch lists have no selector.
libxml2 stops parsing at nesting depth 256; such documents are re-parsed through a
recursion-free SAX-style tree builder so no content after the deep part is lost, and
trafilatura (whose recursion can crash the interpreter on very deep trees) is skipped.

Nothing here touches the network, the clock or the database.
"""

from __future__ import annotations

import codecs
import copy
import functools
import json
import logging
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import charset_normalizer
import idna
import lxml.etree as etree  # type: ignore[import-untyped, unused-ignore]
import lxml.html  # type: ignore[import-untyped, unused-ignore]
import trafilatura

from monitor import noise
from monitor.models import Link, Note, NoteKind, Page

# The version of the rules that turn a page into its compared text: this module's, the
# noise rules' (noise.py) and what pipeline.pages.compared_lines adds. Versions stored
# under another value become a quiet new baseline on their next change instead of a
# false "changed". tests/test_text_rules.py fails when the fixture pages' text changes
# and this does not move.
# 2 (30 Nov 2026): the title line; live counts and relative times cut within lines.
# 3 (4 Dec 2026): main content chosen between trafilatura's modes and readability-lxml;
# the h1 first unless it is the site's name; no "Title:" line; fewer noise rules
# cutting real text.
TEXT_RULES = 3

__all__ = [
    "compile_selector",
    "decode",
    "links",
    "normalise_url",
    "page",
    "resolve",
]

# trafilatura logs "discarding data" at WARNING for every page where it finds no main
# content; that is an expected outcome here (we fall back and say so in Page.notes), not
# something to print into the campaigners' console on every run.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

# --------------------------------------------------------------------------- decoding

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


# ---------------------------------------------------------------------------- parsing

# libxml2's default nesting limit; deeper documents take the SAX-built path below and
# skip trafilatura, whose recursion is quadratic-slow and can crash on very deep trees.
_MAX_DEPTH = 256
# Past this many elements trafilatura's passes cost seconds and hundreds of MB (a page
# of 200,000 links: 16 s, 770 MB); the linear walker reads such a page in well under
# one. Real partner pages, long reports included, stay far below it.
_MAX_ELEMENTS = 100_000


# Every element is an ``lxml.html.HtmlElement`` (trafilatura accepts only those, and
# ``text_content()`` comes with it), but chosen by libxml2-side default lookup instead of
# lxml.html's Python ``lookup()`` method, which ran each time Python touched an element
# (7 million calls, 13% of the time on big pages).  What that lookup adds, the form
# classes (``FormElement.inputs`` and so on), nothing here or in trafilatura uses.
_ELEMENT_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def _html_parser(**extra: Any) -> Any:
    """A new libxml2 HTML parser building ``HtmlElement`` trees; ``extra`` are parser options.

    One parser per call: lxml parser objects must not be shared between threads.
    """
    parser = etree.HTMLParser(
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        no_network=True,
        default_doctype=False,
        **extra,
    )
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    return parser


# What HTML allows in <head>. libxml2's HTML parser predates HTML5: with <body> omitted
# (valid HTML5, and what minifiers emit), it leaves <main>, <header>, <article>,
# <section>, <nav>... that follow the head content inside <head>, so the page seemed to
# have no visible text at all.
_HEAD_ELEMENTS = frozenset(
    {"title", "meta", "link", "script", "style", "base", "noscript", "template"}
)


def _unhead(root: Any) -> Any:
    """Move elements that cannot live in <head> (and all after them) into <body>."""
    if root is None:
        return root
    head = root.find("head")
    if head is None:
        return root
    children = list(head)
    first = next(
        (
            i
            for i, el in enumerate(children)
            if isinstance(el.tag, str) and el.tag.lower() not in _HEAD_ELEMENTS
        ),
        None,
    )
    if first is None:
        return root
    body = root.find("body")
    if body is None:
        body = etree.SubElement(root, "body")
    for el in reversed(children[first:]):
        body.insert(0, el)
    return root


_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _parse(text: str) -> tuple[Any, bool]:
    root, too_deep = _parse_raw(text)
    return _unhead(root), too_deep


def _parse_raw(text: str) -> tuple[Any, bool]:
    """Parse HTML text into an lxml.html document; returns (root or None, too_deep)."""
    # C0 control characters other than tab and line breaks are never text, and libxml2
    # truncates its input at a NUL; a stray BEL made trafilatura find nothing (its own
    # loader strips them, our tree is ours). Lone surrogates become "?".
    if _CONTROLS.search(text):
        text = _CONTROLS.sub("", text)
    data = text.encode("utf-8", "replace")
    if not data.strip():
        return None, False
    parser = _html_parser()
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    hit_limit = any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log)
    if not hit_limit:
        return root, False
    # libxml2 stops building the tree at the depth limit and drops the rest of the page.
    # Its SAX interface has no such limit, so build the tree from events instead.
    builder = etree.TreeBuilder(parser=_html_parser())
    sax = _html_parser(target=builder, huge_tree=True)
    try:
        deep_root = etree.fromstring(data, sax)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return root, True
    return (deep_root if deep_root is not None else root), True


def _root_of(html: Any) -> Any:
    """An lxml root for whatever the caller has: text, bytes, a bs4 soup/tag or lxml tree."""
    if isinstance(html, bytes):
        return _parse(decode(html))[0]
    if isinstance(html, str):
        return _parse(html)[0]
    if isinstance(html, etree._ElementTree):
        return html.getroot()
    if isinstance(html, etree._Element):
        return html
    bs4 = sys.modules.get("bs4")  # a caller holding a bs4 tag has imported bs4
    if bs4 is not None and isinstance(html, bs4.Tag):  # BeautifulSoup is a Tag too
        return _parse(str(html))[0]
    raise TypeError(f"cannot extract links from {type(html).__name__}")


# ------------------------------------------------------------------------------ links

_LINK_ATTRS: dict[str, tuple[str, ...]] = {
    "a": ("href",),
    "area": ("href",),
    "img": ("src", "srcset"),
    "link": ("href",),
    "script": ("src",),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src",),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
# <link> elements are checked only when a visitor's browser loads them: stylesheets,
# icons and web-app manifests.  canonical/alternate/shortlink/next/prev are metadata for
# machines (alternate language versions are linked visibly elsewhere when they matter),
# and preconnect/dns-prefetch/preload name origins or hints, not pages.
_LINK_REL_CHECKED = ("stylesheet", "icon", "manifest", "mask-icon")

# Query parameters that only identify the click for analytics.  Dropping them makes one
# target one URL across pages and runs (some rotate on every page load).
_TRACKING_PARAM = re.compile(
    r"^(utm_[a-z]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|igshid|mc_cid|mc_eid"
    r"|_ga|_gl|_hsenc|_hsmi|mkt_tok|oly_anon_id|oly_enc_id|vero_id)$",
    re.I,
)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_TEXT_CAP = 200
_SKIPPED_URL_CAP = 200
# RFC 3986 sub-delims, gen-delims allowed in paths/queries, and "%" for existing escapes.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _idna_host(host: str) -> str:
    if host.isascii():
        return host
    try:
        # UTS #46 / IDNA 2008, the mapping httpx and browsers use ("faß.de" stays ß).
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError:
            # Not a valid name at all: leave it, the fetch will report it unreachable.
            return host


def _upper_escapes(s: str) -> str:
    return _PERCENT.sub(lambda m: m.group(0).upper(), s)


def _strip_tracking(query: str) -> str:
    if not query:
        return query
    kept = [p for p in query.split("&") if not _TRACKING_PARAM.match(p.split("=", 1)[0])]
    return "&".join(kept)


# An absolute URL that normalise_url returns unchanged: lower-case http(s), an ASCII
# host name in lower case, a port other than 0 written without leading zeros, a path
# and a query of characters quote() keeps (escapes in upper case), no fragment. Most
# links on a page are so, and matching this costs a fifth of normalising (2.5 against
# 11.5 us a URL; a 1 MB page lists 10,000 links).
_NORMAL_URL = re.compile(
    r"(https?)://(?:[a-z0-9-]+\.)*[a-z0-9-]+(?::([1-9][0-9]{0,4}))?"
    r"/(?:[A-Za-z0-9_.~/:@!$&'()*+,;=-]|%[0-9A-F]{2}|%(?![0-9A-Fa-f]{2}))*"
    r"(?:\?((?:[A-Za-z0-9_.~/:@!$&'()*+,;=?-]|%[0-9A-F]{2}|%(?![0-9A-Fa-f]{2}))+))?"
)


def _already_normal(url: str) -> bool:
    """True when ``normalise_url(url)`` is ``url`` itself (see ``_NORMAL_URL``)."""
    normal = _NORMAL_URL.fullmatch(url)
    if normal is None:
        return False
    scheme, port, query = normal.groups()
    if port is not None and (int(port) > 65535 or int(port) == _DEFAULT_PORTS[scheme]):
        return False
    return query is None or _strip_tracking(query) == query


def normalise_url(url: str) -> str:
    """Normalise an absolute http(s) URL so that one target is always one string.

    Lower-cases scheme and host, converts IDN hosts to punycode, drops the default port,
    the fragment and analytics-only query parameters (``utm_*``, ``fbclid``...),
    percent-encodes spaces and non-ASCII characters in path and query (existing escapes
    kept, hex upper-cased), and gives an empty path as ``/``.  Raises ``ValueError`` for
    a URL that cannot be split (bad IPv6 literal, non-numeric port) or has no host.
    """
    if _already_normal(url):
        return url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname  # lower-cased, brackets of an IPv6 literal removed
    if not host:
        raise ValueError(f"no host in {url!r}")
    port = parts.port  # raises ValueError for a non-numeric or out-of-range port
    host = _idna_host(host)
    if ":" in host:
        host = f"[{host}]"
    netloc = host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = quote(parts.username, safe="%!$&'()*+,;=-._~")
        if parts.password is not None:
            userinfo += ":" + quote(parts.password, safe="%!$&'()*+,;=-._~")
        netloc = f"{userinfo}@{netloc}"
    path = _upper_escapes(quote(parts.path, safe=_PATH_SAFE)) or "/"
    query = _upper_escapes(quote(_strip_tracking(parts.query), safe=_QUERY_SAFE))
    return urlunsplit((scheme, netloc, path, query, ""))


@functools.lru_cache(maxsize=8192)
def resolve(href: str, base_url: str) -> tuple[str, str | None] | None:
    """Turn an attribute value as found in HTML into what the checker needs.

    Takes the raw ``href`` (entities already decoded by the parser) and the absolute
    ``base_url`` it is relative to.  Returns None for values that are not links (empty,
    a pure ``#fragment`` on the same page); ``(url, None)`` for an http(s) link, with
    ``url`` absolute and normalised (see :func:`normalise_url`); ``(text, reason)`` for
    links that are not checked: other schemes (``mailto:``, ``tel:``, ``javascript:``,
    ``data:``...) and malformed URLs.  Never raises.
    """
    if _already_normal(href):  # most links on a page: nothing below would change it
        return href, None
    # The URL standard strips leading/trailing spaces and controls and removes tabs and
    # newlines anywhere: templates often wrap long hrefs over several lines.
    cleaned = _TAB_NEWLINE.sub("", href.strip(" \t\n\r\f\v\x00"))
    if not cleaned or cleaned.startswith("#"):
        return None
    m = _SCHEME.match(cleaned)
    scheme = m.group(1).lower() if m else ""
    if scheme and scheme not in ("http", "https"):
        shown = cleaned
        if scheme == "data":
            # data: URLs can be megabytes of base64; its media type is all a reader needs.
            shown = cleaned.split(",", 1)[0] + ",…"
        elif len(shown) > _SKIPPED_URL_CAP:
            shown = shown[: _SKIPPED_URL_CAP - 1] + "…"
        return shown, f"{scheme}: link — not checked"
    # Browsers read "\" as "/" in http(s) URLs.
    cleaned = cleaned.replace("\\", "/")
    try:
        if scheme and cleaned[len(scheme) + 1 : len(scheme) + 3] == "//":
            absolute = cleaned  # already absolute: urljoin would only cost time
        elif cleaned.startswith("/") and not cleaned.startswith("//") and "/." not in cleaned:
            absolute = _origin(base_url) + cleaned  # the common root-relative case, fast
        else:
            absolute = urljoin(base_url, cleaned)
        if not absolute.lower().startswith(("http://", "https://")):
            return _cap(cleaned), "malformed URL — not checked"  # e.g. "http:/path"
        return normalise_url(absolute), None
    except ValueError:
        return _cap(cleaned), "malformed URL — not checked"


@functools.lru_cache(maxsize=256)
def _origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def _cap(text: str, limit: int = _SKIPPED_URL_CAP) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(el: Any) -> str:
    """Text a visitor (or screen reader) associates with an element that has none."""
    for attr in ("alt", "aria-label", "title"):
        value = el.get(attr)
        if value and value.strip():
            return _clean_line(value)
    return ""


def _anchor_text(el: Any) -> str:
    text = _clean_line(el.text_content())
    if not text:
        text = _label(el)
    if not text:
        # An icon link: the image inside carries the meaning.
        for img in el.iter("img", "svg"):
            text = _label(img)
            if text:
                break
    return _cap(text, _TEXT_CAP)


def _first_srcset_url(srcset: str) -> str:
    first = srcset.strip().split(",", 1)[0].strip()
    return first.split()[0] if first else ""


def _base_url(root: Any, page_url: str) -> str:
    for base in root.iter("base"):
        href = base.get("href")
        if href and href.strip():
            resolved = resolve(href, page_url)
            if resolved is not None and resolved[1] is None:
                return resolved[0]
            break  # only the first <base href> counts, even when it is unusable
    return page_url


def _links_from_root(root: Any, base_url: str) -> tuple[Link, ...]:
    base = _base_url(root, base_url)
    # Keyed by plain tuples and turned into Links once: a page repeats most of its links
    # (menus, footers, "read more"), and a dataclass's hash and equality run in Python.
    found: dict[tuple[str, str, str, str | None], None] = {}
    for el in root.iter(*_LINK_ATTRS):
        tag = el.tag
        if tag == "link":
            rel = (el.get("rel") or "").lower().split()
            if not any(r in _LINK_REL_CHECKED or r.endswith("-icon") for r in rel):
                continue
        text: str | None = None
        seen_here: set[str] = set()
        for attr in _LINK_ATTRS[tag]:
            value = el.get(attr)
            if value is None:
                continue
            if attr == "srcset":
                value = _first_srcset_url(value)
            resolved = resolve(value, base)
            if resolved is None or resolved[0] in seen_here:
                continue
            seen_here.add(resolved[0])
            if text is None:
                text = _anchor_text(el) if tag in ("a", "area") else _cap(_label(el), _TEXT_CAP)
            found[(resolved[0], text, tag, resolved[1])] = None
    return tuple(Link(url, text, tag, reason) for url, text, tag, reason in found)


def links(html_or_soup: Any, base_url: str) -> tuple[Link, ...]:
    """Every link and embedded resource of a page, one ``Link`` per distinct occurrence.

    Takes HTML as ``str`` or ``bytes`` (decoded with :func:`decode`), a BeautifulSoup
    document or tag, or an lxml element/tree, and the page's absolute URL.  Looks at
    ``a``/``area[href]``, ``img[src]`` and the first ``srcset`` candidate, stylesheet/icon/
    manifest ``link[href]``, ``script``/``iframe``/``source``/``video``/``audio``/
    ``embed[src]`` and ``object[data]``, honouring ``<base href>``.  URLs are normalised
    (:func:`resolve`) so duplicates compare equal; the same (url, text, tag) seen twice is
    returned once, in document order.  Text is the anchor text or the alt/aria-label/
    title text, whitespace-collapsed and capped at 200 characters.  Raises ``TypeError``
    only for an input of another type.
    """
    root = _root_of(html_or_soup)
    if root is None:
        return ()
    return _links_from_root(root, base_url)


# ------------------------------------------------------------------------------- text

# Invisible characters that editors and CMSs sprinkle into text and that would make two
# identical-looking sentences differ: zero-width spaces/joiners, word joiner, BOM, soft
# hyphen, directional marks.  No-break and other special spaces become plain spaces.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f"
             "\u202a\u202b\u202c\u202d\u202e"),
    None,
)  # fmt: skip
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000"), " ")
_TRANSLATE: dict[int, str | None] = {**_INVISIBLE, **_SPACES}


def _clean_line(text: str) -> str:
    if not text.isascii():  # O(1) in CPython; ASCII has nothing to translate or normalise
        text = unicodedata.normalize("NFC", text.translate(_TRANSLATE))
    return " ".join(text.split())


class _Lines:
    """Accumulates inline text and turns each finished block into one clean line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._buf: list[str] = []
        self._cell_pending = False

    def add(self, text: str | None) -> None:
        if not text:
            return
        if self._cell_pending and not text.isspace():
            # Separate cells only once the next cell shows text: empty cells add nothing.
            self._buf.append(" | ")
            self._cell_pending = False
        self._buf.append(text)

    def new_cell(self) -> None:
        self._cell_pending = any(not s.isspace() for s in self._buf)

    def flush(self, heading: bool) -> None:
        self._cell_pending = False
        if not self._buf:
            return
        line = _clean_line("".join(self._buf))
        self._buf.clear()
        if line:
            self.lines.append("# " + line if heading else line)


def _block_lines(
    root: Any,
    *,
    blocks: frozenset[str],
    headings: frozenset[str],
    cells: frozenset[str],
    breaks: frozenset[str],
    skip: Callable[[Any], bool],
) -> list[str]:
    """Walk a tree without recursion and return one line per block element.

    ``blocks`` end and start lines, ``headings`` are blocks whose lines get ``"# "``,
    ``cells`` are table cells joined with ``" | "`` inside their row's line, ``breaks``
    (``<br>``) end a line, and elements for which ``skip`` is true are left out with their
    whole subtree (their tail text, which belongs to the parent, is kept).
    """
    out = _Lines()
    in_heading = 0
    walker = etree.iterwalk(root, events=("start", "end"))
    skipped: set[Any] = set()
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if not isinstance(tag, str) or skip(el):
                skipped.add(el)
                walker.skip_subtree()
                continue
            if tag in blocks or tag in breaks:
                out.flush(in_heading > 0)
            elif tag in cells:
                out.new_cell()
            if tag in headings:
                in_heading += 1
            out.add(el.text)
            continue
        if el in skipped:
            skipped.discard(el)
        else:
            if tag in blocks:
                out.flush(in_heading > 0)
            if tag in headings:
                in_heading -= 1
        if el is not root:
            out.add(el.tail)
    out.flush(in_heading > 0)
    return out.lines


_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HTML_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu",
        "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead",
        "tr", "ul",
    }
    | _HTML_HEADINGS
)  # fmt: skip
_HTML_CELLS = frozenset({"td", "th"})
_HTML_BREAKS = frozenset({"br", "hr"})
# Never text a reader sees as content, on any path.
_NEVER_TEXT = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "math", "head", "title", "meta",
        "link", "iframe", "object", "embed", "canvas", "select", "datalist", "option",
        "optgroup", "textarea", "input",
    }
)  # fmt: skip
# Page furniture dropped by the tag-dropping fallback.
_FURNITURE = frozenset({"nav", "header", "footer", "aside"})
_FURNITURE_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog"}
)
# Cookie/consent banners have no semantic tag; their ids and classes give them away.
_BANNER_HINT = re.compile(r"cookie|consent|gdpr|onetrust|cc-window", re.I)


def _hidden(el: Any) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style) and "display:none" in style.replace(" ", "").lower()


def _skip_never_text(el: Any) -> bool:
    return el.tag in _NEVER_TEXT or _hidden(el)


def _skip_furniture(el: Any) -> bool:
    if _skip_never_text(el) or el.tag in _FURNITURE:
        return True
    if el.get("role") in _FURNITURE_ROLES:
        return True
    hint = f"{el.get('id') or ''} {el.get('class') or ''}"
    return bool(_BANNER_HINT.search(hint)) and el.tag not in ("body", "html", "main")


def _html_lines(root: Any, skip: Callable[[Any], bool]) -> list[str]:
    return _block_lines(
        root,
        blocks=_HTML_BLOCKS,
        headings=_HTML_HEADINGS,
        cells=_HTML_CELLS,
        breaks=_HTML_BREAKS,
        skip=skip,
    )


# trafilatura's XML output: <head> headings, <p>, <list>/<item>, <quote>, <code>,
# <table>/<row>/<cell>, <lb/> line breaks, <graphic> images.
_TF_BLOCKS = frozenset({"p", "head", "list", "item", "quote", "code", "table", "row", "div"})
_TF_HEADINGS = frozenset({"head"})
_TF_CELLS = frozenset({"cell"})
_TF_BREAKS = frozenset({"lb"})


def _skip_tf(el: Any) -> bool:
    return bool(el.tag == "graphic")


# Length of an element's text with whitespace runs counted once, computed inside libxml2.
_TEXT_LEN = etree.XPath("string-length(normalize-space(.))")


def _text_len(el: Any) -> int:
    return int(_TEXT_LEN(el))


def _demote_wrappers(root: Any, total: int) -> None:
    """Turn furniture elements that actually hold the page into plain ``div`` s.

    An ASP.NET page puts everything inside one ``<form>``; a template that forgets
    ``</aside>`` or ``</header>`` nests ``<main>`` inside it.  Both extractors drop such
    elements wholesale and would lose the article, so an element of that kind holding most
    of the page's ``total`` text, and not mostly link text like a mega-menu, becomes a
    container.
    """
    if total == 0:
        return
    # Not <nav>: a navigation holding most of a page's text is a long menu or site map,
    # and made a plain block it won as the page's "main content".
    for i, el in enumerate(root.iter("form", "header", "footer", "aside")):
        if i >= 200:  # bound the cost on pathological pages; real ones have a handful
            break
        own = _text_len(el)
        if own * 2 <= total:
            continue
        linked = sum(_text_len(a) for a in el.iter("a"))
        if linked * 2 < own:
            el.tag = "div"


# Elements trafilatura deletes in its own cleaning pass anyway (its MANUALLY_CLEANED list,
# minus the ones it treats specially: form, figure, math).  Removing them before the hand-
# over saves it time on big pages and keeps them out of its whole-page fallback too.
_PRE_STRIPPED = (
    "nav", "aside", "footer", "menu", "iframe", "object", "embed", "svg", "canvas",
    "audio", "video", "picture", "map", "select", "datalist", "button", "dialog",
)  # fmt: skip


def _strip_furniture(root: Any, total: int) -> None:
    """Delete navigation, sidebars, footers and widgets unless that would leave no text.

    ``total`` is the page's text length; a page whose only text is its menu keeps it, so
    the whole-page fallback still has something to show.
    """
    outer = [
        el
        for el in root.iter(*_PRE_STRIPPED)
        if not any(a.tag in _PRE_STRIPPED for a in el.iterancestors())
    ]
    if not outer or sum(_text_len(el) for el in outer) >= total:
        return
    for el in outer:
        _drop(el)


def _drop(el: Any) -> None:
    """Remove an element and its subtree but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


# Class/id vocabulary of campaign-page widgets that trafilatura's own boilerplate list
# (share, social, newsletter, cookie, tags, related, author, sidebar...) does not know,
# plus "teaser" anywhere in a class or id (see _is_widget).
# Compared per class token: against the token with "-"/"_" removed, or against its parts.
_WIDGET_TOKENS = frozenset(
    {
        "readalso", "alsoread", "seealso", "lireaussi", "voiraussi", "readmore", "reasons",
        "reasonsforsigning", "signaturecount", "signcount", "petitionprogress",
    }
)  # fmt: skip
_WIDGET_PARTS = frozenset(
    {"signers", "signatories", "signatures", "counter", "progress", "progressbar", "ticker"}
)
_TOKEN_SPLIT = re.compile(r"[-_]+")
_TEASER = frozenset({"teaser", "teasers", "teaserbox", "teaserlist"})
_TEASER_CONTENT = frozenset({"text", "lead", "body", "intro", "content"})
# A widget never holds this share of the page's text; larger matches are content that
# happens to carry such a class (e.g. "progress-report").
_WIDGET_MAX_SHARE = 0.4


def _is_widget(el: Any) -> bool:
    """True for a widget by its class or id: see _WIDGET_TOKENS, _TEASER, _BANNER_HINT."""
    hint = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    if _BANNER_HINT.search(hint):
        return True  # trafilatura kept such a banner on some pages
    for token in hint.split():
        parts = _TOKEN_SPLIT.split(token)
        if not _TEASER.isdisjoint(parts) and _TEASER_CONTENT.isdisjoint(parts):
            # Teasers of other articles or campaigns ("teaser", "teaser-list"); not an
            # article's own lead or body, which German sites call "teasertext" or
            # "teaser-text".
            return True
        if token.replace("-", "").replace("_", "") in _WIDGET_TOKENS:
            return True
        if not _WIDGET_PARTS.isdisjoint(parts):
            return True
    return False


_TEASER_HINT = etree.XPath(
    "//body//*[contains(translate(@class, 'TEASR', 'teasr'), 'teaser')"
    " or contains(translate(@id, 'TEASR', 'teasr'), 'teaser')]"
)


def _rename_leads(root: Any) -> None:
    """Rename "teaser" to "lead" in the class and id of an article's own lead or body
    (``teasertext``, ``article-teaser-text``: what German sites call them).

    trafilatura's balanced and precision modes delete every element with "teaser" in
    its class or id as another article's teaser; on such sites that was the article.
    Teaser widgets (``teaser``, ``teaser-list``) are gone already (:func:`_strip_widgets`).
    """
    for el in _TEASER_HINT(root):
        for attr in ("class", "id"):
            value = el.get(attr)
            if value and "teaser" in value.lower():
                el.set(attr, re.sub("teaser", "lead", value, flags=re.I))


def _strip_widgets(root: Any, total: int, h1: Any) -> None:
    """Delete signature counters, recent-signer lists, "read also" boxes and cookie
    banners (which trafilatura keeps on some pages: a banner appearing reads as a change).

    Never the element holding the page's heading ``h1``, nor one holding a large share of
    the page's ``total`` text.
    """
    body = root.find("body")
    if body is None or total == 0:
        return
    doomed = []
    for el in body.iter("div", "section", "ul", "ol", "p", "span", "aside", "li"):
        if not _is_widget(el):
            continue
        if h1 is not None and (el is h1 or any(a is el for a in h1.iterancestors())):
            continue
        if _text_len(el) > _WIDGET_MAX_SHARE * total:
            continue
        doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            _drop(el)


def _page_heading(root: Any) -> Any:
    """The page's own ``<h1>``: the first one outside navigation, sidebars and footers,
    and outside a site-wide ``<header>`` (an article's header does count)."""
    body = root.find("body")
    if body is None:
        return None
    for h1 in body.iter("h1"):
        ancestors = [a.tag for a in h1.iterancestors()]
        if any(t in ("nav", "aside", "footer") for t in ancestors):
            continue
        if "header" in ancestors:
            outer = ancestors[ancestors.index("header") + 1 :]
            if not any(t in ("article", "main") for t in outer):
                continue
        if _clean_line(h1.text_content()):
            return h1
    return None


# What separates a page title's parts: "Headline | Site", "Site - Headline", "A: B".
_TITLE_PARTS = re.compile(r"\s+[|–—:·•»/-]\s+|\s*[|–—·•»]\s*")


def _with_heading(lines: list[str], h1: Any, title: str) -> list[str]:
    """Put the page's ``<h1>`` first when the extraction left it out, unless it is the
    site's name: a short part of the page's ``title`` beside a longer one ("Belarus
    Forum" in "Trial of Maria Kalesnikava - Belarus Forum").

    A headline that changes ("Free X now" -> "X is free") is the change campaigners most
    need to see, and the compared text carries it only here (the ``<title>`` is not
    compared: its site name would be boilerplate above every page).
    """
    if h1 is None:
        return lines
    heading = _clean_line(h1.text_content())
    if not heading or any(line.removeprefix("# ") == heading for line in lines):
        return lines
    parts = [p.strip().casefold() for p in _TITLE_PARTS.split(title) if p.strip()]
    said = heading.casefold()
    if len(parts) > 1 and said in parts and len(said) < max(len(p) for p in parts):
        return lines
    return ["# " + heading, *lines]


def _max_depth_ok(root: Any) -> bool:
    depth = 0
    for event, _el in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > _MAX_DEPTH:
            return False
    return True


# trafilatura's three modes, each a candidate (see _choose).
_TF_MODES: dict[str, dict[str, bool]] = {
    "balanced": {},
    "precision": {"favor_precision": True},
    "recall": {"favor_recall": True},
}


def _trafilatura(root: Any, url: str, mode: dict[str, bool], fast: bool) -> tuple[list[str], bool]:
    """trafilatura's main content of ``root`` in one mode, as block lines ([] for none),
    and whether that is its last-resort "baseline" (a page it cannot read: bare paragraphs
    of the whole text keeping the page's line breaks, which become lines here)."""
    try:
        doc = trafilatura.bare_extraction(
            root,
            url=url,
            # "xml" rather than the default "python": we read the body tree, and the
            # python format would also render it as text (10% of the time on big pages).
            output_format="xml",
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            fast=fast,
            with_metadata=False,
            deduplicate=False,
            favor_precision=mode.get("favor_precision", False),
            favor_recall=mode.get("favor_recall", False),
        )
    except (RecursionError, ValueError, TypeError, AttributeError, IndexError, KeyError):
        # trafilatura raises an assortment of errors on malformed trees; for us that is
        # the same as "no main content found", which the caller handles.
        return [], False
    body = getattr(doc, "body", None)
    if body is None:
        return [], False
    if _is_baseline(body):
        text = "\n".join(p.text or "" for p in body)
        return [line for line in map(_clean_line, text.splitlines()) if line], True
    lines = _block_lines(
        body,
        blocks=_TF_BLOCKS,
        headings=_TF_HEADINGS,
        cells=_TF_CELLS,
        breaks=_TF_BREAKS,
        skip=_skip_tf,
    )
    return lines, False


def _is_baseline(body: Any) -> bool:
    """True when trafilatura gave up on finding main content and dumped the page's text:
    bare ``<p>`` elements whose text keeps the page's line breaks (its real extraction
    trims every text)."""
    children = list(body)
    return (
        bool(children)
        and all(c.tag == "p" and len(c) == 0 for c in children)
        and any("\n" in (c.text or "") for c in children)
    )


def _readability(root: Any) -> list[str]:
    """readability's article of ``root`` (which it leaves alone) as block lines.

    trafilatura's copy of readability-lxml (``trafilatura.readability_lxml``): the same
    algorithm, working on a tree we give it, and about four times faster than the
    package on big pages (it does not re-serialise and re-parse the page).
    """
    from trafilatura.readability_lxml import Document

    try:
        summary = Document(copy.deepcopy(root)).summary()
    except Exception:  # readability raises its own errors and lxml's alike
        return []
    part, _deep = _parse(f"<html><body>{summary}</body></html>")
    if part is None:
        return []
    return _html_lines(part, _skip_never_text)


def _candidates(root: Any, url: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The extractions of the pruned page ``root`` that :func:`_choose` picks from: those
    that found main content, and the last resorts (trafilatura's text dump of a page it
    could not read, readability-lxml's article of such a page).

    trafilatura's own extraction runs in its three modes, without its built-in second
    opinions (``fast``): readability-lxml's article is the second opinion here, and the
    choice between them is ours, made the same way on every page.
    """
    found: dict[str, list[str]] = {}
    last: dict[str, list[str]] = {}
    for name, mode in _TF_MODES.items():
        lines, dump = _trafilatura(root, url, mode, fast=True)
        if dump:
            last.setdefault("dump", lines)
        elif lines:
            found[name] = lines
    (found if found else last)["readability"] = _readability(root)
    return found, last


_TOKEN = re.compile(r"\w+")
# Agreement weighs precision over recall (F-beta with beta 1/2): a candidate is good when
# the others also have what it says; what only one of them keeps is usually boilerplate.
_BETA2 = 0.25


def _shingles(lines: list[str]) -> set[tuple[str, ...]]:
    """The distinct runs of four words in ``lines`` (fewer words: the words themselves)."""
    words = _TOKEN.findall("\n".join(lines))
    if len(words) < 4:
        return {(w,) for w in words}
    return set(zip(words, words[1:], words[2:], words[3:], strict=False))


def _agreement(own: set[tuple[str, ...]], other: set[tuple[str, ...]]) -> float:
    """How far another extraction bears ``own`` out: F-beta of ``own`` against ``other``."""
    common = len(own & other)
    if not common:
        return 0.0
    precision, recall = common / len(own), common / len(other)
    return (1 + _BETA2) * precision * recall / (_BETA2 * precision + recall)


def _choose(candidates: dict[str, list[str]]) -> str:
    """The name of the candidate (by its lines) the others agree with most; "" if none
    has text.

    Deterministic: the same candidates give the same choice, ties go to the earlier
    candidate. A change in boilerplate that one extractor keeps moves that extractor's
    agreement with the others a little; the choice moves only when it was close already,
    and then between texts that differ in that boilerplate alone.
    """
    texts = {name: lines for name, lines in candidates.items() if lines}
    if len(texts) <= 1:
        return next(iter(texts), "")
    shingles = {name: _shingles(lines) for name, lines in texts.items()}
    scores = {
        name: sum(_agreement(own, shingles[other]) for other in shingles if other != name)
        for name, own in shingles.items()
    }
    return max(scores, key=scores.__getitem__)


def _json_ld_body(root: Any) -> list[str]:
    """The longest ``articleBody`` in the page's JSON-LD, as lines; [] when there is none."""
    best = ""
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                text = item.get("articleBody")
                if isinstance(text, str) and len(text) > len(best):
                    best = text
                stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return [line for line in map(_clean_line, best.splitlines()) if line]


def _open_noscript(root: Any) -> None:
    """Make ``<noscript>`` ordinary content when it holds most of the page's text.

    A page that builds its article with scripts often gives the whole article to readers
    without them in ``<noscript>``; anywhere else it holds a "please enable JavaScript"
    line or a tracking pixel, and goes with the scripts.
    """
    body = root.find("body")
    if body is None:
        return
    outer = [el for el in body.iter("noscript") if el.getparent().tag != "noscript"]
    if outer and 2 * sum(_text_len(el) for el in outer) > _text_len(body):
        for el in outer:
            el.tag = "div"


def _title(root: Any) -> str:
    for title in root.iterfind("head/title"):
        text = _clean_line(title.text_content())
        if text:
            return text
    for meta in root.iter("meta"):
        if meta.get("property") == "og:title" or meta.get("name") == "og:title":
            text = _clean_line(meta.get("content") or "")
            if text:
                return text
    for title in root.iter("title"):  # a <title> the parser moved out of <head>
        text = _clean_line(title.text_content())
        if text:
            return text
    return ""


@functools.lru_cache(maxsize=256)
def _compiled(selector: str) -> Any:
    import soupsieve  # on first use: see the module docstring

    return soupsieve.compile(selector)


def compile_selector(selector: str) -> None:
    """Check that ``selector`` is a CSS selector soupsieve can use.

    Returns nothing; raises ``ValueError`` whose message names the selector and says
    what is wrong with it (config validation calls this to report file:line:key).
    """
    if not selector or not selector.strip():
        raise ValueError("the CSS selector is empty")
    import soupsieve

    try:
        _compiled(selector)
    except soupsieve.SelectorSyntaxError as err:
        reason = str(err).splitlines()[0]
        raise ValueError(f"invalid CSS selector {selector!r}: {reason}") from err


def _selected_lines(text: str, selector: str) -> list[str] | None:
    """Block lines of every element matching ``selector``, in document order.

    Returns None when nothing matches.  Nested matches are counted once (the outer one).
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    matched = _compiled(selector).select(soup)
    if not matched:
        return None
    lines: list[str] = []
    chosen: set[int] = set()
    for tag in matched:
        if any(id(p) in chosen for p in tag.parents):
            continue
        chosen.add(id(tag))
        part, _deep = _parse(f"<html><body>{tag}</body></html>")
        body = None if part is None else part.find("body")
        if body is not None and len(body):
            skip = functools.partial(_skip_in_selection, top=body[0])
            lines.extend(_html_lines(part, skip))
    # The selected part is what is watched, but its bylines, "read also" captions and
    # live counters move as they do anywhere: without this, a selector made a page noisy.
    return noise.clean(lines)


# Share bars by their class or id tokens ("share-buttons", "social-links", "addthis").
_SHARE_TOKEN = re.compile(r"^(?:share|sharing|social|addthis|sharethis|shariff)", re.I)


def _skip_in_selection(el: Any, top: Any) -> bool:
    """Furniture inside ``top``, a part chosen by a selector (never ``top`` itself):
    navigation, sidebars, banners, share bars and widgets (:func:`_is_widget`). Headers
    and footers stay: inside an article they hold its title and its notes."""
    if el is top:
        return False
    if _skip_never_text(el) or el.tag in ("nav", "aside"):
        return True
    if el.get("role") in _FURNITURE_ROLES:
        return True
    hint = f"{el.get('id') or ''} {el.get('class') or ''}"
    if _BANNER_HINT.search(hint) or any(_SHARE_TOKEN.match(t) for t in hint.split()):
        return True
    return _is_widget(el)


def page(
    body: bytes | str,
    url: str,
    *,
    charset: str | None = None,
    selector: str | None = None,
    want_links: bool = True,
    want_text: bool = True,
) -> Page:
    """Extract title, main-content lines and links from one fetched HTML document.

    Takes the body (bytes are decoded with :func:`decode` using the HTTP ``charset``), the
    page's final URL (base for relative links), an optional CSS ``selector`` limiting the
    text to the matched elements, and flags to skip link or text extraction.  Returns a
    ``Page``: ``lines`` are one block element per line, headings prefixed with ``"# "``,
    whitespace collapsed, NFC-normalised, never empty for a page that has visible text;
    ``notes`` say when the text came from a fallback, and ``selector_matched`` is False
    (with empty ``lines``) when the selector matches nothing.  Raises ``ValueError`` only
    for an invalid selector (validated at config load, so not expected at run time).
    """
    text = decode(body, charset) if isinstance(body, bytes) else body
    if selector is not None:
        compile_selector(selector)
    root, too_deep = _parse(text)
    if root is None:
        empty = Page(url=url, title="", lines=(), links=(), notes=(Note.of(NoteKind.NO_TEXT),))
        return empty if selector is None else replace(empty, selector_matched=False)
    title = _title(root)
    found = _links_from_root(root, url) if want_links else ()
    if not want_text:
        return Page(url=url, title=title, lines=(), links=found)
    if selector is not None:
        selected = _selected_lines(text, selector)
        if selected is None:
            return Page(
                url=url,
                title=title,
                lines=(),
                links=found,
                notes=(Note.of(NoteKind.SELECTOR_MATCHED_NOTHING, selector=selector),),
                selector_matched=False,
            )
        return Page(url=url, title=title, lines=tuple(selected), links=found)

    lines, note = _page_lines(root, url, too_deep)
    notes = (note,) if note is not None else ()
    return Page(url=url, title=title, lines=tuple(lines), links=found, notes=notes)


def _page_lines(root: Any, url: str, too_deep: bool) -> tuple[list[str], Note | None]:
    """Main-content lines of a parsed page and a note when a fallback produced them.

    Prunes ``root`` in place (scripts, furniture, widgets), so links must be read first.
    """
    # Read before scripts go: a page may carry its article only in its JSON-LD.
    article_body = _json_ld_body(root)
    _open_noscript(root)
    # Scripts, styles, templates and form controls are never content on any path (the
    # controls are _NEVER_TEXT, and trafilatura deletes them too); removing them first
    # keeps their text out of the size comparisons below and saves trafilatura the work:
    # each element costs it several microseconds, removal here a fraction of one.
    etree.strip_elements(root, *_INERT, with_tail=False)
    # Only the recursion-free, linear walker is safe on a very deep tree, and fast enough
    # on a huge one.
    why = None
    if too_deep and not _max_depth_ok(root):
        why = "too_deep"
    elif int(_COUNT_ELEMENTS(root)) > _MAX_ELEMENTS:
        why = "too_large"
    if why is not None:
        lines = noise.clean(_html_lines(root, _skip_furniture))
        return lines or _html_lines(root, _skip_never_text), Note.of(NoteKind.WHOLE_PAGE, why=why)
    body = root.find("body")
    total = _text_len(body if body is not None else root)
    _demote_wrappers(root, total)
    _strip_furniture(root, total)
    h1 = _page_heading(root)
    _strip_widgets(root, total, h1)
    _rename_leads(root)
    found, last = _candidates(root, url)
    if article_body:
        found["article_body"] = article_body
    note: Note | None = None
    if not found.keys() & _TF_MODES.keys():
        # trafilatura found no main content: a tiny page, or one it cannot read. Its text
        # dump and readability's article are then weighed against the page's whole text
        # without furniture; on a tiny page they all agree and the whole text, which keeps
        # its headings, wins the tie.
        whole = _html_lines(root, _skip_furniture)
        found = {"page": whole, **last, **found} if whole else {"article_body": article_body}
    chosen = _choose(found)
    if chosen == "page":
        note = Note.of(NoteKind.WHOLE_PAGE, why="not_found")
    # The headline first, then the noise rules: they take the first heading for the
    # page's title, and the headings after it for labels of what follows.
    main = found.get(chosen, [])
    lines = noise.clean(_with_heading(main, h1, _title(root)) if chosen != "page" else main)
    if lines:
        return lines, note
    # Everything visible sits in navigation/header/footer: that is the content then.
    lines = _html_lines(root, _skip_never_text)
    if not lines:
        return [], Note.of(NoteKind.NO_TEXT)
    return lines, Note.of(NoteKind.WHOLE_PAGE, why="not_found")


# Removed with their subtrees before any text is measured or extracted (tails kept).
_INERT = (
    "script", "style", "template", "noscript",
    "input", "select", "option", "optgroup", "datalist", "textarea",
)  # fmt: skip
_COUNT_ELEMENTS = etree.XPath("count(//*)")
