"""What the store takes and gives: typed rows, and how a text is packed and hashed.

Pure data; ``Store`` builds these from SQLite rows (``page_check_row``, ``check_row``).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from monitor.models import ContentState, Counter, CounterKind, Note, Status

# The problem statuses as stored (models.Status.is_problem), for SQL filters.
PROBLEM_STATUSES = tuple(str(s) for s in Status if s.is_problem)


@dataclass(frozen=True)
class Version:
    """One distinct content version of a watched page.

    ``number`` is what ``monitor history`` and ``monitor diff`` call it: given once, when
    the text is first stored (1, 2, 3… per page), and never changed or reused, so
    retention leaves gaps instead of renumbering.
    """

    id: int
    page_id: int
    number: int
    hash: str
    lines: tuple[str, ...]
    title: str | None
    content_type: str | None
    size: int | None
    first_seen: str
    last_seen: str
    etag: str | None
    last_modified: str | None
    rules: str | None = None  # fingerprint of the text rules that made it; None before v3


@dataclass(frozen=True)
class PageRecord:
    """What one run found for one watched page; written in one transaction."""

    page_id: int
    checked_at: str
    status: Status
    http_status: int | None
    final_url: str | None
    error: str | None
    content: ContentState
    version_lines: tuple[str, ...] | None = None  # the text to store (None: nothing new to store)
    title: str | None = None
    content_type: str | None = None
    size: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    rules: str | None = None  # fingerprint of the text rules that made version_lines
    seen_version_id: int | None = None  # an existing version seen again (unchanged / 304)
    prev_version_id: int | None = None
    change: dict[str, Any] | None = None
    notes: tuple[Note, ...] = ()
    occurrences: tuple[tuple[str, str, str], ...] = ()  # (link url, anchor text, tag)
    counters: tuple[Counter, ...] = ()  # what the page showed this run (a gap when absent)


@dataclass(frozen=True)
class CounterPoint:
    """One value of one counter of a watched page, as one run recorded it."""

    run_id: int
    checked_at: str
    name: str
    kind: CounterKind
    value: int
    goal: int | None
    label: str
    text: str


def counter_point(r: sqlite3.Row) -> CounterPoint:
    kind = r["kind"] if r["kind"] in {k.value for k in CounterKind} else "named"
    return CounterPoint(
        int(r["run_id"]),
        r["checked_at"],
        r["name"],
        CounterKind(kind),
        int(r["value"]),
        r["goal"],
        r["label"],
        r["text"],
    )


@dataclass(frozen=True)
class LinkRecord:
    """One link's check in one run."""

    url: str
    checked_at: str
    status: Status
    http_status: int | None
    final_url: str | None
    error: str | None
    suggestion: str | None


@dataclass(frozen=True)
class CheckRow:
    """A stored check of a link or page, as history and the digest read it."""

    run_id: int
    url: str
    checked_at: str
    status: Status
    http_status: int | None
    final_url: str | None
    error: str | None
    suggestion: str | None
    first_failed_at: str | None


@dataclass(frozen=True)
class PageCheckRow:
    """A stored check of a watched page."""

    run_id: int
    page_id: int
    url: str
    name: str
    partner: str | None
    checked_at: str
    status: Status
    http_status: int | None
    final_url: str | None
    error: str | None
    first_failed_at: str | None
    content: ContentState
    version_id: int | None
    prev_version_id: int | None
    change: dict[str, Any] | None
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Occurrence:
    """Where a link was found: on which watched page, with which anchor text."""

    link_url: str
    page_url: str
    page_name: str
    partner: str | None
    text: str
    tag: str


@dataclass(frozen=True)
class RunRow:
    id: int
    started_at: str
    finished_at: str | None
    state: str
    pages: int | None
    links: int | None
    problems: int | None
    changed: int | None
    error: str | None
    outage: str | None = None  # JSON of an inconclusive run's outage.Outage


@dataclass(frozen=True)
class DigestRow:
    id: int
    created_at: str
    path: str
    first_run: int | None
    last_run: int
    kind: str
    error: str | None


def text_hash(lines: Sequence[str]) -> str:
    """The identity of a content version: sha256 of its normalised lines."""
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def pack(lines: Sequence[str]) -> bytes:
    return zlib.compress("\n".join(lines).encode("utf-8"), 6)


def unpack(blob: bytes) -> tuple[str, ...]:
    text = zlib.decompress(blob).decode("utf-8")
    return tuple(text.split("\n")) if text else ()


def page_check_row(r: sqlite3.Row) -> PageCheckRow:
    """A ``PageCheckRow`` from a page_checks row joined with its page (url, name, partner)."""
    return PageCheckRow(
        run_id=r["run_id"],
        page_id=r["page_id"],
        url=r["url"],
        name=r["name"],
        partner=r["partner"],
        checked_at=r["checked_at"],
        status=Status(r["status"]),
        http_status=r["http_status"],
        final_url=r["final_url"],
        error=r["error"],
        first_failed_at=r["first_failed_at"],
        content=ContentState(r["content"]),
        version_id=r["version_id"],
        prev_version_id=r["prev_version_id"],
        change=json.loads(r["change"]) if r["change"] else None,
        notes=notes_from(r["note"]),
    )


def check_row(r: sqlite3.Row) -> CheckRow:
    return CheckRow(
        run_id=r["run_id"],
        url=r["url"],
        checked_at=r["checked_at"],
        status=Status(r["status"]),
        http_status=r["http_status"],
        final_url=r["final_url"],
        error=r["error"],
        suggestion=r["suggestion"],
        first_failed_at=r["first_failed_at"],
    )


def notes_to(notes: Sequence[Note]) -> str | None:
    """A check's notes as stored: a JSON list of ``{"kind": ..., params}``, None for none."""
    return json.dumps([n.to_json() for n in notes], ensure_ascii=False) if notes else None


def notes_from(stored: str | None) -> tuple[Note, ...]:
    """The notes of a stored check (``notes_to``)."""
    if not stored:
        return ()
    return tuple(Note.from_json(item) for item in json.loads(stored))
