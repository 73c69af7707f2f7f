"""Trust on bad days beyond the outage itself: one set of numbers, "all clear" only when
everything was read, advice that fits the thing, the first e-mail's window, dates."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support.history import ARTICLE, LINK, NEWS, PETITION, World

from monitor import digest, wording
from monitor.counts import count
from monitor.demo import scenario, site
from monitor.models import Status
from monitor.testing.web import SimWeb

# -- one set of numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "want"),
    [
        pytest.param(
            [("u", Status.SOFT_404, False), ("u", Status.SOFT_404, False)],
            (1, 0),
            id="watched-and-linked-is-one",
        ),
        pytest.param([("u", Status.TIMEOUT, True)], (1, 1), id="first-timeout-is-watching"),
        pytest.param(
            [("u", Status.SERVER_ERROR, True), ("u", Status.SERVER_ERROR, False)],
            (1, 0),
            id="confirmed-entry-wins",
        ),
        pytest.param(
            [("u", Status.OK, False), ("v", Status.BLOCKED, False), ("w", Status.MOVED, False)],
            (0, 0),
            id="no-problem-statuses",
        ),
    ],
)
def test_problems_are_counted_per_url(
    items: list[tuple[str, Status, bool]], want: tuple[int, int]
) -> None:
    counts = count(items)
    assert (counts.problems, counts.watching) == want


@pytest.fixture(scope="module")
def demo_days(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[scenario.DayResult]]:
    out = tmp_path_factory.mktemp("demo")
    scenario.prepare(out)
    with SimWeb(hosts=site.ADDRESSES) as web:
        demo = site.build(web, first_day=date(2026, 2, 28))
        yield scenario.play(demo, out)


def terminal_counts(result: scenario.DayResult) -> tuple[int, int]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        scenario._print_day(result)
    found = re.search(r"(\d+) problems?(?: \((\d+) watching\))?", printed.getvalue())
    return (int(found.group(1)), int(found.group(2) or 0)) if found else (0, 0)


@pytest.mark.parametrize("day", [1, 2, 3])
def test_the_terminal_the_json_summary_and_the_digest_count_the_same(
    demo_days: list[scenario.DayResult], day: int
) -> None:
    result = demo_days[day - 1]
    summary = result.report.to_json()["summary"]
    d = result.digest.digest
    assert {
        "terminal": terminal_counts(result),
        "json": (summary["problems"], summary["watching"]),
    } == {"terminal": (d.problems, len(d.watching)), "json": (d.problems, len(d.watching))}


# -- "all clear" only when every watched page was read --------------------------------------


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.store.close()


def test_a_digest_whose_watched_page_failed_once_is_not_all_clear(world: World) -> None:
    world.run()
    world.write()
    world.run(pages={NEWS: "timeout"})
    assert world.write().digest.headline == "Not all clear: 1 of 3 watched pages was not read"


def test_a_digest_that_read_every_watched_page_is_all_clear(world: World) -> None:
    world.run()
    assert world.write().digest.headline == "All clear"


# -- advice that fits the thing ----------------------------------------------------------


def test_a_gone_watched_page_says_to_find_the_partners_new_page(world: World) -> None:
    world.run(pages={ARTICLE: "soft_404"})
    (group,) = world.write().digest.new
    (item,) = group.items
    assert item.action is not None and "find the partner's new page" in item.action


def test_an_archived_copy_of_a_watched_page_is_its_last_archived_version(world: World) -> None:
    snapshot = "https://web.archive.org/web/2024/https://amnesty.example/petition"
    world.run(
        {PETITION: "soft_404"},
        pages={PETITION: "soft_404"},
        suggestions={PETITION: snapshot},
        found={PETITION: [(ARTICLE, "Sign the petition")]},
    )
    (group,) = world.write().digest.new
    (item,) = group.items
    assert (item.suggestion, item.suggestion_title) == (snapshot, "Last archived version")


def test_an_archived_copy_of_a_broken_link_is_a_suggested_replacement(world: World) -> None:
    snapshot = f"https://web.archive.org/web/2024/{LINK}"
    world.run({LINK: "broken"}, suggestions={LINK: snapshot})
    (group,) = world.write().digest.new
    (item,) = group.items
    assert item.suggestion_title == "Suggested replacement"


# -- the first e-mail ----------------------------------------------------------------------


def test_the_first_e_mail_covers_what_the_file_digest_written_with_it_covers(
    world: World,
) -> None:
    world.run({LINK: "broken"})
    world.write()
    world.run()
    world.run()
    written = world.write()  # e-mail is turned on now; this digest covers runs 2-3
    assert world.store.delivery_start("mail") == (written.digest.first_run or 0) - 1


# -- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stamp", "zone", "want"),
    [
        pytest.param("2026-03-01T07:00:00+00:00", "Europe/Amsterdam", "Sun 1 Mar 2026 08:00"),
        pytest.param("2026-12-09T23:30:00+00:00", "UTC", "Wed 9 Dec 2026 23:30"),
        pytest.param("not a time", "UTC", "not a time"),
    ],
)
def test_times_are_written_in_the_watch_lists_time_zone(stamp: str, zone: str, want: str) -> None:
    assert wording.moment(stamp, ZoneInfo(zone)) == want


def test_the_digest_and_the_demo_write_a_date_the_same_way() -> None:
    assert (
        wording.day(date(2026, 3, 1)),
        digest.IndexEntry("x", "2026-03-01", 1, "", None).label,
    ) == (
        "Sun 1 Mar 2026",
        "Sun 1 Mar 2026",
    )
