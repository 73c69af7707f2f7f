"""The pages beside the digest as data: a change page (the whole change of a watched page)
and a history page (a watched page's or a link's statuses over time, a page's versions
and changes). Pure: takes rows the store gave, returns ``ChangeView`` / ``HistoryView``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitor import wording
from monitor.digest.advice import BADGES, plain_words, suggestion_label
from monitor.digest.diffs import diff_blocks, file_change
from monitor.digest.model import (
    ChangeEntry,
    ChangeView,
    CounterHistory,
    CounterReading,
    HistoryView,
    KeywordFlag,
    Place,
    Span,
    VersionEntry,
)
from monitor.digest.paths import change_path, history_path
from monitor.digest.text import Clock, clean, is_http_url
from monitor.models import ContentState, CounterKind, Status
from monitor.store import CheckRow, CounterPoint, PageCheckRow, Version

# A timeline says what a status is, not what changed ("Fixed" is the digest's word).
_TIMELINE_BADGES = {**BADGES, "ok": ("✔", "OK")}


def is_change(row: PageCheckRow) -> bool:
    """Whether a page check recorded a content change (one change page each)."""
    return row.content is ContentState.CHANGED and bool(row.change)


def numbers(row: PageCheckRow, versions: Mapping[int, Version]) -> tuple[int | None, int | None]:
    """The version numbers before and after a change (None: no longer kept)."""
    before = versions.get(row.prev_version_id or -1)
    after = versions.get(row.version_id or -1)
    return (before.number if before else None, after.number if after else None)


def own_change_path(row: PageCheckRow, versions: Mapping[int, Version]) -> str:
    """Where the change page of ``row`` goes when it is first written."""
    return change_path(row.url, *numbers(row, versions), row.run_id)


def _keywords(row: PageCheckRow) -> tuple[KeywordFlag, ...]:
    found = (row.change or {}).get("keywords") or []
    return tuple(
        KeywordFlag(clean(str(k.get("word", ""))), clean(str(k.get("event", ""))))
        for k in found
        if isinstance(k, Mapping)
    )


def change_view(
    row: PageCheckRow,
    versions: Mapping[int, Version],
    *,
    name: str,
    group: str,
    clock: Clock,
    path: str,
    timezone: str,
) -> ChangeView:
    """The change page of one recorded change: the whole diff under its headings (word by
    word where a line was edited), or one sentence for a watched file.

    Takes the check that recorded it, the page's stored versions by id (the text of file
    versions is enough), the page's name and partner group, the clock, the page's own
    path and the time zone's name.
    """
    before = versions.get(row.prev_version_id or -1)
    after = versions.get(row.version_id or -1)
    file = file_change(before, after)
    blocks = () if file is not None else diff_blocks(row.change or {}, limit=None)[0]
    return ChangeView(
        name=name,
        url=clean(row.url, limit=None),
        group=group,
        when=clock.when(row.checked_at),
        before=before.number if before else None,
        after=after.number if after else None,
        before_seen=clock.when(before.first_seen) if before else None,
        blocks=blocks,
        lines=sum(len(b.lines) for b in blocks),
        keywords=_keywords(row),
        file=file,
        path=path,
        history=history_path(row.url),
        run_id=row.run_id,
        generated=clock.when(clock.now.isoformat()),
        timezone=timezone,
    )


def spans(rows: Sequence[CheckRow | PageCheckRow], clock: Clock) -> tuple[Span, ...]:
    """Checks in run order as stretches of one status, newest first."""
    out: list[Span] = []
    start = 0
    for i in range(1, len(rows) + 1):
        if i < len(rows) and rows[i].status == rows[start].status:
            continue
        first, last = rows[start], rows[i - 1]
        symbol, badge = _TIMELINE_BADGES.get(first.status, ("•", str(first.status)))
        headline = clean(first.error, limit=500) or plain_words(
            first.status, first.http_status, first.final_url, first.url
        )
        out.append(
            Span(
                status=first.status,
                symbol=symbol,
                badge=badge,
                headline=headline,
                start=clock.when(first.checked_at),
                end=clock.when(last.checked_at),
                checks=i - start,
                problem=Status(first.status).is_problem,
            )
        )
        start = i
    return tuple(reversed(out))


def _ranges(numbers: Sequence[int]) -> str:
    """'1, 3-5' for [1, 3, 4, 5]."""
    parts: list[str] = []
    i = 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        parts.append(str(numbers[i]) if i == j else f"{numbers[i]}-{numbers[j]}")
        i = j + 1
    return ", ".join(parts)


def dropped_versions(kept: Sequence[int], last_number: int, keep: int | None) -> str | None:
    """Which versions retention no longer keeps, in a sentence (None: all are kept)."""
    gone = sorted(set(range(1, last_number + 1)) - set(kept))
    if not gone:
        return None
    which = ("Version " if len(gone) == 1 else "Versions ") + _ranges(gone)
    verb = "is" if len(gone) == 1 else "are"
    rule = f" (the {keep} most recently seen versions are kept: keep_versions)" if keep else ""
    return f"{which} {verb} no longer kept{rule}; their changes below still show what changed."


def _change_entry(
    row: PageCheckRow, versions: Mapping[int, Version], page: str | None, clock: Clock
) -> ChangeEntry:
    before, after = numbers(row, versions)
    file = file_change(versions.get(row.prev_version_id or -1), versions.get(row.version_id or -1))
    lines = 0 if file else sum(len(b.lines) for b in diff_blocks(row.change or {}, limit=None)[0])
    return ChangeEntry(
        when=clock.when(row.checked_at),
        before=before,
        after=after,
        lines=lines,
        page=page or own_change_path(row, versions),
        file=file,
        keywords=_keywords(row),
    )


def counter_histories(points: Sequence[CounterPoint], clock: Clock) -> tuple[CounterHistory, ...]:
    """Each counter of a page with its readings, newest first, from its series (oldest
    first, as the store gives it)."""
    by_name: dict[str, list[CounterPoint]] = {}
    for p in points:
        by_name.setdefault(p.name, []).append(p)
    out = []
    for name, series in by_name.items():
        latest = series[-1]
        readings = tuple(
            CounterReading(
                clock.when(p.checked_at),
                wording.share(p.value)
                if p.kind is CounterKind.PROGRESS
                else wording.count(p.value),
            )
            for p in reversed(series)
        )
        out.append(CounterHistory(clean(name), clean(latest.label or name), readings))
    return tuple(out)


def page_history(
    url: str,
    rows: Sequence[PageCheckRow],
    versions: Sequence[Version],
    *,
    last_number: int,
    change_pages: Mapping[int, str],
    name: str,
    group: str,
    clock: Clock,
    keep_versions: int | None,
    timezone: str,
    places: tuple[Place, ...] = (),
    suggestion: str | None = None,
    suggestion_label: str | None = None,
    counters: Sequence[CounterPoint] = (),
) -> HistoryView:
    """The history page of a watched page: its statuses as a timeline, its stored versions
    with their dates, every recorded change linked to its change page, and its counters'
    readings (``counters``: their series, oldest first).

    Takes the page's checks in run order, its stored versions (number order), the highest
    number ever given, the change page of each change by run id, and the page's name,
    group, the clock, ``keep_versions`` and the time zone's name; where other watched
    pages link to it and the archived copy the digest offers, when it lists the page.
    """
    by_id = {v.id: v for v in versions}
    current = next((r.version_id for r in reversed(rows) if r.version_id is not None), None)
    changes = [
        _change_entry(r, by_id, change_pages.get(r.run_id), clock) for r in rows if is_change(r)
    ]
    entries = [
        VersionEntry(
            number=v.number,
            first_seen=clock.when(v.first_seen),
            last_seen=clock.when(v.last_seen),
            current=v.id == current,
            title=clean(v.title),
        )
        for v in versions
    ]
    return HistoryView(
        kind="page",
        name=name,
        url=clean(url, limit=None),
        group=group,
        path=history_path(url),
        spans=spans(rows, clock),
        checks=len(rows),
        versions=tuple(reversed(entries)),
        changes=tuple(reversed(changes)),
        dropped=dropped_versions([v.number for v in versions], last_number, keep_versions),
        places=places,
        suggestion=suggestion,
        suggestion_label=suggestion_label,
        generated=clock.when(clock.now.isoformat()),
        timezone=timezone,
        counters=counter_histories(counters, clock),
    )


def link_history(
    url: str,
    rows: Sequence[CheckRow],
    *,
    places: tuple[Place, ...],
    group: str,
    clock: Clock,
    timezone: str,
) -> HistoryView:
    """The history page of a link: its statuses as a timeline, where it is linked from,
    and the replacement last suggested (only an http(s) address)."""
    last = rows[-1] if rows else None
    suggestion = last.suggestion if last is not None else None
    if not is_http_url(suggestion):
        suggestion = None
    return HistoryView(
        kind="link",
        name=clean(url, limit=None),
        url=clean(url, limit=None),
        group=group,
        path=history_path(url),
        spans=spans(rows, clock),
        checks=len(rows),
        places=places,
        suggestion=clean(suggestion, limit=None) or None,
        suggestion_label=(
            suggestion_label(suggestion, last.status) if suggestion and last is not None else None
        ),
        generated=clock.when(clock.now.isoformat()),
        timezone=timezone,
    )
