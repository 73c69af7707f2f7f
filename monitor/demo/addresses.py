"""Where everything is on the demo web: each page's URL, the days' dates, the archive."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from monitor.demo.content import (
    ADDRESSES,
    ARCHIVE_API_PATH,
    DAYS,
    HOSTS,
    SNAPSHOT_STAMP,
    WATCHES,
    WatchSpec,
)
from monitor.testing.web import SimWeb


class Addresses:
    """The demo web's addresses and calendar (``DemoSite`` builds on them)."""

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

    def _updated(self, n: int, minute: int) -> str:
        # Different every day: the editors touch the page before the 07:00 check.
        d = self.date(n)
        return f"Last updated: {d.day} {d.strftime('%B %Y')}, 06:{(minute + 7 * n) % 60:02d}"
