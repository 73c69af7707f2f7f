"""The digest's counters section (issue 20): growth, rate, goal, chart and milestones
from a series with gaps, a fall, a milestone, a stall and a vanished counter; and the
chart as it reaches a browser and an e-mail (tables with inline styles, no script, no SVG).
"""

from __future__ import annotations

import email
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor import digest
from monitor.config import EmailSettings
from monitor.digest.counters import CounterCard, card, round_numbers
from monitor.digest.text import Clock
from monitor.mail import _message
from monitor.models import ContentState, Counter, CounterKind, Status
from monitor.store import CounterPoint, PageCheckRow, PageRecord, Store

URL = "https://amnesty.example/petition"
CLOCK = Clock(datetime(2026, 12, 10, 8, tzinfo=UTC), UTC)


def day(n: int) -> str:
    return f"2026-12-{n:02d}T07:00:00+00:00"


def point(run: int, value: int, goal: int | None = 20000) -> CounterPoint:
    return CounterPoint(
        run, day(run), "signatures", CounterKind.SIGNATURES, value, goal, "signed", f"{value}"
    )


def looked(run: int, status: str = "ok") -> PageCheckRow:
    return PageCheckRow(
        run_id=run, checked_at=day(run), status=Status(status), http_status=200, final_url=URL,
        error=None, first_failed_at=None, content=ContentState.UNCHANGED, version_id=None,
        prev_version_id=None, change=None, url=URL, name="Petition", partner="Amnesty",
        page_id=1, notes=(),
    )  # fmt: skip


def make(points: Sequence[CounterPoint], runs: Sequence[int], after: int, **kw: Any) -> CounterCard:
    out = card(
        points, [looked(r) for r in runs], after=after,
        page=("Petition", URL, "Amnesty"), clock=CLOCK, **kw,
    )  # fmt: skip
    assert out is not None
    return out


def test_growth_since_the_previous_digest() -> None:
    c = make([point(1, 12345), point(2, 12665)], [1, 2], after=1)
    assert c.change is not None and c.change.startswith("+320 since the last digest")


def test_a_first_digest_counts_from_the_first_value_in_its_window() -> None:
    c = make([point(1, 12345), point(2, 12665)], [1, 2], after=0)
    assert c.change is not None and c.change.startswith("+320 since the first reading")


def test_the_rate_per_day_once_the_series_spans_a_day() -> None:
    c = make([point(1, 12000), point(2, 12300), point(3, 12600)], [1, 2, 3], after=2)
    assert c.rate == "about 300 a day this week"


def test_one_reading_has_no_change_and_no_rate() -> None:
    c = make([point(1, 12345)], [1], after=0)
    assert (c.change, c.rate) == (None, None)


def test_a_gap_is_an_empty_day_in_the_chart_not_a_zero() -> None:
    c = make([point(1, 100), point(3, 130)], [1, 2, 3], after=0)
    assert [b.value for b in c.bars[-3:]] == [100, None, 130]


def test_a_round_number_passed_is_news() -> None:
    c = make([point(1, 9800), point(2, 10150)], [1, 2], after=1)
    assert "Passed 10,000." in c.news


def test_a_configured_milestone_replaces_the_round_numbers() -> None:
    c = make([point(1, 9800), point(2, 12600)], [1, 2], after=1, milestones=[12500])
    assert [n for n in c.news if n.startswith("Passed")] == ["Passed 12,500."]


def test_the_goal_reached_is_news() -> None:
    c = make([point(1, 19900), point(2, 20100)], [1, 2], after=1)
    assert "Goal reached: 20,000." in c.news


def test_a_fall_is_said_and_not_drawn_as_a_trend() -> None:
    c = make([point(1, 12000), point(2, 12300), point(3, 11000)], [1, 2, 3], after=2)
    assert (c.rate, any("went down" in n for n in c.news)) == (None, True)


def test_no_growth_for_stalled_days_is_news() -> None:
    c = make([point(n, 5000) for n in range(1, 6)], range(1, 6), after=4)
    assert any(n.startswith("No growth for 4 days") for n in c.news)


def test_countries_that_stay_the_same_are_not_news() -> None:
    countries = [
        CounterPoint(n, day(n), "countries", CounterKind.COUNTRIES, 37, None, "countries", "37")
        for n in range(1, 6)
    ]
    assert make(countries, range(1, 6), after=4).news == ()


def test_a_counter_that_disappeared_is_news_with_its_last_value() -> None:
    c = make([point(1, 12000), point(2, 12300)], [1, 2, 3], after=2)
    assert (c.gone, c.value, any("disappeared" in n for n in c.news)) == (True, 12300, True)


@pytest.mark.parametrize(
    ("status", "with_page"),
    [
        pytest.param("ok", False, id="page-read-counter-missing"),
        pytest.param("soft_404", True, id="page-sent-to-the-home-page"),
        pytest.param("broken", True, id="page-not-found"),
    ],
)
def test_a_counter_gone_with_its_page_says_the_page_is_gone(status: str, with_page: bool) -> None:
    out = card(
        [point(1, 12000), point(2, 12300)],
        [looked(1), looked(2), looked(3, status)],
        after=2,
        page=("Petition", URL, "Amnesty"),
        clock=CLOCK,
    )
    assert out is not None
    assert any("with the page itself" in n for n in out.news) is with_page


def test_a_counter_gone_before_the_window_is_not_repeated() -> None:
    out = card(
        [point(1, 12000)],
        [looked(2), looked(3)],
        after=2,
        page=("Petition", URL, "Amnesty"),
        clock=CLOCK,
    )
    assert out is None


@pytest.mark.parametrize(
    ("low", "high", "marks"),
    [
        pytest.param(9800, 10150, [10000], id="ten-thousand"),
        pytest.param(150, 600, [200, 500], id="two-and-five-hundred"),
        pytest.param(10001, 19999, [], id="none-between"),
    ],
)
def test_round_numbers(low: int, high: int, marks: list[int]) -> None:
    assert round_numbers(low, high) == marks


# -- the section as rendered -------------------------------------------------------------


def signatures(value: int) -> Counter:
    return Counter("signatures", CounterKind.SIGNATURES, "people have signed", value, 20000, "")


def written(tmp_path: Path) -> digest.Digest:
    with Store(tmp_path / "m.db") as store:
        page = store.page_id(URL, "Petition", "Amnesty")
        for n, value in enumerate((12000, 12345, 12665), 1):
            run = store.begin_run(day(n))
            rec = PageRecord(
                page, day(n), Status.OK, 200, URL, None, ContentState.UNCHANGED,
                counters=(signatures(value),),
            )  # fmt: skip
            store.record_page(run, rec)
            store.finish_run(run, day(n), pages=1, links=0, problems=0, changed=0)
        return digest.build(store, after_run=2, upto_run=3, now=CLOCK.now)


def test_the_html_shows_value_growth_goal_and_chart(tmp_path: Path) -> None:
    html = digest.render_html(written(tmp_path))
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert all(s in text for s in ("12,665", "+320 since the last digest", "Goal: 20,000"))


def test_the_text_digest_has_the_counters_section(tmp_path: Path) -> None:
    text = digest.render_text(written(tmp_path))
    assert "COUNTERS (1)" in text and "+320 since the last digest" in text


def test_the_chart_in_the_e_mail_is_tables_with_words_and_no_svg(tmp_path: Path) -> None:
    d = written(tmp_path)
    msg = _message(EmailSettings(), "digest", digest.render_html(d), digest.render_text(d))
    parsed = email.message_from_bytes(msg.as_bytes())
    html = next(
        str(p.get_payload(decode=True), "utf-8")  # type: ignore[arg-type]
        for p in parsed.walk()
        if p.get_content_type() == "text/html"
    )
    chart = re.search(r'<table class="pm-chart" role="img" aria-label="([^"]+)"', html)
    assert (
        chart is not None
        and "12,665" in chart.group(1)
        and not re.search(r"<(svg|script|img)\b", html)
    )


def test_a_counter_turned_off_in_the_watch_list_is_not_said_to_disappear(tmp_path: Path) -> None:
    from monitor.config import loads

    cfg = loads(f"watch:\n  - {{name: Petition, url: '{URL}', counters: false}}\n")
    with Store(tmp_path / "m.db") as store:
        page = store.page_id(URL, "Petition", "Amnesty")
        for n, shown in ((1, (signatures(12000),)), (2, ())):
            run = store.begin_run(day(n))
            store.record_page(
                run,
                PageRecord(page, day(n), Status.OK, 200, URL, None, ContentState.UNCHANGED,
                           counters=shown),
            )  # fmt: skip
            store.finish_run(run, day(n), pages=1, links=0, problems=0, changed=0)
        d = digest.build(store, after_run=1, upto_run=2, config=cfg, now=CLOCK.now)
    assert d.counters == ()


def test_a_share_of_the_goal_is_shown_as_a_share() -> None:
    share = CounterPoint(1, day(1), "progress", CounterKind.PROGRESS, 62, 100, "of the goal", "")
    c = make([share], [1], after=0)
    assert (c.shown, c.percent, c.goal_shown) == ("62%", 62, None)


def test_the_chart_spans_the_lowest_to_the_highest_value() -> None:
    c = make([point(1, 12345), point(2, 12665)], [1, 2], after=0)
    assert [b.height for b in c.bars[-2:]] == [6, 48]


def test_the_text_chart_is_a_line_of_blocks_with_dots_for_gaps() -> None:
    c = make([point(1, 50), point(3, 100)], [1, 2, 3], after=0)
    assert c.spark[-3:] == "▁·█"
