"""The database's schema, its version and the steps that bring an older file up to it.

Every statement of ``SCHEMA`` is idempotent; ``upgrade`` adds what a database written by
an older version lacks (columns, numbers), inside the caller's write transaction.
"""

from __future__ import annotations

import json
import re
import sqlite3

SCHEMA_VERSION = 6

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    state TEXT NOT NULL DEFAULT 'running',      -- running | done | failed | aborted | inconclusive
    config_path TEXT,
    pages INTEGER, links INTEGER, problems INTEGER, changed INTEGER,
    error TEXT,
    outage TEXT                                  -- JSON outage.Outage of an inconclusive run (v4)
);
CREATE TABLE IF NOT EXISTS pages (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    partner TEXT,
    last_version_number INTEGER NOT NULL DEFAULT 0  -- highest version number ever given here
);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    page_id INTEGER NOT NULL REFERENCES pages(id),
    number INTEGER,                              -- per page, given once, never reused (v2)
    hash TEXT NOT NULL,
    text BLOB NOT NULL,                          -- zlib-compressed, lines joined by \\n
    title TEXT,
    content_type TEXT,
    size INTEGER,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    first_run INTEGER, last_run INTEGER,
    etag TEXT, last_modified TEXT,
    rules TEXT,                                  -- the text rules that made it (v3, pipeline.pages)
    UNIQUE (page_id, hash)
);
CREATE TABLE IF NOT EXISTS page_checks (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    page_id INTEGER NOT NULL REFERENCES pages(id),
    checked_at TEXT NOT NULL,
    status TEXT NOT NULL,
    http_status INTEGER,
    final_url TEXT,
    error TEXT,
    first_failed_at TEXT,
    content TEXT NOT NULL,                       -- baseline | unchanged | changed | unavailable
    version_id INTEGER REFERENCES versions(id),
    prev_version_id INTEGER REFERENCES versions(id),
    change TEXT,                                 -- JSON: diff, hunks, words, keywords
    note TEXT,                                   -- JSON list of notes: [{"kind": ..., params}] (v5)
    PRIMARY KEY (run_id, page_id)
);
CREATE TABLE IF NOT EXISTS links (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS occurrences (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    link_id INTEGER NOT NULL REFERENCES links(id),
    page_id INTEGER NOT NULL REFERENCES pages(id),
    text TEXT NOT NULL DEFAULT '',
    tag TEXT NOT NULL DEFAULT 'a'
);
CREATE INDEX IF NOT EXISTS occurrences_run_link ON occurrences (run_id, link_id);
CREATE TABLE IF NOT EXISTS link_checks (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    link_id INTEGER NOT NULL REFERENCES links(id),
    checked_at TEXT NOT NULL,
    status TEXT NOT NULL,
    http_status INTEGER,
    final_url TEXT,
    error TEXT,
    suggestion TEXT,
    first_failed_at TEXT,
    PRIMARY KEY (run_id, link_id)
);
CREATE INDEX IF NOT EXISTS link_checks_link ON link_checks (link_id, run_id);
CREATE TABLE IF NOT EXISTS digests (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    path TEXT NOT NULL,
    first_run INTEGER,
    last_run INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'file',           -- file | mail
    error TEXT
);
CREATE TABLE IF NOT EXISTS counter_values (      -- a page's counters, one row per run shown (v6)
    run_id INTEGER NOT NULL REFERENCES runs(id),
    page_id INTEGER NOT NULL REFERENCES pages(id),
    name TEXT NOT NULL,                          -- configured name, or the kind
    kind TEXT NOT NULL,                          -- models.CounterKind
    checked_at TEXT NOT NULL,
    value INTEGER NOT NULL,
    goal INTEGER,
    label TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, page_id, name)
);
CREATE INDEX IF NOT EXISTS counter_values_page ON counter_values (page_id, name, run_id);
"""


def upgrade(db: sqlite3.Connection, current: int) -> None:
    """Bring a database at schema ``current`` up to ``SCHEMA_VERSION``."""
    if current < 2:
        number_versions(db)
    if current < 3:
        add_column(db, "versions", "rules TEXT")
    if current < 4:
        add_column(db, "runs", "outage TEXT")
    if current < 5:
        notes_as_data(db)
    # 5 -> 6: the counter_values table (issue 20) is new, created by SCHEMA; a page's
    # series starts with the first run after the upgrade (nothing earlier was read).


def add_column(db: sqlite3.Connection, table: str, column: str) -> None:
    """Add ``column`` (a column definition) to ``table`` unless a new database has it."""
    names = {str(r["name"]) for r in db.execute(f"PRAGMA table_info({table})")}
    if column.split()[0] not in names:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def number_versions(db: sqlite3.Connection) -> None:
    """Schema 1 -> 2: give every stored version its lasting number.

    Schema 1 numbered versions by position (first seen order) when they were shown, so
    retention shifted them. Existing versions keep the numbers ``monitor history``
    showed just before the upgrade (1.. by first seen), and each page remembers its
    highest number, from which new versions go on. A new database passes here too
    (its columns already exist and it has no versions).
    """
    add_column(db, "versions", "number INTEGER")
    add_column(db, "pages", "last_version_number INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE versions SET number = (SELECT COUNT(*) FROM versions o "
        " WHERE o.page_id = versions.page_id AND (o.first_seen < versions.first_seen"
        "  OR (o.first_seen = versions.first_seen AND o.id <= versions.id))) "
        "WHERE number IS NULL"
    )
    db.execute(
        "UPDATE pages SET last_version_number = MAX(last_version_number, "
        " (SELECT COALESCE(MAX(number), 0) FROM versions WHERE page_id = pages.id))"
    )
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS versions_number ON versions (page_id, number)")


# Schema 4 and before stored a check's notes as the sentences run wrote, joined by "; ".
# Read once here, at the upgrade, into kinds: no stage reads those sentences any more.
_LEGACY_NOTES: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    (re.compile(r"selector (?P<v>.+?) matched nothing"), "selector_matched_nothing", "selector"),
    (
        re.compile(r"page has no visible text|page is empty|page answered with no text"),
        "no_text",
        None,
    ),
    (re.compile(r"differed between two looks"), "unstable", None),
    (re.compile(r"larger than (?P<v>[\d.]+) MB"), "truncated", "mb"),
    (re.compile(r"the rules that turn this page into text changed"), "rules_changed", None),
    (re.compile(r"whole page text used"), "whole_page", "why"),
    (re.compile(r"not modified \(304\)"), "not_modified", None),
    (re.compile(r"content not watched"), "content_off", None),
)


def legacy_notes(
    text: str | None, *, status: str = "", error: str | None = None
) -> list[dict[str, str]]:
    """The notes a schema-4 check held (its sentence, and for a blocked page, what its
    error said blocked it), as ``Note.to_json`` dicts."""
    out: list[dict[str, str]] = []
    for pattern, kind, param in _LEGACY_NOTES if text else ():
        found = pattern.search(text or "")
        if found is None:
            continue
        note = {"kind": kind}
        if param == "why":
            note["why"] = "not_found"
        elif param is not None:
            note[param] = found.group("v").strip("'\"")
        out.append(note)
    if text and not out:
        out.append({"kind": "other", "text": text})
    if status == "blocked" and error:
        for prefix, by in (
            ("Redirects to a login", "login_redirect"),
            ("Shows a login", "login_form"),
        ):
            if error.startswith(prefix):
                out.append({"kind": "blocked", "by": by})
    return out


def notes_as_data(db: sqlite3.Connection) -> None:
    """Schema 4 -> 5: every stored note becomes a JSON list of kinds (``legacy_notes``)."""
    rows = db.execute(
        "SELECT run_id, page_id, note, status, error FROM page_checks "
        "WHERE note IS NOT NULL OR status = 'blocked'"
    ).fetchall()
    updates = []
    for r in rows:
        if r["note"] and r["note"].startswith("["):
            continue  # already a list of kinds
        notes = legacy_notes(r["note"], status=r["status"], error=r["error"])
        stored = json.dumps(notes, ensure_ascii=False) if notes else None
        updates.append((stored, r["run_id"], r["page_id"]))
    db.executemany("UPDATE page_checks SET note=? WHERE run_id=? AND page_id=?", updates)
