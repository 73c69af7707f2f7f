"""Counters in the database (schema 6): a series per page, gaps not zeros, voided runs
leave nothing, and a schema-5 database gains the table in place."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from monitor.models import ContentState, Counter, CounterKind, Status
from monitor.store import SCHEMA_VERSION, PageRecord, Store

URL = "https://p.example/petition"


def signatures(value: int) -> Counter:
    return Counter("signatures", CounterKind.SIGNATURES, "signed", value, 20000, f"{value} signed")


def check(store: Store, day: str, *counters: Counter) -> int:
    page = store.page_id(URL, "Petition", "Amnesty")
    run = store.begin_run(day)
    rec = PageRecord(
        page, day, Status.OK, 200, URL, None, ContentState.UNCHANGED, counters=counters
    )
    store.record_page(run, rec)
    store.finish_run(run, day, pages=1, links=0, problems=0, changed=0)
    return run


def test_a_run_that_did_not_show_the_counter_is_a_gap_not_a_zero(tmp_path: Path) -> None:
    with Store(tmp_path / "m.db") as store:
        check(store, "d1", signatures(100))
        check(store, "d2")
        check(store, "d3", signatures(130))
        series = store.counter_series(URL)
    assert [(p.checked_at, p.value) for p in series] == [("d1", 100), ("d3", 130)]


def test_the_last_value_before_a_run_skips_the_gap(tmp_path: Path) -> None:
    with Store(tmp_path / "m.db") as store:
        check(store, "d1", signatures(100))
        check(store, "d2")
        run = check(store, "d3", signatures(130))
        last = store.last_counters(store.page_id(URL, "Petition", None), run)
    assert (last["signatures"].value, last["signatures"].checked_at) == (100, "d1")


def test_an_inconclusive_run_records_no_value(tmp_path: Path) -> None:
    with Store(tmp_path / "m.db") as store:
        check(store, "d1", signatures(100))
        run = check(store, "d2", signatures(5))
        store.void_run(run, "d2", {"hosts": 1, "failed": 1, "kind": "dns", "tried": []})
        series = store.counter_series(URL)
    assert [p.value for p in series] == [100]


def test_a_schema_5_database_gains_the_counter_table(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    with Store(db) as store:
        check(store, "d1")
    con = sqlite3.connect(db)
    con.execute("DROP TABLE counter_values")
    con.execute("UPDATE meta SET value='5' WHERE key='schema_version'")
    con.commit()
    con.close()
    with Store(db) as store:
        check(store, "d2", signatures(100))
        series = store.counter_series(URL)
        version = store._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert ([p.value for p in series], version[0]) == ([100], str(SCHEMA_VERSION))
