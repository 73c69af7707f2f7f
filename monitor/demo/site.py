"""The simulated partner web of the Ales Bialiatski campaign, scripted day by day.

This module owns the demo's *world*: the pages of the campaign and its partners, served
by a ``SimWeb`` on nine loopback addresses, what happens to them on each simulated day,
the watch list that points the monitor at them, and the ground truth of what the
monitor should find. ``monitor demo``, the end-to-end tests and the benchmark all use
it, so the product is always shown, tested and measured against the same partner web.

The pages are modelled on the real campaign for the release of the Belarusian human
rights defender Ales Bialiatski; their wording is written for this demo, and every page
says in its footer that it is a simulation. Each site has the boilerplate real sites
have (navigation, cookie banner, share bar, sidebar teasers, footer) so that the
main-content extraction has something to ignore, and some pages change every day in
ways that must never be reported (a rotating banner, a signature counter, a "last
updated" time).

Use::

    with SimWeb(hosts=site.ADDRESSES) as web:
        demo = site.build(web)
        truth = demo.day(1)               # script day 1; returns what should be found
        yaml_text = demo.watchlist_yaml(database=..., reports_dir=...)
        ... run the monitor ...
        truth = demo.day(2)               # the partner web as it is on day 2

What happens (``EVENTS`` says it in words; ``Expected`` in data):

* day 1: everything answers; the baseline.
* day 2: the behind-bars instructions PDF is deleted (404, and stays gone); the PNG
  template is missing too (404); Viasna's server is down (503 on every page).
* day 3: the PNG template is back; Viasna is back; the petition has closed and redirects
  to Amnesty's home page; Amnesty's background article shows "Pagina niet gevonden" with
  status 200; OSCE moved the Guidelines page (301); Libereco's server hangs; FIDH adds
  the verdict ("sentenced to 10 years") to its special page.
* every day: the rotating banner, the signature counters and the "last updated" times
  change (noise: never a content change).
"""

from __future__ import annotations

import html
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote, urljoin, urlsplit

from monitor.models import Status
from monitor.testing.web import Request, Route, RouteLike, SimWeb

__all__ = [
    "ADDRESSES",
    "DAYS",
    "EVENTS",
    "HOSTS",
    "IGNORE_LINKS",
    "DemoSite",
    "Expected",
    "WatchSpec",
    "build",
]

DAYS = 3

# One loopback address per organisation: separate hosts, as on the real web (separate
# per-host limits, host profiles and soft-404 probes). Linux answers on all of 127/8.
HOSTS: Mapping[str, str] = {
    "nhc": "127.0.0.2",  # Netherlands Helsinki Committee: the campaign page
    "amnesty": "127.0.0.3",  # Amnesty International Netherlands: the petition
    "fidh": "127.0.0.4",  # FIDH: the special page
    "viasna": "127.0.0.5",  # Human Rights Centre Viasna
    "osce": "127.0.0.6",  # OSCE/ODIHR: the Guidelines on Human Rights Defenders
    "libereco": "127.0.0.7",  # Libereco – Partnership for Human Rights
    "crd": "127.0.0.8",  # Civil Rights Defenders
    "fld": "127.0.0.9",  # Front Line Defenders
    "archive": "127.0.0.10",  # a Wayback-style archive and its availability API
}
ADDRESSES: tuple[str, ...] = tuple(HOSTS.values())

# Share buttons and social profiles are not partner pages (and the demo has no
# internet): the watch list ignores them, as a real one would.
IGNORE_LINKS: tuple[str, ...] = (
    r"^https?://(www\.)?(facebook|twitter|x|linkedin|instagram|youtube|t)\.(com|me)/",
    r"^https?://(wa\.me|bsky\.app|telegram\.me)/",
)

ARCHIVE_API_PATH = "/wayback/available"
SNAPSHOT_STAMP = "20240611093512"  # when the simulated archive saved its copies

# What happens on the simulated web, day by day, in a campaigner's words.
EVENTS: Mapping[int, tuple[str, ...]] = {
    1: ("every page answers: this is the baseline",),
    2: (
        "NHC deleted the behind-bars instructions (PDF): 404",
        "the behind-bars PNG template is missing too: 404",
        "Viasna's server is down: 503 on every page",
    ),
    3: (
        "the PNG template is back; Viasna is back",
        "the petition has closed and redirects to Amnesty's home page",
        "Amnesty's background article says 'Pagina niet gevonden' with status 200",
        "OSCE moved the Guidelines page (301 to a new address)",
        "Libereco's server hangs (no answer at all)",
        "FIDH adds the verdict to its special page: 'sentenced to 10 years'",
    ),
}


# -- the watch list -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WatchSpec:
    """One entry of the demo's watch list (``host`` is a key of ``HOSTS``)."""

    name: str
    host: str
    path: str
    partner: str
    links: bool
    content: bool
    ignore: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    comment: str = ""


_LAST_UPDATED = r"Last updated: .*"

WATCHES: tuple[WatchSpec, ...] = (
    WatchSpec(
        "Campaign page",
        "nhc",
        "/en/campaign-release-ales-bialiatski",
        "Netherlands Helsinki Committee",
        links=True,
        content=True,
        ignore=(_LAST_UPDATED,),
        keywords=("released", "freed", "verdict", "sentenced"),
        comment="every link on it: petition, templates, FIDH, Viasna, OSCE",
    ),
    WatchSpec(
        "Supporting organisations",
        "nhc",
        "/en/campaign-release-ales-bialiatski/organisations",
        "Netherlands Helsinki Committee",
        links=True,
        content=True,
        comment="the list of organisations behind the call, and their sites",
    ),
    WatchSpec(
        "Petition (Amnesty International Netherlands and NHC)",
        "amnesty",
        "/petitie/ales-bialiatski",
        "Amnesty International Netherlands",
        links=False,
        content=True,
        ignore=(r"\d[\d.,]* (handtekeningen|signatures)",),
        keywords=("gesloten", "closed", "bedankt", "vrijgelaten", "released"),
        comment="a petition's own links are navigation, not ours",
    ),
    WatchSpec(
        "FIDH special page",
        "fidh",
        "/en/region/europe-central-asia/belarus/free-ales-bialiatski",
        "FIDH",
        links=True,
        content=True,
        ignore=(_LAST_UPDATED,),
        keywords=("verdict", "sentenced", "released", "libéré"),
    ),
    WatchSpec(
        "Human Rights Centre Viasna",
        "viasna",
        "/en/",
        "Viasna",
        links=True,
        content=False,
        comment="a news front page changes daily: links only",
    ),
)


# -- ground truth ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What the monitor should find on one simulated day (the tests' ground truth).

    ``links`` holds every ``<a href>`` of the pages whose links are checked (as absolute
    URLs, fragments removed) with its expected status; ``status_of`` also answers for
    other URLs the site serves (stylesheets, images). ``content`` is only given for
    pages whose content is watched and readable that day.
    """

    day: int
    when: datetime  # the simulated check time (07:00 UTC)
    events: tuple[str, ...]
    pages: Mapping[str, Status]  # watch name -> status
    content: Mapping[str, str]  # watch name -> baseline | unchanged | changed | unavailable
    keywords: Mapping[str, frozenset[tuple[str, str]]]  # watch name -> {(word, event)}
    links: Mapping[str, Status]  # link URL -> status
    found_on: Mapping[str, frozenset[str]]  # link URL -> URLs of the watched pages it is on
    suggestions: Mapping[str, str | None]  # checked link URL -> expected suggestion
    noise: tuple[str, ...]  # texts that changed today and must never be reported
    status_of: Callable[[str], Status | None] = field(repr=False, compare=False)

    @property
    def problems(self) -> frozenset[str]:
        """URLs of the links in a problem status."""
        return frozenset(url for url, status in self.links.items() if status.is_problem)


@dataclass(frozen=True, slots=True)
class _Entry:
    """A scripted answer with the status the monitor should give it."""

    route: RouteLike
    status: Status
    suggestion: str | None = None
    html: str | None = None  # the page's HTML, when it is a page (for the ground truth)


class _Anchors(HTMLParser):
    """Collect ``<a href>`` targets with their text (stdlib parser: independent of extract)."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.found: list[tuple[str, str]] = []
        self._open: list[tuple[str | None, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        href = (dict(attrs).get("href") or "").strip()
        # No href, or a pure "#fragment" (a skip link to the same page): nothing to check.
        url = urljoin(self.base, href).split("#", 1)[0] if href and href[0] != "#" else None
        self._open.append((url, []))

    def handle_data(self, data: str) -> None:
        for _, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            url, parts = self._open.pop()
            if url is not None:
                self.found.append((url, " ".join("".join(parts).split())))


def anchors(page_html: str, base: str) -> list[tuple[str, str]]:
    """The ``(absolute URL, anchor text)`` of every ``<a href>`` in ``page_html``."""
    parser = _Anchors(base)
    parser.feed(page_html)
    parser.close()
    return parser.found


# -- small binary files ----------------------------------------------------------------------


def _png(width: int, height: int, bars: int) -> bytes:
    """A valid greyscale PNG: light grey with ``bars`` dark vertical bars (a cell window)."""
    rows = bytearray()
    step = max(1, width // (bars * 2 + 1))
    for _ in range(height):
        rows.append(0)  # filter type "none"
        for x in range(width):
            rows.append(40 if (x // step) % 2 == 1 else 220)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _pdf(title: str, lines: Sequence[str]) -> bytes:
    """A small valid one-page PDF showing ``title`` and ``lines`` in Helvetica."""
    text = [f"BT /F1 18 Tf 56 780 Td ({title}) Tj ET"]
    for i, line in enumerate(lines):
        text.append(f"BT /F1 11 Tf 56 {744 - 18 * i} Td ({line}) Tj ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def _zip(files: Mapping[str, bytes]) -> bytes:
    """A ZIP archive of ``files`` with fixed timestamps (the same bytes every time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2021, 7, 14, 12, 0, 0)), data)
    return buffer.getvalue()


_TEMPLATE_PNG = _png(120, 90, 5)
_TEMPLATE_ZIP = _zip(
    {
        "behind-bars-square-1080.png": _png(108, 108, 6),
        "behind-bars-story-1080x1920.png": _png(54, 96, 4),
        "behind-bars-print-A4.png": _png(84, 119, 6),
        "LEESMIJ-README.txt": (
            b"Behind bars template for the campaign for Ales Bialiatski.\r\n"
            b"Print the A4 version, or use the square and story versions on social media.\r\n"
            b"Instructions: see behind-bars-instructions.pdf on the campaign page.\r\n"
        ),
    }
)
_INSTRUCTIONS_PDF = _pdf(
    "Behind bars for Ales Bialiatski - instructions",
    (
        "1. Print the template (A4, landscape) or open it on a tablet.",
        "2. Hold it in front of your face so that the bars cover it.",
        "3. Take a photo in good light; ask consent of everyone in the picture.",
        "4. Share it with #FreeAles and tag the Netherlands Helsinki Committee.",
        "5. Sign the petition if you have not done so yet.",
    ),
)
_TRIAL_NOTE_PDF = _pdf(
    "FIDH trial observation note - Belarus",
    (
        "Observations on the trial of Ales Bialiatski, Valiantsin Stefanovich",
        "and Uladzimir Labkovich.",
    ),
)
_GUIDELINES_PDF = _pdf(
    "OSCE/ODIHR Guidelines on the Protection of Human Rights Defenders",
    ("Warsaw, 2014. Section II: protection of human rights defenders.",),
)
_FAVICON = _png(16, 16, 2)


def _logo_svg(label: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40">'
        '<rect width="160" height="40" fill="#1d3557"/>'
        f'<text x="8" y="26" fill="#fff" font-family="sans-serif" font-size="16">'
        f"{html.escape(label)}</text></svg>"
    )


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#222;line-height:1.45}"
    ".site-header{background:#1d3557;color:#fff;padding:.5em 1em}"
    ".site-header a{color:#fff}.site-header nav ul{display:flex;gap:1.2em;list-style:none;"
    "padding:0}.skip{position:absolute;left:-999px}.search{display:inline}"
    ".promo{background:#ffd166;color:#222;padding:.4em 1em;margin:.5em -1em -.5em}"
    ".page{display:flex;flex-wrap:wrap;gap:2em;max-width:72em;margin:1em auto;padding:0 1em}"
    ".share{flex-basis:100%}main{flex:3;min-width:18em}aside{flex:1;min-width:12em}"
    "footer{background:#eee;padding:1em 2em;font-size:.9em}"
    ".cookie{position:fixed;bottom:0;left:0;right:0;background:#fff;"
    "border-top:1px solid #ccc;padding:0 1em}"
)
_JS = "document.documentElement.classList.remove('no-js');\n"


# -- the organisations' page chrome ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Org:
    """What every page of one organisation's site shares: header, banners, footer."""

    key: str
    name: str
    lang: str
    nav: tuple[tuple[str, str], ...]  # (label, path)
    footer_links: tuple[tuple[str, str], ...]
    social: tuple[tuple[str, str], ...]  # (label, absolute URL): ignored by the watch list
    cookie_text: str
    cookie_buttons: tuple[str, str]
    footer_text: str
    not_found: tuple[str, str, str]  # title, h1, text of the site's 404 page
    banners: tuple[str, ...] = ()  # the rotating promo banner, one a day
    home: str = "/"


_SIMULATED = (
    "Simulated page for the partner-monitor demo, served on your own computer: "
    "not the real website of {name}."
)

_ORGS: Mapping[str, _Org] = {
    "nhc": _Org(
        key="nhc",
        name="Netherlands Helsinki Committee",
        lang="en",
        home="/en/",
        nav=(
            ("About us", "/en/about-us"),
            ("Our work", "/en/our-work"),
            ("Countries", "/en/countries"),
            ("News", "/en/news"),
            ("Campaigns", "/en/campaigns"),
            ("Donate", "/en/donate"),
            ("Nederlands", "/nl/"),
        ),
        footer_links=(
            ("Contact", "/en/contact"),
            ("Privacy statement", "/en/privacy"),
            ("ANBI status", "/en/anbi"),
            ("Newsletter", "/en/newsletter"),
        ),
        social=(
            ("Facebook", "https://www.facebook.com/NetherlandsHelsinkiCommittee"),
            ("X", "https://x.com/nhc_org"),
            ("LinkedIn", "https://www.linkedin.com/company/netherlands-helsinki-committee"),
        ),
        cookie_text=(
            "We use functional cookies to make this site work and, with your consent, "
            "analytics cookies to learn which pages are read. Read our privacy statement "
            "for details."
        ),
        cookie_buttons=("Accept all cookies", "Only functional cookies"),
        footer_text=(
            "The Netherlands Helsinki Committee promotes human rights, the rule of law and "
            "democracy in the countries of the OSCE region. The Hague, the Netherlands."
        ),
        not_found=(
            "Page not found | Netherlands Helsinki Committee",
            "Page not found",
            "The page you are looking for does not exist or has been moved.",
        ),
        banners=(
            "Human Rights Defenders Day: join our online meeting with defenders from "
            "Belarus and Georgia on 9 December.",
            "Independent human rights work needs independent funding: become a friend of "
            "the NHC today.",
            "New report: shrinking space for civil society across the OSCE region. "
            "Read the key findings.",
        ),
    ),
    "amnesty": _Org(
        key="amnesty",
        name="Amnesty International Nederland",
        lang="nl",
        home="/",
        nav=(
            ("Over ons", "/over-ons"),
            ("Wat we doen", "/wat-we-doen"),
            ("Actueel", "/actueel"),
            ("Kom in actie", "/kom-in-actie"),
            ("Doneer", "/doneren"),
        ),
        footer_links=(
            ("Contact", "/contact"),
            ("Privacyverklaring", "/privacy"),
            ("Cookies", "/cookies"),
            ("Vacatures", "/vacatures"),
        ),
        social=(
            ("Facebook", "https://www.facebook.com/amnestynl"),
            ("Instagram", "https://www.instagram.com/amnestynl"),
        ),
        cookie_text=(
            "Amnesty gebruikt cookies om de website goed te laten werken en, met jouw "
            "toestemming, om te meten hoe de site wordt gebruikt."
        ),
        cookie_buttons=("Alle cookies accepteren", "Alleen noodzakelijke cookies"),
        footer_text=(
            "Amnesty International komt op voor mensenrechten, overal ter wereld. "
            "Amsterdam, Nederland."
        ),
        not_found=(
            "Pagina niet gevonden | Amnesty International",
            "Pagina niet gevonden",
            "Helaas, deze pagina bestaat niet (meer) of is verplaatst. Probeer de zoekfunctie "
            "of ga naar de homepage.",
        ),
        banners=(
            "Doe mee aan de Schrijfmarathon: schrijf een brief en verander een leven.",
            "Word lid van Amnesty en steun ons werk voor mensenrechtenverdedigers.",
            "Nieuw: de Amnesty-podcast over gewetensgevangenen.",
        ),
    ),
    "fidh": _Org(
        key="fidh",
        name="FIDH",
        lang="en",
        home="/en/",
        nav=(
            ("Who we are", "/en/about-us"),
            ("Regions", "/en/region"),
            ("Issues", "/en/issues"),
            ("Publications", "/en/publications"),
            ("Support us", "/en/support-us"),
        ),
        footer_links=(
            ("Contact", "/en/contact"),
            ("Legal notice", "/en/legal-notice"),
            ("Press", "/en/press"),
        ),
        social=(
            ("X", "https://x.com/fidh_en"),
            ("Facebook", "https://www.facebook.com/fidh.hr"),
        ),
        cookie_text=(
            "This site uses cookies to measure its audience. You can accept or refuse them."
        ),
        cookie_buttons=("Accept", "Refuse"),
        footer_text=(
            "FIDH – International Federation for Human Rights, a federation of national "
            "human rights organisations. Paris, France."
        ),
        not_found=(
            "Page not found - FIDH",
            "Page not found",
            "Sorry, the page you requested could not be found.",
        ),
        banners=(
            "#FreeAles: share the campaign visual on your channels.",
            "Support FIDH's litigation work: make a donation.",
            "Subscribe to the FIDH newsletter on Eastern Europe and Central Asia.",
        ),
    ),
    "viasna": _Org(
        key="viasna",
        name="Human Rights Centre Viasna",
        lang="en",
        home="/en/",
        nav=(
            ("News", "/en/news"),
            ("Political prisoners", "/en/political-prisoners"),
            ("Reports", "/en/reports"),
            ("About Viasna", "/en/about"),
            ("Беларуская", "/be/"),
        ),
        footer_links=(("Contact", "/en/contact"), ("Support Viasna", "/en/support")),
        social=(("Telegram", "https://t.me/viasna96"),),
        cookie_text="This website uses only the cookies it needs to work.",
        cookie_buttons=("OK", "More information"),
        footer_text="Human Rights Centre Viasna, founded in 1996.",
        not_found=("404 Not Found", "Not found", "There is nothing at this address."),
    ),
    "osce": _Org(
        key="osce",
        name="OSCE",
        lang="en",
        nav=(("ODIHR", "/odihr"), ("Resources", "/resources")),
        footer_links=(("Contact", "/contacts"), ("Terms of use", "/terms")),
        social=(),
        cookie_text="The OSCE website uses cookies to improve your experience.",
        cookie_buttons=("Accept", "Decline"),
        footer_text="Organization for Security and Co-operation in Europe.",
        not_found=(
            "Page not found | OSCE",
            "Page not found",
            "The requested page could not be found.",
        ),
    ),
    "libereco": _Org(
        key="libereco",
        name="Libereco – Partnership for Human Rights",
        lang="en",
        nav=(("About", "/en/about"), ("Projects", "/en/projects"), ("Donate", "/en/donate")),
        footer_links=(("Imprint", "/en/imprint"),),
        social=(),
        cookie_text="We only use technically necessary cookies.",
        cookie_buttons=("OK", "Privacy"),
        footer_text="Libereco – Partnership for Human Rights.",
        not_found=("Page not found | Libereco", "Page not found", "This page does not exist."),
    ),
    "crd": _Org(
        key="crd",
        name="Civil Rights Defenders",
        lang="en",
        nav=(("What we do", "/en/what-we-do"), ("Defenders", "/en/defenders")),
        footer_links=(("Contact", "/en/contact"),),
        social=(),
        cookie_text="We use cookies to give you the best experience of our website.",
        cookie_buttons=("Accept", "Settings"),
        footer_text="Civil Rights Defenders, Stockholm, Sweden.",
        not_found=("Page not found – Civil Rights Defenders", "Page not found", "Sorry!"),
    ),
    "fld": _Org(
        key="fld",
        name="Front Line Defenders",
        lang="en",
        nav=(("Profiles", "/en/profiles"), ("Protection", "/en/protection")),
        footer_links=(("Contact", "/en/contact"),),
        social=(),
        cookie_text="This site uses cookies.",
        cookie_buttons=("Accept", "Reject"),
        footer_text="Front Line Defenders, Dublin, Ireland.",
        not_found=("Page not found | Front Line Defenders", "Page not found", "Not here."),
    ),
}


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _document(
    org: _Org,
    *,
    url: str,
    title: str,
    main: str,
    day: int,
    aside: str = "",
    share: bool = False,
) -> str:
    """A whole page of ``org``'s site: ``main`` is the article, the rest is boilerplate.

    The banner rotates with ``day`` (outside the main content, so it must never count as
    a change of the page).
    """
    nav = "\n".join(f'        <li><a href="{_e(p)}">{_e(label)}</a></li>' for label, p in org.nav)
    foot = " · ".join(f'<a href="{_e(p)}">{_e(label)}</a>' for label, p in org.footer_links)
    social = " ".join(
        f'<a class="social" href="{_e(u)}" rel="me">{_e(label)}</a>' for label, u in org.social
    )
    banner = ""
    if org.banners:
        text = org.banners[(day - 1) % len(org.banners)]
        banner = (
            '  <div class="promo" role="region" aria-label="Announcement">\n'
            f"    <p>{_e(text)}</p>\n  </div>\n"
        )
    share_bar = ""
    if share:
        quoted = quote(url, safe="")
        share_bar = (
            '  <div class="share" aria-label="Share this page">\n'
            "    <span>Share:</span>\n"
            f'    <a href="https://www.facebook.com/sharer/sharer.php?u={quoted}">Facebook</a>\n'
            f'    <a href="https://x.com/intent/post?url={quoted}&amp;text=%23FreeAles">X</a>\n'
            f'    <a href="https://www.linkedin.com/sharing/share-offsite/?url={quoted}">'
            "LinkedIn</a>\n"
            f'    <a href="https://wa.me/?text={quoted}">WhatsApp</a>\n'
            f'    <a href="mailto:?subject=%23FreeAles&amp;body={quoted}">E-mail</a>\n'
            "  </div>\n"
        )
    sidebar = f'  <aside class="sidebar">\n{aside}  </aside>\n' if aside else ""
    accept, refuse = org.cookie_buttons
    return f"""<!DOCTYPE html>
<html lang="{org.lang}" class="no-js">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{_e(title)}</title>
  <link rel="canonical" href="{_e(url)}">
  <link rel="stylesheet" href="/static/css/site.css?v=3.2">
  <link rel="icon" href="/favicon.ico">
  <script src="/static/js/site.js" defer></script>
</head>
<body>
<div class="cookie" id="cookie-consent" role="dialog" aria-label="Cookies">
  <p>{_e(org.cookie_text)}</p>
  <button type="button">{_e(accept)}</button> <button type="button">{_e(refuse)}</button>
</div>
<header class="site-header">
  <a class="skip" href="#content">Skip to content</a>
  <a class="logo" href="{_e(org.home)}"><img src="/static/img/logo.svg" alt="{_e(org.name)}"></a>
  <nav aria-label="Main">
    <ul>
{nav}
    </ul>
  </nav>
  <form class="search" role="search" action="/search"><input name="q" aria-label="Search">
    <button>Search</button></form>
{banner}</header>
<div class="page">
{share_bar}  <main id="content">
{main}
  </main>
{sidebar}</div>
<footer class="site-footer">
  <p>{_e(org.footer_text)}</p>
  <p>{foot}</p>
  <p>{social}</p>
  <p class="demo-note">{_e(_SIMULATED.format(name=org.name))}</p>
</footer>
</body>
</html>
"""


def _section_page(org: _Org, url: str, label: str, day: int) -> str:
    """A generic section page (the targets of navigation and footer links)."""
    main = (
        f"    <h1>{_e(label)}</h1>\n"
        f"    <p>{_e(label)}: an overview page of the {_e(org.name)} website. "
        "It is part of the simulated partner web and only exists so that every "
        "navigation link on it answers, as it does on the real site.</p>\n"
    )
    return _document(org, url=url, title=f"{label} | {org.name}", main=main, day=day)


def _not_found_page(org: _Org, url: str, day: int) -> str:
    title, h1, text = org.not_found
    main = f"    <h1>{_e(h1)}</h1>\n    <p>{_e(text)}</p>\n"
    return _document(org, url=url, title=title, main=main, day=day)


# -- the demo site --------------------------------------------------------------------------


class _Day:
    """The routes of one simulated day under construction, each with its expected status."""

    def __init__(self, site: DemoSite, n: int) -> None:
        self.site = site
        self.n = n
        self.routes: dict[tuple[str, str], _Entry] = {}
        self.defaults: dict[str, _Entry] = {}

    def page(
        self, host: str, path: str, title: str, main: str, *, aside: str = "", share: bool = False
    ) -> None:
        """An HTML page in ``host``'s chrome, answering 200."""
        url = self.site.url(host, path)
        body = _document(
            _ORGS[host], url=url, title=title, main=main, day=self.n, aside=aside, share=share
        )
        self.serve(host, path, _Entry(Route(body=body), Status.OK, html=body))

    def file(self, host: str, path: str, data: bytes | str, content_type: str) -> None:
        """A downloadable file (or asset), answering 200."""
        self.serve(host, path, _Entry(Route(body=data, content_type=content_type), Status.OK))

    def serve(self, host: str, path: str, entry: _Entry) -> None:
        """Any scripted answer: a redirect, an error, a hang."""
        self.routes[(HOSTS[host], path)] = entry

    def not_found(self, host: str) -> _Entry:
        """``host``'s real 404 page (for a file or page that is gone, and unknown paths)."""
        body = _not_found_page(_ORGS[host], self.site.url(host, "/"), self.n)
        return _Entry(Route(status=404, body=body), Status.BROKEN)


class DemoSite:
    """The campaign's partner web on a running ``SimWeb``, scripted per simulated day.

    Built by ``build(web)``. ``day(n)`` makes the web behave as on day ``n`` (1..DAYS)
    and returns the ``Expected`` findings; ``expected(n)`` only returns them.
    """

    def __init__(self, web: SimWeb, first_day: date | None = None) -> None:
        missing = [a for a in ADDRESSES if a not in web.hosts]
        if missing:
            raise ValueError(
                f"the demo site needs SimWeb(hosts=site.ADDRESSES); missing {', '.join(missing)}"
            )
        self.web = web
        self.first_day = first_day or (datetime.now(UTC).date() - timedelta(days=DAYS - 1))
        self.current: int | None = None  # the day the web is scripted as
        self._routed: set[tuple[str, str]] = set()  # every (address, path) ever routed

    # -- addresses --------------------------------------------------------------------

    def url(self, host: str, path: str) -> str:
        """The absolute URL of ``path`` on the demo host ``host`` (a key of ``HOSTS``)."""
        return self.web.url(HOSTS[host], path)

    @property
    def campaign(self) -> str:
        """NHC's campaign page (watched; links and content)."""
        return self.url("nhc", WATCHES[0].path)

    @property
    def organisations(self) -> str:
        """NHC's list of supporting organisations (watched; links to every partner)."""
        return self.url("nhc", WATCHES[1].path)

    @property
    def petition(self) -> str:
        """The petition of Amnesty NL and NHC (watched; closes on day 3)."""
        return self.url("amnesty", WATCHES[2].path)

    @property
    def fidh_special(self) -> str:
        """FIDH's special page (watched; the verdict is added on day 3)."""
        return self.url("fidh", WATCHES[3].path)

    @property
    def viasna(self) -> str:
        """Viasna's front page (watched for links; its server is down on day 2)."""
        return self.url("viasna", WATCHES[4].path)

    @property
    def viasna_profile(self) -> str:
        """Viasna's profile of Ales Bialiatski (linked from the campaign page)."""
        return self.url("viasna", "/en/political-prisoners/ales-bialiatski")

    @property
    def template_png(self) -> str:
        """The behind-bars template as PNG (missing on day 2 only)."""
        return self.url("nhc", "/files/campaigns/bialiatski/behind-bars-template.png")

    @property
    def template_zip(self) -> str:
        """The behind-bars template as ZIP (always there)."""
        return self.url("nhc", "/files/campaigns/bialiatski/behind-bars-template.zip")

    @property
    def instructions_pdf(self) -> str:
        """The template's instructions (PDF): deleted on day 2, still gone on day 3."""
        return self.url("nhc", "/files/campaigns/bialiatski/behind-bars-instructions.pdf")

    @property
    def background(self) -> str:
        """Amnesty's background article (answers "Pagina niet gevonden" with 200 on day 3)."""
        return self.url("amnesty", "/nieuws/wie-is-ales-bialiatski")

    @property
    def guidelines(self) -> str:
        """The OSCE/ODIHR Guidelines page at its old address (moved with a 301 on day 3)."""
        return self.url("osce", "/odihr/119633")

    @property
    def guidelines_moved(self) -> str:
        """The new address of the OSCE/ODIHR Guidelines page (from day 3)."""
        return self.url("osce", "/odihr/guidelines-on-the-protection-of-human-rights-defenders")

    @property
    def libereco(self) -> str:
        """Libereco's home page (its server hangs on day 3)."""
        return self.url("libereco", "/en/")

    @property
    def archive_api(self) -> str:
        """The simulated Wayback availability API (``settings.archive_api``)."""
        return self.url("archive", ARCHIVE_API_PATH)

    def watch_url(self, spec: WatchSpec) -> str:
        """The URL of a watched page."""
        return self.url(spec.host, spec.path)

    def date(self, n: int) -> date:
        """The calendar date of simulated day ``n``."""
        return self.first_day + timedelta(days=n - 1)

    def when(self, n: int) -> datetime:
        """The simulated time of day ``n``'s check: 07:00 UTC, as ``monitor serve`` would."""
        d = self.date(n)
        return datetime(d.year, d.month, d.day, 7, 0, tzinfo=UTC)

    def snapshot(self, url: str) -> str | None:
        """The archived copy the fake Wayback API offers for ``url``, or None."""
        archived = {self.instructions_pdf, self.petition, self.background, self.libereco}
        if url not in archived:
            return None
        return self.url("archive", f"/web/{SNAPSHOT_STAMP}/{url}")

    # -- the watch list ---------------------------------------------------------------

    def watchlist_yaml(
        self,
        *,
        database: str,
        reports_dir: str,
        timeout_s: float = 2,
        retries: int = 1,
        confirm_delay_s: float = 0.2,
    ) -> str:
        """A complete, commented watch list for the demo web (valid for ``config.load``)."""

        def note(line: str, comment: str) -> str:
            return f"{line:<34}  # {comment}"

        lines = [
            "# partner-monitor watch list written by `monitor demo`: the campaign for the",
            "# release of Ales Bialiatski, on a simulated partner web that ran on loopback",
            f"# addresses ({ADDRESSES[0]} to {ADDRESSES[-1]}) only while the demo ran.",
            "# What it recorded stays readable, e.g.:",
            f"#   monitor history {self.instructions_pdf} --config <this file>",
            "",
            "settings:",
            f"  database: {_yaml_str(database)}",
            f"  reports_dir: {_yaml_str(reports_dir)}",
            "  timezone: UTC",
            note(f"  timeout_s: {timeout_s:g}", "the demo web answers at once, or never"),
            note(f"  retries: {retries}", "one more try after a timeout or a 5xx"),
            "  concurrency: 32",
            "  per_host: 4",
            note(f"  confirm_delay_s: {confirm_delay_s:g}", "a change is looked at twice"),
            note("  allow_private_links: true", "every demo site is on a loopback address"),
            "  archive_lookup: true",
            note(f"  archive_api: {_yaml_str(self.archive_api)}", "a simulated Wayback API"),
            note("  connectivity_check:", "control hosts: the simulated web's own archive"),
            f"    - {_yaml_str(self.url('archive', '/'))}",
            note("  ignore_links:", "share buttons and social media profiles"),
            *(f"    - {_yaml_str(p)}" for p in IGNORE_LINKS),
            "",
            "watch:",
        ]
        for spec in WATCHES:
            links = f"    links: {str(spec.links).lower()}"
            lines += [
                f"  - name: {_yaml_str(spec.name)}",
                f"    url: {_yaml_str(self.watch_url(spec))}",
                f"    partner: {_yaml_str(spec.partner)}",
                note(links, spec.comment) if spec.comment else links,
                f"    content: {str(spec.content).lower()}",
            ]
            if spec.ignore:
                lines.append(note("    ignore:", "not news: cut out before comparing"))
                lines += [f"      - {_yaml_str(p)}" for p in spec.ignore]
            if spec.keywords:
                words = ", ".join(_yaml_str(w) for w in spec.keywords)
                lines.append(note(f"    keywords: [{words}]", "flagged when they (dis)appear"))
            lines.append("")
        return "\n".join(lines)

    # -- scripting the days -----------------------------------------------------------

    def day(self, n: int) -> Expected:
        """Make the partner web behave as on day ``n``; return what should be found."""
        routes, defaults = self._script(n)
        for address in ADDRESSES:
            self.web.default(address, defaults[address].route)
        # SimWeb cannot drop a route: a path another day served answers as unknown today.
        for address, path in self._routed - routes.keys():
            self.web.route(address, path, defaults[address].route)
        for (address, path), entry in routes.items():
            self.web.route(address, path, entry.route)
        self._routed |= routes.keys()
        self.current = n
        return self._expected(n, routes, defaults)

    def expected(self, n: int) -> Expected:
        """What should be found on day ``n`` (without changing the web)."""
        routes, defaults = self._script(n)
        return self._expected(n, routes, defaults)

    def _expected(
        self,
        n: int,
        routes: Mapping[tuple[str, str], _Entry],
        defaults: Mapping[str, _Entry],
    ) -> Expected:
        ignore = [re.compile(p) for p in IGNORE_LINKS]
        ports = {self.web.base_url(a): a for a in ADDRESSES}

        def entry_of(url: str) -> _Entry:
            parts = urlsplit(url)
            address = ports[f"{parts.scheme}://{parts.netloc}"]
            return routes.get((address, parts.path)) or defaults[address]

        def status_of(url: str) -> Status | None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or any(p.search(url) for p in ignore):
                return Status.SKIPPED
            if f"{parts.scheme}://{parts.netloc}" not in ports:
                return None  # not a URL of the demo web
            return entry_of(url).status

        pages = {spec.name: status_of(self.watch_url(spec)) or Status.BROKEN for spec in WATCHES}
        links: dict[str, Status] = {}
        found_on: dict[str, set[str]] = {}
        for spec in WATCHES:
            page_url = self.watch_url(spec)
            entry = routes.get((HOSTS[spec.host], spec.path))
            if not spec.links or entry is None or entry.html is None:
                continue  # links of an unreadable page are not checked that day
            if pages[spec.name] not in (Status.OK, Status.MOVED):
                continue
            for link, _text in anchors(entry.html, page_url):
                links[link] = status_of(link) or Status.BROKEN
                found_on.setdefault(link, set()).add(page_url)

        content: dict[str, str] = {}
        keywords: dict[str, frozenset[tuple[str, str]]] = {}
        for spec in WATCHES:
            if not spec.content:
                continue
            if pages[spec.name] not in (Status.OK, Status.MOVED):
                content[spec.name] = "unavailable"
            elif n == 1:
                content[spec.name] = "baseline"
            else:
                content[spec.name] = "unchanged"
        if n >= 3:
            # Day 3 brings the verdict (the day-3 digest covers day 3 only).
            content["FIDH special page"] = "changed" if n == 3 else "unchanged"
            if n == 3:
                keywords["FIDH special page"] = frozenset(
                    {("verdict", "appeared"), ("sentenced", "appeared")}
                )

        # A moved link suggests its new address; a problem, the archive's copy if any.
        suggestions: dict[str, str | None] = {}
        for url, status in links.items():
            if status is Status.MOVED:
                suggestions[url] = entry_of(url).suggestion
            elif status is not Status.SKIPPED:
                suggestions[url] = self.snapshot(url) if status.is_problem else None

        return Expected(
            day=n,
            when=self.when(n),
            events=EVENTS[n],
            pages=pages,
            content=content,
            keywords=keywords,
            links=links,
            found_on={k: frozenset(v) for k, v in found_on.items()},
            suggestions=suggestions,
            noise=self._noise(n, [e.html for e in routes.values() if e.html]),
            status_of=status_of,
        )

    def _noise(self, n: int, pages: Sequence[str]) -> tuple[str, ...]:
        """Texts on day ``n``'s ``pages`` that change daily and must never be reported."""
        out = [org.banners[(n - 1) % len(org.banners)] for org in _ORGS.values() if org.banners]
        out += [self._updated(n, 42), self._updated(n, 15), _signatures_nl(n), _signatures_en(n)]
        # Only what is really served that day (the closed petition shows no counter).
        return tuple(text for text in out if any(html.escape(text) in page for page in pages))

    def _updated(self, n: int, minute: int) -> str:
        # Different every day: the editors touch the page before the 07:00 check.
        d = self.date(n)
        return f"Last updated: {d.day} {d.strftime('%B %Y')}, 06:{(minute + 7 * n) % 60:02d}"

    # -- the pages of day n -----------------------------------------------------------

    def _script(self, n: int) -> tuple[dict[tuple[str, str], _Entry], dict[str, _Entry]]:
        """Every route of day ``n`` with its expected status, and each host's default."""
        if not 1 <= n <= DAYS:
            raise ValueError(f"the demo has days 1..{DAYS}, not {n}")
        d = _Day(self, n)
        # Every site: its chrome's targets, assets and a real 404 for anything else.
        for key, org in _ORGS.items():
            d.defaults[HOSTS[key]] = d.not_found(key)
            for label, path in (*org.nav, *org.footer_links):
                body = _section_page(org, self.url(key, path), label, n)
                d.serve(key, path, _Entry(Route(body=body), Status.OK, html=body))
            d.file(key, "/static/css/site.css", _CSS, "text/css; charset=utf-8")
            d.file(key, "/static/js/site.js", _JS, "text/javascript; charset=utf-8")
            d.file(key, "/static/img/logo.svg", _logo_svg(org.name), "image/svg+xml")
            d.file(key, "/favicon.ico", _FAVICON, "image/x-icon")
            d.serve(key, "/search", _Entry(Route.page("Search", "Type a word."), Status.OK))
        self._nhc(d)
        self._amnesty(d)
        self._fidh(d)
        self._viasna(d)
        self._others(d)
        self._archive(d)
        return d.routes, d.defaults

    # Each organisation's pages, added to the day under construction.

    def _nhc(self, d: _Day) -> None:
        n = d.n
        files = "/files/campaigns/bialiatski"
        d.serve(
            "nhc",
            f"{files}/behind-bars-template.zip",
            _Entry(Route(body=_TEMPLATE_ZIP, content_type="application/zip"), Status.OK),
        )
        if n == 2:
            # Someone re-uploads the template and it is missing for a day.
            d.serve("nhc", f"{files}/behind-bars-template.png", d.not_found("nhc"))
        else:
            d.serve(
                "nhc",
                f"{files}/behind-bars-template.png",
                _Entry(Route(body=_TEMPLATE_PNG, content_type="image/png"), Status.OK),
            )
        if n >= 2:
            # The instructions were deleted in a clean-up of the media library.
            d.serve("nhc", f"{files}/behind-bars-instructions.pdf", d.not_found("nhc"))
        else:
            d.serve(
                "nhc",
                f"{files}/behind-bars-instructions.pdf",
                _Entry(Route(body=_INSTRUCTIONS_PDF, content_type="application/pdf"), Status.OK),
            )
        home_main = (
            "    <h1>Netherlands Helsinki Committee</h1>\n"
            "    <p>We support human rights defenders, lawyers and journalists in Europe and "
            "Central Asia, and we speak up when they are silenced.</p>\n"
            '    <p><a href="/en/campaign-release-ales-bialiatski">Campaign: free Ales '
            "Bialiatski</a></p>\n"
        )
        d.page("nhc", "/en/", "Netherlands Helsinki Committee", home_main)
        d.page(
            "nhc",
            "/nl/",
            "Nederlands Helsinki Comité",
            home_main.replace("We support", "Wij steunen"),
        )
        for slug, title in _NHC_NEWS:
            main = (
                f"    <h1>{_e(title)}</h1>\n"
                "    <p>News item of the Netherlands Helsinki Committee on its work with human "
                "rights defenders in the OSCE region.</p>\n"
            )
            d.page("nhc", f"/en/news/{slug}", f"{title} | Netherlands Helsinki Committee", main)
        d.page(
            "nhc",
            WATCHES[0].path,
            "Free Ales Bialiatski | Netherlands Helsinki Committee",
            self._campaign_main(n),
            aside=self._campaign_aside(n),
            share=True,
        )
        d.page(
            "nhc",
            WATCHES[1].path,
            "Organisations supporting the call to free Ales Bialiatski | NHC",
            self._organisations_main(),
            share=True,
        )

    def _campaign_main(self, n: int) -> str:
        files = "/files/campaigns/bialiatski"
        return f"""    <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/en/">Home</a> ›
      <a href="/en/campaigns">Campaigns</a> › Free Ales Bialiatski</nav>
    <article>
    <h1>Free Ales Bialiatski</h1>
    <p class="lead">Ales Bialiatski, founder of the Human Rights Centre Viasna and co-laureate
      of the 2022 Nobel Peace Prize, has been behind bars in Belarus since 14 July 2021. The
      Netherlands Helsinki Committee calls for his immediate and unconditional release, and
      for the release of his colleagues.</p>
    <h2>Who is Ales Bialiatski?</h2>
    <p>For more than twenty-five years Ales Bialiatski has documented arrests, torture and
      unfair trials in Belarus. In 1996 he founded Viasna ("Spring"), which grew into the
      country's best-known human rights organisation and has helped thousands of people who
      were persecuted for peaceful protest. He has also served as Vice-President of the
      International Federation for Human Rights (FIDH).</p>
    <p>He was detained together with his Viasna colleagues Valiantsin Stefanovich and
      Uladzimir Labkovich during a wave of searches against human rights defenders. The
      charges against them are widely seen as retaliation for their human rights work.</p>
    <h2>What you can do</h2>
    <ol>
      <li><strong>Sign the petition.</strong> <a href="{_e(self.petition)}">Sign the petition
        for Ales Bialiatski</a>, run by Amnesty International Netherlands together with the
        Netherlands Helsinki Committee. We will hand over the signatures to the embassy of
        Belarus.</li>
      <li><strong>Put yourself behind bars, on paper.</strong> Download the behind-bars
        template (<a href="{files}/behind-bars-template.png">PNG image</a> or
        <a href="{files}/behind-bars-template.zip">ZIP with print and social media
        sizes</a>), take a photo holding it and share it with #FreeAles. Please read the
        <a href="{files}/behind-bars-instructions.pdf">instructions (PDF)</a> first.</li>
      <li><strong>Ask your MP to speak up.</strong> Members of parliament can adopt a
        political prisoner and raise his case with the government.</li>
    </ol>
    <h2>Read more</h2>
    <ul>
      <li><a href="{_e(self.fidh_special)}">FIDH special page: Free Ales Bialiatski</a></li>
      <li><a href="{_e(self.viasna)}">Human Rights Centre Viasna</a> and its
        <a href="{_e(self.viasna_profile)}">profile of Ales Bialiatski</a></li>
      <li><a href="{_e(self.guidelines)}">OSCE/ODIHR Guidelines on the Protection of Human
        Rights Defenders</a></li>
      <li><a href="{_e(self.background)}">Amnesty International: Wie is Ales Bialiatski?</a>
        (in Dutch)</li>
      <li><a href="{WATCHES[1].path}">Organisations supporting this call</a></li>
    </ul>
    <p class="updated">{_e(self._updated(n, 42))}</p>
    </article>
"""

    def _campaign_aside(self, n: int) -> str:
        teasers = "\n".join(
            f'      <li><a href="/en/news/{slug}">{_e(title)}</a></li>' for slug, title in _NHC_NEWS
        )
        return f"""    <section class="teaser petition-teaser">
      <h2>Petition</h2>
      <p class="counter">{_e(_signatures_en(n))} have signed</p>
      <p><a class="button" href="{_e(self.petition)}">Sign now</a></p>
    </section>
    <section class="teaser related">
      <h2>Related news</h2>
      <ul>
{teasers}
      </ul>
    </section>
    <section class="teaser newsletter">
      <h2>Stay informed</h2>
      <p><a href="/en/newsletter">Subscribe to our newsletter</a></p>
    </section>
"""

    def _organisations_main(self) -> str:
        orgs = (
            (
                "Amnesty International Netherlands",
                self.url("amnesty", "/"),
                "runs the petition together with the NHC",
            ),
            (
                "FIDH – International Federation for Human Rights",
                self.url("fidh", "/en/"),
                "of which Ales Bialiatski is a Vice-President",
            ),
            ("Human Rights Centre Viasna", self.viasna, "the organisation he founded in 1996"),
            (
                "Libereco – Partnership for Human Rights",
                self.libereco,
                "supports political prisoners in Belarus and Ukraine",
            ),
            (
                "Civil Rights Defenders",
                self.url("crd", "/en/"),
                "protects human rights defenders at risk",
            ),
            (
                "Front Line Defenders",
                self.url("fld", "/en/profile/ales-bialiatski"),
                "keeps a profile of his case",
            ),
            ("Netherlands Helsinki Committee", "/en/", "coordinates this campaign"),
        )
        items = "\n".join(
            f'      <li><a href="{_e(u)}">{_e(name)}</a>: {_e(what)}.</li>'
            for name, u, what in orgs
        )
        return f"""    <article>
    <h1>Organisations supporting the call</h1>
    <p>These organisations call together for the immediate and unconditional release of Ales
      Bialiatski and of all political prisoners in Belarus.</p>
    <ul class="organisations">
{items}
    </ul>
    <p>Is your organisation missing? <a href="mailto:campaigns@nhc.example">Tell us</a>.</p>
    </article>
"""

    def _amnesty(self, d: _Day) -> None:
        n = d.n
        d.page(
            "amnesty",
            "/",
            "Amnesty International Nederland",
            """    <h1>Samen komen we op voor mensenrechten</h1>
    <p>Amnesty International Nederland voert campagne tegen onrecht, overal ter wereld.
      Teken onze lopende petities, schrijf een brief of word lid.</p>
    <h2>Lopende acties</h2>
    <ul><li><a href="/kom-in-actie">Alle acties</a></li></ul>
""",
        )
        if n >= 3:
            # The petition closed; the CMS now sends its address to the home page.
            d.serve("amnesty", WATCHES[2].path, _Entry(Route.redirect("/", 302), Status.SOFT_404))
            d.serve(
                "amnesty",
                urlsplit(self.background).path,
                _Entry(
                    Route(body=_not_found_page(_ORGS["amnesty"], self.background, n)),
                    Status.SOFT_404,
                ),
            )
        else:
            d.page(
                "amnesty",
                WATCHES[2].path,
                "Teken de petitie: laat Ales Bialiatski vrij | Amnesty International",
                self._petition_main(n),
                share=True,
            )
            d.page(
                "amnesty",
                urlsplit(self.background).path,
                "Wie is Ales Bialiatski? | Amnesty International",
                """    <article>
    <h1>Wie is Ales Bialiatski?</h1>
    <p>Ales Bialiatski is een van de bekendste mensenrechtenverdedigers van Belarus. Hij
      richtte in 1996 het Mensenrechtencentrum Viasna op, dat gevangenen en hun families
      bijstaat en verslag doet van mensenrechtenschendingen.</p>
    <p>Sinds juli 2021 zit hij vast. Amnesty International beschouwt hem als
      gewetensgevangene: hij zit alleen vast vanwege zijn vreedzame werk voor de
      mensenrechten.</p>
    <p>In 2022 kreeg hij de Nobelprijs voor de Vrede, samen met de Russische organisatie
      Memorial en het Oekraïense Center for Civil Liberties.</p>
    </article>
""",
            )

    def _petition_main(self, n: int) -> str:
        return f"""    <article class="petition">
    <h1>Laat Ales Bialiatski vrij</h1>
    <p class="lead">Ales Bialiatski zet zich al tientallen jaren in voor de mensenrechten in
      Belarus. Sinds juli 2021 zit hij vast, net als zijn collega's van het
      Mensenrechtencentrum Viasna. Amnesty International beschouwt hem als
      gewetensgevangene.</p>
    <p class="counter"><strong>{_e(_signatures_nl(n))}</strong> – help ons naar 20.000!</p>
    <form class="petition-form" method="post" action="/petitie/ales-bialiatski/teken">
      <label>Voornaam <input name="voornaam"></label>
      <label>Achternaam <input name="achternaam"></label>
      <label>E-mailadres <input name="email" type="email"></label>
      <label><input type="checkbox" name="updates"> Houd mij op de hoogte</label>
      <button type="submit">Teken nu</button>
    </form>
    <h2>Petitietekst</h2>
    <p>Aan de ambassadeur van de Republiek Belarus,</p>
    <p>Excellentie, ik roep de autoriteiten van Belarus op om Ales Bialiatski en zijn
      collega's van Viasna onmiddellijk en onvoorwaardelijk vrij te laten, en om hun in
      afwachting daarvan toegang te geven tot hun familie, hun advocaten en medische zorg.</p>
    <p>Deze petitie is een gezamenlijke actie van Amnesty International Nederland en het
      Nederlands Helsinki Comité.</p>
    </article>
"""

    def _fidh(self, d: _Day) -> None:
        n = d.n
        d.serve(
            "fidh",
            "/IMG/pdf/belarus-bialiatski-trial-note.pdf",
            _Entry(Route(body=_TRIAL_NOTE_PDF, content_type="application/pdf"), Status.OK),
        )
        d.page(
            "fidh",
            "/en/",
            "FIDH - International Federation for Human Rights",
            "    <h1>FIDH</h1>\n    <p>A federation of 188 human rights organisations.</p>\n",
        )
        verdict = ""
        if n >= 3:
            verdict = """      <li><strong>3 March 2023.</strong> Verdict: the Leninski District
        Court of Minsk sentenced Ales Bialiatski to 10 years in a high-security penal colony,
        after a trial that FIDH considers politically motivated. Valiantsin Stefanovich
        and Uladzimir Labkovich received 9 and 7 years.</li>
"""
        d.page(
            "fidh",
            WATCHES[3].path,
            "#FreeAles: Ales Bialiatski behind bars - FIDH",
            f"""    <article>
    <h1>#FreeAles: FIDH Vice-President Ales Bialiatski behind bars</h1>
    <p class="lead">Ales Bialiatski, Vice-President of FIDH and founder of our member
      organisation Viasna, has been detained in Belarus since July 2021. FIDH demands that
      all charges against him be dropped.</p>
    <h2>Timeline</h2>
    <ul class="timeline">
      <li><strong>14 July 2021.</strong> Ales Bialiatski is arrested in Minsk, together with
        Viasna colleagues, after searches of their homes and offices.</li>
      <li><strong>7 October 2022.</strong> He is awarded the Nobel Peace Prize, together with
        Memorial (Russia) and the Center for Civil Liberties (Ukraine), while in detention.</li>
      <li><strong>5 January 2023.</strong> The trial of Ales Bialiatski, Valiantsin
        Stefanovich and Uladzimir Labkovich opens in Minsk, behind closed doors for most of
        the hearings.</li>
{verdict}    </ul>
    <h2>Take action</h2>
    <ul>
      <li><a href="{_e(self.petition)}">Sign the petition of Amnesty International
        Netherlands and the Netherlands Helsinki Committee</a></li>
      <li><a href="{_e(self.campaign)}">The campaign page of the Netherlands Helsinki
        Committee</a></li>
      <li><a href="{_e(self.viasna)}">Follow Viasna's reporting</a></li>
      <li><a href="/IMG/pdf/belarus-bialiatski-trial-note.pdf">Trial observation note
        (PDF)</a></li>
    </ul>
    <p class="updated">{_e(self._updated(n, 15))}</p>
    </article>
""",
            share=True,
        )

    def _viasna(self, d: _Day) -> None:
        n = d.n
        news = "\n".join(
            f'      <li><a href="/en/news/{slug}">{_e(title)}</a></li>'
            for slug, title in _VIASNA_NEWS
        )
        for slug, title in _VIASNA_NEWS:
            d.page(
                "viasna",
                f"/en/news/{slug}",
                f"{title} | Viasna",
                f"    <h1>{_e(title)}</h1>\n    <p>Report of the Human Rights Centre Viasna.</p>\n",
            )
        d.page(
            "viasna",
            "/en/political-prisoners/ales-bialiatski",
            "Ales Bialiatski | Political prisoners | Viasna",
            """    <article>
    <h1>Ales Bialiatski</h1>
    <p>Chairman of the Human Rights Centre Viasna. Recognised as a political prisoner by
      the Belarusian human rights community. Detained since 14 July 2021.</p>
    <p>Letters can be sent to him through the prison administration; write in Belarusian
      or Russian, and keep to personal and non-political topics.</p>
    </article>
""",
        )
        d.page(
            "viasna",
            "/en/",
            "Human Rights Centre Viasna",
            f"""    <h1>Human Rights Centre Viasna</h1>
    <p>Documenting human rights violations in Belarus since 1996.</p>
    <h2>Latest news</h2>
    <ul class="news">
{news}
    </ul>
    <p><a href="/en/political-prisoners/ales-bialiatski">Ales Bialiatski, our chairman, is a
      political prisoner</a></p>
""",
        )
        if n == 2:
            # The server is down for the day: every address answers 503.
            down = Route(
                status=503,
                body="<html><head><title>503 Service Unavailable</title></head>"
                "<body><h1>Service Unavailable</h1><p>Please try again later.</p></body></html>",
            )
            address = HOSTS["viasna"]
            for key in [k for k in d.routes if k[0] == address]:
                d.routes[key] = _Entry(down, Status.SERVER_ERROR)
            d.defaults[address] = _Entry(down, Status.SERVER_ERROR)

    def _others(self, d: _Day) -> None:
        n = d.n
        guidelines_main = f"""    <article>
    <h1>Guidelines on the Protection of Human Rights Defenders</h1>
    <p>The Guidelines were developed by the OSCE Office for Democratic Institutions and
      Human Rights (ODIHR) to help participating States protect human rights defenders,
      who face threats, attacks and judicial harassment for their work.</p>
    <p><a href="/files/f/documents/guidelines-human-rights-defenders.pdf">Download the
      Guidelines (PDF)</a></p>
    <p class="date">Published {date(2014, 6, 10).strftime("%d %B %Y")}</p>
    </article>
"""
        d.serve(
            "osce",
            "/files/f/documents/guidelines-human-rights-defenders.pdf",
            _Entry(Route(body=_GUIDELINES_PDF, content_type="application/pdf"), Status.OK),
        )
        new_path = urlsplit(self.guidelines_moved).path
        old_path = urlsplit(self.guidelines).path
        title = "Guidelines on the Protection of Human Rights Defenders | OSCE"
        if n >= 3:
            # A new site structure: the old numeric address redirects permanently.
            d.page("osce", new_path, title, guidelines_main)
            d.serve(
                "osce",
                old_path,
                _Entry(Route.redirect(new_path, 301), Status.MOVED, self.guidelines_moved),
            )
        else:
            d.page("osce", old_path, title, guidelines_main)

        for key, path, h1, text in (
            (
                "libereco",
                "/en/",
                "Libereco – Partnership for Human Rights",
                "We support political prisoners and civil society in Belarus and Ukraine.",
            ),
            (
                "crd",
                "/en/",
                "Civil Rights Defenders",
                "We defend people's civil and political rights and support human rights "
                "defenders at risk.",
            ),
            (
                "fld",
                "/en/profile/ales-bialiatski",
                "Ales Bialiatski",
                "Human rights defender, founder of the Human Rights Centre Viasna. "
                "Status: detained.",
            ),
        ):
            org = _ORGS[key]
            d.page(
                key, path, f"{h1} | {org.name}", f"    <h1>{_e(h1)}</h1>\n    <p>{_e(text)}</p>\n"
            )
        if n >= 3:
            # The server accepts connections and never answers.
            hang = _Entry(Route(hang=True), Status.TIMEOUT)
            d.serve("libereco", "/en/", hang)
            d.defaults[HOSTS["libereco"]] = hang

    def _archive(self, d: _Day) -> None:
        """A Wayback-style archive: the availability API and the archived copies."""
        address = HOSTS["archive"]

        def available(request: Request) -> Route:
            url = (parse_qs(request.query).get("url") or [""])[0]
            snapshot = self.snapshot(url)
            closest = (
                {
                    "closest": {
                        "available": True,
                        "url": snapshot,
                        "timestamp": SNAPSHOT_STAMP,
                        "status": "200",
                    }
                }
                if snapshot
                else {}
            )
            return Route(
                body=json.dumps({"url": url, "archived_snapshots": closest}),
                content_type="application/json",
            )

        def copy(request: Request) -> Route:
            if not request.path.startswith("/web/"):
                return Route(status=404, body="<h1>Not found</h1>")
            original = request.target.split("/", 3)[3] if request.target.count("/") >= 3 else ""
            return Route.page(
                "Wayback Machine (simulated)",
                f"An archived copy of {original}, as it was saved on 11 June 2024.",
            )

        d.routes[(address, ARCHIVE_API_PATH)] = _Entry(available, Status.OK)
        d.defaults[address] = _Entry(copy, Status.OK)


_NHC_NEWS = (
    ("belarus-lawyers-disbarred", "Belarus: more lawyers of political prisoners disbarred"),
    ("human-rights-defenders-day", "Human Rights Defenders Day: meet defenders from the region"),
    ("osce-human-dimension-conference", "Our statement at the OSCE human dimension conference"),
)
_VIASNA_NEWS = (
    ("political-prisoners-monthly-overview", "Political prisoners: monthly overview"),
    ("repression-overview", "Overview of repression in Belarus"),
    ("letters-to-political-prisoners", "How to write to political prisoners"),
)


def _signatures_nl(n: int) -> str:
    return f"{12_431 + 857 * (n - 1) + 13 * n * n:,}".replace(",", ".") + " handtekeningen"


def _signatures_en(n: int) -> str:
    return f"{12_431 + 857 * (n - 1) + 13 * n * n:,} people"


def _yaml_str(value: str) -> str:
    """``value`` as a YAML scalar: single-quoted (so regexes and colons stay as they are)."""
    return "'" + value.replace("'", "''") + "'"


def build(web: SimWeb, *, first_day: date | None = None) -> DemoSite:
    """The demo partner web on ``web`` (started, serving ``ADDRESSES``), scripted as day 1.

    ``first_day`` is the date of simulated day 1 (default: two days before today, UTC),
    used in the pages' "last updated" lines.
    """
    site = DemoSite(web, first_day)
    site.day(1)
    return site
