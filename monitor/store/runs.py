"""Runs and digests: their rows, windows and failures."""

from __future__ import annotations

import json
from typing import Any

from monitor.store.base import StoreBase
from monitor.store.rows import DigestRow, RunRow


class Runs(StoreBase):
    """Runs and digests: their rows, windows and failures."""

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
            for table in ("page_checks", "link_checks", "occurrences", "counter_values"):
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

    def runs(self, after: int = 0, upto: int | None = None) -> list[RunRow]:
        """Runs with ``after < id <= upto``, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM runs WHERE id > ? AND id <= ? ORDER BY id",
            (after, upto if upto is not None else 2**62),
        ).fetchall()
        return [RunRow(**{k: r[k] for k in RunRow.__dataclass_fields__}) for r in rows]

    def inconclusive_streak(self, upto: int) -> list[RunRow]:
        """The runs up to ``upto`` since the last one that was not inconclusive (the
        monitor's own outage), oldest first; empty when run ``upto`` could look."""
        rows = self._db.execute(
            "SELECT * FROM runs WHERE id <= ? AND id > (SELECT COALESCE(MAX(id), 0) FROM runs "
            "WHERE id <= ? AND state != 'inconclusive') ORDER BY id",
            (upto, upto),
        ).fetchall()
        return [RunRow(**{k: r[k] for k in RunRow.__dataclass_fields__}) for r in rows]

    def last_run_id(self) -> int:
        row = self._db.execute("SELECT MAX(id) AS m FROM runs").fetchone()
        return int(row["m"] or 0)

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

    def delivery_start(self, kind: str) -> int:
        """The run after which the next delivery of ``kind`` ('mail', 'notify') starts: the
        last one delivered, or, for the first since it was turned on, where its first
        failed try started, else where the newest file digest started (so it covers what
        that digest covers, not every run since the database was made)."""
        last = self.last_digest(kind)
        if last is not None:
            return last.last_run
        first = next(iter(self.digest_failures(kind)), None) or self.last_digest("file")
        if first is None:
            return 0
        return first.first_run - 1 if first.first_run is not None else first.last_run

    def digest_failures(self, kind: str = "mail") -> list[DigestRow]:
        """Failed attempts of a digest kind since its last success, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM digests WHERE kind=? AND error IS NOT NULL AND id > "
            "(SELECT COALESCE(MAX(id), 0) FROM digests WHERE kind=? AND error IS NULL) "
            "ORDER BY id",
            (kind, kind),
        ).fetchall()
        return [DigestRow(**{k: r[k] for k in DigestRow.__dataclass_fields__}) for r in rows]

    def window(self, after: int) -> tuple[int, int]:
        """The runs a digest whose predecessor covered up to run ``after`` covers:
        ``(after, upto)``, ``after < id <= upto`` (the file digest and the e-mail alike)."""
        return after, max(self.settled_run_id(), after)

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
