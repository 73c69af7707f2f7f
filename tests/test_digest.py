"""The digest: what a campaigner sees, day after day, and how its files are written.

Every test builds a history by hand (``World``: runs on chosen days, links with chosen
statuses, found on the watched pages of a small watch list), writes digests the way
``monitor digest`` does, and reads what the campaigner would read.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from support.history import (
    ARTICLE,
    CONFIG,
    LINK,
    NEWS,
    PETITION,
    World,
    at,
    fingerprint,
    load_change,
)

from monitor import compare, digest, pipeline
from monitor.config import load, loads
from monitor.digest import Digest, DigestError, Written
from monitor.digest.paths import url_key
from monitor.store import Store
from monitor.testing.web import Request, Route, SimWeb


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.store.close()


def sections(d: Digest) -> dict[str, list[str]]:
    return {
        "new": [i.url for g in d.new for i in g.items],
        "still": [i.url for i in d.still],
        "watching": [i.url for i in d.watching],
        "fixed": [i.url for i in d.fixed],
        "moved": [i.url for i in d.moved],
        "blocked": [i.url for i in d.blocked],
    }


def where(d: Digest, url: str) -> set[str]:
    return {name for name, urls in sections(d).items() if url in urls}


# -- what a campaigner sees, digest after digest ------------------------------------------


@pytest.mark.parametrize(
    ("digests", "expected"),
    [
        pytest.param([["broken"]], {"new"}, id="a-404-is-a-new-problem-at-once"),
        pytest.param([["soft_404"]], {"new"}, id="a-soft-404-is-a-new-problem-at-once"),
        pytest.param([["tls_error"]], {"new"}, id="a-certificate-error-is-a-new-problem-at-once"),
        pytest.param([["timeout"]], {"watching"}, id="one-timeout-is-only-watched"),
        pytest.param([["server_error"]], {"watching"}, id="one-server-error-is-only-watched"),
        pytest.param([["unreachable"]], {"watching"}, id="one-unreachable-is-only-watched"),
        pytest.param(
            [["timeout"], ["timeout"]], {"new"}, id="a-timeout-confirmed-next-run-becomes-new"
        ),
        pytest.param(
            [["timeout", "timeout"]], {"new"}, id="two-timeouts-in-one-window-are-a-new-problem"
        ),
        pytest.param(
            [["timeout"], ["server_error"]], {"new"}, id="two-different-transients-confirm-it"
        ),
        pytest.param([["timeout"], ["broken"]], {"new"}, id="a-404-after-a-timeout-is-new"),
        pytest.param([["timeout"], ["ok"]], set(), id="a-timeout-that-passes-is-forgotten"),
        pytest.param([["timeout", "ok"]], set(), id="a-hiccup-inside-one-window-is-not-shown"),
        pytest.param([["broken", "ok"]], set(), id="broken-and-fixed-before-anyone-saw-it"),
        pytest.param(
            [["broken"], ["broken"]], {"still"}, id="seen-yesterday-is-one-line-still-broken"
        ),
        pytest.param(
            [["timeout"], ["timeout"], ["timeout"]], {"still"}, id="a-confirmed-timeout-stays"
        ),
        pytest.param(
            [["broken"], ["ok"]], {"fixed"}, id="a-reported-problem-that-answers-is-fixed"
        ),
        pytest.param(
            [["broken"], ["ok", "broken"]], {"new"}, id="fixed-then-broken-again-is-new-again"
        ),
        pytest.param([["broken"], ["moved"]], {"fixed"}, id="broken-then-redirected-is-fixed"),
        pytest.param(
            [["broken"], ["blocked"]], {"blocked"}, id="broken-then-blocked-is-not-called-fixed"
        ),
        pytest.param(
            [["timeout"], ["timeout"], ["ok"]], {"fixed"}, id="confirmed-then-back-is-fixed"
        ),
        pytest.param([["moved"]], {"moved"}, id="a-moved-link-is-listed-with-its-new-address"),
        pytest.param([["moved"], ["moved"]], set(), id="a-moved-link-seen-before-is-only-counted"),
        pytest.param([["blocked"]], {"blocked"}, id="a-blocked-link-is-listed-as-unverified"),
        pytest.param([["blocked"], ["blocked"]], set(), id="a-blocked-link-seen-before-is-counted"),
        pytest.param([["skipped"]], set(), id="a-skipped-link-is-not-listed"),
        pytest.param([["ok"], ["ok"]], set(), id="a-working-link-is-never-mentioned"),
    ],
)
def test_each_link_lands_in_the_section_its_history_says(
    world: World, digests: list[list[str]], expected: set[str]
) -> None:
    d: Digest | None = None
    for runs in digests:
        for status in runs:
            world.run({LINK: status, "https://partner.example/fine": "ok"})
        d = world.digest()
    assert d is not None
    assert where(d, LINK) == expected
    assert where(d, "https://partner.example/fine") == set()


@pytest.mark.parametrize(
    ("digests", "expected"),
    [
        pytest.param([["broken"]], {"new"}, id="a-watched-page-that-is-gone-is-new-at-once"),
        pytest.param([["timeout"]], {"watching"}, id="a-watched-page-timing-out-once-is-watched"),
        pytest.param([["timeout"], ["timeout"]], {"new"}, id="a-watched-page-down-twice-is-new"),
        pytest.param([["broken"], ["broken"]], {"still"}, id="a-watched-page-still-gone"),
        pytest.param([["broken"], ["ok"]], {"fixed"}, id="a-watched-page-back-is-fixed"),
    ],
)
def test_watched_pages_in_trouble_are_listed_like_links(
    world: World, digests: list[list[str]], expected: set[str]
) -> None:
    d: Digest | None = None
    for runs in digests:
        for status in runs:
            world.run(pages={NEWS: status})
        d = world.digest()
    assert d is not None
    assert where(d, NEWS) == expected
    page_items = [i for g in d.new for i in g.items] + list(d.still) + list(d.watching)
    assert all(i.kind == "page" for i in page_items if i.url == NEWS)


def test_a_new_problem_says_where_it_is_linked_from_since_when_and_what_to_use_instead(
    world: World,
) -> None:
    archived = "https://web.archive.org/web/2023/https://partner.example/report-2023"
    world.run({LINK: "ok"})
    world.digest()
    world.run(
        {LINK: "broken"},
        found={LINK: [(PETITION, "Read the 2023 report"), (ARTICLE, "the report")]},
        suggestions={LINK: archived},
        errors={LINK: "Page not found (404)"},
    )
    w = world.write(text=True)
    d = w.digest
    [group] = d.new
    [item] = group.items
    assert group.name == "Amnesty International"
    assert (item.url, item.headline, item.badge) == (LINK, "Page not found (404)", "Broken")
    assert [(p.page_name, p.page_url, p.text, p.group) for p in item.places] == [
        ("Petition", PETITION, "Read the 2023 report", "Amnesty International"),
        ("Article", ARTICLE, "the report", "FIDH"),
    ]
    assert item.since == "Tue 12 Mar (today)"
    assert (item.suggestion, item.suggestion_label) == (archived, "archived copy")
    html = w.html.read_text()
    for shown in (
        f'href="{LINK}"',
        f'href="{archived}"',
        f'href="{PETITION}"',
        "Read the 2023 report",
        "Failing since:",
        "Suggested replacement",
    ):
        assert shown in html
    assert w.text is not None
    text = w.text.read_text()
    assert f"Linked from: Petition <{PETITION}> as “Read the 2023 report”" in text
    assert f"Linked from: Article (FIDH) <{ARTICLE}> as “the report”" in text
    assert f"Suggested replacement (archived copy): {archived}" in text
    assert d.problems == 1


def test_a_status_without_a_stored_sentence_is_said_in_plain_words(world: World) -> None:
    links = {
        "https://a.example/gone": "broken",
        "https://b.example/slow": "timeout",
        "https://c.example/home": "soft_404",
    }
    world.run(links)
    world.run(links)
    d = world.digest()
    said = {i.url: i.headline for g in d.new for i in g.items}
    assert said == {
        "https://a.example/gone": "Page not found (404)",
        "https://b.example/slow": "The server did not answer (timeout)",
        "https://c.example/home": "Shows a “page not found” message: the page is probably gone",
    }


def test_problems_are_grouped_by_partner_or_by_page_name_when_there_is_none(world: World) -> None:
    world.run(
        {"https://x.example/a": "broken", "https://y.example/b": "broken"},
        found={
            "https://x.example/a": [(NEWS, "a")],
            "https://y.example/b": [(ARTICLE, "b")],
        },
    )
    d = world.digest()
    assert [(g.name, [i.url for i in g.items]) for g in d.new] == [
        ("FIDH", ["https://y.example/b"]),
        ("Viasna news", ["https://x.example/a"]),
    ]


def test_still_broken_is_one_short_line_with_its_age(world: World) -> None:
    world.run({LINK: "broken"}, errors={LINK: "Page not found (404)"})
    world.digest()
    world.run({LINK: "broken"}, errors={LINK: "Page not found (404)"})
    world.run({LINK: "broken"}, errors={LINK: "Page not found (404)"})
    w = world.write(text=True)
    [item] = w.digest.still
    assert item.since == "Mon 11 Mar (2 days)"
    assert w.text is not None
    text = w.text.read_text()
    lines = [line for line in text.splitlines() if LINK in line]
    assert lines == [
        f"[✖] {LINK} — Broken, since Mon 11 Mar (2 days) · on Petition (Amnesty International)"
    ]
    html = w.html.read_text()
    assert "since Mon 11 Mar (2 days)" in html
    assert "Page not found (404)" not in html  # the detail was shown yesterday


def test_a_broken_link_removed_from_the_page_is_fixed_as_no_longer_linked(world: World) -> None:
    world.run({LINK: "broken"})
    world.digest()
    world.run({"https://partner.example/new-report": "ok"})
    d = world.digest()
    [item] = d.fixed
    assert item.url == LINK
    assert item.note is not None and item.note.startswith("No longer linked")
    assert d.all_clear


def test_a_link_on_two_partners_pages_is_listed_once_naming_the_other_partner(
    world: World,
) -> None:
    world.run({LINK: "broken"}, found={LINK: [(ARTICLE, "two"), (PETITION, "one")]})
    w = world.write()
    [group] = w.digest.new
    assert group.name == "Amnesty International"  # the first linking page, watch-list order
    [item] = group.items
    assert [(p.text, p.group) for p in item.places] == [
        ("one", "Amnesty International"),
        ("two", "FIDH"),
    ]
    assert "(<bdi>FIDH</bdi>)" in w.html.read_text()
    assert w.problems == 1


def test_a_watched_page_that_is_down_is_one_item_with_the_pages_that_link_to_it(
    world: World,
) -> None:
    world.run({NEWS: "ok"}, found={NEWS: [(PETITION, "Viasna's news")]})
    world.digest()
    world.run({NEWS: "broken"}, found={NEWS: [(PETITION, "Viasna's news")]}, pages={NEWS: "broken"})
    w = world.write(text=True)
    [group] = w.digest.new
    [item] = group.items
    assert (group.name, item.kind, item.url) == ("Viasna news", "page", NEWS)
    assert item.page is not None and item.page.page_name == "Viasna news"
    assert [(p.page_name, p.group) for p in item.places] == [("Petition", "Amnesty International")]
    assert w.digest.problems == 1
    assert w.text is not None
    text = w.text.read_text()
    assert f"This is a watched page: Viasna news <{NEWS}>" in text
    assert "Also linked from: Petition (Amnesty International)" in text


def test_pages_no_longer_on_the_watch_list_are_left_out(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.run({LINK: "broken"}, found={LINK: [(ARTICLE, "x")]}, pages={NEWS: "broken"})
    w.config = loads(CONFIG.split("  - name: Article")[0])
    d = w.digest()
    assert sections(d) == {k: [] for k in sections(d)}
    assert d.all_clear


# -- content changes ----------------------------------------------------------------------


def test_a_content_change_shows_the_keyword_first_then_the_words_that_changed(
    world: World,
) -> None:
    world.run()
    world.digest()
    world.run(changes={PETITION: load_change("petition_closed.json")})
    w = world.write(text=True)
    [change] = w.digest.changes
    assert [(k.word, k.event) for k in change.keywords] == [("gesloten", "appeared")]
    [event] = change.events
    assert [b.heading for b in event.blocks] == ["Teken de petitie", "Nieuws"]
    first = event.blocks[0].lines
    assert [line.op for line in first] == ["changed", "removed", "added"]
    assert [(s.op, s.text.strip()) for s in first[0].segments if s.op != "="] == [
        ("-", "open"),
        ("+", "gesloten"),
    ]
    html = w.html.read_text()
    keyword = html.index("Keyword “<bdi>gesloten</bdi>” appeared")
    assert keyword < html.index("<del") < html.index("<ins")
    assert re.search(r"<del [^>]*>open ?</del><ins [^>]*>gesloten ?</ins>", html)
    assert f'href="{PETITION}"' in html and "Open the live page" in html
    assert "Under “<bdi>Teken de petitie</bdi>”" in html
    assert w.text is not None
    text = w.text.read_text()
    assert text.index("!! KEYWORD: “gesloten” appeared") < text.index("[-open-]{+gesloten+}")
    assert "~ De petitie is [-open-]{+gesloten+}." in text
    assert "+ Bedankt voor het tekenen." in text
    assert "- Teken nu!" in text
    assert w.digest.headline == "1 page changed"


def test_a_change_computed_by_compare_reads_word_by_word(world: World) -> None:
    old = ("# Ales Bialiatski", "He was sentenced to 5 months in prison.", "Write to him.")
    new = ("# Ales Bialiatski", "He was sentenced to 10 years in prison.", "Write to him.")
    world.run(changes={ARTICLE: pipeline.change_to_json(compare.diff(old, new))})
    w = world.write(text=True)
    [c] = w.digest.changes
    [block] = c.events[0].blocks
    assert block.heading == "Ales Bialiatski"
    [line] = block.lines  # one sentence, shown once, word by word
    assert line.op == "changed"
    assert w.text is not None
    assert "~ He was sentenced to [-5 months-]{+10 years+} in prison." in w.text.read_text()


def test_pages_with_a_keyword_alarm_come_before_other_changes(world: World) -> None:
    plain = {"added": ["A new paragraph."], "removed": [], "hunks": [], "words": [], "keywords": []}
    world.run(changes={ARTICLE: plain, PETITION: load_change("petition_closed.json")})
    d = world.digest()
    assert [c.name for c in d.changes] == ["Petition", "Article"]


@pytest.mark.parametrize(
    "way_back",
    [
        pytest.param("changed", id="recorded-as-a-change"),
        pytest.param("unchanged", id="recorded-as-a-return-to-a-recent-version"),
    ],
)
def test_a_change_undone_within_the_window_is_one_quiet_line(world: World, way_back: str) -> None:
    world.run()
    world.digest()
    change = {
        "added": ["Temporary banner."],
        "removed": [],
        "keywords": [{"word": "gesloten", "event": "appeared"}],
    }
    world.run(changes={PETITION: change}, texts={PETITION: "text with a banner"})
    back = {"added": [], "removed": ["Temporary banner."], "keywords": []}
    # Back to the text the last digest saw; compare.change calls that "unchanged" (flip-flop).
    world.run(changes={PETITION: back} if way_back == "changed" else {}, texts={PETITION: "text"})
    d = world.digest()
    [c] = d.changes
    assert c.reverted == (
        "Changed Tue 12 Mar 07:00 and back to the earlier text by Wed 13 Mar 07:00: "
        "nothing to read."
    )
    assert c.keywords == ()
    assert d.all_clear


def test_a_long_rewrite_is_cut_and_links_the_page_that_holds_the_rest(world: World) -> None:
    world.run()
    added = [f"Sentence number {i}." for i in range(100)]
    world.run(changes={ARTICLE: {"added": added, "removed": [], "keywords": []}})
    w = world.write(text=True)
    [event] = w.digest.changes[0].events
    assert sum(len(b.lines) for b in event.blocks) == digest.MAX_DIFF_LINES
    assert event.hidden == 100 - digest.MAX_DIFF_LINES == 70
    page = f"changes/{url_key(ARTICLE)}-v1-v2.html"  # the versions before and after
    assert event.page == page
    said = "… and 70 more changed lines. See the whole change: 100 lines"
    assert said in visible(w.html.read_text())
    assert f'<a href="{page}"' in w.html.read_text()
    assert w.text is not None
    assert f"      … and 70 more changed lines. See the whole change (100 lines): {page}\n" in (
        w.text.read_text()
    )
    assert "live page" not in w.text.read_text()


def test_the_change_page_is_named_by_the_numbers_history_shows(world: World) -> None:
    world.keep_versions = 1  # older versions go once a digest has shown them
    world.run()
    for _ in range(2):
        world.digest()
        world.run(changes={ARTICLE: {"added": ["A short edit."], "removed": [], "keywords": []}})
    world.digest()
    added = [f"Sentence number {i}." for i in range(40)]
    world.run(changes={ARTICLE: {"added": added, "removed": [], "keywords": []}})
    page_id = world.store.page_id(ARTICLE, "Article", "FIDH")
    assert [v.number for v in world.store.versions(page_id)] == [3, 4]  # 1 and 2 are gone
    [event] = world.digest().changes[0].events
    assert event.page == f"changes/{url_key(ARTICLE)}-v3-v4.html"


# -- watched files ------------------------------------------------------------------------

PDF = "application/pdf"


def shown_as(kind: tuple[str, int], seed: str) -> str:
    """What World stores for a page or file: the text, or run's fingerprint of the bytes."""
    return seed if "html" in kind[0] else fingerprint(*kind, seed)


@pytest.mark.parametrize(
    ("before", "after", "said"),
    [
        pytest.param(
            (PDF, 155_648),
            (PDF, 163_840),
            "The file changed: 152 KB → 160 KB (application/pdf).",
            id="a-pdf-that-grew",
        ),
        pytest.param(
            (PDF, 155_648),
            (PDF, 155_648),
            "The file changed: still 152 KB (application/pdf).",
            id="a-pdf-changed-at-the-same-size",
        ),
        pytest.param(
            (PDF, 812),
            (PDF, 1_468_006),
            "The file changed: 812 bytes → 1.4 MB (application/pdf).",
            id="small-and-large-sizes-in-bytes-and-megabytes",
        ),
        pytest.param(
            (PDF, 155_648),
            ("image/png", 20_480),
            "The file is now image/png (was application/pdf): 152 KB → 20 KB.",
            id="a-pdf-replaced-by-an-image",
        ),
        pytest.param(
            (PDF, 155_648),
            ("text/html", 5_000),
            "The file is now text/html (was application/pdf): open it to check the file is "
            "still there.",
            id="a-pdf-replaced-by-a-web-page",
        ),
        pytest.param(
            ("text/html", 5_000),
            (PDF, 163_840),
            "The page is now a file: application/pdf, 160 KB (was text/html).",
            id="a-web-page-replaced-by-a-pdf",
        ),
    ],
)
def test_a_changed_file_is_one_sentence_not_a_diff_of_two_fingerprints(
    world: World, before: tuple[str, int], after: tuple[str, int], said: str
) -> None:
    world.run(files={ARTICLE: before})
    world.digest()
    change = {
        "removed": [shown_as(before, "text")],
        "added": [shown_as(after, "text of day 12")],
        "keywords": [],
    }
    world.run(files={ARTICLE: after}, changes={ARTICLE: change})
    w = world.write(text=True)
    [c] = w.digest.changes
    [event] = c.events
    assert (event.file, event.blocks) == (said, ())
    html = w.html.read_text()
    assert said in visible(html) and "sha256" not in html
    assert w.text is not None
    text = w.text.read_text()
    assert f"Article (FIDH) <{ARTICLE}>\n      {said}\n" in text
    assert "sha256" not in text
    assert w.digest.headline == "1 page changed"


# -- pages whose content is not compared --------------------------------------------------

SELECTOR_NOTE = "selector 'article.main' matched nothing on the page"
UNSTABLE_NOTE = (
    "the text differed between two looks seconds apart, so no change is reported; if this "
    "repeats, add an `ignore` rule for the part that moves"
)
CAPPED_NOTE = (
    "the page is larger than 5 MB; only the first 5 MB were read (raise settings.max_page_mb "
    "to read it all)"
)
LARGE_NOTE = "page too large for main-content detection (120,000 elements); whole page text used"
NO_TEXT = (
    "The page came back without any text, so its content could not be compared: open it to "
    "check it still works; if it does, ask the maintainer to check its selector and ignore "
    "rules in watchlist.yaml."
)


@pytest.mark.parametrize(
    ("checks", "badge", "advice"),
    [
        pytest.param(
            [(SELECTOR_NOTE, False)],
            "Not compared",
            "The selector 'article.main' matched nothing, so this page's content is not "
            "watched: ask the maintainer to update it in watchlist.yaml.",
            id="a-selector-that-matches-nothing",
        ),
        pytest.param(
            [("page has no visible text", False)], "Not compared", NO_TEXT, id="no-visible-text"
        ),
        pytest.param([("page is empty", False)], "Not compared", NO_TEXT, id="an-empty-page"),
        pytest.param(
            [("the page answered with no text", False)],
            "Not compared",
            NO_TEXT,
            id="no-text-left-to-compare",
        ),
        pytest.param(
            [(UNSTABLE_NOTE, True), (UNSTABLE_NOTE, True)],
            "Not compared",
            "Its text differed between two looks seconds apart, two checks in a row (a "
            "rotating quote or a live counter?), so changes on this page are not reported: "
            "ask the maintainer to add an ignore rule for the part that moves in "
            "watchlist.yaml.",
            id="text-that-moves-between-two-looks-twice-in-a-row",
        ),
        pytest.param(
            [(f"{CAPPED_NOTE}; main content not found; whole page text used", True)],
            "Partly read",
            "The page is larger than 5 MB and only the first 5 MB are read, so text and links "
            "further down are not checked: ask the maintainer to raise settings.max_page_mb "
            "in watchlist.yaml.",
            id="a-page-larger-than-the-cap",
        ),
        pytest.param(
            [(f"{CAPPED_NOTE}; page has no visible text", False)],
            "Not compared",  # the graver problem first
            f"{NO_TEXT} The page is larger than 5 MB and only the first 5 MB are read, so text "
            "and links further down are not checked: ask the maintainer to raise "
            "settings.max_page_mb in watchlist.yaml.",
            id="two-problems-in-one-note-are-both-said",
        ),
        pytest.param(
            [("robots.txt forbids reading it", False)],
            "Not compared",
            "Its content could not be compared (robots.txt forbids reading it): ask the "
            "maintainer to look at this page in watchlist.yaml.",
            id="a-note-the-digest-does-not-know-on-a-page-not-compared",
        ),
    ],
)
def test_a_watched_page_whose_content_is_not_compared_needs_attention_with_what_to_do(
    world: World, checks: list[tuple[str, bool]], badge: str, advice: str
) -> None:
    for note, compared in checks:
        world.run(notes={NEWS: note}, unread=() if compared else {NEWS})
    w = world.write(text=True)
    [item] = w.digest.attention
    assert (item.url, item.badge, item.headline) == (NEWS, badge, advice)
    assert w.digest.headline == "1 page needs attention" and not w.digest.all_clear
    assert w.digest.problems == 0  # not a broken link: `monitor digest` still exits 0
    shown = visible(w.html.read_text())
    assert "Needs attention (1)" in shown and f"⚠ {badge}" in shown and advice in shown
    assert w.text is not None
    text = w.text.read_text()
    assert "*** TO DO: 1 page needs attention ***" in text
    assert f"[⚠ {badge}] {NEWS} · the watched page Viasna news (Viasna news)\n    {advice}\n" in (
        text
    )


@pytest.mark.parametrize(
    "checks",
    [
        pytest.param(
            [("main content not found; whole page text used", True)],
            id="main-content-not-found-so-the-whole-page-is-compared",
        ),
        pytest.param(
            [(LARGE_NOTE, True)],
            id="too-large-for-main-content-detection-so-the-whole-page-is-compared",
        ),
        pytest.param([("not modified (304)", True)], id="not-modified"),
        pytest.param([("content not watched (content: false)", False)], id="content-false"),
        pytest.param([(UNSTABLE_NOTE, True)], id="text-that-moved-between-two-looks-once"),
        pytest.param(
            [(UNSTABLE_NOTE, True), (None, True), (UNSTABLE_NOTE, True)],
            id="text-that-moved-twice-but-not-in-a-row",
        ),
        pytest.param([(SELECTOR_NOTE, False), (None, True)], id="a-selector-fixed-since"),
        pytest.param([("a note nobody knows", True)], id="a-note-unknown-on-a-compared-page"),
    ],
)
def test_a_note_that_leaves_nothing_unwatched_is_not_shown(
    world: World, checks: list[tuple[str | None, bool]]
) -> None:
    for note, compared in checks:
        world.run(notes={NEWS: note} if note else {}, unread=() if compared else {NEWS})
    w = world.write(text=True)
    assert w.digest.attention == ()
    assert w.digest.all_clear
    assert "Needs attention" not in w.html.read_text()
    assert w.text is not None and "NEEDS ATTENTION" not in w.text.read_text()


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        pytest.param(
            "Redirects to a login page: the page's text could not be checked",
            "The page now asks for a login (Redirects to a login page), so its text is not "
            "being watched: open it to check it by hand; if it stays so, ask the maintainer to "
            "watch another URL in watchlist.yaml.",
            id="redirected-to-a-login-page",
        ),
        pytest.param(
            "Shows a login form instead of the page: its text could not be checked",
            "The page now asks for a login (Shows a login form instead of the page), so its "
            "text is not being watched: open it to check it by hand; if it stays so, ask the "
            "maintainer to watch another URL in watchlist.yaml.",
            id="answering-with-a-login-form",
        ),
        pytest.param(
            "Bot protection (999): could not verify",
            "The page cannot be read (The site blocks automatic checks (403)), so its text is "
            "not being watched: open it to check it by hand; if it stays so, ask the maintainer "
            "to watch another URL in watchlist.yaml.",
            id="its-own-sentence-is-not-read-back",
        ),
        pytest.param(
            "Login or bot protection (403): could not verify",
            "The page cannot be read (The site blocks automatic checks (403)), so its text is "
            "not being watched: open it to check it by hand; if it stays so, ask the maintainer "
            "to watch another URL in watchlist.yaml.",
            id="a-403-is-no-login-although-its-sentence-says-login",
        ),
        pytest.param(
            None,
            "The page cannot be read (The site blocks automatic checks (403)), so its text is "
            "not being watched: open it to check it by hand; if it stays so, ask the maintainer "
            "to watch another URL in watchlist.yaml.",
            id="a-check-without-a-stored-sentence",
        ),
    ],
)
def test_a_blocked_watched_page_needs_attention_while_a_blocked_link_is_only_listed(
    world: World, error: str | None, advice: str
) -> None:
    world.run({LINK: "blocked"}, pages={NEWS: "blocked"}, errors={NEWS: error} if error else {})
    w = world.write(text=True)
    d = w.digest
    [item] = d.attention
    assert (item.url, item.badge, item.headline) == (NEWS, "Blocked", advice)
    assert [i.url for i in d.blocked] == [LINK]  # the link stays where blocked links are
    assert d.headline == "1 page needs attention" and not d.all_clear
    assert d.problems == 0  # blocked is still no problem status: `monitor digest` exits 0
    shown = visible(w.html.read_text())
    assert "All clear" not in shown
    assert "Needs attention (1)" in shown and "⚠ Blocked" in shown and advice in shown
    assert w.text is not None
    text = w.text.read_text()
    assert "ALL CLEAR" not in text and "*** TO DO: 1 page needs attention ***" in text
    assert f"[⚠ Blocked] {NEWS} · the watched page Viasna news (Viasna news)\n    {advice}\n" in (
        text
    )
    assert f"[⊘] {LINK} — " in text.split("BLOCKED: COULD NOT VERIFY (1)")[1]


def test_a_watched_page_refused_once_with_429_waits_for_a_second_refusal(world: World) -> None:
    too_many = {NEWS: "The site refused to answer so many requests (429): could not verify"}
    world.run(pages={NEWS: "blocked"}, codes={NEWS: 429}, errors=too_many)
    assert world.digest().attention == ()  # it passes by itself more often than not
    world.run(pages={NEWS: "blocked"}, codes={NEWS: 429}, errors=too_many)
    [item] = world.digest().attention
    assert item.headline.startswith(
        "The site refused to answer so many requests (429), so its text was not read"
    )


def test_a_page_once_gone_and_now_behind_a_login_is_not_called_fixed(world: World) -> None:
    world.run(pages={NEWS: "broken"})
    world.run(pages={NEWS: "broken"})
    world.write()
    world.run(pages={NEWS: "blocked"}, errors={NEWS: "Redirects to a login page: no"})
    d = world.digest()
    assert where(d, NEWS) == set()  # not under Fixed
    assert [i.url for i in d.attention] == [NEWS]


def test_a_watched_page_that_is_down_is_listed_as_a_problem_not_for_its_old_note(
    world: World,
) -> None:
    world.run(notes={NEWS: SELECTOR_NOTE}, unread={NEWS})
    world.run(pages={NEWS: "broken"})
    d = world.digest()
    assert where(d, NEWS) == {"new"}
    assert d.attention == ()


REBASED_NOTE = (
    "the rules that turn this page into text changed since its last version (its selector or "
    "ignore rules, or partner-monitor's own), so this version is a new baseline and was not "
    "compared; `monitor diff` shows how the two differ"
)
REBASED = (
    "text rules were edited (selector, ignore) or partner-monitor's own changed, so nothing "
    "was compared this time."
)


@pytest.mark.parametrize(
    ("baselines", "notes"),
    [
        pytest.param(
            [{NEWS: None}],
            ("First check (nothing to compare yet): Viasna news.",),
            id="a-page-checked-for-the-first-time",
        ),
        pytest.param(
            [{NEWS: REBASED_NOTE}],
            (f"New baseline for Viasna news: the page's {REBASED}",),
            id="a-page-whose-text-rules-were-edited",
        ),
        pytest.param(
            [{NEWS: REBASED_NOTE, ARTICLE: REBASED_NOTE}],
            (f"New baseline for Article, Viasna news: the pages' {REBASED}",),
            id="two-pages-whose-text-rules-changed-with-partner-monitor",
        ),
        pytest.param(
            [{ARTICLE: None, NEWS: REBASED_NOTE}],
            (
                "First check (nothing to compare yet): Article.",
                f"New baseline for Viasna news: the page's {REBASED}",
            ),
            id="a-new-page-and-an-edited-one-are-told-apart",
        ),
    ],
)
def test_a_new_baseline_says_why_nothing_was_compared(
    world: World, baselines: list[dict[str, str | None]], notes: tuple[str, ...]
) -> None:
    for pages in baselines:
        world.run(baseline=set(pages), notes={u: n for u, n in pages.items() if n})
    w = world.write(text=True)
    assert w.digest.notes == notes
    assert w.digest.all_clear  # a new baseline is nothing to do
    shown = visible(w.html.read_text())
    assert w.text is not None
    text = w.text.read_text()
    for note in notes:
        assert note in shown and f"- {note}\n" in text
    if all(baselines[0].values()):
        assert "First check" not in text


# -- the top of the digest ----------------------------------------------------------------


def test_nothing_to_do_is_an_unmistakable_all_clear(world: World) -> None:
    world.run({LINK: "ok"})
    w = world.write(text=True)
    assert w.digest.all_clear and w.digest.headline == "All clear"
    assert w.problems == 0
    html = w.html.read_text()
    assert "All clear</p>" in html and "Nothing needs doing" in html
    assert f'style="{digest.STYLES["clear"]}"' in html  # the green box, in words and colour
    assert w.text is not None and "ALL CLEAR: nothing needs doing." in w.text.read_text()


def test_a_watched_failure_is_not_a_reason_to_lose_the_all_clear(world: World) -> None:
    world.run({LINK: "timeout"})
    d = world.digest()
    assert d.all_clear
    assert d.also == (("watching", 1),)
    assert d.problems == 1  # still a problem status: `monitor digest` exits 1


@pytest.mark.parametrize(
    ("runs", "headline"),
    [
        pytest.param(0, "No check ran since the last digest", id="no-run"),
        pytest.param(1, "All clear", id="one-run"),
    ],
)
def test_a_window_without_runs_says_no_check_ran(world: World, runs: int, headline: str) -> None:
    world.run({LINK: "ok"})
    world.digest()
    for _ in range(runs):
        world.run({LINK: "ok"})
    d = world.digest()
    assert d.headline == headline
    assert (d.period == "Covers no checks: none ran since the last digest (Mon 11 Mar 09:00).") is (
        runs == 0
    )
    assert d.all_clear is (runs > 0)


def test_notices_are_shown_at_the_very_top(world: World) -> None:
    world.run({LINK: "broken"})
    notice = "The watch list has an error; the last good one was used: watchlist.yaml:3: url"
    w = world.write(text=True, notices=[notice])
    html = w.html.read_text()
    body = html[html.index("<body") :]
    assert body.index(notice) < body.index(w.digest.headline) < body.index("New problems")
    assert w.text is not None
    text = w.text.read_text()
    assert text.index(f"!! NOTICE: {notice}") < text.index("TO DO")


def test_a_run_that_failed_and_a_mail_that_was_not_sent_are_noticed(tmp_path: Path) -> None:
    world = World(tmp_path, CONFIG.replace("timezone: UTC", "timezone: UTC\n  email: {}"))
    world.run({LINK: "ok"}, state="failed")
    world.store.record_digest(at(world.day, 8), "mail:x", 1, 1, kind="mail", error="timed out")
    d = world.digest()
    assert any("failed (the database was locked)" in n for n in d.notices)
    assert any("e-mail could not be sent" in n and "timed out" in n for n in d.notices)
    assert not d.all_clear and d.headline == "The check did not finish"


def test_skipped_links_are_only_counted(world: World) -> None:
    world.run({"mailto:a@example.org": "skipped", "https://x.example/": "skipped"})
    d = world.digest()
    assert d.notes == ("2 links not checked by rule (ignored, private or not web).",)


def test_build_is_pure_and_covers_exactly_the_window_it_is_given(world: World) -> None:
    world.run({LINK: "broken"})
    world.run({LINK: "ok"})
    world.run({LINK: "broken"})
    d = digest.build(world.store, after_run=1, upto_run=2, config=world.config, now=world.now())
    assert (d.first_run, d.upto_run, d.runs) == (2, 2, 1)
    assert where(d, LINK) == {"fixed"}
    assert world.store.last_digest("file") is None


# -- files --------------------------------------------------------------------------------


def test_digests_of_one_day_are_numbered_and_never_overwritten(world: World) -> None:
    world.run({LINK: "broken"})
    names = []
    for _ in range(3):
        names.append(world.write(text=True).html.name)
    assert names == [
        "digest-2024-03-11.html",
        "digest-2024-03-11-2.html",
        "digest-2024-03-11-3.html",
    ]
    first = (world.out / names[0]).read_text()
    assert "New problems" in first  # the first digest was not replaced by the later ones
    assert sorted(p.name for p in world.out.glob("*.txt")) == [
        "digest-2024-03-11-2.txt", "digest-2024-03-11-3.txt", "digest-2024-03-11.txt",
    ]  # fmt: skip


def test_a_stray_file_with_the_next_name_is_skipped_not_overwritten(world: World) -> None:
    world.out.mkdir(parents=True)
    (world.out / "digest-2024-03-11.html").write_text("someone else's")
    (world.out / "digest-2024-03-11-2.txt").write_text("someone else's")
    world.run()
    w = world.write(text=True)
    assert (w.html.name, w.text and w.text.name) == (
        "digest-2024-03-11-3.html",
        "digest-2024-03-11-3.txt",
    )
    assert (world.out / "digest-2024-03-11.html").read_text() == "someone else's"
    assert (world.out / "digest-2024-03-11-2.txt").read_text() == "someone else's"
    assert not (world.out / "digest-2024-03-11-2.html").exists()


def test_the_index_lists_every_digest_newest_first_and_latest_is_the_newest(world: World) -> None:
    written = []
    for _ in range(3):
        world.run({LINK: "ok"})
        written.append(world.write())
    written.append(world.write())  # a second one on the last day
    index = (world.out / "index.html").read_text()
    order = re.findall(r'href="(digest-[^"]+\.html)"', index)
    assert order == [
        "digest-2024-03-13-2.html",
        "digest-2024-03-13.html",
        "digest-2024-03-12.html",
        "digest-2024-03-11.html",
    ]
    assert "Wed 13 Mar 2024 (2)" in index and "No check ran since the last digest" in index
    assert (world.out / "latest.html").read_bytes() == written[-1].html.read_bytes()


def test_the_index_is_built_from_the_manifest_not_from_the_digests_html(world: World) -> None:
    world.run({LINK: "broken"})
    first = world.write()
    first.html.write_text("<html>no summary here</html>", encoding="utf-8")  # edited by hand
    world.run({LINK: "broken"})
    world.write()
    assert "1 new problem" in (world.out / "index.html").read_text()


def test_digests_from_before_the_manifest_are_listed_with_their_summary(world: World) -> None:
    world.run({LINK: "broken"})
    world.write()
    (world.out / "digests.json").unlink()  # as an older version left the folder
    world.run({LINK: "broken"})
    world.write()
    index = (world.out / "index.html").read_text()
    assert (index.count("1 new problem"), index.count("1 still broken")) == (1, 1)


def test_each_digest_covers_the_runs_since_the_previous_one(world: World) -> None:
    world.run({LINK: "ok"})
    world.run({LINK: "ok"})
    first = world.digest()
    world.run({LINK: "ok"})
    second = world.digest()
    assert (first.first_run, first.upto_run, second.first_run, second.upto_run) == (1, 2, 3, 3)
    [row, _] = world.store.digests("file")
    assert (row.first_run, row.last_run) == (3, 3)


def test_a_run_still_in_progress_is_left_for_the_next_digest(world: World) -> None:
    world.run({LINK: "ok"})
    world.store.begin_run(at(world.day, 10))  # serve is checking right now
    d = world.digest()
    assert d.upto_run == 1
    assert world.store.last_digest("file") is not None
    assert world.store.last_digest("file").last_run == 1  # type: ignore[union-attr]


@pytest.fixture
def readonly(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make a folder unwritable, also for root (who ignores permission bits)."""

    def make(folder: Path) -> None:
        folder.chmod(0o555)
        real_open = os.open

        def guarded(path: Any, flags: int, *args: Any, **kw: Any) -> int:
            writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT
            if flags & writes and Path(path).resolve().parent == folder.resolve():
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args, **kw)

        monkeypatch.setattr(os, "open", guarded)

    yield make


def top_files(folder: Path) -> dict[str, bytes]:
    """The digest files of a reports folder (not its change and history pages)."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_an_unwritable_folder_raises_a_clear_error_and_keeps_everything_as_it_was(
    world: World, readonly: Any
) -> None:
    world.run({LINK: "broken"})
    earlier = world.write()
    before = top_files(world.out)
    world.run({LINK: "broken", "https://x.example/new": "broken"})
    readonly(world.out)
    try:
        with pytest.raises(DigestError) as caught:
            world.write(text=True)
    finally:
        world.out.chmod(0o755)
    message = str(caught.value)
    assert str(world.out) in message
    assert "not writable" in message and "--out" in message
    assert top_files(world.out) == before
    last = world.store.last_digest("file")
    assert last is not None and last.last_run == earlier.digest.upto_run == 1


def test_a_full_disk_leaves_earlier_digests_latest_and_index_intact(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.run({LINK: "broken"})
    world.write()
    before = top_files(world.out)
    world.run({LINK: "ok"})
    real_write = os.write
    calls = {"n": 0}

    def filling(fd: int, data: Any) -> int:
        calls["n"] += 1
        if calls["n"] >= 2:  # the new digest gets written, then latest.html hits the full disk
            real_write(fd, bytes(data)[:10])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", filling)
    with pytest.raises(DigestError, match="disk is full"):
        world.write()
    monkeypatch.undo()
    assert top_files(world.out) == before
    assert not list(world.out.rglob(".*.tmp"))  # no temp files either, nor beside it
    last = world.store.last_digest("file")
    assert last is not None and last.last_run == 1
    d = world.digest()  # the next digest covers the run the failed one missed
    assert (d.first_run, where(d, LINK)) == (2, {"fixed"})


def test_a_writer_killed_before_naming_its_digest_leaves_no_empty_digest_behind(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.run({LINK: "broken"})

    def killed(*_: object) -> None:
        raise KeyboardInterrupt  # stands in for SIGKILL between writing and naming

    monkeypatch.setattr(os, "link", killed)
    with pytest.raises(KeyboardInterrupt):
        world.write()
    monkeypatch.undo()
    assert not list(world.out.glob("digest-*")), "no empty or partial digest file"
    # What a real SIGKILL leaves on top: a finished temp file of a process now gone.
    stale = world.out / ".digest-2026-03-30.html.999999999.tmp"
    stale.write_text("<html>half")
    written = world.write()
    assert written.html.read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert not stale.exists()
    assert not list(world.out.glob(".*.tmp"))


# -- hostile text from partner pages ------------------------------------------------------

PAYLOADS = [
    pytest.param("<script>alert(1)</script>", id="script-tag"),
    pytest.param('"><img src=x onerror=alert(1)>', id="attribute-breakout"),
    pytest.param("</style><script>alert(1)</script>", id="style-breakout"),
    pytest.param("'><svg onload=alert(1)>", id="single-quote-svg"),
    pytest.param("\u202egpj.exe", id="rtl-override"),
    pytest.param("\x1b[2J\x1b[31mred\x07", id="terminal-escapes"),
    pytest.param("{{ 7*7 }}{% raw %}", id="template-syntax"),
]


class Html(HTMLParser):
    """What a browser would build: tags, attributes and text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(page: str) -> str:
    """The text of an HTML page as a reader sees it, whitespace collapsed."""
    return " ".join("".join(Html(page).text).split())


def hostile_world(root: Path, payload: str) -> tuple[World, Written]:
    """Every partner-controlled field carries ``payload``; returns the written digest."""
    # JSON strings are YAML double-quoted scalars, control characters escaped.
    config = CONFIG.replace("name: Article", f"name: {json.dumps('Article ' + payload)}").replace(
        "partner: FIDH", f"partner: {json.dumps('FIDH ' + payload)}"
    )
    w = World(root, config)
    evil = "https://evil.example/" + payload
    w.run({evil: "ok", "javascript:alert(1)": "ok"})
    w.digest()
    change = {
        "hunks": [{"heading": f"# {payload}", "added": [f"Now {payload}"], "removed": []}],
        "words": [{"heading": payload, "segments": [["=", "x "], ["+", payload]]}],
        "keywords": [{"word": payload, "event": "appeared"}],
    }
    w.run(
        {evil: "broken", "javascript:alert(1)": "broken"},
        found={
            evil: [(ARTICLE, f"anchor {payload}")],
            "javascript:alert(1)": [(ARTICLE, payload)],
        },
        suggestions={evil: "javascript:alert(document.cookie)"},
        errors={evil: f"Shows “{payload}” (with status 200): the page is gone"},
        changes={ARTICLE: change},
    )
    return w, w.write(text=True)


def assert_harmless(page: str, payload: str, hrefs: tuple[str, ...]) -> None:
    """Partner text in ``page`` is shown as the text it is: no markup of its own, no
    event handlers, links only to http(s) addresses and to ``hrefs``."""
    parsed = Html(page)
    tags = {t for t, _ in parsed.tags}
    assert not tags & {"script", "img", "svg", "iframe", "object", "embed", "link"}
    for tag, attrs in parsed.tags:
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("https://", "http://", *hrefs)), href
    assert "javascript:" not in " ".join(str(a.get("href")) for _, a in parsed.tags)
    assert page.count("<style>") == 1 and page.count("</style>") == 1
    assert "49" not in " ".join(parsed.text).replace("2024", "")  # templates are not evaluated
    assert "\u202e" not in page and "\x1b" not in page and "\x07" not in page


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_partner_text_is_escaped_in_html_and_harmless_in_text(
    tmp_path: Path, payload: str
) -> None:
    w, written = hostile_world(tmp_path, payload)
    page = written.html.read_text()
    assert_harmless(page, payload, ("index.html", "changes/", "history/"))
    assert digest.clean(payload) in " ".join(Html(page).text)  # shown as the text it is
    assert written.text is not None
    plain = written.text.read_text()
    assert "\u202e" not in plain and "\x1b" not in plain and "\x07" not in plain
    assert "javascript:alert(1)" in plain  # listed as the text it is
    w.store.close()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_partner_text_is_escaped_in_change_and_history_pages(
    tmp_path: Path, payload: str
) -> None:
    w, written = hostile_world(tmp_path, payload)
    pages = sorted(written.html.parent.glob("changes/*.html")) + sorted(
        written.html.parent.glob("history/*.html")
    )
    assert len(pages) == 1 + 3 + 2  # the change, the watched pages, the two broken links
    shown = digest.clean(payload)
    for path in pages:
        page = path.read_text(encoding="utf-8")
        assert_harmless(page, payload, ("../latest.html", "../index.html", "../history/",
                                        "../changes/"))  # fmt: skip
        if path.parent.name == "changes":
            assert shown in " ".join(Html(page).text)  # the diff, as the text it is
    w.store.close()


def test_only_http_urls_become_links() -> None:
    assert digest.is_http_url("https://example.org/a?b=1")
    for bad in (
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " https://x.example/",
        "\x01javascript:alert(1)",
        "data:text/html,<script>",
        "//evil.example/",
        "https://",
        "https://x.example/\u202e",
        None,
    ):
        assert not digest.is_http_url(bad), bad


def test_the_page_is_self_contained_accessible_and_has_styles_on_elements(world: World) -> None:
    world.run({LINK: "broken", "https://x.example/slow": "timeout"})
    world.run(
        {LINK: "broken", "https://x.example/slow": "timeout"},
        changes={PETITION: load_change("petition_closed.json")},
    )
    page = world.write().html.read_text()
    parsed = Html(page)
    assert ("html", {"lang": "en"}) in parsed.tags
    assert [t for t, _ in parsed.tags if t in ("h1",)] == ["h1"]
    assert {"h2", "h3"} <= {t for t, _ in parsed.tags}
    assert not re.search(r"url\(|@import|<script|<img|<link|src=", page, re.IGNORECASE)
    styled = [a for t, a in parsed.tags if t in ("p", "h1", "h2", "h3", "li", "del", "ins")]
    assert all(a.get("style") for a in styled)
    css = re.compile(r"^([a-z-]+:[^;<>{}]+;)+$")
    for tag, attrs in parsed.tags:
        if "style" in attrs:
            assert css.match(str(attrs["style"])), (tag, attrs["style"])
    # Colour is never the only signal: each status badge and diff line carries words.
    visible = " ".join("".join(parsed.text).split())
    for words in ("✖ Broken", "New problems", "+ Added:", "~ Changed:", "✖ No answer"):
        assert words in visible


# -- from a real check to the digest ------------------------------------------------------


HOST = "127.0.0.2"  # one of the hosts the `simweb` fixture serves


class Checks:
    """A watch list on a loopback partner web: check it on a day, then write the digest."""

    def __init__(self, root: Path, *watches: dict[str, object]) -> None:
        settings = {
            "database": str(root / "monitor.db"),
            "reports_dir": str(root / "reports"),
            "timeout_s": 5,
            "retries": 0,
            "confirm_delay_s": 0,
            "archive_lookup": False,
            "allow_private_links": True,  # loopback hosts stand in for partners
        }
        path = root / "watchlist.yaml"  # JSON is YAML
        path.write_text(json.dumps({"settings": settings, "watch": list(watches)}), "utf-8")
        self.config = load(path)
        self.day = 10

    def check(self) -> None:
        self.day += 1
        when = datetime.fromisoformat(at(self.day))
        with Store(self.config.settings.database) as store:
            pipeline.check(self.config, store, now=lambda: when)

    def write(self) -> Written:
        with Store(self.config.settings.database) as store:
            return digest.write(
                store,
                Path(self.config.settings.reports_dir),
                config=self.config,
                text=True,
                now=datetime.fromisoformat(at(self.day, 9)),
            )

    def text(self) -> str:
        written = self.write()
        assert written.text is not None
        return written.text.read_text()


def test_a_selector_that_matches_nothing_on_the_real_page_reaches_the_digest(
    simweb: SimWeb, tmp_path: Path
) -> None:
    url = simweb.route(HOST, "/campaign", Route.page("Campaign", "Free Ales Bialiatski."))
    checks = Checks(tmp_path, {"name": "Campaign", "url": url, "selector": "article.main"})
    checks.check()
    text = checks.text()
    assert (
        f"[⚠ Not compared] {url} · the watched page Campaign (Campaign)\n"
        "    The selector 'article.main' matched nothing, so this page's content is not "
        f"watched: ask the maintainer to update it in {checks.config.path.name}.\n"
    ) in text


def test_text_that_moves_between_two_looks_needs_attention_from_the_second_check_on(
    simweb: SimWeb, tmp_path: Path
) -> None:
    voices = itertools.cycle(["Nobel committee", "European Parliament", "UN experts"])

    def rotating_quote(_: Request) -> Route:
        return Route.page("Petition", f"Free Ales Bialiatski, say the {next(voices)}.")

    url = simweb.route(HOST, "/live", Route.page("Petition", "Free him, say we."))
    checks = Checks(tmp_path, {"name": "Petition", "url": url})
    checks.check()
    simweb.route(HOST, "/live", rotating_quote)
    checks.check()
    assert "NEEDS ATTENTION" not in checks.text()  # once may be a page caught mid-edit
    checks.check()
    text = checks.text()
    assert "NEEDS ATTENTION (1)" in text
    assert "    Its text differed between two looks seconds apart, two checks in a row" in text


def test_a_watched_page_that_now_redirects_to_a_login_page_is_no_all_clear(
    simweb: SimWeb, tmp_path: Path
) -> None:
    url = simweb.route(HOST, "/petition", Route.page("Petition", "Free Ales Bialiatski."))
    simweb.route(
        HOST,
        "/login",
        Route(body="<title>Log in</title><form><input name=u><input type=password></form>"),
    )
    checks = Checks(tmp_path, {"name": "Petition", "url": url, "partner": "Amnesty"})
    checks.check()
    assert "ALL CLEAR" in checks.text()
    simweb.route(HOST, "/petition", Route.redirect("/login?next=/petition", 302))
    checks.check()
    written = checks.write()
    assert written.text is not None
    text = written.text.read_text()
    advice = (
        "The page now asks for a login (Redirects to a login page), so its text is not being "
        "watched: open it to check it by hand; if it stays so, ask the maintainer to watch "
        f"another URL in {checks.config.path.name}."
    )
    assert "ALL CLEAR" not in text and "*** TO DO: 1 page needs attention ***" in text
    assert f"[⚠ Blocked] {url} · the watched page Petition (Amnesty)\n    {advice}\n" in text
    shown = visible(written.html.read_text())
    assert "All clear" not in shown and "Needs attention (1)" in shown and advice in shown
    assert written.problems == 0


def test_editing_a_pages_selector_is_said_as_a_new_baseline_not_a_first_check(
    simweb: SimWeb, tmp_path: Path
) -> None:
    html = (
        "<html><body><nav>Home | About</nav><main><article><h1>Events</h1>"
        "<p>Vigils in Amsterdam and Brussels on Saturday.</p></article>"
        "<p>Also this week: our annual report.</p></main></body></html>"
    )
    url = simweb.route(HOST, "/events", Route(body=html))
    checks = Checks(tmp_path, {"name": "Events", "url": url})
    checks.check()
    assert "- First check (nothing to compare yet): Events.\n" in checks.text()
    checks.config = Checks(tmp_path, {"name": "Events", "url": url, "selector": "article"}).config
    checks.check()
    text = checks.text()
    assert (
        "- New baseline for Events: the page's text rules were edited (selector, ignore) or "
        "partner-monitor's own changed, so nothing was compared this time.\n"
    ) in text
    assert "First check" not in text


def test_a_watched_pdf_that_grows_and_then_turns_into_a_web_page_is_said_in_words(
    simweb: SimWeb, tmp_path: Path
) -> None:
    def pdf(size: int) -> Route:
        return Route(body=b"%PDF-1.7 " + b"x" * (size - 9), content_type="application/pdf")

    url = simweb.route(HOST, "/guidelines.pdf", pdf(155_648))
    checks = Checks(tmp_path, {"name": "Guidelines", "url": url})
    checks.check()
    checks.write()
    simweb.route(HOST, "/guidelines.pdf", pdf(163_840))
    checks.check()
    text = checks.text()
    assert "      The file changed: 152 KB → 160 KB (application/pdf).\n" in text
    assert "sha256" not in text
    simweb.route(HOST, "/guidelines.pdf", Route.page("Moved", "The guidelines moved."))
    checks.check()
    text = checks.text()
    assert (
        "      The file is now text/html (was application/pdf): open it to check the file is "
        "still there.\n"
    ) in text
    assert "sha256" not in text


def test_the_change_page_a_cut_diff_links_to_shows_every_changed_line(
    simweb: SimWeb, tmp_path: Path
) -> None:
    def page(word: str) -> Route:
        text = "\n\n".join(f"{word} paragraph number {i} of the report." for i in range(40))
        return Route.page("Report", text)

    url = simweb.route(HOST, "/report", page("First"))
    checks = Checks(tmp_path, {"name": "Report", "url": url})
    checks.check()
    simweb.route(HOST, "/report", page("Second"))
    checks.check()
    written = checks.write()
    [change] = written.digest.changes
    [event] = change.events
    assert event.hidden > 0 and event.page is not None
    shown = visible((written.html.parent / event.page).read_text(encoding="utf-8"))
    missing = [i for i in range(40) if f"Second paragraph number {i} of the report." not in shown]
    assert missing == []
