"""End to end: `monitor check --json -` as a real subprocess against the demo partner web.

The simulated partner web (``monitor.demo.site``) runs in this test process; the monitor
runs as a separate process, exactly as a user or cron would start it, with a watch list
written to a temporary folder. The JSON report is checked against the contract's shape
and against the site's ground truth for each simulated day.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.demo import site
from monitor.testing.web import SimWeb

pytestmark = pytest.mark.slow

STATUSES = {
    "ok",
    "moved",
    "soft_404",
    "broken",
    "server_error",
    "timeout",
    "unreachable",
    "tls_error",
    "blocked",
    "skipped",
}
PROBLEMS = {"soft_404", "broken", "server_error", "timeout", "unreachable", "tls_error"}
CONTENT_STATES = {"baseline", "unchanged", "changed", "unavailable"}


@pytest.fixture
def demo() -> Iterator[site.DemoSite]:
    """The demo partner web, served from this process, scripted as day 1."""
    with SimWeb(hosts=site.ADDRESSES) as web:
        yield site.build(web)


@pytest.fixture
def watchlist(demo: site.DemoSite, tmp_path: Path) -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text(
        demo.watchlist_yaml(database=str(tmp_path / "monitor.db"), reports_dir=str(tmp_path)),
        encoding="utf-8",
    )
    return path


def monitor_check(watchlist: Path) -> tuple[int, dict[str, Any]]:
    """Run `monitor check --json -` in a subprocess; its exit code and parsed report."""
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "check", "--config", str(watchlist), "--json", "-"],
        capture_output=True,
        text=True,
        timeout=100,
        cwd=watchlist.parent,
    )
    assert proc.returncode in (0, 1), f"exit {proc.returncode}\n{proc.stderr}"
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"stdout is not the JSON report:\n{proc.stdout[:2000]}\n{proc.stderr}")
    return proc.returncode, report


def iso(value: Any) -> datetime:
    assert isinstance(value, str), value
    return datetime.fromisoformat(value)


def assert_contract_shape(report: dict[str, Any]) -> None:
    """Every key, type and value set the contract promises for the `--json` report."""
    assert {"run", "summary", "pages", "links"} <= report.keys()
    run = report["run"]
    assert isinstance(run["id"], int)
    assert iso(run["started_at"]) <= iso(run["finished_at"])
    summary = report["summary"]
    assert summary["pages"] == len(report["pages"])
    assert summary["links"] == len(report["links"])
    # Once per affected URL: a watched page that is also a link is one problem.
    problems = {x["url"] for x in report["pages"] + report["links"] if x["status"] in PROBLEMS}
    assert summary["problems"] == len(problems)
    assert summary["changed"] == sum(p["content"] == "changed" for p in report["pages"])
    for page in report["pages"]:
        assert {"name", "url", "partner", "status", "http_status", "final_url"} <= page.keys()
        assert {"content", "diff", "keywords"} <= page.keys()
        assert page["status"] in STATUSES
        assert page["content"] in CONTENT_STATES
        assert page["http_status"] is None or isinstance(page["http_status"], int)
        if page["content"] == "changed":
            assert set(page["diff"]) >= {"added", "removed"}
        for flag in page["keywords"]:
            assert flag["event"] in ("appeared", "disappeared") and flag["word"]
    for link in report["links"]:
        assert {"url", "status", "http_status", "final_url", "error"} <= link.keys()
        assert {"found_on", "first_failed_at", "suggestion"} <= link.keys()
        assert link["status"] in STATUSES
        assert link["found_on"], f"{link['url']} is found on no page"
        for place in link["found_on"]:
            assert set(place) >= {"page", "text"}
        if link["status"] in PROBLEMS:
            assert iso(link["first_failed_at"]) <= iso(run["finished_at"])
            assert link["error"], f"{link['url']} has no reason in words"
        else:
            assert link["first_failed_at"] is None
        if link["status"] not in ("ok", "skipped"):
            assert link["error"], f"{link['url']} ({link['status']}) has no reason in words"


def assert_matches_ground_truth(report: dict[str, Any], expected: site.Expected) -> None:
    """Each page and link has the status the simulated web was scripted to deserve."""
    pages = {p["name"]: p for p in report["pages"]}
    assert {name: pages[name]["status"] for name in expected.pages} == {
        name: str(status) for name, status in expected.pages.items()
    }
    for name, state in expected.content.items():
        assert pages[name]["content"] == state, name
    for name in pages:
        flags = {(k["word"], k["event"]) for k in pages[name]["keywords"]}
        assert flags == expected.keywords.get(name, frozenset()), name
    links = {link["url"]: link for link in report["links"]}
    wrong = {
        url: (link["status"], expected.status_of(url))
        for url, link in links.items()
        if link["status"] != expected.status_of(url)
    }
    assert not wrong, f"links whose status is not the ground truth's: {wrong}"
    missing = {url for url, status in expected.links.items() if status != "skipped"} - set(links)
    assert not missing, f"links on the watched pages that were not checked: {missing}"
    for url, pages_on in expected.found_on.items():
        if url in links:
            assert {p["page"] for p in links[url]["found_on"]} == pages_on, url
    suggested = {url: links[url]["suggestion"] for url in expected.suggestions if url in links}
    assert suggested == {url: s for url, s in expected.suggestions.items() if url in links}


def test_a_day_when_every_partner_page_answers_exits_0_with_a_contract_shaped_report(
    demo: site.DemoSite, watchlist: Path
) -> None:
    code, report = monitor_check(watchlist)

    assert code == 0
    assert_contract_shape(report)
    assert_matches_ground_truth(report, demo.expected(1))
    assert report["summary"]["problems"] == 0
    assert {p["content"] for p in report["pages"] if p["name"] != "Human Rights Centre Viasna"} == {
        "baseline"
    }


def test_problems_exit_1_and_each_says_where_it_is_linked_since_when_and_what_to_use(
    demo: site.DemoSite, watchlist: Path
) -> None:
    reports = {}
    for day in (1, 2, 3):
        expected = demo.day(day)
        code, reports[day] = monitor_check(watchlist)
        assert_contract_shape(reports[day])
        assert_matches_ground_truth(reports[day], expected)
        assert code == (0 if day == 1 else 1), f"day {day}"

    day2 = {link["url"]: link for link in reports[2]["links"]}
    day3 = {link["url"]: link for link in reports[3]["links"]}
    pdf = day3[demo.instructions_pdf]
    assert (pdf["status"], pdf["http_status"]) == ("broken", 404)
    assert {"page": demo.campaign, "text": "instructions (PDF)"} in pdf["found_on"]
    # Broken since day 2: the streak's first day is kept, not reset by the next run.
    assert pdf["first_failed_at"] == day2[demo.instructions_pdf]["first_failed_at"]
    assert iso(pdf["first_failed_at"]) <= iso(reports[2]["run"]["finished_at"])
    assert pdf["suggestion"] == demo.snapshot(demo.instructions_pdf)

    moved = day3[demo.guidelines]
    assert moved["status"] == "moved"
    assert moved["suggestion"] == demo.guidelines_moved

    petition = day3[demo.petition]
    assert petition["status"] == "soft_404"
    assert {p["page"] for p in petition["found_on"]} == {demo.campaign, demo.fidh_special}
    assert petition["suggestion"] == demo.snapshot(demo.petition)
    assert day3[demo.background]["status"] == "soft_404"
    assert day3[demo.libereco]["status"] == "timeout"

    png = demo.template_png
    assert (day2[png]["status"], day3[png]["status"]) == ("broken", "ok")
    assert day3[png]["first_failed_at"] is None  # recovered: the streak ended

    fidh = next(p for p in reports[3]["pages"] if p["name"] == "FIDH special page")
    assert fidh["content"] == "changed"
    assert any("sentenced Ales Bialiatski to 10 years" in line for line in fidh["diff"]["added"])
    assert not fidh["diff"]["removed"], "the 'last updated' line is ignored, not a change"
