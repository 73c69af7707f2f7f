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
import re
from collections.abc import Mapping, Sequence
from datetime import date
from urllib.parse import urlsplit

from monitor.demo import drawn
from monitor.demo.content import (
    _ORGS,
    ADDRESSES,
    DAYS,
    EVENTS,
    HOSTS,
    IGNORE_LINKS,
    WATCHES,
    Expected,
    WatchSpec,
    _Entry,
    _petition_day,
    _signatures_en,
    _signatures_nl,
    anchors,
)
from monitor.demo.partners import Partners
from monitor.models import Status
from monitor.testing.web import SimWeb

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


class DemoSite(Partners):
    """The campaign's partner web on a running ``SimWeb``, scripted per simulated day.

    Built by ``build(web)``. ``day(n)`` makes the web behave as on day ``n`` (1..DAYS)
    and returns the ``Expected`` findings; ``expected(n)`` only returns them.
    """

    def watchlist_yaml(
        self,
        *,
        database: str,
        reports_dir: str,
        timeout_s: float = 2,
        retries: int = 1,
        confirm_delay_s: float = 0.2,
        browser: bool = False,
    ) -> str:
        """A complete, commented watch list for the demo web (valid for ``config.load``).

        ``browser``: also watch the page drawn by script (``drawn``), read in a browser.
        """

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
            if spec.milestones:
                marks = ", ".join(str(m) for m in spec.milestones)
                lines.append(note(f"    milestones: [{marks}]", "its signatures passing these"))
            lines.append("")
        if browser:
            lines += drawn.watch_yaml(drawn.serve(self))
        return "\n".join(lines)

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
        out += [self._updated(n, 42), self._updated(n, 15), _signatures_nl(n)]
        out.append(_signatures_en(_petition_day(n)))  # the campaign page's petition teaser
        # Only what is really served that day (the closed petition shows no counter).
        return tuple(text for text in out if any(html.escape(text) in page for page in pages))


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
