"""The digest's counters section: per watched page with a counter, its value, its growth
since the previous digest and per day, its goal, a 30-day chart and its milestones.

``cards`` reads the store (each page's series and its checks); ``card`` is pure: a
counter's series and the page's checks in, a ``CounterCard`` out. Milestones are typed
(``CounterNews``); their sentences come from ``wording``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from monitor import wording
from monitor.digest.paths import history_path
from monitor.digest.text import Clock, clean
from monitor.models import CounterKind
from monitor.store import CounterPoint, PageCheckRow

if TYPE_CHECKING:
    from monitor.config import Watch
    from monitor.store import Store

CHART_DAYS = 30
CHART_HEIGHT = 48  # px of the tallest bar
_FLOOR = 6  # px of the lowest one
# A check after which a counter not shown is gone: the page was read, or is gone itself
# (a closed petition sent to the home page). A timeout or a 5xx is a gap.
_LOOKED = ("ok", "moved", "soft_404", "broken")
_BLOCKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Bar:
    """One day of the chart: the day's last value (None: the page did not show it)."""

    day: str
    value: int | None
    height: int  # px


@dataclass(frozen=True)
class CounterCard:
    """One counter of one watched page as the digest shows it."""

    page_name: str
    page_url: str
    group: str
    name: str
    label: str
    value: int
    shown: str  # the value as the digest writes it: "12,665"
    change: str | None  # "+320 since the last digest (Tue 3 Dec)"
    rate: str | None  # "about 300 a day this week"
    goal: int | None
    goal_shown: str | None
    percent: int | None  # of the goal, 0..100 (capped for the bar)
    bars: tuple[Bar, ...]
    chart_alt: str
    news: tuple[str, ...]  # milestones, a fall, a stall, a vanished counter: sentences
    gone: bool = False  # the counter disappeared: its value is the last one seen
    history: str | None = None  # the page's history page (its readings), in the reports folder

    @property
    def spark(self) -> str:
        """The chart in one line of text, for the plain-text digest: a block per day
        from its height, "·" for a day without a reading."""
        return "".join(
            "·" if b.value is None else _BLOCKS[min(7, b.height * 8 // (CHART_HEIGHT + 1))]
            for b in self.bars
        )


def _at(stamp: str) -> datetime:
    dt = datetime.fromisoformat(stamp)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def round_numbers(low: int, high: int) -> list[int]:
    """1, 2, 5 × 10ⁿ with ``low < n <= high``."""
    out = []
    scale = 1
    while scale <= high:
        for step in (1, 2, 5):
            n = step * scale
            if low < n <= high:
                out.append(n)
        scale *= 10
    return out


def _chart(points: Sequence[CounterPoint], clock: Clock, last_day: date) -> tuple[Bar, ...]:
    """One bar per day of the last ``CHART_DAYS`` (the day's last value). The bars span
    the 30 days' lowest to highest value (the lowest a short bar, not none), so that 320
    more on 12,345 shows; the caption says the numbers."""
    by_day: dict[date, int] = {}
    for p in points:
        by_day[_at(p.checked_at).astimezone(clock.tz).date()] = p.value
    days = [last_day - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    shown = [by_day[d] for d in days if d in by_day]
    low, high = min(shown, default=0), max(shown, default=0)

    def height(value: int) -> int:
        if high == low:
            return CHART_HEIGHT * 3 // 4
        return _FLOOR + round((value - low) * (CHART_HEIGHT - _FLOOR) / (high - low))

    return tuple(
        Bar(clock.day(d), by_day.get(d), height(by_day[d]) if d in by_day else 0) for d in days
    )


def card(
    points: Sequence[CounterPoint],
    checks: Sequence[PageCheckRow],
    *,
    after: int,
    page: tuple[str, str, str],
    clock: Clock,
    milestones: Sequence[int] | None = None,
    stalled_days: int = 3,
) -> CounterCard | None:
    """The card of one counter: ``points`` its whole series (oldest first), ``checks``
    the page's checks since its last value or the window (whichever is older), ``after``
    the previous digest's last run, ``page`` (name, url, group). None when the window has
    nothing to say about it."""
    if not points:
        return None
    name, url, group = page
    before = [p for p in points if p.run_id <= after]
    window = [p for p in points if p.run_id > after]
    latest = points[-1]
    looked_since = [c for c in checks if c.run_id > latest.run_id and c.status in _LOOKED]
    gone = bool(looked_since)
    if not window and not (gone and looked_since[0].run_id > after):
        return None  # nothing new: it vanished before this window, or was not read
    news: list[str] = []
    grows = latest.kind.grows
    base = before[-1] if before else window[0] if window else latest
    change_text = None
    if base is not latest:
        delta = latest.value - base.value
        since = (
            wording.counter_since_digest(clock.when(base.checked_at))
            if before
            else wording.counter_since_first(clock.when(base.checked_at))
        )
        change_text = wording.counter_change(delta, since)
    # A fall: a counter that went down is odd, said once and not drawn as a trend.
    pairs = list(zip([base, *window], window, strict=False))
    fell = [(a, b) for a, b in pairs if b.value < a.value] if grows else []
    for a, b in fell:
        news.append(wording.counter_fell(a.value, b.value, clock.when(b.checked_at)))
    rate_text = None
    if grows and not fell and not looked_since:
        week = [p for p in points if _at(latest.checked_at) - _at(p.checked_at) <= timedelta(7)]
        span = (_at(latest.checked_at) - _at(week[0].checked_at)).total_seconds() / 86400
        if span >= 1:
            rate_text = wording.counter_rate((latest.value - week[0].value) / span)
    if grows and window:
        low, high = base.value, max(p.value for p in window)
        goal = latest.goal
        if goal is not None and low < goal <= high:
            news.append(wording.counter_goal_reached(goal))
        marks = (
            [m for m in milestones if low < m <= high]
            if milestones is not None
            else round_numbers(low, high)
        )
        marks = [m for m in marks if m != goal]
        if marks:
            news.append(wording.counter_milestone(max(marks)))
    if gone:
        first = looked_since[0]
        news.append(
            wording.counter_gone(clock.when(first.checked_at), with_page=first.status.is_problem)
        )
    elif grows and latest.kind.stalls:
        steady_from = latest
        for p in reversed(points):
            if p.value != latest.value:
                break
            steady_from = p
        days = (_at(latest.checked_at) - _at(steady_from.checked_at)).days
        if days >= stalled_days:
            news.append(wording.counter_stalled(days, clock.when(steady_from.checked_at)))
    last_day = _at(latest.checked_at).astimezone(clock.tz).date()
    if gone:
        last_day = _at(looked_since[-1].checked_at).astimezone(clock.tz).date()
    bars = _chart(points, clock, last_day)
    shown_bars = [b for b in bars if b.value is not None]
    alt = wording.counter_chart_alt(
        latest.label or latest.name,
        CHART_DAYS,
        [(b.day, b.value) for b in shown_bars if b.value is not None],
    )
    goal = latest.goal
    percent = min(100, latest.value * 100 // goal) if goal else None
    share = latest.kind is CounterKind.PROGRESS  # "62% of the goal": itself a share
    return CounterCard(
        page_name=name,
        page_url=url,
        group=group,
        name=clean(latest.name),
        label=clean(latest.label),
        value=latest.value,
        shown=wording.share(latest.value) if share else wording.count(latest.value),
        change=change_text,
        rate=rate_text,
        goal=goal,
        goal_shown=wording.count(goal) if goal and not share else None,
        percent=percent,
        bars=bars,
        chart_alt=alt,
        news=tuple(news),
        gone=gone,
    )


def _still_read(watch: Watch, name: str) -> bool:
    """True when ``watch`` still reads the counter ``name`` (auto: the known kinds)."""
    if watch.counters is False:
        return False
    if watch.counters == "auto":
        return name in {str(k) for k in CounterKind if k is not CounterKind.NAMED}
    return name in {c.name for c in watch.counters}


def cards(
    store: Store,
    *,
    after: int,
    upto: int,
    watches: Mapping[str, Watch] | None,
    clock: Clock,
) -> tuple[CounterCard, ...]:
    """Every counter card of runs ``after < run <= upto``, by partner, then page."""
    out: list[CounterCard] = []
    if upto <= after:
        return ()
    for page in store.counter_pages(upto=upto):
        url = page["url"]
        watch = watches.get(url) if watches is not None else None
        if watches is not None and watch is None:
            continue
        group = clean(watch.group if watch else page["partner"] or page["name"])
        name = clean(watch.name if watch else page["name"])
        series = store.counter_series(url, upto=upto)
        by_name: dict[str, list[CounterPoint]] = {}
        for p in series:
            by_name.setdefault(p.name, []).append(p)
        # From the oldest last value on: whether a counter vanished in this window or before.
        since = min([after, *(points[-1].run_id for points in by_name.values())])
        checks = store.page_checks(url=url, after=since, upto=upto)
        for counter, points in by_name.items():
            if watch is not None and not _still_read(watch, counter):
                continue  # turned off or renamed: not news that it "disappeared"
            one = card(
                points,
                checks,
                after=after,
                page=(name, url, group),
                clock=clock,
                milestones=watch.milestones if watch else None,
                stalled_days=watch.stalled_days if watch else 3,
            )
            if one is not None:
                out.append(replace(one, history=history_path(url)))
    return tuple(sorted(out, key=lambda c: (c.group.lower(), c.page_name.lower())))
