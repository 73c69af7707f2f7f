"""The open database: connection, transactions, migration on open, shared queries.

``Store`` (``monitor.store``) is this plus the runs, pages, links and history queries,
each in its own module of this package; nothing else in the program opens SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from monitor.errors import RunFailed
from monitor.store.rows import Occurrence
from monitor.store.schema import SCHEMA, SCHEMA_VERSION, upgrade


class StoreError(RunFailed):
    """The database cannot be used; the message says what to do."""


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


class StoreBase:
    """The connection and what every part of ``Store`` shares. Use ``Store``."""

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

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StoreBase:
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
        self._db.executescript(SCHEMA)
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
            upgrade(db, current)
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
