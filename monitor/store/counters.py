"""A watched page's counters over time (schema 6): the series, and the last value before a run."""

from __future__ import annotations

from typing import Any

from monitor.store.base import StoreBase
from monitor.store.rows import CounterPoint, counter_point


class Counters(StoreBase):
    """Reading counter values back: ``monitor counters``, the report's ``previous``, the digest."""

    def counter_series(
        self, url: str, *, after: int = 0, upto: int | None = None
    ) -> list[CounterPoint]:
        """Every recorded value of the page ``url``'s counters in runs ``after < run <= upto``,
        oldest first. A run that did not show a counter has no point for it: a gap."""
        rows = self._db.execute(
            "SELECT cv.* FROM counter_values cv JOIN pages p ON p.id = cv.page_id "
            "WHERE p.url = ? AND cv.run_id > ? AND cv.run_id <= ? ORDER BY cv.run_id, cv.rowid",
            (url, after, upto if upto is not None else 2**62),
        ).fetchall()
        return [counter_point(r) for r in rows]

    def last_counters(self, page_id: int, before_run: int) -> dict[str, CounterPoint]:
        """Each counter's most recent value from a run before ``before_run``, by name (a
        voided, inconclusive run left none)."""
        rows = self._db.execute(
            "SELECT cv.* FROM counter_values cv JOIN (SELECT name, MAX(run_id) AS r "
            " FROM counter_values WHERE page_id = ? AND run_id < ? GROUP BY name) last "
            "ON cv.name = last.name AND cv.run_id = last.r WHERE cv.page_id = ?",
            (page_id, before_run, page_id),
        ).fetchall()
        return {str(r["name"]): counter_point(r) for r in rows}

    def counter_pages(self, *, after: int = 0, upto: int | None = None) -> list[dict[str, Any]]:
        """The pages (url, name, partner) with a counter value in runs ``after < run <= upto``."""
        rows = self._db.execute(
            "SELECT DISTINCT p.url, p.name, p.partner FROM counter_values cv "
            "JOIN pages p ON p.id = cv.page_id WHERE cv.run_id > ? AND cv.run_id <= ? "
            "ORDER BY p.id",
            (after, upto if upto is not None else 2**62),
        ).fetchall()
        return [dict(r) for r in rows]
