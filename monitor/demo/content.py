"""What the simulated partner web is made of: its hosts, the watched pages, the partner
organisations, the daily texts and the page skeleton they share.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin

from monitor.models import Status
from monitor.testing.web import Route, RouteLike

if TYPE_CHECKING:
    from monitor.demo.addresses import Addresses


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
    milestones: tuple[int, ...] = ()  # numbers whose passing is news (counters)


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
        milestones=(13_000, 15_000, 20_000),
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


class _Day:
    """The routes of one simulated day under construction, each with its expected status."""

    def __init__(self, site: Addresses, n: int) -> None:
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


# The petition closes on day 3 (its address then goes to the home page): the campaign
# page's teaser keeps the last count it showed rather than growing on without it.
PETITION_CLOSES = 3


def _petition_day(n: int) -> int:
    """The day whose count the campaign page's petition teaser shows on day ``n``."""
    return min(n, PETITION_CLOSES - 1)


def _signatures_en(n: int) -> str:
    return f"{12_431 + 857 * (n - 1) + 13 * n * n:,} people"
