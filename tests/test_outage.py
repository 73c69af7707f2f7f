"""A run that could not look blames no partner: the self-check (``monitor.outage``).

The rule is tested as a table of host tallies, then through the real pipeline on
loopback: the "internet" (every partner host and the control probe) is switched off and
on across four daily runs, and the digests are read as a campaigner would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor import digest, pipeline
from monitor.config import Config, load
from monitor.models import FetchError, FetchResult
from monitor.outage import HostTally, NetFailure, judge, needs_probes
from monitor.store import Store
from monitor.testing.web import Route, SimWeb

HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7")
PROBE = "127.0.0.8"


def answer(host: str) -> FetchResult:
    return FetchResult(f"http://{host}/", f"http://{host}/", 200)


def failure(host: str, error: FetchError) -> FetchResult:
    return FetchResult(f"http://{host}/", f"http://{host}/", None, error=error)


def tally(*results: FetchResult) -> HostTally:
    t = HostTally()
    for r in results:
        t.observe(r)
    return t


DOWN = failure(PROBE, FetchError.REFUSED)
UP = answer(PROBE)


@pytest.mark.parametrize(
    ("results", "probes", "inconclusive"),
    [
        pytest.param(
            [failure(h, FetchError.DNS) for h in HOSTS], [DOWN], True, id="all-dns-probes-down"
        ),
        pytest.param(
            [failure(h, FetchError.DNS) for h in HOSTS], [UP], False, id="all-down-probe-answers"
        ),
        pytest.param(
            [failure(h, FetchError.DNS) for h in HOSTS],
            [DOWN, UP],
            False,
            id="one-probe-of-two-answers",
        ),
        pytest.param([failure(h, FetchError.DNS) for h in HOSTS], [], False, id="self-check-off"),
        pytest.param(
            [failure(HOSTS[0], FetchError.REFUSED), *map(answer, HOSTS[1:])],
            [DOWN],
            False,
            id="1-of-6-down",
        ),
        pytest.param(
            [*(failure(h, FetchError.REFUSED) for h in HOSTS[:3]), *map(answer, HOSTS[3:])],
            [DOWN],
            False,
            id="3-of-6-down-is-not-more-than-half",
        ),
        pytest.param(
            [failure(h, FetchError.TIMEOUT) for h in HOSTS], [DOWN], False, id="timeouts-alone"
        ),
        pytest.param(
            [
                *(failure(h, FetchError.RESET) for h in HOSTS),
                *(answer(h) for h in HOSTS[:3]),
            ],
            [DOWN],
            False,
            id="hosts-that-answered-once-are-up",
        ),
        pytest.param(
            [failure(h, FetchError.NO_ROUTE) for h in HOSTS],
            [failure(PROBE, FetchError.TIMEOUT)],
            True,
            id="no-route-and-the-probe-times-out",
        ),
    ],
)
def test_the_rule(
    results: list[FetchResult], probes: list[FetchResult], inconclusive: bool
) -> None:
    assert (judge(tally(*results), probes) is not None) is inconclusive


def test_probes_are_asked_only_once_more_than_half_of_the_hosts_failed() -> None:
    half = tally(*(failure(h, FetchError.DNS) for h in HOSTS[:3]), *(answer(h) for h in HOSTS[3:]))
    assert not needs_probes(half)


def test_the_outage_names_the_most_common_failure_and_every_host_tried() -> None:
    t = tally(
        *(failure(h, FetchError.DNS) for h in HOSTS[:4]),
        *(failure(h, FetchError.REFUSED) for h in HOSTS[4:]),
    )
    found = judge(t, [failure(PROBE, FetchError.DNS)])
    assert found is not None
    assert (found.kind, found.failed, found.hosts, len(found.tried)) == (NetFailure.DNS, 6, 6, 7)


# -- through the pipeline, on loopback ---------------------------------------------------


@dataclass
class Internet:
    """Every partner host and the control probe answer, or all reset the connection."""

    web: SimWeb
    on: bool = True

    def switch(self, route: Route) -> Route:
        return Route(handler=lambda _req: route if self.on else Route(reset=True))


def site(net: Internet) -> dict[str, str]:
    """Six partner hosts: a campaign page links to a page on each, one link is a 404."""
    web = net.web
    urls = {h: web.url(h, "/about") for h in HOSTS[1:]}
    for h in urls:
        web.route(h, "/about", net.switch(Route.page(f"About {h}", f"The partner at {h}.")))
    gone = web.url(HOSTS[1], "/gone")
    web.route(HOSTS[1], "/gone", net.switch(Route(status=404, body="not found")))
    campaign = web.route(
        HOSTS[0],
        "/campaign",
        net.switch(
            Route.page(
                "Free Ales Bialiatski",
                "Ales Bialiatski is in prison. Our partners call for his release.",
                links=[*urls.values(), gone],
            )
        ),
    )
    for h in HOSTS:  # a random missing path (the soft-404 profile) is a real 404
        web.default(h, net.switch(Route(status=404)))
    web.default(PROBE, net.switch(Route(status=204)))
    return {"campaign": campaign, "gone": gone}


@pytest.fixture
def internet() -> Iterator[Internet]:
    with SimWeb(hosts=(*HOSTS, PROBE)) as web:
        yield Internet(web)


def watchlist(tmp_path: Path, net: Internet, urls: dict[str, str]) -> Config:
    data = {
        "settings": {
            "database": str(tmp_path / "monitor.db"),
            "reports_dir": str(tmp_path / "reports"),
            "timeout_s": 5,
            "retries": 0,
            "confirm_delay_s": 0,
            "archive_lookup": False,
            "allow_private_links": True,
            "connectivity_check": [net.web.url(PROBE, "/")],
        },
        "watch": [{"name": "Campaign page", "url": urls["campaign"], "partner": "NHC"}],
    }
    path = tmp_path / "watchlist.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    return load(path)


@dataclass
class Day:
    report: pipeline.RunReport
    written: digest.Written


def days(cfg: Config, net: Internet, online: list[bool]) -> list[Day]:
    out = []
    for n, on in enumerate(online):
        net.on = on
        at = datetime(2026, 3, 1, 7, tzinfo=UTC) + timedelta(days=n)
        with Store(cfg.settings.database) as store:
            report = pipeline.check(cfg, store, now=lambda at=at: at)
            written = digest.write(store, cfg.settings.reports_dir, config=cfg, now=at)
        out.append(Day(report, written))
    return out


@pytest.fixture
def four_days(tmp_path: Path, internet: Internet) -> tuple[list[Day], dict[str, str]]:
    urls = site(internet)
    cfg = watchlist(tmp_path, internet, urls)
    return days(cfg, internet, [True, False, False, True]), urls


def test_the_digests_say_normal_could_not_check_twice_then_normal(
    four_days: tuple[list[Day], dict[str, str]],
) -> None:
    runs, _ = four_days
    assert [d.written.digest.headline for d in runs] == [
        "1 new problem",
        "Could not check: the monitor could not reach the internet (since Mon 2 Mar 07:00)",
        "Could not check: the monitor could not reach the internet "
        "(2 runs in a row, since Mon 2 Mar 07:00)",
        "1 still broken",
    ]


def test_an_offline_run_reports_nothing_against_a_partner(
    four_days: tuple[list[Day], dict[str, str]],
) -> None:
    runs, _ = four_days
    offline = runs[1].report
    assert (offline.outage is not None, offline.pages, offline.links) == (True, [], [])


def test_an_offline_digest_lists_no_new_problem_and_never_all_clear(
    four_days: tuple[list[Day], dict[str, str]],
) -> None:
    runs, _ = four_days
    d = runs[2].written.digest
    assert (d.new, d.all_clear, len(d.still)) == ((), False, 1)


def test_a_problem_found_before_the_outage_keeps_its_first_date(
    four_days: tuple[list[Day], dict[str, str]],
) -> None:
    runs, urls = four_days
    gone = next(link for link in runs[3].report.links if link.url == urls["gone"])
    assert gone.first_failed_at == "2026-03-01T07:00:00+00:00"


def test_the_json_report_of_an_offline_run_says_why_and_what_was_tried(
    four_days: tuple[list[Day], dict[str, str]],
) -> None:
    runs, _ = four_days
    head = json.loads("".join(runs[1].report.json_text()))
    assert (head["run"]["inconclusive"], head["summary"], len(head["run"]["tried"])) == (
        True,
        {"pages": 0, "links": 0, "problems": 0, "changed": 0, "watching": 0},
        2,
    )


def test_a_partner_whose_hosts_are_all_down_is_still_reported_when_the_probe_answers(
    tmp_path: Path, internet: Internet
) -> None:
    urls = site(internet)
    cfg = watchlist(tmp_path, internet, urls)
    for h in HOSTS[1:]:  # every linked partner down, the campaign page and the probe up
        internet.web.route(h, "/about", Route(reset=True))
    (only,) = days(cfg, internet, [True])
    assert sum(link.status == "unreachable" for link in only.report.links) == 5


def test_monitor_check_exits_3_with_one_line_when_the_internet_is_off(
    tmp_path: Path, internet: Internet
) -> None:
    urls = site(internet)
    cfg = watchlist(tmp_path, internet, urls)
    internet.on = False
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "check", "--config", str(cfg.path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr.strip().splitlines()[-1]) == (
        3,
        "monitor: this machine could not reach the internet (connections were cut off by "
        "1 of 1 host and for the control probes): check its network, DNS or proxy; no partner "
        "was judged",
    )
