"""`monitor history` and `monitor diff` over a stored page history, as a campaigner reads them.

The history is written with the store as runs write it (one run a day, a digest after
each, ``keep_versions`` 4), then the real command line reads it from the same file.
Version numbers are given once and never change: retention leaves gaps, a page going
back to an older text shows that older number as current, and the default diff is the
page's latest change.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor import cli
from monitor.store import PageRecord, Store

URL = "https://partner.example/case"
TEXTS = {
    "A": ("# Case", "The trial is awaited."),
    "B": ("# Case", "The trial opened today."),
    "C": ("# Case", "The trial was adjourned."),
    "D": ("# Case", "Verdict: ten years."),
    "E": ("# Case", "Verdict: ten years.", "An appeal was filed."),
}


def history(tmp_path: Path, texts: str, *, keep: int = 4) -> Path:
    """Record one run a day reading ``texts`` (e.g. "ABCDA"); returns the watch list path."""
    db = tmp_path / "monitor.db"
    with Store(db) as store:
        page = store.page_id(URL, "Case", None)
        for day, key in enumerate(texts, 1):
            at = f"2026-11-{day:02d}T06:00:00+00:00"
            run = store.begin_run(at)
            prev = store.recent_versions(page, 1)
            rec = PageRecord(
                page, at, "ok", 200, None, None, "changed" if prev else "baseline",
                version_lines=TEXTS[key], prev_version_id=prev[0].id if prev else None,
            )  # fmt: skip
            store.record_page(run, rec, keep_versions=keep)
            store.finish_run(run, at, pages=1, links=0, problems=0, changed=int(bool(prev)))
            store.record_digest(at, f"digest-{day}.html", run, run)
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        json.dumps({"settings": {"database": str(db)}, "watch": [{"name": "Case", "url": URL}]}),
        encoding="utf-8",
    )
    return watchlist


def version_rows(out: str) -> list[str]:
    """The first cell of each row of the content versions table in `monitor history`."""
    table = out[out.index("content versions") :]
    return [line.split("│")[1].strip() for line in table.splitlines() if line.startswith("│")]


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one table row per line


@pytest.mark.parametrize(
    ("texts", "rows", "notes"),
    [
        pytest.param(
            "ABCD",
            ["1", "2", "3", "4 (current)"],
            ["current: version 4"],
            id="four-texts-numbered-in-order-the-last-current",
        ),
        pytest.param(
            "ABCDA",
            ["1 (current)", "2", "3", "4"],
            ["current: version 1"],
            id="back-to-the-first-text-version-1-is-current-again",
        ),
        pytest.param(
            "ABCDAE",
            ["1", "3", "4", "5 (current)"],
            ["current: version 5", "no longer kept: version 2"],
            id="retention-removes-version-2-and-no-number-shifts",
        ),
        pytest.param(
            "ABCDEDCBA",
            ["2", "3", "4", "6 (current)"],
            ["current: version 6", "no longer kept: versions 1, 5"],
            id="a-text-back-after-retention-gets-a-new-number",
        ),
    ],
)
def test_history_shows_each_version_under_the_number_it_was_first_stored_with(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    texts: str,
    rows: list[str],
    notes: list[str],
) -> None:
    watchlist = history(tmp_path, texts)
    assert cli.main(["history", "--config", str(watchlist), URL]) == 0
    out = capsys.readouterr().out
    assert version_rows(out) == rows
    for note in notes:
        assert note in out
    if len(notes) == 1:
        assert "no longer kept" not in out


def test_a_number_written_down_yesterday_still_names_the_same_text_today(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    watchlist = history(tmp_path, "ABCD")
    assert cli.main(["diff", "--config", str(watchlist), URL, "--from", "3", "--to", "4"]) == 0
    yesterday = capsys.readouterr().out
    history(tmp_path / "later", "ABCDAE")  # same days, two more: version 2 is pruned
    later = tmp_path / "later" / "watchlist.yaml"
    assert cli.main(["diff", "--config", str(later), URL, "--from", "3", "--to", "4"]) == 0
    today = capsys.readouterr().out
    assert today == yesterday.replace("; current", "")  # version 4 is no longer the current one
    assert "- The trial was adjourned.\n+ Verdict: ten years." in today


@pytest.mark.parametrize(
    ("texts", "args", "expected"),
    [
        pytest.param(
            "ABCD",
            [],
            [
                "--- version 3 (first seen 2026-11-03T06:00:00+00:00, "
                "last seen 2026-11-03T06:00:00+00:00)",
                "+++ version 4 (first seen 2026-11-04T06:00:00+00:00, "
                "last seen 2026-11-04T06:00:00+00:00; current)",
                "@@ Case",
                "- The trial was adjourned.",
                "+ Verdict: ten years.",
            ],
            id="default-is-the-latest-change",
        ),
        pytest.param(
            "ABCDA",
            [],
            [
                "--- version 4 (first seen 2026-11-04T06:00:00+00:00, "
                "last seen 2026-11-04T06:00:00+00:00)",
                "+++ version 1 (first seen 2026-11-01T06:00:00+00:00, "
                "last seen 2026-11-05T06:00:00+00:00; current)",
                "@@ Case",
                "- Verdict: ten years.",
                "+ The trial is awaited.",
            ],
            id="default-after-a-return-to-an-old-text-is-that-return-as-the-run-saw-it",
        ),
        pytest.param(
            "ABCDAE",
            ["--to", "4"],
            [
                "--- version 3 (first seen 2026-11-03T06:00:00+00:00, "
                "last seen 2026-11-03T06:00:00+00:00)",
                "+++ version 4 (first seen 2026-11-04T06:00:00+00:00, "
                "last seen 2026-11-04T06:00:00+00:00)",
                "@@ Case",
                "- The trial was adjourned.",
                "+ Verdict: ten years.",
            ],
            id="to-alone-starts-from-the-stored-version-numbered-just-below",
        ),
        pytest.param(
            "ABCDAE",
            ["--to", "3"],
            [
                "--- version 1 (first seen 2026-11-01T06:00:00+00:00, "
                "last seen 2026-11-05T06:00:00+00:00)",
                "+++ version 3 (first seen 2026-11-03T06:00:00+00:00, "
                "last seen 2026-11-03T06:00:00+00:00)",
                "@@ Case",
                "- The trial is awaited.",
                "+ The trial was adjourned.",
            ],
            id="to-alone-skips-a-number-no-longer-kept",
        ),
        pytest.param(
            "ABCDAE",
            ["--from", "4"],
            [
                "--- version 4 (first seen 2026-11-04T06:00:00+00:00, "
                "last seen 2026-11-04T06:00:00+00:00)",
                "+++ version 5 (first seen 2026-11-06T06:00:00+00:00, "
                "last seen 2026-11-06T06:00:00+00:00; current)",
                "@@ Case",
                "+ An appeal was filed.",
            ],
            id="from-alone-goes-to-the-current-version",
        ),
        pytest.param(
            "ABA",
            ["--from", "1", "--to", "1"],
            [
                "--- version 1 (first seen 2026-11-01T06:00:00+00:00, "
                "last seen 2026-11-03T06:00:00+00:00; current)",
                "+++ version 1 (first seen 2026-11-01T06:00:00+00:00, "
                "last seen 2026-11-03T06:00:00+00:00; current)",
                "(no difference)",
            ],
            id="a-version-with-itself-has-no-difference",
        ),
    ],
)
def test_diff_shows_the_versions_by_their_lasting_numbers(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    texts: str,
    args: list[str],
    expected: list[str],
) -> None:
    watchlist = history(tmp_path, texts)
    assert cli.main(["diff", "--config", str(watchlist), URL, *args]) == 0
    assert capsys.readouterr().out.splitlines() == expected


@pytest.mark.parametrize(
    ("texts", "args", "message"),
    [
        pytest.param(
            "ABCDAE",
            ["--to", "2"],
            f"version 2 of {URL} is no longer kept (settings.keep_versions); "
            f"stored versions: 1, 3-5; see `monitor history {URL}`",
            id="a-pruned-number-is-said-to-be-no-longer-kept",
        ),
        pytest.param(
            "ABCDAE",
            ["--from", "1", "--to", "7"],
            f"{URL} has no version 7; stored versions: 1, 3-5 (2 no longer kept); "
            f"see `monitor history {URL}`",
            id="a-number-never-given-names-the-stored-ones-and-the-gaps",
        ),
        pytest.param(
            "ABCDEDCBA",
            ["--from", "5"],
            f"version 5 of {URL} is no longer kept (settings.keep_versions); "
            f"stored versions: 2-4, 6; see `monitor history {URL}`",
            id="several-gaps-are-named",
        ),
        pytest.param(
            "ABCD",
            ["--to", "0"],
            f"{URL} has no version 0; stored versions: 1-4; see `monitor history {URL}`",
            id="zero-is-no-version",
        ),
        pytest.param(
            "ABCDAE",
            ["--to", "1"],
            f"version 1 is the oldest stored version of {URL}: nothing before it to compare "
            "with, give --from N; stored versions: 1, 3-5 (2 no longer kept); "
            f"see `monitor history {URL}`",
            id="nothing-below-the-oldest-version",
        ),
        pytest.param(
            "AAA",
            [],
            f"only 1 version stored for {URL}: nothing to compare yet",
            id="one-version-nothing-to-compare",
        ),
    ],
)
def test_a_wrong_version_number_is_refused_naming_the_numbers_that_exist(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    texts: str,
    args: list[str],
    message: str,
) -> None:
    watchlist = history(tmp_path, texts)
    assert cli.main(["diff", "--config", str(watchlist), URL, *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == message
    assert captured.out == ""
