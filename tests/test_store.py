"""The history database: streaks, versions, crash consistency, clear errors."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import pytest

from monitor.models import ContentState, Note, NoteKind, Status
from monitor.store import SCHEMA_VERSION, LinkRecord, PageRecord, Store, StoreError


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
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )


# -- version numbers -------------------------------------------------------------------


def see(store: Store, page: int, day: int, text: str, *, keep: int, digest: bool) -> None:
    """One run on day ``day`` that reads ``text`` on the page (then a digest, if asked)."""
    run = store.begin_run(f"d{day}")
    rec = PageRecord(page, f"d{day}", "ok", 200, None, None, "x", version_lines=(text,))
    store.record_page(run, rec, keep_versions=keep)
    if digest:
        store.record_digest(f"d{day}", f"digest-{day}.html", run, run)


@pytest.mark.parametrize(
    ("texts", "keep", "expected"),
    [
        pytest.param("ABA", 100, [(1, "A"), (2, "B")], id="a-text-seen-again-keeps-its-number"),
        pytest.param("ABCDE", 2, [(4, "D"), (5, "E")], id="retention-leaves-gaps-not-new-numbers"),
        # A is pruned on day 3 (least recently seen); back on day 4 it is a new version
        pytest.param("ABCA", 2, [(3, "C"), (4, "A")], id="a-text-back-after-retention-is-new"),
    ],
)
def test_a_version_keeps_the_number_it_was_first_stored_with(
    tmp_path: Path, texts: str, keep: int, expected: list[tuple[int, str]]
) -> None:
    with Store(tmp_path / "m.db") as store:
        page = store.page_id("https://p.example/", "P", None)
        for day, text in enumerate(texts, 1):
            see(store, page, day, text, keep=keep, digest=True)
        assert [(v.number, v.lines[0]) for v in store.versions(page)] == expected
        assert store.last_version_number(page) == expected[-1][0]


def test_a_number_freed_by_retention_is_never_given_to_another_text(tmp_path: Path) -> None:
    with Store(tmp_path / "m.db") as store:
        page = store.page_id("https://p.example/", "P", None)
        # no digest yet: A (1) and B (2) stay although keep_versions is 1
        for day, text in enumerate("ABA", 1):
            see(store, page, day, text, keep=1, digest=False)
        store.record_digest("d3", "digest.html", 1, 3)
        see(store, page, 4, "A", keep=1, digest=True)  # B, the highest number, goes
        assert [v.number for v in store.versions(page)] == [1]
        see(store, page, 5, "C", keep=1, digest=True)
        assert [(v.number, v.lines) for v in store.versions(page)] == [(3, ("C",))]


# The tables schema 1 had where schema 2 differs (the rest is created as it was).
_SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
CREATE TABLE pages (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    partner TEXT);
CREATE TABLE versions (
    id INTEGER PRIMARY KEY, page_id INTEGER NOT NULL REFERENCES pages(id),
    hash TEXT NOT NULL, text BLOB NOT NULL, title TEXT, content_type TEXT, size INTEGER,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, first_run INTEGER, last_run INTEGER,
    etag TEXT, last_modified TEXT, UNIQUE (page_id, hash));
"""


def test_a_schema_1_database_gets_version_numbers_in_place_as_history_showed_them(
    tmp_path: Path,
) -> None:
    db = tmp_path / "m.db"
    con = sqlite3.connect(db)
    con.executescript(_SCHEMA_1)
    con.execute("INSERT INTO pages VALUES (1, 'https://p.example/', 'P', NULL)")
    con.execute("INSERT INTO pages VALUES (2, 'https://q.example/', 'Q', NULL)")
    # (id, page, text, first seen): row ids do not follow first-seen order on page 1
    for vid, page, text, first in [
        (1, 1, "b", "d2"),
        (2, 2, "x", "d1"),
        (3, 1, "a", "d1"),
        (4, 1, "c", "d3"),
    ]:
        con.execute(
            "INSERT INTO versions(id, page_id, hash, text, first_seen, last_seen) "
            "VALUES (?,?,?,?,?,?)",
            (vid, page, f"h{vid}", zlib.compress(text.encode()), first, "d3"),
        )
    con.commit()
    con.close()

    with Store(db) as store:
        assert [(v.number, v.lines) for v in store.versions(1)] == [
            (1, ("a",)),
            (2, ("b",)),
            (3, ("c",)),
        ]
        assert [(v.number, v.lines) for v in store.versions(2)] == [(1, ("x",))]
        run = store.begin_run("d4")
        store.record_page(
            run, PageRecord(1, "d4", "ok", 200, None, None, "x", version_lines=("d",))
        )
        assert [v.number for v in store.versions(1)] == [1, 2, 3, 4]
        assert store.integrity_ok()
    with Store(db) as store:  # opening it again changes nothing
        assert [v.number for v in store.versions(1)] == [1, 2, 3, 4]
    con = sqlite3.connect(db)
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    with Store(db) as store:  # versions of schemas before 3 have no rules fingerprint
        assert {v.rules for v in store.versions(1)} == {None}


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


@pytest.mark.parametrize(
    ("note", "status", "error", "want"),
    [
        pytest.param(
            "selector '#x' matched nothing on the page",
            "ok",
            None,
            [Note.of(NoteKind.SELECTOR_MATCHED_NOTHING, selector="#x")],
            id="selector",
        ),
        pytest.param(
            "the page is larger than 5 MB; only the first 5 MB were read; page has no visible text",
            "ok",
            None,
            [Note.of(NoteKind.NO_TEXT), Note.of(NoteKind.TRUNCATED, mb="5")],
            id="two-in-one-sentence",
        ),
        pytest.param(
            None,
            "blocked",
            "Shows a login form instead of the page: its text could not be checked",
            [Note.of(NoteKind.BLOCKED, by="login_form")],
            id="blocked-by-a-login-form",
        ),
        pytest.param(
            "robots.txt forbids it",
            "ok",
            None,
            [Note.of(NoteKind.OTHER, text="robots.txt forbids it")],
            id="unknown-kept-as-text",
        ),
    ],
)
def test_a_schema_4_note_becomes_notes_with_kinds(
    tmp_path: Path, note: str | None, status: str, error: str | None, want: list[Note]
) -> None:
    db = tmp_path / "m.db"
    with Store(db) as store:
        page = store.page_id("https://p.example/", "P", None)
        run = store.begin_run("d1")
        store.record_page(
            run, PageRecord(page, "d1", Status(status), None, None, error, ContentState.UNAVAILABLE)
        )
    con = sqlite3.connect(db)
    con.execute("UPDATE page_checks SET note=?", (note,))
    con.execute("UPDATE meta SET value='4' WHERE key='schema_version'")
    con.commit()
    con.close()
    with Store(db) as store:
        (check,) = store.page_history("https://p.example/")
    assert sorted(check.notes, key=lambda n: n.kind) == sorted(want, key=lambda n: n.kind)


def test_an_outage_streak_is_counted_back_to_the_last_run_that_could_look(tmp_path: Path) -> None:
    with Store(tmp_path / "m.db") as store:
        good = store.begin_run("d0")
        store.finish_run(good, "d0", pages=1, links=0, problems=0, changed=0)
        for n in range(60):  # more than a page of recent runs
            run = store.begin_run(f"e{n:02d}")
            store.void_run(run, f"e{n:02d}", {"hosts": 1, "failed": 1, "kind": "dns", "tried": []})
        streak = store.inconclusive_streak(store.last_run_id())
    assert (len(streak), streak[0].started_at) == (60, "e00")
