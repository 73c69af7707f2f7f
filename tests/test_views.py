"""The pages beside the digest: a change page per reported change (written once) and a
history page per watched page and listed link (refreshed), named by a short stable key
of the URL, linked from the digest and the e-mail by paths, never by a command.

Histories are built by hand (``World``, fixed days); the e-mail goes to a real SMTP
server on loopback.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support.history import ARTICLE, CONFIG, LINK, PETITION, World, load_change
from test_mail import Server, mail_config, parts, smtp  # noqa: F401 -- the SMTP fixture

from monitor import config, mail
from monitor.digest.paths import change_path, history_path, url_key


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.store.close()


class _Text(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.hrefs: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href is not None:
            self.hrefs.append(href)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(page: str) -> str:
    return " ".join("".join(_Text(page).text).split())


def hrefs(page: str) -> list[str]:
    return _Text(page).hrefs


def long_change(n: int = 45, word: str = "Update") -> dict[str, object]:
    added = [f"{word} {i}: the court heard witness number {i}." for i in range(1, n + 1)]
    return {"added": added, "removed": [], "keywords": []}


# -- the key ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        pytest.param("https://www.amnesty.org/en/petition?id=7", "amnesty-org-en-petition-id-7",
                     id="host-path-and-query-www-dropped"),
        pytest.param("https://x.example/", "x-example", id="a-site-root"),
        pytest.param("https://viasna.example/навіны/Арышт-Бяляцкага", "viasna-example",
                     id="letters-outside-ascii-are-left-out"),
        pytest.param("https://a.example/" + "very-long-part/" * 20,
                     "a-example-very-long-part-very-long-part", id="a-long-address-is-cut-to-40"),
        pytest.param("https://a.example/Réseau/Été", "a-example-reseau-ete", id="accents-folded"),
    ],
)  # fmt: skip
def test_a_key_is_a_readable_slug_and_a_short_hash(url: str, slug: str) -> None:
    key = url_key(url)
    assert re.fullmatch(re.escape(slug) + r"-[0-9a-f]{10}", key), key


def test_a_key_never_changes_between_versions() -> None:
    # Links in digests and e-mails already sent must keep working: a golden value.
    assert url_key(PETITION) == "amnesty-example-petition-5f78f1cfd9"


def test_addresses_that_read_alike_get_different_keys() -> None:
    assert url_key("https://a.example/a-b") != url_key("https://a.example/a/b")


@pytest.mark.parametrize(
    ("numbers", "path"),
    [
        pytest.param((3, 4), "changes/{key}-v3-v4.html", id="by-version-numbers"),
        pytest.param((None, 4), "changes/{key}-run12.html", id="versions-no-longer-kept"),
    ],
)
def test_a_change_page_is_named_by_its_versions_or_its_run(
    numbers: tuple[int | None, int | None], path: str
) -> None:
    assert change_path(ARTICLE, *numbers, run_id=12) == path.format(key=url_key(ARTICLE))


# -- change pages ---------------------------------------------------------------------------


def test_the_digest_links_a_change_page_that_holds_every_changed_line(world: World) -> None:
    world.run()
    world.run(changes={ARTICLE: long_change()})
    written = world.write()
    page = f"changes/{url_key(ARTICLE)}-v1-v2.html"
    assert page in hrefs(written.html.read_text())
    shown = visible((world.out / page).read_text(encoding="utf-8"))
    missing = [i for i in range(1, 46) if f"Update {i}: the court" not in shown]
    assert missing == []


def test_the_digest_says_how_many_lines_the_whole_change_has(world: World) -> None:
    world.run()
    world.run(changes={ARTICLE: long_change()})
    assert "See the whole change: 45 lines" in visible(world.write().html.read_text())


def test_a_change_page_shows_versions_times_headings_and_words_edited(world: World) -> None:
    world.run()
    world.digest()
    world.run(changes={PETITION: load_change("petition_closed.json")})
    world.write()
    [path] = world.out.glob(f"changes/{url_key(PETITION)}-*.html")
    page = path.read_text(encoding="utf-8")
    shown = visible(page)
    for words in (
        "Petition changed",
        "version 1 → version 2",
        "seen Tue 12 Mar 07:00",
        "first seen Mon 11 Mar 07:00",
        "Keyword “gesloten” appeared",
        "Under “",
        "~ Changed:",
    ):
        assert words in shown, words
    assert PETITION in hrefs(page) and "<ins " in page and "<del " in page


def test_a_change_page_links_back_to_the_digest_and_the_history(world: World) -> None:
    world.run()
    world.run(changes={ARTICLE: long_change(3)})
    world.write()
    [path] = world.out.glob("changes/*.html")
    links = hrefs(path.read_text(encoding="utf-8"))
    assert {"../latest.html", "../index.html", f"../{history_path(ARTICLE)}"} <= set(links)


def test_a_change_page_is_written_once_and_never_rewritten(world: World) -> None:
    world.run()
    world.run(changes={ARTICLE: long_change(3)})
    world.write()
    [path] = world.out.glob("changes/*.html")
    path.write_text("kept as it was", encoding="utf-8")
    world.run(changes={ARTICLE: long_change(4, "Later")})
    world.write()
    assert path.read_text(encoding="utf-8") == "kept as it was"


def test_retention_removes_no_change_page_and_history_links_each_one(world: World) -> None:
    world.keep_versions = 2
    world.run()
    for n in range(4):
        world.run(changes={ARTICLE: long_change(n + 1, f"Edit{n}")})
        world.write()
    pages = sorted(world.out.glob(f"changes/{url_key(ARTICLE)}-*.html"))
    history = (world.out / history_path(ARTICLE)).read_text(encoding="utf-8")
    linked = {h.removeprefix("../") for h in hrefs(history) if h.startswith("../changes/")}
    assert len(pages) == 4 and linked == {f"changes/{p.name}" for p in pages}


# -- history pages ------------------------------------------------------------------------


def test_a_history_page_says_which_versions_are_no_longer_kept(world: World) -> None:
    world.keep_versions = 2
    world.run()
    for n in range(4):
        world.run(changes={ARTICLE: long_change(n + 1, f"Edit{n}")})
        world.write()
    history = visible((world.out / history_path(ARTICLE)).read_text(encoding="utf-8"))
    assert "Versions 1-3 are no longer kept (the 100 most recently seen versions" in history


def test_a_link_history_is_a_timeline_newest_first(world: World) -> None:
    for status in ("ok", "ok", "broken", "broken"):
        world.run({LINK: status}, errors={LINK: "Page not found (404)"} if status != "ok" else {})
    world.write()
    shown = visible((world.out / history_path(LINK)).read_text(encoding="utf-8"))
    broken = shown.index("✖ Broken Wed 13 Mar 07:00 to Thu 14 Mar 07:00 (2 checks)Page not found")
    assert shown.index("✔ OK Mon 11 Mar 07:00 to Tue 12 Mar 07:00 (2 checks)") > broken


def test_the_digest_links_each_problem_to_its_history(world: World) -> None:
    world.run({LINK: "broken"})
    page = world.write().html.read_text()
    assert history_path(LINK) in hrefs(page) and (world.out / history_path(LINK)).is_file()


def test_every_watched_page_has_a_history_page(world: World) -> None:
    world.run()
    world.write()
    written = {p.name for p in (world.out / "history").iterdir()}
    assert written == {history_path(w.url).split("/")[1] for w in world.config.watch}


def test_a_history_page_is_refreshed_by_each_digest(world: World) -> None:
    world.run()
    world.write()
    world.run()
    world.write()
    shown = visible((world.out / history_path(ARTICLE)).read_text(encoding="utf-8"))
    assert "2 checks recorded" in shown


# -- no command, no path of this machine ------------------------------------------------------


@pytest.fixture
def on_disk(tmp_path: Path) -> Iterator[World]:
    """A world whose watch list is a real file deep in this machine's folders."""
    path = tmp_path / "srv" / "campaigns" / "watchlist.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(CONFIG, encoding="utf-8")
    w = World(tmp_path)
    w.config = config.load(path)
    yield w
    w.store.close()


@pytest.mark.parametrize("form", [pytest.param("html", id="web"), pytest.param("text", id="text")])
def test_the_digest_never_shows_a_command_or_a_path_of_this_machine(
    on_disk: World, form: str
) -> None:
    on_disk.run({LINK: "ok"})
    on_disk.run({LINK: "broken"}, changes={ARTICLE: long_change()}, pages={PETITION: "blocked"})
    written = on_disk.write(text=True)
    shown = (written.html if form == "html" else written.text or written.html).read_text()
    found = [bad for bad in ("monitor diff", "--config", str(on_disk.root)) if bad in shown]
    assert found == []


# -- the e-mail ---------------------------------------------------------------------------


def test_with_reports_url_the_e_mail_links_the_change_page_absolutely(
    world: World,
    smtp: Server,  # noqa: F811
) -> None:
    body = send(world, smtp, "https://intranet.example/campaigns/reports")
    page = f"https://intranet.example/campaigns/reports/changes/{url_key(ARTICLE)}-v1-v2.html"
    assert page in hrefs(body["text/html"]) and page in body["text/plain"]


def test_with_reports_url_the_e_mail_links_each_problem_to_its_history(
    world: World,
    smtp: Server,  # noqa: F811
) -> None:
    body = send(world, smtp, "https://intranet.example/reports/")
    assert f"https://intranet.example/reports/{history_path(LINK)}" in hrefs(body["text/html"])


@pytest.mark.parametrize("part", ["text/html", "text/plain"])
def test_without_reports_url_the_e_mail_names_the_file_in_the_reports_folder(
    world: World,
    smtp: Server,  # noqa: F811
    part: str,
) -> None:
    body = send(world, smtp, None)
    page = f"changes/{url_key(ARTICLE)}-v1-v2.html"
    said = visible(body[part]) if part == "text/html" else " ".join(body[part].split())
    assert f"in the reports folder: {page}" in said


@pytest.mark.parametrize("reports_url", [None, "https://intranet.example/reports/"])
def test_the_e_mail_never_shows_a_command_or_a_relative_link(
    world: World,
    smtp: Server,  # noqa: F811
    reports_url: str | None,
) -> None:
    body = send(world, smtp, reports_url)
    relative = [h for h in hrefs(body["text/html"]) if not h.startswith(("https://", "http://"))]
    assert relative == [] and "monitor diff" not in json.dumps(body)


def send(world: World, server: Server, reports_url: str | None) -> dict[str, str]:
    text = mail_config(server.port)
    if reports_url is not None:
        text = text.replace("timezone: UTC", f"timezone: UTC\n  reports_url: {reports_url}")
    world.config = World(world.root / "cfg", text).config
    world.run()
    world.run({LINK: "broken"}, changes={ARTICLE: long_change()})
    world.write()
    assert mail.deliver(world.store, world.config, now=world.now()).sent
    [msg] = server.inbox.messages
    return parts(msg)


# -- settings.reports_url ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        pytest.param("https://intranet.example/reports", "https://intranet.example/reports/",
                     id="a-trailing-slash-is-added"),
        pytest.param("https://x.example/r///", "https://x.example/r/", id="one-trailing-slash"),
        pytest.param("http://reports.example", "http://reports.example/", id="a-host-alone"),
    ],
)  # fmt: skip
def test_reports_url_is_kept_with_one_trailing_slash(given: str, kept: str) -> None:
    text = (
        f'settings:\n  reports_url: "{given}"\nwatch:\n  - {{name: A, url: "https://a.example/"}}\n'
    )
    assert config.loads(text, file="w.yaml").settings.reports_url == kept


@pytest.mark.parametrize(
    ("given", "said"),
    [
        pytest.param("ftp://files.example/reports", "must be an http:// or https:// URL",
                     id="not-web"),
        pytest.param("reports/", "must be an http:// or https:// URL", id="a-folder-not-a-url"),
        pytest.param("https://x.example/r?key=1", "no ?query", id="a-query"),
        pytest.param("https://me:secret@x.example/r", "user:password@", id="a-password"),
    ],
)  # fmt: skip
def test_a_bad_reports_url_is_named_by_file_line_and_key(given: str, said: str) -> None:
    text = (
        f'settings:\n  reports_url: "{given}"\nwatch:\n  - {{name: A, url: "https://a.example/"}}\n'
    )
    with pytest.raises(config.ConfigError) as raised:
        config.loads(text, file="w.yaml")
    (problem,) = raised.value.problems
    assert str(problem).startswith("w.yaml:2: settings.reports_url: ") and said in str(problem)


def test_a_gone_watched_page_s_history_offers_its_last_archived_version(world: World) -> None:
    archived = f"https://web.archive.org/web/2024/{PETITION}"
    world.run(
        {PETITION: "broken"},
        pages={PETITION: "broken"},
        found={PETITION: [(ARTICLE, "Sign the petition")]},
        suggestions={PETITION: archived},
    )
    world.write()
    page = (world.out / history_path(PETITION)).read_text(encoding="utf-8")
    assert "Last archived version" in visible(page) and archived in hrefs(page)


def test_a_failed_run_s_error_is_shown_without_the_paths_of_this_machine(world: World) -> None:
    world.run()
    run = world.store.begin_run("2024-03-12T07:00:00+00:00")
    error = "OSError: [Errno 28] No space left on device: '/srv/monitor/state/monitor.db'"
    world.store.finish_run(
        run, "2024-03-12T07:01:00+00:00", pages=0, links=0, problems=0, changed=0,
        state="failed", error=error,
    )  # fmt: skip
    shown = visible(world.write().html.read_text())
    assert "No space left on device: '…/monitor.db'" in shown and "/srv/" not in shown


def test_a_digest_never_links_a_change_page_that_is_not_there(world: World) -> None:
    world.run()
    world.run(changes={ARTICLE: long_change(3)})
    world.write()  # changes/…-v1-v2.html
    # As if retention had removed version 1 and the digest were written again (a retry):
    # the digest then names the change by its run, and that page must exist too.
    with sqlite3.connect(world.root / "state" / "monitor.db") as db:
        db.execute("UPDATE page_checks SET prev_version_id = NULL")
        db.execute("DELETE FROM digests")
    page = world.write().html.read_text()
    linked = [h for h in hrefs(page) if h.startswith(("changes/", "history/"))]
    assert [h for h in linked if not (world.out / h).is_file()] == []
