"""The run's report: the contract's ``--json`` report, page by page and link by link.

``RunReport.counts`` counts problems once per URL (``counts``); ``json_text`` writes the
report item by item, so a big run never holds it as one string.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from monitor import wording
from monitor.counts import Counts, count
from monitor.models import (
    Change,
    ContentState,
    Counter,
    Note,
    Status,
)
from monitor.outage import Outage

Clock = Callable[[], datetime]
Progress = Callable[[str, int, int], None]  # (stage "pages"|"links", done, total)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """The report's timestamp form: ISO-8601 in UTC, to the second."""
    return dt.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class CounterReport:
    """The contract's ``pages[].counters[]`` item: a counter this run read, and its value
    in the most recent earlier run that could look and showed it (None the first time)."""

    counter: Counter
    previous: int | None = None
    previous_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        c = self.counter
        return {
            "name": c.name,
            "label": c.label,
            "value": c.value,
            "previous": self.previous,
            "previous_at": self.previous_at,
            "goal": c.goal,
            "text": c.text,
            "kind": str(c.kind),
        }


@dataclass
class PageReport:
    """The contract's ``pages[]`` item."""

    name: str
    url: str
    partner: str | None
    status: Status
    http_status: int | None
    final_url: str | None
    content: ContentState
    error: str | None = None
    notes: list[Note] = field(default_factory=list)
    change: Change | None = None
    first_failed_at: str | None = None
    links_found: int = 0
    watching: bool = False  # a transient problem seen for the first time (see counts)
    counters: list[CounterReport] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        ch = self.change
        return {
            "name": self.name,
            "url": self.url,
            "partner": self.partner,
            "status": str(self.status),
            "http_status": self.http_status,
            "final_url": self.final_url,
            "error": self.error,
            "content": str(self.content),
            "diff": (
                {"added": list(ch.added), "removed": list(ch.removed)}
                if ch and self.content is ContentState.CHANGED
                else None
            ),
            "keywords": [{"word": k.word, "event": k.event} for k in ch.keywords] if ch else [],
            "note": wording.notes_text(self.notes),
            "notes": [n.to_json() for n in self.notes],
            "links_found": self.links_found,
            "counters": [c.to_json() for c in self.counters],
        }


@dataclass(slots=True)
class LinkReport:
    """The contract's ``links[]`` item (one per link of a run: slots, no ``__dict__``)."""

    url: str
    status: Status
    http_status: int | None
    final_url: str | None
    error: str | None
    found_on: list[tuple[str, str]] = field(default_factory=list)  # (page url, anchor text)
    first_failed_at: str | None = None
    suggestion: str | None = None
    watching: bool = False  # a transient problem seen for the first time (see counts)

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": str(self.status),
            "http_status": self.http_status,
            "final_url": self.final_url,
            "error": self.error,
            "found_on": [{"page": p, "text": t} for p, t in self.found_on],
            "first_failed_at": self.first_failed_at,
            "suggestion": self.suggestion,
        }


@dataclass
class RunReport:
    """What one ``monitor check`` found: the contract's JSON report."""

    run_id: int
    started_at: str
    finished_at: str
    pages: list[PageReport]
    links: list[LinkReport]
    requests: int = 0
    # Set when the run could not reach the network: it judged nobody (pages and links
    # are empty, every count is zero) and the CLI exits 3.
    outage: Outage | None = None

    def __repr__(self) -> str:
        # Short on purpose: asyncio.run (3.11) formats its main task, result included, when
        # it restores the SIGINT handler (signal.getsignal -> a ValueError message). The
        # dataclass repr of every link is megabytes at the end of a large run, only to be
        # cut to a few characters by reprlib (bench/results/2026-12-04-design-notes.md).
        return (
            f"RunReport(run_id={self.run_id}, pages={len(self.pages)}, "
            f"links={len(self.links)}, requests={self.requests})"
        )

    @functools.cached_property
    def counts(self) -> Counts:
        """Problems per affected URL, watched pages and links together (``counts``);
        counted once, when first asked (the report is complete by then)."""
        return count(
            itertools.chain(
                ((p.url, p.status, p.watching) for p in self.pages),
                ((link.url, link.status, link.watching) for link in self.links),
            )
        )

    @property
    def problems(self) -> int:
        """URLs in a problem status, watching ones included (exit code 1 when any)."""
        return self.counts.problems

    @property
    def changed(self) -> int:
        return sum(p.content is ContentState.CHANGED for p in self.pages)

    def _head(self) -> dict[str, Any]:
        counts = self.counts
        run: dict[str, Any] = {
            "id": self.run_id,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }
        if self.outage is not None:
            run |= {
                "inconclusive": True,
                "reason": wording.outage_reason(self.outage),
                "tried": [t.to_json() for t in self.outage.tried],
            }
        return {
            "run": run,
            "summary": {
                "pages": len(self.pages),
                "links": len(self.links),
                "problems": counts.problems,
                "changed": self.changed,
                "watching": counts.watching,
            },
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self._head(),
            "pages": [p.to_json() for p in self.pages],
            "links": [link.to_json() for link in self.links],
        }

    def json_text(self) -> Iterator[str]:
        """``json.dumps(self.to_json(), indent=2, ensure_ascii=False)``, one item at a time.

        The report as one tree of dicts, then one string, was the run's peak memory once
        the link checks had become small (see LinkQueue); one item at a time it is a small
        fraction of that (bench/results/2026-12-04-design-notes.md). Nested items are
        indented by replacing newlines, which JSON escapes inside strings.
        """

        def dumps(value: Any, level: int) -> str:
            text = json.dumps(value, indent=2, ensure_ascii=False)
            return text.replace("\n", "\n" + "  " * level)

        yield "{"
        for key, value in self._head().items():
            yield f"\n  {json.dumps(key)}: {dumps(value, 1)},"
        items: tuple[tuple[str, Sequence[PageReport | LinkReport]], ...] = (
            ("pages", self.pages),
            ("links", self.links),
        )
        for key, rows in items:
            yield f"\n  {json.dumps(key)}: ["
            for i, row in enumerate(rows):
                yield f"{',' if i else ''}\n    {dumps(row.to_json(), 2)}"
            yield "\n  ]" if rows else "]"
            yield "," if key == "pages" else "\n}"


def change_to_json(ch: Change) -> dict[str, Any]:
    """A ``Change`` as stored in the database (and read back by the digest)."""
    return {
        "state": str(ch.state),
        "added": list(ch.added),
        "removed": list(ch.removed),
        "hunks": [
            {"heading": h.heading, "added": list(h.added), "removed": list(h.removed)}
            for h in ch.hunks
        ],
        "words": [
            {"heading": w.heading, "segments": [list(s) for s in w.segments]} for w in ch.words
        ],
        "keywords": [{"word": k.word, "event": k.event} for k in ch.keywords],
        "matched_recent": ch.matched_recent,
    }
