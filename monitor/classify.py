"""Pure: what the network said about a link -> one contract status and a human reason.

This module owns the judgement of a link: ``classify`` turns a ``FetchResult`` (and the
``HostProfile`` of the link's host) into a ``LinkVerdict`` whose ``reason`` is one
sentence a campaigner understands; soft-404 detection lives here. No I/O, no clock:
everything it needs is in its arguments, so tests build them by hand.

Statuses (the contract's table), in the order they are decided:

* a fetch error: TIMEOUT -> ``timeout``; DNS, REFUSED, RESET, OTHER -> ``unreachable``;
  TLS -> ``tls_error``; redirect loop / too many / bad redirect, invalid URL -> ``broken``;
  PROTOCOL (malformed answer) -> ``server_error``; PRIVATE_REDIRECT -> ``skipped``.
* 401, 403, 429, 999 and bot challenges -> ``blocked`` (not proof the page is gone).
* other 4xx -> ``broken``; 5xx -> ``server_error``.
* 2xx -> ``soft_404`` when one of three signals fires, else ``moved`` when a permanent
  redirect (301/308) led to another URL, else ``ok``. The signals, built to raise no false
  alarm on real sites:

  (a) a redirect from a deep path to the same site's home page ("/", "/en/", "/index.php");
  (b) not-found wording as the title or main heading (about ten languages; a page that
      merely mentions "404" in its text does not count);
  (c) the answer looks like the host's answer to a random missing path (``HostProfile``):
      the same final URL after a redirect, or the same title and a near-identical text
      (word-shingle Jaccard >= 0.9, similar length). Only for deep links, so a host that
      serves its home page for everything does not turn its own home page into a
      soft-404, and only when that page has enough text to tell pages apart (an app
      shell that serves every route the same is not evidence).
"""

from __future__ import annotations

import re
import string
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from monitor import media
from monitor.extract import decode
from monitor.models import (
    LINK_WINDOW_BYTES,
    BlockKind,
    FetchError,
    FetchResult,
    HostProfile,
    LinkVerdict,
    Status,
    host_key,
)
from monitor.textfold import fold_words

__all__ = ["classify", "host_profile", "page_signals", "page_verdict"]

SHINGLE_WORDS = 3
SIMILAR_JACCARD = 0.9
SIMILAR_LENGTH = 0.8  # shorter / longer text length
MIN_SHINGLES = 12  # a page with less text than this cannot be told apart by its text
# classify and host_profile read this much of a body: the Fetcher's default link cap, so a
# watched page (fetched whole) and a missing-path probe (capped) are compared like for like.
WINDOW_BYTES = LINK_WINDOW_BYTES  # what fetch keeps of a link's body

_PERMANENT = frozenset({301, 308})
_BLOCKED = frozenset({401, 403, 429, 999})
_HTTP_REASONS = {
    401: "Needs a login (401): could not verify",
    403: "Login or bot protection (403): could not verify",
    429: "The site refused to answer so many requests (429): could not verify",
    999: "Bot protection (999): could not verify",
    400: "The site rejected the address as malformed (400 Bad Request)",
    404: "Page not found (404)",
    410: "The page was removed (410 Gone)",
    451: "Unavailable for legal reasons (451)",
    502: "The site's server is failing (502 Bad Gateway)",
    503: "The site is temporarily unavailable (503)",
    504: "The site's server did not answer in time (504 Gateway Timeout)",
}
_NOISE_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "nav",
    "header",
    "footer",
    "aside",
)
_TOKEN_PUNCT = string.punctuation + "«»“”„‘’‚…–—·•¡¿"

# A home page: "/", a language root ("/en", "/nl/", "/pt-br/"), an index or "home" file.
_HOME_PATH = re.compile(
    r"^/(?:[a-z]{2}(?:[-_][a-z]{2,4})?/?)?(?:(?:index|default|home|start)(?:\.[a-z]{2,5})?/?)?$"
)
# A login word in a path: after a boundary ("/login", "/user-login", "/wp-login.php") and
# ending its path segment or followed by "/", "?", "." or "_" ("/login.aspx", "/sign_in/").
# Not followed by "-": that is a slug whose first words are a login word, a page's title
# ("/petitions/sign-in-solidarity-with-ales", "/login-to-our-campaign-news").
_LOGIN_PATH = re.compile(
    r"(?:^|[/_.-])(?:log[-_]?in|log[-_]?on|sign[-_]?in|auth|sso|cas|oauth2?|inloggen|aanmelden"
    r"|connexion|anmelden|wp-login\.php)(?:[/?._]|$)"
)
_LOGIN_HOSTS = ("login.", "accounts.", "account.", "auth.", "sso.", "signin.", "id.")


# Not-found wording, matched anywhere in a title or main heading (folded).
_NOT_FOUND_PHRASES = tuple(
    fold_words(p)
    for p in (
        # English
        "page not found",
        "page cannot be found",
        "page can't be found",
        "page could not be found",
        "page doesn't exist",
        "page does not exist",
        "page no longer exists",
        "page you requested could not",
        "page you requested was not found",
        "page you are looking for",
        "page you're looking for",
        "we can't find that page",
        "we couldn't find that page",
        "file not found",
        # Dutch
        "pagina niet gevonden",
        "pagina bestaat niet",
        "pagina is niet gevonden",
        "pagina kan niet worden gevonden",
        "pagina kon niet worden gevonden",
        "pagina bestaat niet meer",
        # French
        "page introuvable",
        "page non trouvée",
        "page n'existe pas",
        "page n'existe plus",
        "page inexistante",
        # German
        "seite nicht gefunden",
        "seite wurde nicht gefunden",
        "seite existiert nicht",
        "seite konnte nicht gefunden werden",
        # Spanish
        "página no encontrada",
        "no se encontró la página",
        "la página no existe",
        # Italian, Portuguese, Polish
        "pagina non trovata",
        "página não encontrada",
        "nie znaleziono strony",
        "strona nie została znaleziona",
        "strona nie istnieje",
        # Russian, Belarusian, Ukrainian
        "страница не найдена",
        "страница не существует",
        "страницы не существует",
        "старонка не знойдзена",
        "старонка не існуе",
        "старонкі не існуе",
        "сторінку не знайдено",
        "сторінка не знайдена",
        "сторінки не існує",
    )
)
# Whole title segments that say "not found" on their own ("Not Found | Site").
_NOT_FOUND_SEGMENTS = frozenset(
    fold_words(p)
    for p in (
        "404",
        "not found",
        "nothing found",
        "niet gevonden",
        "introuvable",
        "nicht gefunden",
        "no encontrada",
        "no encontrado",
        "non trovata",
        "não encontrada",
        "не найдена",
        "не найдено",
        "не знойдзена",
        "не знайдено",
    )
)
# Words that make a short segment with "404" an error title ("Error 404", "404 Not Found").
_ERROR_WORDS = frozenset(
    fold_words(w)
    for w in (
        "error",
        "erreur",
        "fehler",
        "fout",
        "errore",
        "erro",
        "błąd",
        "ошибка",
        "памылка",
        "помилка",
        "found",
        "gevonden",
        "gefunden",
        "introuvable",
        "encontrada",
        "trovata",
        "найдена",
        "знойдзена",
    )
)
_SEGMENT_SPLIT = re.compile(r"\s+[-|–—:·•»/]+\s+|[|–—·•»]")
_INTERJECTION = re.compile(r"^(?:oops|oeps|whoops|sorry|helaas|desole|oh no|hmm)\W*")


class _Doc:
    """One parse of an HTML body: title and h1 at once, the text fingerprint on demand."""

    def __init__(self, root: Any) -> None:
        self.root = root  # lxml.html.HtmlElement (lxml has no type stubs)
        title = root.find(".//title")
        h1 = root.find(".//h1")
        self.title = _clean(title.text_content()) if title is not None else ""
        self.h1 = _clean(h1.text_content()) if h1 is not None else ""
        self._fingerprint: tuple[frozenset[str], int] | None = None

    def fingerprint(self) -> tuple[frozenset[str], int]:
        """(word shingles, length of the normalised text) of the main text; computed once.

        Navigation, header, footer, asides and scripts are left out: they are the same on
        every page of a site and would make any two pages look alike.
        """
        if self._fingerprint is None:
            lxml.etree.strip_elements(self.root, *_NOISE_TAGS, with_tail=False)
            body = self.root.find("body")
            words = _tokens(" ".join((body if body is not None else self.root).itertext()))
            self._fingerprint = (_shingles(words), len(" ".join(words)))
        return self._fingerprint


def _clean(text: object) -> str:
    return " ".join(str(text or "").split())[:300]


def _parse_html(body: bytes, content_type: str) -> _Doc | None:
    """Parse an HTML body; None when it is not HTML or not parseable."""
    if not body or not media.is_html(content_type, body):
        return None
    # Decoded as extract decodes a watched page (BOM, HTTP charset, a late <meta
    # charset>, a few invalid bytes): a soft-404 whose title is in cp1251 behind
    # 5 KB of inline script read as mojibake here when only the first 4 KB were searched.
    text = decode(body, media.charset(content_type))
    # lxml refuses str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    try:
        return _Doc(lxml.html.document_fromstring(text))
    except (lxml.etree.ParserError, ValueError):
        return None


def _parse_window(result: FetchResult) -> _Doc | None:
    return _parse_html(result.body[:WINDOW_BYTES], result.headers.get("content-type", ""))


def _tokens(text: str) -> list[str]:
    """Lower-case words; any word with a digit or "/" becomes "#" so echoed paths match."""
    out: list[str] = []
    for raw in text.lower().split():
        if "/" in raw or any(c.isdigit() for c in raw):
            out.append("#")
        else:
            word = raw.strip(_TOKEN_PUNCT)
            if word:
                out.append(word)
    return out


def _shingles(words: list[str]) -> frozenset[str]:
    if len(words) <= SHINGLE_WORDS:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(
        " ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)
    )


def page_signals(body: bytes, content_type: str) -> tuple[str, str]:
    """Return (title, first h1) of an HTML body, whitespace-collapsed; ("", "") otherwise.

    ``content_type`` is the header value (parameters such as charset are used) or just
    the media type; an empty one means "look at the body". Never raises.
    """
    doc = _parse_html(body, content_type)
    return ("", "") if doc is None else (doc.title, doc.h1)


def host_profile(result: FetchResult) -> HostProfile:
    """Summarise a host's answer to a random missing path (``Fetcher.missing_path``)."""
    doc = None if result.error else _parse_window(result)
    shingles, length = doc.fingerprint() if doc else (frozenset[str](), 0)
    return HostProfile(
        host=host_key(result.url),
        status_code=None if result.error else result.status_code,
        final_url=None if result.error else result.final_url,
        title=doc.title if doc else "",
        fingerprint=shingles,
        length=length,
    )


def _says_not_found(text: str) -> bool:
    """True when a title or heading reads as a not-found message (see module doc)."""
    folded = fold_words(text)
    if not folded:
        return False
    if any(phrase in folded for phrase in _NOT_FOUND_PHRASES):
        return True
    for segment in _SEGMENT_SPLIT.split(folded):
        segment = _INTERJECTION.sub("", segment.strip(" !.?()[]'\"")).strip(" !.?")
        if segment in _NOT_FOUND_SEGMENTS:
            return True
        words = re.findall(r"\w+", segment)
        # "Error 404", "404 Not Found": short, with an error word; not "Route 404 to Paris".
        if "404" in words and len(words) <= 3 and any(w in _ERROR_WORDS for w in words):
            return True
    return False


def _is_home(path: str) -> bool:
    return _HOME_PATH.match(path.lower() or "/") is not None


def _same_landing(a: str, b: str) -> bool:
    """True when two final URLs are the same page (scheme, "www." and a final "/" aside)."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (_bare_host(pa.hostname), pa.path.rstrip("/"), pa.query) == (
        _bare_host(pb.hostname),
        pb.path.rstrip("/"),
        pb.query,
    )


def _bare_host(host: str | None) -> str:
    return (host or "").lower().removeprefix("www.")


def _same_site(host_a: str, host_b: str) -> bool:
    a, b = _bare_host(host_a), _bare_host(host_b)
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def _is_login(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return host.startswith(_LOGIN_HOSTS) or _LOGIN_PATH.search(parts.path.lower()) is not None


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _looks_like_profile(result: FetchResult, doc: _Doc | None, profile: HostProfile) -> bool:
    """Signal (c): the link answers what its host answers for any missing path."""
    if profile.status_code is None or not 200 <= profile.status_code < 300:
        return False  # the host gives real errors for missing paths: nothing to compare
    if profile.host not in (host_key(result.url), host_key(result.final_url)):
        return False
    if result.hops and profile.final_url == result.final_url:
        return True  # redirected to where every missing path is redirected
    if doc is None or len(profile.fingerprint) < MIN_SHINGLES:
        return False
    if profile.title and fold_words(profile.title) != fold_words(doc.title):
        return False  # real pages have their own title; a catch-all page has one title
    shingles, length = doc.fingerprint()
    longer = max(length, profile.length)
    similar_length = longer > 0 and min(length, profile.length) / longer >= SIMILAR_LENGTH
    return similar_length and _jaccard(shingles, profile.fingerprint) >= SIMILAR_JACCARD


def _phrase(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def _error_verdict(result: FetchResult) -> LinkVerdict:
    """The verdict of a fetch that produced no usable final answer."""
    detail = result.error_detail or ""
    status, reason = Status.UNREACHABLE, f"Could not check the link: {detail or 'unknown error'}"
    match result.error:
        case FetchError.TIMEOUT:
            limit = f"within {result.timeout_s:g} s" if result.timeout_s else "in time"
            status, reason = Status.TIMEOUT, f"The server did not answer {limit}"
        case FetchError.DNS:
            reason = (
                "The site's name does not exist (DNS lookup failed): the domain may have expired"
            )
        case FetchError.REFUSED:
            reason = "The server refused the connection: the site is down or has moved"
        case FetchError.RESET:
            reason = "The connection was cut off before the page arrived"
        case FetchError.NO_ROUTE:
            reason = "No network route to the site: its network is down or unreachable"
        case FetchError.TLS:
            lowered = detail.lower()
            if "certificate" in lowered or "hostname" in lowered:
                reason = f"The certificate of this site is not valid: {detail}"
            else:
                reason = f"The secure connection to this site failed: {detail or 'handshake error'}"
            status = Status.TLS_ERROR
        case FetchError.REDIRECT_LOOP:
            looped = result.hops[-1].location if result.hops else None
            where = f" (back to {looped})" if looped else ""
            status, reason = Status.BROKEN, f"Redirects in a loop{where}: the page never loads"
        case FetchError.TOO_MANY_REDIRECTS:
            status, reason = Status.BROKEN, "More than 10 redirects: the page never loads"
        case FetchError.BAD_REDIRECT:
            status, reason = Status.BROKEN, f"Broken redirect: {detail or 'unusable Location'}"
        case FetchError.PROTOCOL:
            status = Status.SERVER_ERROR
            reason = f"The server sent a malformed answer ({detail or 'protocol error'})"
        case FetchError.PRIVATE_REDIRECT:
            status = Status.SKIPPED
            reason = f"Points to a private or local network address, not checked ({detail})"
        case FetchError.INVALID_URL:
            status, reason = Status.BROKEN, f"The link is not a valid web address ({detail})"
        case _:
            pass
    return LinkVerdict(status, result.status_code, result.final_url, reason)


def _http_verdict(result: FetchResult, code: int) -> LinkVerdict:
    """The verdict of a final answer that is not 2xx."""
    final = result.final_url
    known = _HTTP_REASONS.get(code)
    if code in _BLOCKED or result.headers.get("cf-mitigated", "").lower() == "challenge":
        challenge = not (code in _BLOCKED and known)
        reason = f"Bot challenge ({code}): could not verify" if challenge else known
        block = BlockKind.CHALLENGE if challenge else BlockKind.REFUSED
        return LinkVerdict(Status.BLOCKED, code, final, reason, block=block)
    if 400 <= code < 500:
        reason = known or f"The site refused the page ({_phrase(code)})"
        return LinkVerdict(Status.BROKEN, code, final, reason)
    if 500 <= code < 600:
        return LinkVerdict(
            Status.SERVER_ERROR, code, final, known or f"Server error ({_phrase(code)})"
        )
    if 300 <= code < 400:
        # 304: a conditional request was answered "unchanged"; other 3xx are not redirects
        # we follow (300, 305): the server answered, the link is not broken.
        note = None if code == 304 else f"The site answered {_phrase(code)}"
        return LinkVerdict(Status.OK, code, final, note)
    return LinkVerdict(Status.SERVER_ERROR, code, final, f"Unexpected answer ({code})")


# A page whose own text (chrome left out: see ``_login_form``) is shorter than this, with a
# password field in that text, is a login form, not the page.
_LOGIN_WALL_CHARS = 600
_PASSWORD = lxml.etree.XPath("//input[translate(@type, 'PASSWORD', 'password') = 'password'][1]")
# ARIA landmarks that are a site's chrome whatever their tag (``<div role="banner">``).
_CHROME_ROLES = frozenset({"banner", "navigation"})


def _login_form(doc: _Doc) -> bool:
    """True when a parsed watched page is a login form: a password field and little else.

    Only the page's own part counts: a site's chrome (the ``_NOISE_TAGS``: header, nav,
    aside, footer, scripts; and elements with role banner or navigation) is left out, both
    where the password field is looked for and where the text is measured. A petition of a
    few hundred characters with a "log in" box in its header is a petition, not a wall.
    Takes the page's ``_Doc`` and alters its tree (its fingerprint is then of that part).
    """
    if not _PASSWORD(doc.root):
        return False  # most pages: no need to walk the tree
    chrome = [
        el
        for el in doc.root.iter()
        if isinstance(el.tag, str)
        and (
            _CHROME_ROLES & set(str(el.get("role", "")).lower().split())
            or _unseen(el)  # a login pop-up waiting hidden in the page is not the page
        )
    ]
    for el in chrome:
        if el.getparent() is not None:
            el.drop_tree()  # keeps the text that follows it: that is its parent's
    _, length = doc.fingerprint()  # strips the chrome tags from the tree too
    return bool(_PASSWORD(doc.root)) and length < _LOGIN_WALL_CHARS


def _unseen(el: Any) -> bool:
    """True for an element a reader does not see until something opens it."""
    if el.tag in ("dialog", "template") or el.get("hidden") is not None:
        return True
    if el.get("aria-hidden") == "true":
        return True
    style = str(el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def page_verdict(
    result: FetchResult, profile: HostProfile | None = None, *, landed: str | None = None
) -> LinkVerdict:
    """Judge a watched page: ``classify``, and stricter where a page's text is at stake.

    A link that leads to a login page or to another site's home page may be as meant (a
    members' area, a shortener); a watched page that now does so has lost the text being
    watched, and comparing the login form or the home page with it would report their text
    as the page's news. So for a watched page: a redirect to a login page, or an answer
    that is a login form (a password field and little else outside the header, navigation,
    sidebars and footer), is ``blocked``; a redirect from a deep URL to any site's home
    page, or from a site's root to the home page of another host (a campaign microsite
    closed into its organisation's site), is ``soft_404``. A root sent to its own host's
    home (http to https, adding "www.") stays as ``classify`` says. Takes the page's
    ``FetchResult`` and its host's profile (or None); returns its verdict. Pure; never raises.
    """
    verdict = classify(result, profile)
    code, final = verdict.http_status, result.final_url
    # Before classify's soft-404 too: "https://login.partner.org/" is the root of a site
    # of its own, and classify takes it for the home page.
    sent_home = verdict.status is Status.SOFT_404 and bool(result.hops)
    if verdict.status not in (Status.OK, Status.MOVED) and not sent_home:
        return verdict
    if result.hops and _is_login(final) and not _is_login(result.url):
        reason = "Redirects to a login page: the page's text could not be checked"
        return LinkVerdict(Status.BLOCKED, code, final, reason, block=BlockKind.LOGIN_REDIRECT)
    if sent_home:
        return verdict
    start, end = urlsplit(result.url), urlsplit(final)
    # A page that has always landed there (a campaign's short address leading to its
    # microsite's home) is watched there; only a page that used to land elsewhere and is
    # now sent home has lost its text.
    always_there = landed is not None and _same_landing(landed, final)
    if result.hops and _is_home(end.path) and not always_there:
        if not _is_home(start.path):
            reason = (
                f"Sends readers to the home page of {end.hostname}: the page was probably removed"
            )
            return LinkVerdict(Status.SOFT_404, code, final, reason)
        # Another host, not another registrable domain: a microsite's root
        # (freeales.fidh.org) sent to its organisation's home (www.fidh.org) is closed.
        if _bare_host(start.hostname) != _bare_host(end.hostname):
            reason = (
                f"Sends readers to the home page of {end.hostname}, another site: "
                "the watched site was probably closed or merged into it"
            )
            return LinkVerdict(Status.SOFT_404, code, final, reason)
    # The whole page, not classify's window: a page with 64 KB of inline CSS and JSON
    # before its article would otherwise be judged by its header alone.
    doc = _parse_html(result.body, result.headers.get("content-type", ""))
    if doc is not None and _login_form(doc):
        reason = "Shows a login form instead of the page: its text could not be checked"
        return LinkVerdict(Status.BLOCKED, code, final, reason, block=BlockKind.LOGIN_FORM)
    return verdict


def classify(result: FetchResult, profile: HostProfile | None = None) -> LinkVerdict:
    """Judge one fetched link. Pure; never raises.

    ``result`` is a ``Fetcher.probe``/``get`` answer; ``profile`` the ``host_profile`` of
    the link's host (``scheme://netloc`` of ``result.url``), or None when unknown (then
    only signals (a) and (b) can find a soft-404). Returns the status, the final HTTP
    code, the final URL, a one-sentence reason (None only for a plain ``ok``) and, for
    ``moved``, the URL to use instead.
    """
    if result.error is not None:
        return _error_verdict(result)
    code = result.status_code
    if code is None:
        return LinkVerdict(Status.UNREACHABLE, None, result.final_url, "No answer was received")
    if not 200 <= code < 300:
        return _http_verdict(result, code)

    final = result.final_url
    start, end = urlsplit(result.url), urlsplit(final)
    deep = not _is_home(start.path)
    login = bool(result.hops) and _is_login(final) and not _is_login(result.url)
    same_site = _same_site(start.hostname or "", end.hostname or "")

    def soft(reason: str) -> LinkVerdict:
        return LinkVerdict(Status.SOFT_404, code, final, reason)

    # (a) a deep link that ends on its own site's home page
    if result.hops and deep and same_site and _is_home(end.path):
        return soft("Sends readers to the home page: the page was probably removed")
    doc = _parse_window(result)
    # (b) not-found wording as the title or main heading
    if doc is not None:
        for shown in (doc.title, doc.h1):
            if _says_not_found(shown):
                return soft(f"Shows “{shown}” (with status {code}): the page is gone")
    # (c) the host's answer to any missing path
    if profile is not None and deep and not login and _looks_like_profile(result, doc, profile):
        return soft(
            "Shows the same page the site gives for any missing address: the page is probably gone"
        )

    permanent = [hop for hop in result.hops if hop.status_code in _PERMANENT]
    if permanent and final != result.url:
        # The target of the last permanent redirect: temporary hops after it (a session,
        # a login) are not where the link should point.
        index = result.hops.index(permanent[-1])
        suggestion = result.hops[index].location or final
        if suggestion == result.url:  # came back to the link itself: only the end counts
            suggestion = final
        if not same_site and _is_home(urlsplit(suggestion).path) and deep:
            reason = (
                f"Moved permanently to the home page of {urlsplit(suggestion).hostname}: "
                "check that it still leads where it should"
            )
        else:
            reason = f"Moved permanently to {suggestion}: update the link"
        return LinkVerdict(Status.MOVED, code, final, reason, suggestion)
    if login:
        reason = "Redirects to a login page: the content behind it could not be checked"
        return LinkVerdict(Status.OK, code, final, reason)
    return LinkVerdict(Status.OK, code, final, None)
