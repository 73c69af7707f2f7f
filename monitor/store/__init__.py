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

The package: ``schema`` (tables, version, upgrades), ``rows`` (typed rows), ``base``
(connection, transactions), and the queries by subject: ``runs``, ``pages``, ``links``,
``history``, ``counters``. ``Store`` is all of them.
"""

from __future__ import annotations

from monitor.store.base import StoreBase, StoreError
from monitor.store.counters import Counters
from monitor.store.history import History
from monitor.store.links import Links
from monitor.store.pages import Pages
from monitor.store.rows import (
    PROBLEM_STATUSES,
    CheckRow,
    CounterPoint,
    DigestRow,
    LinkRecord,
    Occurrence,
    PageCheckRow,
    PageRecord,
    RunRow,
    Version,
    text_hash,
)
from monitor.store.runs import Runs
from monitor.store.schema import SCHEMA_VERSION


class Store(Runs, Pages, Links, History, Counters):
    """An open history database. Use as a context manager, or call ``close``.

    Takes the database path; creates its directory and the schema as needed.
    Raises ``StoreError`` when the file cannot be created, opened or migrated.
    """

    def __enter__(self) -> Store:
        return self


__all__ = [
    "PROBLEM_STATUSES",
    "SCHEMA_VERSION",
    "CheckRow",
    "CounterPoint",
    "DigestRow",
    "LinkRecord",
    "Occurrence",
    "PageCheckRow",
    "PageRecord",
    "RunRow",
    "Store",
    "StoreBase",
    "StoreError",
    "Version",
    "text_hash",
]
