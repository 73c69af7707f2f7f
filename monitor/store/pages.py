"""Watched pages and their content versions: lasting numbers, retention."""

from __future__ import annotations

import json
import sqlite3

from monitor.store.base import _LAST_READ, StoreBase
from monitor.store.rows import (
    PROBLEM_STATUSES,
    PageRecord,
    Version,
    notes_to,
    pack,
    text_hash,
    unpack,
)


class Pages(StoreBase):
    """Watched pages and their content versions: lasting numbers, retention."""

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

    def version_heads(self, page_id: int) -> list[Version]:
        """All stored versions of a page in number order, without a web page's text
        (``lines`` is empty for an HTML version; a file's one fingerprint line is kept,
        which is what tells a file from a page). For history pages: cheap on a page with
        a hundred long versions."""
        rows = self._db.execute(
            "SELECT id, page_id, number, hash, title, content_type, size, first_seen, last_seen,"
            " etag, last_modified, rules,"
            " CASE WHEN content_type IS NULL OR lower(content_type) NOT LIKE '%html%'"
            "  THEN text END AS text"
            " FROM versions WHERE page_id=? ORDER BY number",
            (page_id,),
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
            lines=unpack(r["text"]) if r["text"] is not None else (),
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
                            pack(rec.version_lines),
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
                    notes_to(rec.notes),
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
            db.execute(
                "DELETE FROM counter_values WHERE run_id=? AND page_id=?", (run_id, rec.page_id)
            )
            db.executemany(
                "INSERT OR IGNORE INTO counter_values(run_id, page_id, name, kind, checked_at, "
                "value, goal, label, text) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        *(run_id, rec.page_id, c.name, str(c.kind), rec.checked_at),
                        *(c.value, c.goal, c.label, c.text),
                    )
                    for c in rec.counters
                ],
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

    def page_first_failed(self, run_id: int, page_id: int) -> str | None:
        """The start of a watched page's failing streak as run ``run_id`` recorded it."""
        row = self._db.execute(
            "SELECT first_failed_at FROM page_checks WHERE run_id=? AND page_id=?",
            (run_id, page_id),
        ).fetchone()
        return str(row[0]) if row and row[0] else None
