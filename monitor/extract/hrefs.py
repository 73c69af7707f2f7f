"""Every user-facing link and embedded resource, resolved and normalised so one target is
one URL string, with its anchor text (``links``, ``normalise_url``, ``resolve``).
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import idna

from monitor.extract.blocks import _clean_line
from monitor.extract.parse import _root_of
from monitor.models import Link

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
# links on a page are so, and matching this is much cheaper than normalising, on pages
# that list thousands of links.
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
