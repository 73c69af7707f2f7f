"""The history database: streaks, versions, crash consistency, clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from monitor.store import LinkRecord, PageRecord, Store, StoreError


def link(url: str, status: str, at: str) -> LinkRecord:
    return LinkRecord(url, at, status, 404 if status == "broken" else 200, None, None, None)


def test_the_database_folder_is_created(tmp_path: Path) -> None:
    with Store(tmp_path / "a" / "b" / "monitor.db") as store:
        assert store.integrity_ok()
    assert (tmp_path / "a" / "b" / "monitor.db").exists()


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param(["broken", "broken", "broken"], "d1", id="a-streak-keeps-its-first-day"),
        pytest.param(["broken", "ok", "broken"], "d3", id="a-recovery-ends-the-streak"),
        pytest.param(["timeout", "broken"], "d1", id="problem-kinds-share-one-streak"),
        pytest.param(["ok", "ok"], None, id="no-failure-no-date"),
        pytest.param(["broken", "blocked"], None, id="blocked-is-not-a-failure"),
    ],
)
def test_first_failed_at_is_the_start_of_the_current_failing_streak(
    tmp_path: Path, statuses: list[str], expected: str | None
) -> None:
    with Store(tmp_path / "m.db") as store:
        first: dict[str, str | None] = {}
        for day, status in enumerate(statuses, 1):
            run = store.begin_run(f"d{day}")
            first = store.record_links(run, [link("https://x.example/a", status, f"d{day}")])
        assert first["https://x.example/a"] == expected
        assert store.link_history("https://x.example/a")[-1].first_failed_at == expected


def test_links_whose_last_check_timed_out_are_known_to_the_next_run(tmp_path: Path) -> None:
    days = {
        "https://x.example/hangs": ["timeout", "timeout"],
        "https://x.example/recovered": ["timeout", "ok"],
        "https://x.example/fine": ["ok", "ok"],
        "https://x.example/newly-slow": ["ok", "timeout"],
    }
    with Store(tmp_path / "m.db") as store:
        for day in (0, 1):
            run = store.begin_run(f"d{day}")
            store.record_links(run, [link(u, s[day], f"d{day}") for u, s in days.items()])
        next_run = store.begin_run("d2")
        assert store.timed_out_links(next_run) == {
            "https://x.example/hangs",
            "https://x.example/newly-slow",
        }


def test_an_unchanged_page_adds_no_copy_and_a_new_text_adds_a_version(tmp_path: Path) -> None:
    with Store(tmp_path / "m.db") as store:
        page = store.page_id("https://p.example/", "P", None)
        for day, lines in enumerate([("a", "b"), ("a", "b"), ("a", "c")], 1):
            run = store.begin_run(f"d{day}")
            store.record_page(
                run,
                PageRecord(page, f"d{day}", "ok", 200, None, None, "x", version_lines=lines),
            )
        versions = store.versions(page)
        assert [v.lines for v in versions] == [("a", "b"), ("a", "c")]
        assert (versions[0].first_seen, versions[0].last_seen) == ("d1", "d2")
        assert store.recent_versions(page, 1)[0].lines == ("a", "c")


def test_a_run_that_never_finished_is_marked_aborted_on_next_open(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    with Store(db) as store:
        store.begin_run("d1")
    with Store(db) as store:
        [run] = store.runs()
        assert run.state == "aborted"
        assert store.integrity_ok()


def test_a_failed_page_write_leaves_nothing_half_written(tmp_path: Path) -> None:
    with Store(tmp_path / "m.db") as store:
        page = store.page_id("https://p.example/", "P", None)
        run = store.begin_run("d1")
        bad = PageRecord(
            page,
            "d1",
            "ok",
            200,
            None,
            None,
            "baseline",
            version_lines=("a",),
            occurrences=(("https://l.example/", "t", "a"),),
            change={"x": object()},
        )
        with pytest.raises(TypeError):
            store.record_page(run, bad)
        assert store.versions(page) == []
        assert store.occurrences(run) == {}


def test_a_database_path_that_cannot_be_created_is_a_clear_store_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")  # even root cannot make a folder inside a file
    with pytest.raises(StoreError, match=r"cannot open the database .*settings.database"):
        Store(tmp_path / "afile" / "m.db")


def test_a_file_that_is_not_a_database_is_a_clear_store_error(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the database"):
        Store(db)


def test_schema_version_is_recorded(tmp_path: Path) -> None:
    with Store(tmp_path / "m.db"):
        pass
    con = sqlite3.connect(tmp_path / "m.db")
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)


@pytest.mark.parametrize(
    ("mail", "kept"),
    [
        # day 3's change (b → c) is not in a digest yet when it is stored: b and c stay
        pytest.param(None, 2, id="no-mail-the-undigested-change-is-kept"),
        pytest.param("sent", 2, id="mail-sent-the-undigested-change-is-kept"),
        # the e-mail of day 2 failed: the next one must still show a → b
        pytest.param("failed", 3, id="mail-failed-the-changes-it-must-show-are-kept"),
    ],
)
def test_retention_keeps_the_versions_a_pending_e_mail_still_has_to_show(
    tmp_path: Path, mail: str | None, kept: int
) -> None:
    with Store(tmp_path / "m.db") as store:
        page = store.page_id("https://example.org/p", "P", None)
        run = store.begin_run("d1")
        first = PageRecord(page, "d1", "ok", 200, None, None, "x", version_lines=("a",))
        store.record_page(run, first)
        store.record_digest("d1", "digest-1.html", run, run)
        if mail is not None:
            store.record_digest("d1", "mail", run, run, kind="mail")
        for day, text in ((2, "b"), (3, "c")):
            run = store.begin_run(f"d{day}")
            prev = store.recent_versions(page, 1)[0].id
            rec = PageRecord(
                page, f"d{day}", "ok", 200, None, None, "x", version_lines=(text,),
                prev_version_id=prev,
            )  # fmt: skip
            store.record_page(run, rec, keep_versions=1)
            store.record_digest(f"d{day}", f"digest-{day}.html", run, run)
            if mail is not None:
                error = "SMTP refused" if mail == "failed" else None
                store.record_digest(f"d{day}", "mail", run, run, kind="mail", error=error)
        assert len(store.versions(page)) == kept


@pytest.mark.parametrize(
    ("second_day", "expected"),
    [
        pytest.param("ok", [], id="read-again-without-links-has-none"),
        pytest.param("server_error", ["https://x.example/a"], id="failed-fetch-keeps-the-last"),
    ],
)
def test_where_links_were_last_found_follows_the_last_read_of_each_page(
    tmp_path: Path, second_day: str, expected: list[str]
) -> None:
    with Store(tmp_path / "m.db") as store:
        page = store.page_id("https://p.example/", "P", None)
        first = store.begin_run("d1")
        store.record_page(
            first,
            PageRecord(
                page, "d1", "ok", 200, None, None, "x",
                occurrences=(("https://x.example/a", "A partner", "a"),),
            ),
        )  # fmt: skip
        second = store.begin_run("d2")
        store.record_page(second, PageRecord(page, "d2", second_day, 200, None, None, "x"))
        assert list(store.latest_occurrences(second)) == expected
        assert [u for u, _, _ in store.last_occurrences(page, second + 1)] == expected
