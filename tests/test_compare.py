"""Tests of monitor.compare: ignore rules, change states, diffs, word highlights, keywords.

The noise table at the end runs the real pipeline (extract -> normalise -> change) over
two fetches of one campaign page that differ only by noise, and checks that no change is
reported; and that a real edit is, with the exact lines and heading.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import compare, extract
from monitor.models import Change, ContentState, Hunk, KeywordEvent

FIXTURES = Path(__file__).parent / "fixtures" / "compare"
URL = "https://partner.example/campaigns/free-ales/"


# ------------------------------------------------------------------ ignore rules


def test_ignore_patterns_compile_in_order() -> None:
    patterns = compare.compile_ignores([r"\d+ signatures", "(?i)updated .*"])
    assert [p.pattern for p in patterns] == [r"\d+ signatures", "(?i)updated .*"]


def test_an_invalid_ignore_pattern_is_a_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"invalid ignore pattern '\(unclosed': "):
        compare.compile_ignores(["ok", "(unclosed"])


@pytest.mark.parametrize(
    ("lines", "ignore", "expected"),
    [
        pytest.param(
            ["Signed by 12,345 people so far."],
            [r"[\d,]+ people"],
            ("Signed by so far.",),
            id="match-removed-whitespace-collapsed",
        ),
        pytest.param(
            ["Updated 10:32", "Body text"],
            [r"^Updated \S+$"],
            ("Body text",),
            id="line-emptied-dropped",
        ),
        pytest.param(
            ["# Status at 10:32", "x"],
            [r"\d\d:\d\d"],
            ("# Status at", "x"),
            id="heading-marker-kept",
        ),
        pytest.param(["# 10:32", "x"], [r"\d\d:\d\d"], ("x",), id="emptied-heading-dropped"),
        pytest.param(
            ["  spaced \t out  ", "", "   "], [], ("spaced out",), id="no-rules-only-whitespace"
        ),
        pytest.param(["a 1 b 2"], [r"1", r"2"], ("a b",), id="every-pattern-applied"),
    ],
)
def test_normalise_removes_ignored_text_and_empty_lines(
    lines: list[str], ignore: list[str], expected: tuple[str, ...]
) -> None:
    assert compare.normalise(lines, compare.compile_ignores(ignore)) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=10))
def test_normalise_is_idempotent(lines: list[str]) -> None:
    ignore = compare.compile_ignores([r"\d+"])
    once = compare.normalise(lines, ignore)
    assert compare.normalise(once, ignore) == once


# ------------------------------------------------------------------- change states

A = ("# Trial", "The trial began.")
B = ("# Trial", "The trial began.", "A verdict was announced: 10 years")
C = ("# Trial", "The hearing was postponed.")


def test_no_history_is_a_baseline() -> None:
    assert compare.change([], A) == Change(state=ContentState.BASELINE)


def test_the_same_text_as_last_time_is_unchanged() -> None:
    assert compare.change([A, B], A) == Change(state=ContentState.UNCHANGED)


def test_text_equal_to_an_older_version_is_a_flip_flop_not_a_change() -> None:
    result = compare.change([A, C, B], B)
    assert result.state is ContentState.UNCHANGED
    assert result.matched_recent == 2


def test_a_new_text_is_diffed_against_the_newest_version() -> None:
    result = compare.change([C, A], B)
    assert result.state is ContentState.CHANGED
    assert result.removed == ("The hearing was postponed.",)
    assert result.added == ("The trial began.", "A verdict was announced: 10 years")


# -------------------------------------------------------------------------- diffs


def test_diff_of_equal_texts_is_unchanged_and_empty() -> None:
    assert compare.diff(A, list(A)) == Change(state=ContentState.UNCHANGED)


def test_diff_groups_changes_under_their_nearest_heading() -> None:
    old = ["Intro line.", "# Trial", "Began in January.", "# Action", "Write a letter."]
    new = ["Intro line, updated.", "# Trial", "Began in January.", "Verdict: 10 years.",
           "# Action", "Write a letter today."]  # fmt: skip
    result = compare.diff(old, new)
    assert result.hunks == (
        Hunk(heading=None, added=("Intro line, updated.",), removed=("Intro line.",)),
        Hunk(heading="Trial", added=("Verdict: 10 years.",), removed=()),
        Hunk(heading="Action", added=("Write a letter today.",), removed=("Write a letter.",)),
    )
    assert result.added == ("Intro line, updated.", "Verdict: 10 years.", "Write a letter today.")
    assert result.removed == ("Intro line.", "Write a letter.")


def test_a_renamed_heading_is_reported_under_old_and_new_names() -> None:
    result = compare.diff(["# Trial", "Text."], ["# Verdict", "Text."])
    assert result.hunks == (
        Hunk(heading="Trial", added=(), removed=("# Trial",)),
        Hunk(heading="Verdict", added=("# Verdict",), removed=()),
    )


def test_an_edited_sentence_gets_word_level_highlights() -> None:
    old = ["# Trial", "The court sentenced him to 5 years in a penal colony."]
    new = ["# Trial", "The court sentenced him to 10 years in a high-security colony."]
    (words,) = compare.diff(old, new).words
    assert words.heading == "Trial"
    assert words.segments == (
        ("=", "The court sentenced him to "),
        ("-", "5"),
        ("+", "10"),
        ("=", " years in a "),
        ("-", "penal"),
        ("+", "high-security"),
        ("=", " colony."),
    )


def test_a_single_space_between_changed_words_joins_them_into_one_change() -> None:
    (words,) = compare.diff(["He got 5 months today."], ["He got 10 years today."]).words
    assert words.segments == (
        ("=", "He got "),
        ("-", "5 months"),
        ("+", "10 years"),
        ("=", " today."),
    )


def test_unrelated_replacement_lines_get_no_word_highlights() -> None:
    result = compare.diff(["The hearing was postponed."], ["Letters can be sent to prison."])
    assert result.words == ()
    assert result.state is ContentState.CHANGED


def test_apply_refuses_a_change_computed_from_other_lines() -> None:
    result = compare.diff(["a", "b"], ["a", "c"])
    with pytest.raises(ValueError):
        compare.apply(["x", "y"], result)


def test_apply_of_an_unchanged_result_returns_the_old_lines() -> None:
    assert compare.apply(A, Change(state=ContentState.UNCHANGED)) == A


_line = st.sampled_from(["# H1", "# H2", "a", "b", "c", "verdict 10 years", "x y z", "a b"])


@settings(max_examples=300, deadline=None)
@given(old=st.lists(_line, max_size=25), new=st.lists(_line, max_size=25))
def test_applying_the_diff_to_the_old_lines_reproduces_the_new_ones(
    old: list[str], new: list[str]
) -> None:
    result = compare.diff(old, new)
    assert compare.apply(old, result) == tuple(new)
    assert sorted(result.added) == sorted(line for hunk in result.hunks for line in hunk.added)
    assert sorted(result.removed) == sorted(line for hunk in result.hunks for line in hunk.removed)


_sentence = st.lists(
    st.sampled_from(["the", "court", "10", "years", ",", ".", "libéré", " ", "  "]), max_size=12
).map("".join)


@settings(max_examples=300, deadline=None)
@given(old=_sentence, new=_sentence)
def test_word_segments_rebuild_both_sentences(old: str, new: str) -> None:
    segments = compare._word_segments(old, new)
    assert "".join(text for op, text in segments if op != "+") == old
    assert "".join(text for op, text in segments if op != "-") == new
    assert all(op in "=+-" and text for op, text in segments)


# ----------------------------------------------------------------------- keywords


@pytest.mark.parametrize(
    ("old", "new", "keywords", "expected"),
    [
        pytest.param(
            ["The office is open."],
            ["The office is closed."],
            ["closed"],
            [("closed", "appeared")],
            id="appeared",
        ),
        pytest.param(
            ["The office is closed."],
            ["The office is open."],
            ["closed"],
            [("closed", "disappeared")],
            id="disappeared",
        ),
        pytest.param(
            ["Brochure"],
            ["Please find the enclosed letter."],
            ["closed"],
            [],
            id="whole-words-only-enclosed-is-not-closed",
        ),
        pytest.param(
            ["Het kantoor is open."],
            ["Het kantoor is Gesloten."],
            ["gesloten"],
            [("gesloten", "appeared")],
            id="case-insensitive-gesloten",
        ),
        pytest.param(
            ["Toujours détenu."],
            ["Il a été libéré hier."],
            ["libere"],
            [("libere", "appeared")],
            id="accent-in-text-not-in-keyword",
        ),
        pytest.param(
            ["Toujours détenu."],
            ["Il a ete libere hier."],
            ["Libéré"],
            [("Libéré", "appeared")],
            id="accent-in-keyword-not-in-text",
        ),
        pytest.param(
            ["Ён у турме."],
            ["Яго вызвалілі!"],
            ["вызвалілі"],
            [("вызвалілі", "appeared")],
            id="belarusian",
        ),
        pytest.param(
            ["Она в заключении."],
            ["Колесникова освобождена."],
            ["ОСВОБОЖДЕНА"],
            [("ОСВОБОЖДЕНА", "appeared")],
            id="cyrillic-case",
        ),
        pytest.param(
            ["He is in prison."],
            ["He was released", "from prison today."],
            ["released from prison"],
            [("released from prison", "appeared")],
            id="multi-word-across-lines",
        ),
        pytest.param(
            ["Victory!"],
            ["A victory for justice."],
            ["victory"],
            [],
            id="present-in-both-no-event",
        ),
        pytest.param(
            ["x"],
            ["Victory! VICTORY!"],
            ["victory", "Victory", "  "],
            [("victory", "appeared")],
            id="duplicates-and-blanks-ignored",
        ),
    ],
)
def test_keyword_events_are_case_accent_and_word_aware(
    old: list[str], new: list[str], keywords: list[str], expected: list[tuple[str, str]]
) -> None:
    events = compare.keyword_events(old, new, keywords)
    assert events == tuple(KeywordEvent(word=w, event=e) for w, e in expected)


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        pytest.param("Bialiatski", "Free Ales Białiatski now.", id="l-with-stroke-in-text"),
        pytest.param("Białiatski", "Free Ales Bialiatski now.", id="l-with-stroke-in-keyword"),
        pytest.param("lodz", "Protest in ŁÓDŹ today.", id="capital-l-with-stroke"),
        pytest.param("Oresund", "Bridge over the Øresund.", id="o-with-stroke"),
        pytest.param("Dorde", "Đorđe Petrović spoke.", id="d-with-stroke"),
        pytest.param("Strasse", "Meeting at the Straße corner.", id="sharp-s"),
        pytest.param("Straße", "MEETING AT THE STRASSE CORNER.", id="sharp-s-in-keyword"),
        pytest.param("Aero", "Ferry to Ærø at noon.", id="ae-ligature"),
        pytest.param("oeuvre", "Une Œuvre collective.", id="oe-ligature"),
        pytest.param("Istanbul", "Rally in ıstanbul.", id="dotless-i"),
        pytest.param("Istanbul", "Rally in İstanbul.", id="dotted-capital-i"),
        pytest.param("Thorsdottir", "Statement by Þorsdottir.", id="thorn"),
    ],
)
def test_letters_with_strokes_and_ligatures_match_their_plain_spelling(
    keyword: str, text: str
) -> None:
    assert compare.keyword_events(["Nothing yet."], [text], [keyword]) == (
        KeywordEvent(word=keyword, event="appeared"),
    )


@pytest.mark.parametrize(
    ("keyword", "text"),
    [
        pytest.param("Bialiatski", "Free Ales Białiatskis now.", id="folded-but-longer-word"),
        pytest.param("ae", "Ferry to Ærø at noon.", id="a-ligature-is-not-a-word-of-its-own"),
        pytest.param("Ørsted", "Meeting in Oersted hall.", id="o-with-stroke-is-o-not-oe"),
    ],
)
def test_folded_letters_still_match_whole_words_only(keyword: str, text: str) -> None:
    assert compare.keyword_events(["Nothing yet."], [text], [keyword]) == ()


def test_the_same_name_spelt_with_and_without_strokes_is_no_keyword_event() -> None:
    events = compare.keyword_events(
        ["Free Ales Bialiatski."], ["Free Ales Białiatski!"], ["Bialiatski", "Białiatski"]
    )
    assert events == ()


def test_a_changed_page_carries_its_keyword_events() -> None:
    result = compare.change([["Campaign open."]], ["Campaign closed."], keywords=["closed"])
    assert result.keywords == (KeywordEvent(word="closed", event="appeared"),)


# ------------------------------------------------------------- noise, end to end

TEMPLATE = Template((FIXTURES / "campaign_page.html").read_text(encoding="utf-8"))
DEFAULTS = {
    "nonce": "a1b2c3",
    "rendered": "2024-05-01T10:32:11Z",
    "intro_attrs": 'class="lead" id="intro"',
    "ws": "",
    "stamp": "01.05.2024 10:32",
    "count": "12,345",
    "seed": "0.1234",
    "utm": "newsletter",
    "csrf": "7f3e9a1c2b4d",
    "trial_news": "",
}
STAMP_RULE = r"status as of \d\d\.\d\d\.\d{4} \d\d:\d\d"
COUNT_RULE = r"So far [\d,]+ supporters"


def _fetch(**changes: str) -> bytes:
    return TEMPLATE.substitute({**DEFAULTS, **changes}).encode()


def _compare(before: bytes, after: bytes, rules: list[str]) -> Change:
    ignore = compare.compile_ignores(rules)
    old = compare.normalise(extract.page(before, URL).lines, ignore)
    new = compare.normalise(extract.page(after, URL).lines, ignore)
    return compare.change([old], new)


@pytest.mark.parametrize(
    ("changes", "rules"),
    [
        pytest.param(
            {"stamp": "02.05.2024 07:00"}, [STAMP_RULE], id="rotating-timestamp-with-ignore-rule"
        ),
        pytest.param({"count": "12,872"}, [COUNT_RULE], id="counter-in-ignored-span"),
        pytest.param({"csrf": "0d9c8b7a6f5e"}, [], id="csrf-token-in-hidden-input"),
        pytest.param({"nonce": "zz99", "seed": "0.9876"}, [], id="inline-script-changes"),
        pytest.param({"rendered": "2024-05-02T07:00:00Z"}, [], id="timestamp-inside-script"),
        pytest.param({"intro_attrs": 'id="intro" class="lead"'}, [], id="reordered-attributes"),
        pytest.param({"utm": "twitter"}, [], id="tracking-parameter-in-link"),
        pytest.param({"ws": "\n\t\t  "}, [], id="whitespace-change"),
        pytest.param({"ws": "\u00a0"}, [], id="nbsp-instead-of-nothing"),
    ],
)
def test_noise_between_two_fetches_is_never_a_change(
    changes: dict[str, str], rules: list[str]
) -> None:
    result = _compare(_fetch(), _fetch(**changes), rules)
    assert result == Change(state=ContentState.UNCHANGED)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"stamp": "02.05.2024 07:00"}, id="timestamp"),
        pytest.param({"count": "12,872"}, id="counter"),
    ],
)
def test_the_ignore_rule_is_what_hides_rotating_text(changes: dict[str, str]) -> None:
    # Without the rule the same difference is visible: the test above is not vacuous.
    assert _compare(_fetch(), _fetch(**changes), []).state is ContentState.CHANGED


def test_tracking_parameters_do_not_change_the_links_either() -> None:
    before = extract.page(_fetch(), URL).links
    after = extract.page(_fetch(utm="twitter"), URL).links
    assert before == after
    assert "https://partner.example/report.pdf" in {link.url for link in after}


def test_a_real_edit_is_a_change_with_exact_lines_and_heading() -> None:
    edited = _fetch(trial_news="<p>A verdict was announced: 10 years</p>")
    result = _compare(_fetch(), edited, [STAMP_RULE, COUNT_RULE])
    assert result.state is ContentState.CHANGED
    assert result.added == ("A verdict was announced: 10 years",)
    assert result.removed == ()
    assert result.hunks == (
        Hunk(heading="Trial", added=("A verdict was announced: 10 years",), removed=()),
    )


def test_a_real_edit_shows_up_even_alongside_noise() -> None:
    edited = _fetch(
        trial_news="<p>A verdict was announced: 10 years</p>",
        stamp="03.05.2024 09:15",
        count="13,001",
        csrf="ffff",
        nonce="n2",
        utm="x",
    )
    result = _compare(_fetch(), edited, [STAMP_RULE, COUNT_RULE])
    assert result.added == ("A verdict was announced: 10 years",)
    assert result.removed == ()


def test_the_campaign_page_text_is_what_a_reader_sees() -> None:
    lines = extract.page(_fetch(), URL).lines
    assert lines[0] == "# Free Ales Bialiatski"
    assert "# Trial" in lines
    assert not any(re.search("Home|Privacy|csrf|renderWidget", line) for line in lines)
