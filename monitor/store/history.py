"""Reading the record back, for the history command and the digest's windows."""

from __future__ import annotations

from typing import Any

from monitor.store.base import _LAST_READ, StoreBase, _by_link
from monitor.store.rows import CheckRow, Occurrence, PageCheckRow, check_row, page_check_row


class History(StoreBase):
    """Reading the record back, for the history command and the digest's windows."""

    def link_history(self, url: str) -> list[CheckRow]:
        rows = self._db.execute(
            "SELECT lc.*, l.url FROM link_checks lc JOIN links l ON l.id = lc.link_id "
            "WHERE l.url=? ORDER BY lc.run_id",
            (url,),
        ).fetchall()
        return [check_row(r) for r in rows]

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
        return [page_check_row(r) for r in rows]

    def link_checks(self, *, after: int = 0, upto: int | None = None) -> list[CheckRow]:
        """Link checks of runs ``after < run_id <= upto``, in run order."""
        rows = self._db.execute(
            "SELECT lc.*, l.url FROM link_checks lc JOIN links l ON l.id = lc.link_id "
            "WHERE lc.run_id > ? AND lc.run_id <= ? ORDER BY lc.run_id, l.url",
            (after, upto if upto is not None else 2**62),
        ).fetchall()
        return [check_row(r) for r in rows]

    def latest_link_checks(self, upto: int) -> dict[str, CheckRow]:
        """The newest check of every link as of run ``upto`` (inclusive)."""
        rows = self._db.execute(
            "SELECT lc.*, l.url FROM link_checks lc JOIN links l ON l.id = lc.link_id "
            "JOIN (SELECT link_id, MAX(run_id) AS r FROM link_checks WHERE run_id <= ? "
            "      GROUP BY link_id) last ON lc.link_id = last.link_id AND lc.run_id = last.r",
            (upto,),
        ).fetchall()
        return {r["url"]: check_row(r) for r in rows}

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
            out.setdefault(r["url"], []).append(check_row(r))
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
            out.setdefault(r["url"], []).append(page_check_row(r))
        return out
