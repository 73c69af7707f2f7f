"""History in SQLite: the only module that opens the database.

Owns the schema (versioned, migrated on open), every query, and the transaction
boundaries that keep the file consistent when a run is killed:

* a run row is written first (``state='running'``) and closed last; a run that never
  closed is marked ``aborted`` the next time the database is opened;
* each watched page is one transaction (its check, its new content version, where each
  of its links was found); link results are written in batches, one transaction each.

So whatever point a run dies at, the database holds whole pages and whole batches,
never half of one, and the next run simply goes on. Timestamps are passed in by the
caller (ISO-8601 strings), never read from the clock here, so simulated days work.

Raises ``StoreError`` (with a sentence saying what to do) when the database cannot be
created, opened or written.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor.models import ContentState, Status

SCHEMA_VERSION = 4

_SCHEMA = """
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
    rules TEXT,                                  -- the text rules that made it (v3, run._rules)
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
    note TEXT,
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
"""

# The problem statuses as stored (models.Status.is_problem), for SQL filters.
PROBLEM_STATUSES = tuple(str(s) for s in Status if s.is_problem)


class StoreError(Exception):
    """The database cannot be used; the message says what to do."""


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
    note: str | None = None
    occurrences: tuple[tuple[str, str, str], ...] = ()  # (link url, anchor text, tag)


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
    note: str | None


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


def _pack(lines: Sequence[str]) -> bytes:
    return zlib.compress("\n".join(lines).encode("utf-8"), 6)


def _unpack(blob: bytes) -> tuple[str, ...]:
    text = zlib.decompress(blob).decode("utf-8")
    return tuple(text.split("\n")) if text else ()


# The run that last *read* each watched page (status ok or moved). Its page check and its
# occurrences are written in one transaction, so a page that lost all its links has none
# there; "the last run with occurrences" would bring an older run's links back.
_LAST_READ = (
    "SELECT page_id, MAX(run_id) AS r FROM page_checks "
    "WHERE run_id {cmp} ? AND status IN ('ok', 'moved') GROUP BY page_id"
)


def _by_link(found: list[Occurrence]) -> dict[str, list[Occurrence]]:
    """Occurrences grouped by link URL, each group in the order given."""
    out: dict[str, list[Occurrence]] = {}
    for o in found:
        out.setdefault(o.link_url, []).append(o)
    return out


def _page_check_row(r: sqlite3.Row) -> PageCheckRow:
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
        note=r["note"],
    )


class Store:
    """An open history database. Use as a context manager, or call ``close``.

    Takes the database path; creates its directory and the schema as needed.
    Raises ``StoreError`` when the file cannot be created, opened or migrated.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we open transactions ourselves (see _tx).
            self._db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(
                f"cannot open the database {self.path}: {exc}. Check that the folder exists and is "
                "writable, or set settings.database to another path."
            ) from None

    # -- plumbing ---------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or none of it."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the database {self.path}: {exc}") from None
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._db.execute("ROLLBACK")
                raise StoreError(
                    f"cannot write to the database {self.path}: {exc}. Is the disk full or the "
                    "file read-only?"
                ) from None

    def _migrate(self) -> None:
        # Every statement is idempotent (IF NOT EXISTS); executescript runs them in autocommit.
        # On an existing database it creates nothing, so columns added since are added below.
        self._db.executescript(_SCHEMA)
        with self._tx() as db:
            # Read inside the write transaction: two processes opening an old database at
            # once migrate it one after the other, and the second finds it done.
            row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            current = int(row["value"]) if row else 0
            if current > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(
                    f"it was written by a newer partner-monitor (schema {current} > "
                    f"{SCHEMA_VERSION})"
                )
            if current < 2:
                self._number_versions(db)
            if current < 3:
                self._add_column(db, "versions", "rules TEXT")
            if current < 4:
                self._add_column(db, "runs", "outage TEXT")
            db.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
            # A run that never closed was killed: it stays in history, marked as such.
            db.execute(
                "UPDATE runs SET state='aborted', error=COALESCE(error, 'the run was interrupted') "
                "WHERE state='running'"
            )

    @staticmethod
    def _add_column(db: sqlite3.Connection, table: str, column: str) -> None:
        """Add ``column`` (a column definition) to ``table`` unless a new database has it."""
        names = {str(r["name"]) for r in db.execute(f"PRAGMA table_info({table})")}
        if column.split()[0] not in names:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")

    @staticmethod
    def _number_versions(db: sqlite3.Connection) -> None:
        """Schema 1 -> 2: give every stored version its lasting number.

        Schema 1 numbered versions by position (first seen order) when they were shown, so
        retention shifted them. Existing versions keep the numbers ``monitor history``
        showed just before the upgrade (1.. by first seen), and each page remembers its
        highest number, from which new versions go on. A new database passes here too
        (its columns already exist and it has no versions).
        """
        Store._add_column(db, "versions", "number INTEGER")
        Store._add_column(db, "pages", "last_version_number INTEGER NOT NULL DEFAULT 0")
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
        db.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS versions_number ON versions (page_id, number)"
        )

    # -- runs -------------------------------------------------------------------------

    def begin_run(self, started_at: str, config_path: str | None = None) -> int:
        """Open a run; returns its id."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO runs(started_at, config_path) VALUES (?, ?)", (started_at, config_path)
            )
            return int(cur.lastrowid or 0)

    def finish_run(
        self,
        run_id: int,
        finished_at: str,
        *,
        pages: int,
        links: int,
        problems: int,
        changed: int,
        state: str = "done",
        error: str | None = None,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET finished_at=?, state=?, pages=?, links=?, problems=?, changed=?, "
                "error=? WHERE id=?",
                (finished_at, state, pages, links, problems, changed, error, run_id),
            )

    def void_run(self, run_id: int, finished_at: str, outage: dict[str, Any]) -> None:
        """Close run ``run_id`` as inconclusive and take back all it recorded.

        Its page and link checks, the links' places and the content versions it first
        stored go; every earlier status, failing streak and baseline is as it was, so the
        next run goes on as if this one had not happened. ``outage`` (JSON) says why.
        """
        with self._tx() as db:
            for table in ("page_checks", "link_checks", "occurrences"):
                db.execute(f"DELETE FROM {table} WHERE run_id=?", (run_id,))
            db.execute(
                "DELETE FROM versions WHERE first_run=? AND id NOT IN (SELECT version_id FROM "
                "page_checks WHERE version_id IS NOT NULL UNION SELECT prev_version_id FROM "
                "page_checks WHERE prev_version_id IS NOT NULL)",
                (run_id,),
            )
            db.execute(
                "UPDATE runs SET finished_at=?, state='inconclusive', pages=0, links=0, "
                "problems=0, changed=0, error=NULL, outage=? WHERE id=?",
                (finished_at, json.dumps(outage), run_id),
            )

    def page_first_failed(self, run_id: int, page_id: int) -> str | None:
        """The start of a watched page's failing streak as run ``run_id`` recorded it."""
        row = self._db.execute(
            "SELECT first_failed_at FROM page_checks WHERE run_id=? AND page_id=?",
            (run_id, page_id),
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    def runs(self, after: int = 0, upto: int | None = None) -> list[RunRow]:
        """Runs with ``after < id <= upto``, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM runs WHERE id > ? AND id <= ? ORDER BY id",
            (after, upto if upto is not None else 2**62),
        ).fetchall()
        return [RunRow(**{k: r[k] for k in RunRow.__dataclass_fields__}) for r in rows]

    def recent_runs(self, upto: int, n: int = 50) -> list[RunRow]:
        """The newest ``n`` runs with ``id <= upto``, newest first."""
        rows = self._db.execute(
            "SELECT * FROM runs WHERE id <= ? ORDER BY id DESC LIMIT ?", (upto, n)
        ).fetchall()
        return [RunRow(**{k: r[k] for k in RunRow.__dataclass_fields__}) for r in rows]

    def last_run_id(self) -> int:
        row = self._db.execute("SELECT MAX(id) AS m FROM runs").fetchone()
        return int(row["m"] or 0)

    # -- pages and versions -----------------------------------------------------------

    def page_id(self, url: str, name: str, partner: str | None) -> int:
        """The id of a watched page, created or renamed as the watch list says."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO pages(url, name, partner) VALUES (?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET name=excluded.name, partner=excluded.partner",
                (url, name, partner),
            )
            row = db.execute("SELECT id FROM pages WHERE url=?", (url,)).fetchone()
            return int(row["id"])

    def last_occurrences(self, page_id: int, before_run: int) -> tuple[tuple[str, str, str], ...]:
        """The links (url, text, tag) found on a page in the last run that read it.

        Used when a page answered 304 Not Modified: its links are the same as last time.
        """
        found = self._occurrences(
            f"JOIN ({_LAST_READ.format(cmp='<')}) last "
            "ON o.page_id = last.page_id AND o.run_id = last.r WHERE o.page_id = ?",
            (before_run, page_id),
        )
        return tuple((o.link_url, o.text, o.tag) for o in found)

    def find_page(self, url: str) -> tuple[int, str, str | None] | None:
        """(id, name, partner) of a watched page by URL, or None."""
        row = self._db.execute("SELECT id, name, partner FROM pages WHERE url=?", (url,)).fetchone()
        return (int(row["id"]), row["name"], row["partner"]) if row else None

    def last_landing(self, page_id: int) -> str | None:
        """Where the page's last readable check (``ok`` or ``moved``) ended up (its final
        URL after redirects); "" when it was never checked; None when it was checked but
        never answered readably."""
        rows = self._db.execute(
            "SELECT status, final_url FROM page_checks WHERE page_id=? "
            "ORDER BY status IN ('ok', 'moved') DESC, checked_at DESC, run_id DESC LIMIT 1",
            (page_id,),
        ).fetchall()
        if not rows:
            return ""
        status, final = rows[0]["status"], rows[0]["final_url"]
        return str(final) if status in ("ok", "moved") and final else None

    def recent_versions(self, page_id: int, n: int) -> list[Version]:
        """The page's ``n`` most recently seen versions, newest first."""
        rows = self._db.execute(
            "SELECT * FROM versions WHERE page_id=? "
            "ORDER BY last_seen DESC, last_run DESC, id DESC LIMIT ?",
            (page_id, n),
        ).fetchall()
        return [self._version(r) for r in rows]

    def versions(self, page_id: int) -> list[Version]:
        """All stored versions of a page in number order (the order they were first seen).

        Numbers missing in between are versions retention has removed (``keep_versions``).
        """
        rows = self._db.execute(
            "SELECT * FROM versions WHERE page_id=? ORDER BY number", (page_id,)
        ).fetchall()
        return [self._version(r) for r in rows]

    def last_version_number(self, page_id: int) -> int:
        """The highest version number ever given on a page (0: none yet), kept or not."""
        row = self._db.execute(
            "SELECT last_version_number FROM pages WHERE id=?", (page_id,)
        ).fetchone()
        return int(row["last_version_number"]) if row else 0

    def version(self, version_id: int) -> Version | None:
        row = self._db.execute("SELECT * FROM versions WHERE id=?", (version_id,)).fetchone()
        return self._version(row) if row else None

    @staticmethod
    def _version(r: sqlite3.Row) -> Version:
        return Version(
            id=r["id"],
            page_id=r["page_id"],
            number=r["number"],
            hash=r["hash"],
            lines=_unpack(r["text"]),
            title=r["title"],
            content_type=r["content_type"],
            size=r["size"],
            first_seen=r["first_seen"],
            last_seen=r["last_seen"],
            etag=r["etag"],
            last_modified=r["last_modified"],
            rules=r["rules"],
        )

    def record_page(self, run_id: int, rec: PageRecord, *, keep_versions: int = 100) -> int | None:
        """Write one page's check, its content version and its links' occurrences atomically.

        Returns the id of the version this check saw (new or existing), or None.
        """
        with self._tx() as db:
            version_id = rec.seen_version_id
            if rec.version_lines is not None:
                h = text_hash(rec.version_lines)
                row = db.execute(
                    "SELECT id FROM versions WHERE page_id=? AND hash=?", (rec.page_id, h)
                ).fetchone()
                if row:
                    version_id = int(row["id"])
                else:
                    # The page's counter, not MAX(number): the newest version may have
                    # been pruned, and its number must not come back for another text.
                    db.execute(
                        "UPDATE pages SET last_version_number = last_version_number + 1 WHERE id=?",
                        (rec.page_id,),
                    )
                    number = db.execute(
                        "SELECT last_version_number FROM pages WHERE id=?", (rec.page_id,)
                    ).fetchone()[0]
                    cur = db.execute(
                        "INSERT INTO versions(page_id, number, hash, text, title, content_type, "
                        "size, first_seen, last_seen, first_run, last_run, etag, last_modified, "
                        "rules) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            rec.page_id,
                            number,
                            h,
                            _pack(rec.version_lines),
                            rec.title,
                            rec.content_type,
                            rec.size,
                            rec.checked_at,
                            rec.checked_at,
                            run_id,
                            run_id,
                            rec.etag,
                            rec.last_modified,
                            rec.rules,
                        ),
                    )
                    version_id = int(cur.lastrowid or 0)
            if version_id is not None:
                db.execute(
                    "UPDATE versions SET last_seen=?, last_run=?, etag=COALESCE(?, etag), "
                    "last_modified=COALESCE(?, last_modified), rules=COALESCE(?, rules) "
                    "WHERE id=?",
                    (rec.checked_at, run_id, rec.etag, rec.last_modified, rec.rules, version_id),
                )
            first_failed = self._first_failed(
                db, "page_checks", "page_id", rec.page_id, rec.status, rec.checked_at
            )
            db.execute(
                "INSERT OR REPLACE INTO page_checks(run_id, page_id, checked_at, status, "
                "http_status, final_url, error, first_failed_at, content, version_id, "
                "prev_version_id, change, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    rec.page_id,
                    rec.checked_at,
                    rec.status,
                    rec.http_status,
                    rec.final_url,
                    rec.error,
                    first_failed,
                    rec.content,
                    version_id,
                    rec.prev_version_id,
                    json.dumps(rec.change, ensure_ascii=False) if rec.change is not None else None,
                    rec.note,
                ),
            )
            db.execute(
                "DELETE FROM occurrences WHERE run_id=? AND page_id=?", (run_id, rec.page_id)
            )
            if rec.occurrences:
                ids = self._link_ids(db, {u for u, _, _ in rec.occurrences})
                db.executemany(
                    "INSERT INTO occurrences(run_id, link_id, page_id, text, tag) "
                    "VALUES (?,?,?,?,?)",
                    [(run_id, ids[u], rec.page_id, t, tag) for u, t, tag in rec.occurrences],
                )
            self._prune_versions(db, rec.page_id, keep_versions)
            return version_id

    @staticmethod
    def _prune_versions(db: sqlite3.Connection, page_id: int, keep: int) -> None:
        # Versions still referenced by a page check newer than what every digest kind
        # (file, mail) has delivered are kept, so a pending digest or a retried e-mail
        # can still show its diffs; the text of older ones is what retention frees.
        # A failed delivery (error set) does not count as delivered.
        delivered = (
            "(SELECT COALESCE(MIN(m), 0) FROM (SELECT COALESCE(MAX(CASE WHEN error IS NULL"
            " THEN last_run END), 0) AS m FROM digests GROUP BY kind))"
        )
        doomed = [
            int(r[0])
            for r in db.execute(
                "SELECT id FROM versions WHERE page_id=? AND id NOT IN ("
                " SELECT id FROM versions WHERE page_id=?"
                " ORDER BY last_seen DESC, last_run DESC, id DESC LIMIT ?)"
                " AND id NOT IN (SELECT version_id FROM page_checks WHERE version_id IS NOT NULL"
                f"  AND page_id=? AND run_id > {delivered})"
                " AND id NOT IN (SELECT prev_version_id FROM page_checks"
                "  WHERE prev_version_id IS NOT NULL"
                f"  AND page_id=? AND run_id > {delivered})",
                (page_id, page_id, keep, page_id, page_id),
            )
        ]
        if not doomed:
            return
        marks = ",".join("?" * len(doomed))
        # Older checks keep their status and change summary but lose the link to a text
        # that is no longer kept (the foreign keys would refuse the delete otherwise).
        db.execute(f"UPDATE page_checks SET version_id=NULL WHERE version_id IN ({marks})", doomed)
        db.execute(
            f"UPDATE page_checks SET prev_version_id=NULL WHERE prev_version_id IN ({marks})",
            doomed,
        )
        db.execute(f"DELETE FROM versions WHERE id IN ({marks})", doomed)

    @staticmethod
    def _first_failed(
        db: sqlite3.Connection, table: str, column: str, key: int, status: str, now: str
    ) -> str | None:
        """Start of the current failing streak: carried over while the status stays a problem."""
        if status not in PROBLEM_STATUSES:
            return None
        row = db.execute(
            f"SELECT status, first_failed_at FROM {table} WHERE {column}=? "
            "ORDER BY run_id DESC LIMIT 1",
            (key,),
        ).fetchone()
        if row and row["status"] in PROBLEM_STATUSES and row["first_failed_at"]:
            return str(row["first_failed_at"])
        return now

    # -- links ------------------------------------------------------------------------

    @staticmethod
    def _link_ids(db: sqlite3.Connection, urls: Iterable[str]) -> dict[str, int]:
        urls = list(urls)
        db.executemany("INSERT OR IGNORE INTO links(url) VALUES (?)", [(u,) for u in urls])
        ids: dict[str, int] = {}
        for i in range(0, len(urls), 500):
            chunk = urls[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for r in db.execute(f"SELECT id, url FROM links WHERE url IN ({marks})", chunk):
                ids[r["url"]] = int(r["id"])
        return ids

    def record_links(self, run_id: int, records: Sequence[LinkRecord]) -> dict[str, str | None]:
        """Write a batch of link checks in one transaction.

        Returns each link's ``first_failed_at``: the start of its current failing streak.
        """
        if not records:
            return {}
        out: dict[str, str | None] = {}
        with self._tx() as db:
            ids = self._link_ids(db, {r.url for r in records})
            previous = self._latest_link_checks(db, list(ids.values()), before_run=run_id)
            rows = []
            for r in records:
                link_id = ids[r.url]
                first_failed = None
                if r.status in PROBLEM_STATUSES:
                    prev = previous.get(link_id)
                    first_failed = (
                        prev[1]
                        if prev and prev[0] in PROBLEM_STATUSES and prev[1]
                        else r.checked_at
                    )
                out[r.url] = first_failed
                rows.append(
                    (
                        run_id,
                        link_id,
                        r.checked_at,
                        r.status,
                        r.http_status,
                        r.final_url,
                        r.error,
                        r.suggestion,
                        first_failed,
                    )
                )
            db.executemany(
                "INSERT OR REPLACE INTO link_checks(run_id, link_id, checked_at, status, "
                "http_status, "
                "final_url, error, suggestion, first_failed_at) VALUES (?,?,?,?,?,?,?,?,?)",
                rows,
            )
        return out

    @staticmethod
    def _latest_link_checks(
        db: sqlite3.Connection, link_ids: list[int], before_run: int
    ) -> dict[int, tuple[str, str | None]]:
        out: dict[int, tuple[str, str | None]] = {}
        for i in range(0, len(link_ids), 500):
            chunk = link_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = db.execute(
                "SELECT lc.link_id, lc.status, lc.first_failed_at FROM link_checks lc "
                "JOIN (SELECT link_id, MAX(run_id) AS r FROM link_checks "
                f"      WHERE run_id < ? AND link_id IN ({marks}) GROUP BY link_id) last "
                "ON lc.link_id = last.link_id AND lc.run_id = last.r",
                (before_run, *chunk),
            )
            for r in rows:
                out[int(r["link_id"])] = (r["status"], r["first_failed_at"])
        return out

    def timed_out_links(self, before_run: int) -> set[str]:
        """URLs of the links whose last check before run ``before_run`` was a timeout.

        A run starts these first: each costs a slot for ``timeout_s`` × attempts, and
        started last it is what the whole run waits for (see ``fetch.Lane``).
        """
        rows = self._db.execute(
            "SELECT l.url FROM link_checks lc JOIN links l ON l.id = lc.link_id "
            "JOIN (SELECT link_id, MAX(run_id) AS r FROM link_checks WHERE run_id < ? "
            "      GROUP BY link_id) last ON lc.link_id = last.link_id AND lc.run_id = last.r "
            "WHERE lc.status = 'timeout'",
            (before_run,),
        )
        return {str(r["url"]) for r in rows}

    # -- reading history (history command, digest) ------------------------------------

    def link_history(self, url: str) -> list[CheckRow]:
        rows = self._db.execute(
            "SELECT lc.*, l.url FROM link_checks lc JOIN links l ON l.id = lc.link_id "
            "WHERE l.url=? ORDER BY lc.run_id",
            (url,),
        ).fetchall()
        return [self._check(r) for r in rows]

    def page_history(self, url: str) -> list[PageCheckRow]:
        return self.page_checks(url=url)

    def page_checks(
        self, *, after: int = 0, upto: int | None = None, url: str | None = None
    ) -> list[PageCheckRow]:
        """Page checks of runs ``after < run_id <= upto`` (optionally one page), in run order."""
        sql = (
            "SELECT pc.*, p.url, p.name, p.partner FROM page_checks pc "
            "JOIN pages p ON p.id = pc.page_id "
            "WHERE pc.run_id > ? AND pc.run_id <= ?"
        )
        args: list[Any] = [after, upto if upto is not None else 2**62]
        if url is not None:
            sql += " AND p.url = ?"
            args.append(url)
        rows = self._db.execute(sql + " ORDER BY pc.run_id, p.id", args).fetchall()
        return [_page_check_row(r) for r in rows]

    def link_checks(self, *, after: int = 0, upto: int | None = None) -> list[CheckRow]:
        """Link checks of runs ``after < run_id <= upto``, in run order."""
        rows = self._db.execute(
            "SELECT lc.*, l.url FROM link_checks lc JOIN links l ON l.id = lc.link_id "
            "WHERE lc.run_id > ? AND lc.run_id <= ? ORDER BY lc.run_id, l.url",
            (after, upto if upto is not None else 2**62),
        ).fetchall()
        return [self._check(r) for r in rows]

    def latest_link_checks(self, upto: int) -> dict[str, CheckRow]:
        """The newest check of every link as of run ``upto`` (inclusive)."""
        rows = self._db.execute(
            "SELECT lc.*, l.url FROM link_checks lc JOIN links l ON l.id = lc.link_id "
            "JOIN (SELECT link_id, MAX(run_id) AS r FROM link_checks WHERE run_id <= ? "
            "      GROUP BY link_id) last ON lc.link_id = last.link_id AND lc.run_id = last.r",
            (upto,),
        ).fetchall()
        return {r["url"]: self._check(r) for r in rows}

    def occurrences(self, run_id: int) -> dict[str, list[Occurrence]]:
        """Where each link was found in one run: link url -> occurrences."""
        return _by_link(self._occurrences("WHERE o.run_id = ?", (run_id,)))

    def latest_occurrences(self, upto: int) -> dict[str, list[Occurrence]]:
        """Where each link was last found, per page, as of run ``upto``.

        A page checked in an earlier run than ``upto`` (``--only``, or a failed fetch) keeps
        the occurrences of the last run that read it.
        """
        return _by_link(
            self._occurrences(
                f"JOIN ({_LAST_READ.format(cmp='<=')}) last "
                "ON o.page_id = last.page_id AND o.run_id = last.r",
                (upto,),
            )
        )

    def _occurrences(self, where: str, args: tuple[object, ...]) -> list[Occurrence]:
        """Occurrences joined with their link and page, filtered by ``where``, in page order."""
        rows = self._db.execute(
            "SELECT l.url AS link_url, p.url AS page_url, p.name, p.partner, o.text, o.tag "
            "FROM occurrences o JOIN links l ON l.id = o.link_id JOIN pages p ON p.id = o.page_id "
            f"{where} ORDER BY p.id, o.rowid",
            args,
        ).fetchall()
        return [
            Occurrence(r["link_url"], r["page_url"], r["name"], r["partner"], r["text"], r["tag"])
            for r in rows
        ]

    @staticmethod
    def _check(r: sqlite3.Row) -> CheckRow:
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

    # -- digests ----------------------------------------------------------------------

    def last_digest(self, kind: str = "file") -> DigestRow | None:
        """The newest successful digest of a kind ('file' or 'mail')."""
        row = self._db.execute(
            "SELECT * FROM digests WHERE kind=? AND error IS NULL ORDER BY id DESC LIMIT 1", (kind,)
        ).fetchone()
        return DigestRow(**{k: row[k] for k in DigestRow.__dataclass_fields__}) if row else None

    def record_digest(
        self,
        created_at: str,
        path: str,
        first_run: int | None,
        last_run: int,
        *,
        kind: str = "file",
        error: str | None = None,
    ) -> int:
        """Remember that a digest covering runs ``first_run..last_run`` was written or mailed."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO digests(created_at, path, first_run, last_run, kind, error) "
                "VALUES (?,?,?,?,?,?)",
                (created_at, path, first_run, last_run, kind, error),
            )
            return int(cur.lastrowid or 0)

    def digests(self, kind: str = "file") -> list[DigestRow]:
        rows = self._db.execute(
            "SELECT * FROM digests WHERE kind=? AND error IS NULL ORDER BY id DESC", (kind,)
        ).fetchall()
        return [DigestRow(**{k: r[k] for k in DigestRow.__dataclass_fields__}) for r in rows]

    def integrity_ok(self) -> bool:
        """``PRAGMA integrity_check`` says ok."""
        row = self._db.execute("PRAGMA integrity_check").fetchone()
        return bool(row and row[0] == "ok")

    # -- digest queries ---------------------------------------------------------------
    # Read-only queries for ``monitor.digest`` and ``monitor.mail``: the state of every
    # link and page at a digest boundary, and how far a digest may safely reach.

    def recent_link_checks(self, upto: int, n: int = 2) -> dict[str, list[CheckRow]]:
        """The ``n`` newest checks of every link as of run ``upto`` (inclusive), newest first.

        Two checks are what the digest needs to tell a single transient failure from a
        confirmed one. Uses the (link_id, run_id) index: one short range scan per link.
        """
        rows = self._db.execute(
            # CROSS JOIN keeps links as the outer loop (SQLite does not reorder it).
            "SELECT lc.*, l.url FROM links l CROSS JOIN link_checks lc ON lc.link_id = l.id "
            "WHERE lc.run_id IN (SELECT x.run_id FROM link_checks x WHERE x.link_id = l.id "
            "  AND x.run_id <= ? ORDER BY x.run_id DESC LIMIT ?) "
            "ORDER BY l.url, lc.run_id DESC",
            (upto, n),
        ).fetchall()
        out: dict[str, list[CheckRow]] = {}
        for r in rows:
            out.setdefault(r["url"], []).append(self._check(r))
        return out

    def recent_page_checks(self, upto: int, n: int = 2) -> dict[str, list[PageCheckRow]]:
        """The ``n`` newest checks of every watched page as of run ``upto``, newest first.

        Keyed by page URL. As ``recent_link_checks``, for the watched pages themselves.
        """
        # page_checks has no (page_id, run_id) index: one ranked scan instead of a lookup per page.
        rows = self._db.execute(
            "SELECT * FROM (SELECT pc.*, p.url, p.name, p.partner, ROW_NUMBER() OVER "
            "  (PARTITION BY pc.page_id ORDER BY pc.run_id DESC) AS rn "
            "  FROM page_checks pc JOIN pages p ON p.id = pc.page_id WHERE pc.run_id <= ?) "
            "WHERE rn <= ? ORDER BY page_id, run_id DESC",
            (upto, n),
        ).fetchall()
        out: dict[str, list[PageCheckRow]] = {}
        for r in rows:
            out.setdefault(r["url"], []).append(_page_check_row(r))
        return out

    def digest_failures(self, kind: str = "mail") -> list[DigestRow]:
        """Failed attempts of a digest kind since its last success, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM digests WHERE kind=? AND error IS NOT NULL AND id > "
            "(SELECT COALESCE(MAX(id), 0) FROM digests WHERE kind=? AND error IS NULL) "
            "ORDER BY id",
            (kind, kind),
        ).fetchall()
        return [DigestRow(**{k: r[k] for k in DigestRow.__dataclass_fields__}) for r in rows]

    def settled_run_id(self) -> int:
        """The newest run a digest may cover: the last one before any run still running.

        A digest written while a check is in progress (``serve`` plus a manual ``digest``)
        must not cover that run's first half and then move its window past the rest.
        """
        row = self._db.execute(
            "SELECT COALESCE((SELECT MIN(id) - 1 FROM runs WHERE state='running'), "
            "(SELECT MAX(id) FROM runs), 0) AS m"
        ).fetchone()
        return int(row["m"] or 0)
