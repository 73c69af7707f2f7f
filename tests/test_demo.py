"""`monitor demo`: three simulated days through the real pipeline, judged by their digests.

The demo runs once per module, in-process (``scenario.main``); the tests read the
digests it wrote as a campaigner would, item by item. One more test runs the command
itself in a subprocess, into the same kind of folder, as the README's first command does.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag

from monitor import cli
from monitor.demo import drawn, scenario, site
from monitor.fetch import render

pytestmark = pytest.mark.slow


# A fixed calendar, so the tests do not depend on today's date: day 2 is the 1st of a month
# (one-digit days, a month boundary) on a date safely in the past.
FIRST_DAY = date(2026, 2, 28)


@dataclass(frozen=True)
class DemoRun:
    out: Path
    site: site.DemoSite  # the partner web the demo built (its URLs and ground truth)
    code: int
    stdout: str
    seconds: float
    threads_before: int
    threads_after: int


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`monitor demo` run once, in-process, into a fresh folder."""
    out = tmp_path_factory.mktemp("demo") / "reports"
    before = threading.active_count()
    printed = io.StringIO()
    started = time.monotonic()
    built: list[site.DemoSite] = []
    build = site.build

    def spy(*args: Any, **kwargs: Any) -> site.DemoSite:
        kwargs.setdefault("first_day", FIRST_DAY)
        built.append(build(*args, **kwargs))
        return built[-1]

    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(site, "build", spy)
        code = scenario.main(out)
    seconds = time.monotonic() - started
    (demo_site,) = built
    after = threading.active_count()
    return DemoRun(out, demo_site, code, printed.getvalue(), seconds, before, after)


def digests(out: Path) -> list[Path]:
    """The dated digest files, oldest first."""
    return sorted(out.glob("digest-*.html"))


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def section(soup: BeautifulSoup, title: str) -> Tag:
    """The digest section whose heading starts with ``title`` (e.g. "Still broken")."""
    for heading in soup.find_all("h2"):
        if heading.get_text(" ", strip=True).lstrip("✖✔◔✎↪ ").startswith(title):
            parent = heading.find_parent("section")
            assert isinstance(parent, Tag)
            return parent
    headings = [h.get_text(" ", strip=True) for h in soup.find_all("h2")]
    raise AssertionError(f"no section {title!r}; the digest has {headings}")


def items_about(scope: Tag, url: str) -> list[str]:
    """The text of every digest item (card or list line) in ``scope`` that names ``url``."""
    found = []
    for item in scope.find_all(["li", "div"]):
        if item.name == "div" and "pm-card" not in (item.get("class") or []):
            continue
        if url in item.get_text(" ", strip=True):
            found.append(" ".join(item.get_text(" ", strip=True).split()))
    return found


@pytest.mark.perf
def test_the_demo_takes_less_than_a_minute(demo: DemoRun) -> None:
    assert demo.seconds < 60


def test_the_demo_exits_0_and_says_where_the_digests_are(demo: DemoRun) -> None:
    assert demo.code == 0
    for path in (demo.out / "latest.html", demo.out / "index.html", *digests(demo.out)):
        assert str(path) in demo.stdout
    assert len(digests(demo.out)) == site.DAYS
    assert re.search(r"Done in \d+\.\d s\.", demo.stdout)
    for day in range(1, site.DAYS + 1):
        assert f"Day {day} · " in demo.stdout


def test_the_demo_prints_the_whole_last_digest_in_the_terminal(demo: DemoRun) -> None:
    printed = demo.stdout.split("(text version,", 1)[1]
    for section in ("NEW PROBLEMS", "STILL BROKEN", "FIXED", "CONTENT CHANGES", "MOVED"):
        assert section in printed
    assert "Pagina niet gevonden" in printed  # the soft-404, in the words of the page
    assert "sentenced Ales Bialiatski to 10 years" in printed  # the change itself


def test_the_demo_leaves_no_thread_running(demo: DemoRun) -> None:
    assert demo.threads_after == demo.threads_before
    assert not [t.name for t in threading.enumerate() if t.name == "simweb"]


def test_latest_is_the_day_3_digest_and_the_index_lists_three_digests_newest_first(
    demo: DemoRun,
) -> None:
    files = digests(demo.out)
    assert (demo.out / "latest.html").read_bytes() == files[-1].read_bytes()
    index = soup_of(demo.out / "index.html")
    listed = [
        a["href"]
        for a in index.find_all("a", href=True)
        if re.fullmatch(r"digest-[\d-]+\.html", str(a["href"]))
    ]
    assert list(dict.fromkeys(listed)) == [f.name for f in reversed(files)]


def test_day_1_is_the_baseline_and_all_clear(demo: DemoRun) -> None:
    text = soup_of(digests(demo.out)[0]).get_text(" ", strip=True)
    assert "All clear" in text


def test_day_2_reports_the_deleted_template_files_as_new_problems(demo: DemoRun) -> None:
    urls = demo.site
    new = section(soup_of(digests(demo.out)[1]), "New problems")
    for url, anchor in ((urls.instructions_pdf, "instructions (PDF)"), (urls.template_png, "PNG")):
        (item,) = items_about(new, url)
        assert "Page not found (404)" in item
        assert "Campaign page" in item and anchor in item


def test_day_3_names_the_404_instructions_with_the_page_linking_to_it_since_day_2(
    demo: DemoRun,
) -> None:
    urls = demo.site
    still = section(soup_of(demo.out / "latest.html"), "Still broken")
    (item,) = items_about(still, urls.instructions_pdf)
    assert "Campaign page" in item
    day2 = demo.site.date(2)
    assert f"since {day2:%a} {day2.day} {day2:%b}" in item


def test_day_3_reports_the_closed_petition_as_sent_to_the_home_page(demo: DemoRun) -> None:
    urls = demo.site
    new = section(soup_of(demo.out / "latest.html"), "New problems")
    items = items_about(new, urls.petition)
    assert items, "the closed petition is not among the new problems"
    assert all("Gone" in item and "home page" in item for item in items)
    # Both the watched petition page and the links to it on the partner pages.
    assert any("Petition (Amnesty International Netherlands and NHC)" in i for i in items)
    assert any("Sign the petition for Ales Bialiatski" in i for i in items)


def test_day_3_reports_the_dutch_not_found_page_served_with_status_200(demo: DemoRun) -> None:
    urls = demo.site
    new = section(soup_of(demo.out / "latest.html"), "New problems")
    (item,) = items_about(new, urls.background)
    assert "Pagina niet gevonden" in item and "200" in item
    assert "Wie is Ales Bialiatski?" in item  # the anchor text on the campaign page


def test_day_3_suggests_the_new_address_of_the_moved_guidelines(demo: DemoRun) -> None:
    urls = demo.site
    moved = section(soup_of(demo.out / "latest.html"), "Moved")
    (item,) = items_about(moved, urls.guidelines)
    assert f"New address: {urls.guidelines_moved}" in item


def test_day_3_shows_the_hanging_host_as_not_answering(demo: DemoRun) -> None:
    urls = demo.site
    latest = soup_of(demo.out / "latest.html")
    # A first timeout may be a hiccup: "watching" until the next check confirms it.
    items = items_about(section(latest, "Watching"), urls.libereco) or items_about(
        section(latest, "New problems"), urls.libereco
    )
    assert len(items) == 1
    assert "did not answer within 2 s" in items[0]
    assert "Supporting organisations" in items[0]


def test_day_3_shows_the_verdict_with_its_keywords_as_the_only_content_change(
    demo: DemoRun,
) -> None:
    changes = section(soup_of(demo.out / "latest.html"), "Content changes")
    cards = [c for c in changes.find_all("div") if "pm-card" in (c.get("class") or [])]
    assert len(cards) == 1
    text = " ".join(cards[0].get_text(" ", strip=True).split())
    assert "FIDH special page" in text
    assert "Keyword “ verdict ” appeared" in text and "Keyword “ sentenced ” appeared" in text
    assert "sentenced Ales Bialiatski to 10 years" in text


def test_no_digest_reports_the_rotating_banner_the_counters_or_the_timestamps(
    demo: DemoRun,
) -> None:
    urls = demo.site
    for day, path in enumerate(digests(demo.out), 1):
        soup = soup_of(path)
        # The counters section shows the counts as numbers (issue 20): everywhere else,
        # above all among the content changes, they must not appear.
        for counters in soup.select('section[aria-label="Counters"]'):
            counters.decompose()
        text = " ".join(soup.get_text(" ").split())
        for noise in urls.expected(day).noise:
            assert noise not in text, f"day {day} digest mentions {noise!r}"
        for word in ("Last updated", "handtekeningen", "have signed"):
            assert word not in text, f"day {day} digest mentions {word!r}"


def counters_text(path: Path) -> str:
    found = soup_of(path).select_one('section[aria-label="Counters"]')
    return " ".join(found.get_text(" ").split()) if found is not None else ""


@pytest.mark.parametrize(
    ("day", "said"),
    [
        pytest.param(
            1, "handtekeningen 12,444 Goal: 20,000 · 62% of the way", id="day-1-value-goal"
        ),
        pytest.param(2, "13,340 +896 since the last digest", id="day-2-growth"),
        pytest.param(2, "Passed 13,000.", id="day-2-milestone"),
        pytest.param(3, "13,340 (last seen)", id="day-3-last-value"),
        pytest.param(3, "The counter disappeared", id="day-3-closed-petition"),
        pytest.param(
            3,
            "Campaign page · people have signed 13,340 no change since the last digest",
            id="day-3-the-campaign-page-keeps-the-closed-petition-s-last-count",
        ),
    ],
)
def test_the_petition_counter_grows_passes_a_milestone_and_disappears(
    demo: DemoRun, day: int, said: str
) -> None:
    assert said in counters_text(digests(demo.out)[day - 1])


def test_the_petition_s_counter_card_links_its_history_page_with_every_reading(
    demo: DemoRun,
) -> None:
    latest = soup_of(demo.out / "latest.html")
    (card,) = [c for c in latest.select(".pm-counter") if "handtekeningen" in c.get_text()]
    (link,) = card.find_all("a", string="History")
    page = " ".join(soup_of(demo.out / str(link["href"])).get_text(" ").split())
    assert re.search(r"handtekeningen Checked Value \w+ [^,]+? 13,340 \w+ [^,]+? 12,444", page)


def test_an_archived_copy_is_offered_as_an_archived_copy(demo: DemoRun) -> None:
    urls = demo.site
    new = section(soup_of(digests(demo.out)[1]), "New problems")
    (item,) = items_about(new, urls.instructions_pdf)
    assert f"(archived copy) : {urls.snapshot(urls.instructions_pdf)}" in item


def test_the_noise_the_digests_must_not_mention_is_really_on_the_pages(demo: DemoRun) -> None:
    for day in range(1, site.DAYS + 1):
        noise = demo.site.expected(day).noise
        assert any(text.startswith("Last updated: ") for text in noise)
        assert any(text.endswith(" people") for text in noise)  # the campaign's counter
        assert sum(text.endswith(".") for text in noise) >= 3  # a banner on three sites


def test_every_change_and_problem_of_the_latest_digest_links_a_page_beside_it(
    demo: DemoRun,
) -> None:
    latest = soup_of(demo.out / "latest.html")
    cards = [c for c in latest.find_all(["div", "li"]) if c.find("a", string="History")]
    changes = [a["href"] for a in latest.find_all("a") if "See the whole change" in a.get_text()]
    targets = [str(a["href"]) for c in cards for a in c.find_all("a", string="History")]
    missing = [t for t in targets + [str(h) for h in changes] if not (demo.out / t).is_file()]
    # 3 new problems, 2 watching, 1 moved, the changed page (and its history), at the least
    assert (len(targets) >= 7, len(changes), missing) == (True, 1, [])


def test_no_file_of_the_demo_names_a_command_or_a_path_of_this_machine(demo: DemoRun) -> None:
    files = [*demo.out.glob("*.html"), *demo.out.glob("*.txt"), *demo.out.glob("*/*.html")]
    said = {
        p.relative_to(demo.out).as_posix(): bad
        for p in files
        for bad in ("monitor diff", "--config", str(demo.out))
        if bad in p.read_text(encoding="utf-8")
    }
    assert said == {}


def test_the_demo_refuses_a_folder_holding_files_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "digest-2024-01-01.html").write_text("a real digest", encoding="utf-8")
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed):
        code = scenario.main(tmp_path, quiet=True)
    assert code == 2
    assert "did not write" in printed.getvalue() and "--out" in printed.getvalue()
    assert (tmp_path / "digest-2024-01-01.html").read_text(encoding="utf-8") == "a real digest"


def test_preparing_a_demo_folder_again_removes_only_what_the_demo_wrote(tmp_path: Path) -> None:
    scenario.prepare(tmp_path)
    old = ("monitor.db", "digest-2024-01-01.html", "latest.html", "index.html", "x.txt",
           "changes/a-0123456789-v1-v2.html", "history/a-0123456789.html")  # fmt: skip
    for name in old:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("old", encoding="utf-8")
    scenario.prepare(tmp_path)
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == [scenario.MARKER, "x.txt"]


def test_the_watch_list_the_demo_leaves_is_valid_and_its_history_can_be_read(
    demo: DemoRun,
) -> None:
    watchlist = str(demo.out / "watchlist.yaml")
    validate = subprocess.run(
        [sys.executable, "-m", "monitor", "validate", "--config", watchlist],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert validate.returncode == 0, validate.stderr
    # the page drawn by script is watched when this machine has a browser (demo.drawn)
    pages = len(site.WATCHES) + (render.problem() is None)
    assert f"{pages} watched pages" in validate.stdout
    # The command the demo suggests at the end works on what it recorded.
    suggested = f"monitor history {demo.site.instructions_pdf} --config {watchlist}"
    assert suggested in demo.stdout
    history = subprocess.run(
        [sys.executable, "-m", *suggested.split()],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert history.returncode == 0, history.stderr
    assert history.stdout.count("broken") == 2 and "404" in history.stdout


def test_the_monitor_demo_command_runs_again_into_its_own_folder_and_prints_the_paths(
    demo: DemoRun, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    shutil.copytree(demo.out, out)  # a folder an earlier demo wrote
    proc = subprocess.run(
        [sys.executable, "-m", "monitor", "demo", "--out", "reports"],
        capture_output=True,
        text=True,
        timeout=100,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    files = digests(out)
    assert len(files) == site.DAYS  # started afresh: no "-2" digests beside the old ones
    for name in ("latest.html", "index.html", *(f.name for f in files)):
        assert f"reports/{name}" in proc.stdout
    assert (out / "watchlist.yaml").read_text() != (demo.out / "watchlist.yaml").read_text()


def test_the_page_drawn_by_script_is_read_in_the_browser_when_there_is_one(
    demo: DemoRun,
) -> None:
    if render.problem() is not None:
        pytest.skip(f"no browser here: {render.problem()}")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli_code = cli.main(
            ["history", "--config", str(demo.out / "watchlist.yaml"),
             demo.site.url(drawn.HOST, drawn.PATH)]
        )  # fmt: skip
    assert (cli_code, len(re.findall(r"│ ok\s+│ 200", out.getvalue()))) == (0, site.DAYS)


def test_the_counter_of_the_page_drawn_by_script_is_in_the_digests_counters(
    demo: DemoRun,
) -> None:
    if render.problem() is not None:
        pytest.skip(f"no browser here: {render.problem()}")
    assert "Solidarity wall (drawn by script) · people have signed 4,356 +412" in " ".join(
        counters_text(demo.out / "latest.html").split()
    )


@pytest.mark.slow
def test_without_a_browser_the_demo_leaves_that_page_out_and_says_how_to_add_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "problem", lambda: "Chromium is not installed")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = scenario.main(tmp_path)
    watchlist = (tmp_path / "watchlist.yaml").read_text(encoding="utf-8")
    assert (code, render.INSTALL in printed.getvalue(), "render: browser" in watchlist) == (
        0,
        True,
        False,
    )
