"""Link checks, written in batches, with the start of each failing streak."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from monitor.store.base import StoreBase
from monitor.store.rows import PROBLEM_STATUSES, LinkRecord


class Links(StoreBase):
    """Link checks, written in batches, with the start of each failing streak."""

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
