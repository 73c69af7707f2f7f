"""The run as a user sees it: `pipeline.check` over a real loopback web, several days in a row.

Each test scripts one or two partner hosts on loopback (SimWeb), runs the whole
pipeline (fetch → extract → check → compare → store) once per simulated day against
one database, and asserts what the report, and the CLI's `history`/`diff`, show.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor import cli, pipeline
from monitor.config import Config, load
from monitor.models import ContentState, Note, NoteKind, Status
from monitor.pipeline.pages import lasting_last_modified
from monitor.store import Store
from monitor.testing.web import Request, Route, SimWeb

PARTNER, OTHER = "127.0.0.2", "127.0.0.3"


@pytest.fixture
def web() -> Iterator[SimWeb]:
    with SimWeb(hosts=(PARTNER, OTHER)) as w:
        yield w


def config(tmp_path: Path, *watches: dict[str, object], **settings: object) -> Config:
    """Write a watch list (JSON, which is YAML) with test-friendly settings and load it."""
    base: dict[str, object] = {
        "database": str(tmp_path / "monitor.db"),
        "reports_dir": str(tmp_path / "reports"),
        "timeout_s": 5,
        "retries": 0,
        "confirm_delay_s": 0,
        "archive_lookup": False,
        "allow_private_links": True,  # loopback hosts stand in for partners
    }
    base.update(settings)
    path = tmp_path / "watchlist.yaml"
    path.write_text(json.dumps({"settings": base, "watch": list(watches)}), encoding="utf-8")
    return load(path)


class Days:
    """Run the check once per simulated day against one database."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.day = itertools.count()

    def check(self) -> pipeline.RunReport:
        at = datetime(2026, 11, 1, 6, tzinfo=UTC) + timedelta(days=next(self.day))
        with Store(self.cfg.settings.database) as store:
            return pipeline.check(self.cfg, store, now=lambda: at)


def page_of(report: pipeline.RunReport, name: str) -> pipeline.PageReport:
    return next(p for p in report.pages if p.name == name)


def link_of(report: pipeline.RunReport, url: str) -> pipeline.LinkReport:
    return next(link for link in report.links if link.url == url)


def watch(name: str, url: str) -> dict[str, object]:
    return {"name": name, "url": url}


# -- content: what counts as a change ------------------------------------------------


def test_a_page_flipping_between_two_known_versions_is_reported_once_not_every_day(
    web: SimWeb, tmp_path: Path
) -> None:
    a = Route.page("Petition", "Sign the petition for Ales Bialiatski.")
    b = Route.page("Petition", "Sign the petition. 12,000 people have signed.")
    url = web.route(PARTNER, "/petition", a)
    cfg = config(tmp_path, watch("Petition", url))
    days = Days(cfg)
    states = []
    for route in (a, b, a, b, a):
        web.route(PARTNER, "/petition", route)
        states.append(page_of(days.check(), "Petition").content)
    assert states == [
        ContentState.BASELINE,
        ContentState.CHANGED,
        ContentState.UNCHANGED,  # back to a version seen recently: A/B test, not news
        ContentState.UNCHANGED,
        ContentState.UNCHANGED,
    ]


@pytest.mark.parametrize(
    ("before", "after", "added", "keywords"),
    [
        pytest.param("<p>12,345 people have signed.</p>",
                     "<p>The petition is closed. 12,360 people have signed.</p>",
                     "The petition is closed.", ["appeared"], id="closed-beside-a-live-counter"),
        pytest.param("<h2>Next court hearing</h2><p>15 June 2025</p>",
                     "<h2>Next court hearing</h2><p>20 July 2025</p>",
                     "20 July 2025", [], id="a-new-hearing-date-under-its-heading"),
        pytest.param("<p>The court has not yet ruled.</p>",
                     "<p>Verdict: ten years in prison, announced 2 hours ago</p>",
                     "Verdict: ten years in prison, announced", ["appeared"],
                     id="verdict-2-hours-ago"),
    ],
)  # fmt: skip
def test_news_next_to_a_counter_date_or_relative_time_is_reported(
    web: SimWeb, tmp_path: Path, before: str, after: str, added: str, keywords: list[str]
) -> None:
    def case(body: str) -> Route:
        return Route(body=f"<html><body><main><h1>Ales Bialiatski</h1>{body}</main></body></html>")

    url = web.route(PARTNER, "/case", case(before))
    cfg = config(tmp_path, {**watch("Case", url), "keywords": ["closed", "verdict"]})
    days = Days(cfg)
    days.check()
    web.route(PARTNER, "/case", case(after))
    page = page_of(days.check(), "Case")
    assert page.content is ContentState.CHANGED
    assert page.change is not None and added in page.change.added
    assert [e.event for e in page.change.keywords] == keywords


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param({"ignore": ["Amsterdam and "]}, id="an-ignore-rule-added"),
        pytest.param({"selector": "article"}, id="a-selector-added"),
    ],
)
def test_editing_a_pages_text_rules_takes_a_quiet_new_baseline_not_a_change(
    web: SimWeb, tmp_path: Path, rule: dict[str, object]
) -> None:
    html = (
        "<html><body><nav>Home | About | Donate</nav><main><article><h1>Events</h1>"
        "<p>Vigils in Amsterdam and Brussels on Saturday.</p></article>"
        "<p>Also this week: our annual report.</p></main></body></html>"
    )
    url = web.route(PARTNER, "/events", Route(body=html))
    days = Days(config(tmp_path, watch("Events", url)))
    assert page_of(days.check(), "Events").content is ContentState.BASELINE
    days.cfg = config(tmp_path, {**watch("Events", url), **rule})
    edited = page_of(days.check(), "Events")
    assert edited.content is ContentState.BASELINE
    assert [n.kind for n in edited.notes] == [NoteKind.RULES_CHANGED]
    assert page_of(days.check(), "Events").content is ContentState.UNCHANGED


def test_a_page_answering_304_after_a_rule_edit_still_reports_its_next_real_change(
    web: SimWeb, tmp_path: Path
) -> None:
    texts = ["Ales Bialiatski is held in Minsk.", "Ales Bialiatski was moved to a penal colony."]
    current = [0]

    def conditional(req: Request) -> Route:
        etag = f'"v{current[0]}"'
        if req.headers.get("if-none-match") == etag:
            return Route(status=304, body=b"", headers={"ETag": etag})
        page = Route.page("Case", f"{texts[current[0]]} Updates follow.")
        return dataclasses.replace(page, headers={"ETag": etag})

    url = web.route(PARTNER, "/case", conditional)
    days = Days(config(tmp_path, watch("Case", url)))
    assert page_of(days.check(), "Case").content is ContentState.BASELINE
    days.cfg = config(tmp_path, {**watch("Case", url), "ignore": [" Updates follow\\."]})
    assert page_of(days.check(), "Case").content is ContentState.BASELINE  # quiet, not a 304
    current[0] = 1
    page = page_of(days.check(), "Case")
    assert page.content is ContentState.CHANGED
    assert page.change is not None
    assert "Ales Bialiatski was moved to a penal colony." in page.change.added


def test_a_page_edited_within_the_second_it_was_read_is_not_taken_as_unmodified(
    web: SimWeb, tmp_path: Path
) -> None:
    # A static server with one-second times (Python's http.server): the file was written
    # in the second the first answer was sent, then written again in that same second.
    second = "Fri, 04 Dec 2026 18:00:00 GMT"
    texts = ["Update 1: the court heard a witness.", "Update 2: the court adjourned."]
    current = [0]

    def one_second_clock(req: Request) -> Route:
        if req.headers.get("if-modified-since") == second:
            return Route(status=304, body=b"", headers={"Date": second})
        page = Route.page("Trial", texts[current[0]])
        return dataclasses.replace(page, headers={"Last-Modified": second, "Date": second})

    url = web.route(PARTNER, "/trial", one_second_clock)
    days = Days(config(tmp_path, watch("Trial", url)))
    days.check()
    current[0] = 1
    assert page_of(days.check(), "Trial").content is ContentState.CHANGED


@pytest.mark.parametrize(
    ("last_modified", "date", "kept"),
    [
        pytest.param("Fri, 04 Dec 2026 18:00:00 GMT", "Fri, 04 Dec 2026 18:00:00 GMT", False,
                     id="the-second-of-the-answer-is-weak"),
        pytest.param("Fri, 04 Dec 2026 17:59:59 GMT", "Fri, 04 Dec 2026 18:00:00 GMT", True,
                     id="a-second-older-is-kept"),
        pytest.param("Fri, 04 Dec 2026 18:00:00 GMT", None, True, id="no-date-to-compare"),
        pytest.param("not a date", "Fri, 04 Dec 2026 18:00:00 GMT", True, id="unreadable-kept"),
        pytest.param(None, "Fri, 04 Dec 2026 18:00:00 GMT", False, id="none-sent"),
    ],
)  # fmt: skip
def test_a_last_modified_is_kept_for_the_next_look_only_when_it_can_tell_a_change(
    last_modified: str | None, date: str | None, kept: bool
) -> None:
    assert (lasting_last_modified(last_modified, date) is not None) is kept


def test_a_page_over_the_size_cap_is_not_changed_by_where_the_cap_cuts_its_last_line(
    web: SimWeb, tmp_path: Path
) -> None:
    def big(nonce: str, news: str = "") -> Route:
        filler = "<p>The campaign continues in every city of the country.</p>" * 400
        return Route(
            body=f"<html><head><meta name='csrf' content='{nonce}'></head><body><main>"
            f"<h1>Free them</h1>{news}{filler}</main></body></html>"
        )

    url = web.route(PARTNER, "/big", big("a" * 10))
    days = Days(config(tmp_path, watch("Big", url), max_page_mb=0.01))
    first = page_of(days.check(), "Big")
    assert [n.kind for n in first.notes] == [NoteKind.TRUNCATED]
    web.route(PARTNER, "/big", big("b" * 37))  # every byte after it moves by 27
    assert page_of(days.check(), "Big").content is ContentState.UNCHANGED
    web.route(PARTNER, "/big", big("b" * 37, "<p>Ales Bialiatski was released.</p>"))
    edited = page_of(days.check(), "Big")  # and its confirming look agrees with it
    assert edited.content is ContentState.CHANGED
    assert edited.change is not None
    assert edited.change.added == ("Ales Bialiatski was released.",)


def test_a_headline_that_changes_is_a_change_with_its_keywords(web: SimWeb, tmp_path: Path) -> None:
    def petition(title: str, h1: str) -> Route:
        return Route(
            body=f"<html><head><title>{title}</title></head><body><main><h1>{h1}</h1>"
            "<p>We call for the release of all political prisoners.</p></main></body></html>"
        )

    url = web.route(PARTNER, "/petition", petition("Free them | Amnesty", "Free them"))
    days = Days(config(tmp_path, {**watch("Petition", url), "keywords": ["closed"]}))
    days.check()
    web.route(PARTNER, "/petition", petition("Free them | Updated 13 May 10:22", "Free them"))
    assert page_of(days.check(), "Petition").content is ContentState.UNCHANGED  # the title only
    web.route(PARTNER, "/petition", petition("Petition CLOSED | Amnesty", "Petition CLOSED"))
    page = page_of(days.check(), "Petition")
    assert page.content is ContentState.CHANGED
    assert page.change is not None
    assert page.change.added == ("# Petition CLOSED",)
    assert [(k.word, k.event) for k in page.change.keywords] == [("closed", "appeared")]


def test_text_that_differs_between_two_looks_seconds_apart_is_not_reported_as_a_change(
    web: SimWeb, tmp_path: Path
) -> None:
    voices = itertools.cycle(["Nobel committee", "European Parliament", "UN experts"])

    def rotating_quote(_: Request) -> Route:
        return Route.page("Petition", f"Free Ales Bialiatski, say the {next(voices)}.")

    url = web.route(PARTNER, "/live", Route.page("Petition", "Free Ales Bialiatski, say we."))
    cfg = config(tmp_path, watch("Petition", url))
    days = Days(cfg)
    assert page_of(days.check(), "Petition").content is ContentState.BASELINE
    web.route(PARTNER, "/live", rotating_quote)
    second = page_of(days.check(), "Petition")
    assert second.content is ContentState.UNCHANGED
    assert [n.kind for n in second.notes] == [NoteKind.UNSTABLE]


def test_a_real_edit_is_confirmed_by_a_second_look_and_reported_with_its_diff(
    web: SimWeb, tmp_path: Path
) -> None:
    url = web.route(PARTNER, "/case", Route.page("Case", "The trial is awaited."))
    cfg = config(tmp_path, watch("Case", url))
    days = Days(cfg)
    days.check()
    web.route(PARTNER, "/case", Route.page("Case", "Verdict: ten years in prison."))
    page = page_of(days.check(), "Case")
    assert page.content is ContentState.CHANGED
    assert page.change is not None
    assert "Verdict: ten years in prison." in page.change.added
    assert "The trial is awaited." in page.change.removed
    assert web.hits(PARTNER, "/case") == 3  # day 1, day 2 and the confirming look


def test_an_error_page_keeps_the_last_good_version_so_recovery_is_not_a_change(
    web: SimWeb, tmp_path: Path
) -> None:
    good = Route.page("FIDH special page", "Free Ales Bialiatski now.")
    url = web.route(PARTNER, "/special", good)
    cfg = config(tmp_path, watch("FIDH", url))
    days = Days(cfg)
    assert page_of(days.check(), "FIDH").content is ContentState.BASELINE
    web.route(PARTNER, "/special", Route.page("Error", "Service unavailable", status=503))
    outage = page_of(days.check(), "FIDH")
    assert outage.status is Status.SERVER_ERROR
    assert outage.content is ContentState.UNAVAILABLE
    web.route(PARTNER, "/special", good)
    assert page_of(days.check(), "FIDH").content is ContentState.UNCHANGED


_LOGIN_FORM = Route(
    body=(
        "<html><head><title>Members only</title></head><body><h1>Members only</h1>"
        "<form method='post'><input name='user'><input type='password' name='pw'>"
        "<button>Log in</button></form></body></html>"
    )
)


@pytest.mark.parametrize(
    ("gone", "status", "reason"),
    [
        pytest.param(lambda: Route.redirect("/account/login?next=/special", status=302),
                     Status.BLOCKED, "login page", id="redirected to a login page"),
        pytest.param(lambda: _LOGIN_FORM, Status.BLOCKED, "login form",
                     id="a login form at the same address"),
        pytest.param(lambda: Route.redirect(f"http://{OTHER}:{{port}}/", status=302),
                     Status.SOFT_404, "home page of", id="redirected to another site's home page"),
    ],
)  # fmt: skip
def test_a_watched_page_behind_a_login_or_sent_home_changes_status_not_content(
    web: SimWeb, tmp_path: Path, gone: Callable[[], Route], status: Status, reason: str
) -> None:
    good = Route.page("FIDH special page", "Free Ales Bialiatski now.")
    url = web.route(PARTNER, "/special", good)
    web.route(PARTNER, "/account/login", _LOGIN_FORM)
    web.route(OTHER, "/", Route.page("Another organisation", "Welcome to our home page."))
    route = gone()
    if route.location:
        port = web.base_url(OTHER).rsplit(":", 1)[1]
        route = dataclasses.replace(route, location=route.location.replace("{port}", port))
    cfg = config(tmp_path, watch("FIDH", url))
    days = Days(cfg)
    assert page_of(days.check(), "FIDH").content is ContentState.BASELINE
    web.route(PARTNER, "/special", route)
    lost = page_of(days.check(), "FIDH")
    assert lost.status is status
    assert lost.content is ContentState.UNAVAILABLE  # no diff of a login form or home page
    assert lost.error is not None and reason in lost.error
    web.route(PARTNER, "/special", good)
    assert page_of(days.check(), "FIDH").content is ContentState.UNCHANGED


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(301, id="moved permanently to another site's home"),
        pytest.param(302, id="sent for now to another site's home"),
    ],
)
def test_a_watched_site_root_sent_to_another_sites_home_is_a_soft_404_not_a_diff(
    web: SimWeb, tmp_path: Path, code: int
) -> None:
    microsite = Route.page("Free Ales", "The campaign for Ales Bialiatski.")
    url = web.route(PARTNER, "/", microsite)
    web.route(OTHER, "/", Route.page("FIDH", "Welcome to the FIDH home page."))
    days = Days(config(tmp_path, {**watch("Microsite", url), "keywords": ["welcome"]}))
    assert page_of(days.check(), "Microsite").content is ContentState.BASELINE
    web.route(PARTNER, "/", Route.redirect(web.url(OTHER, "/"), status=code))
    closed = page_of(days.check(), "Microsite")
    assert closed.status is Status.SOFT_404
    assert closed.content is ContentState.UNAVAILABLE  # "welcome" did not appear
    assert closed.error is not None and f"home page of {OTHER}, another site" in closed.error


def test_a_short_address_leading_to_a_microsites_home_is_watched_from_the_first_check(
    web: SimWeb, tmp_path: Path
) -> None:
    home = web.route(OTHER, "/", Route.page("Free Ales", "The campaign for Ales Bialiatski."))
    url = web.route(PARTNER, "/freeales", Route.redirect(home, status=301))
    days = Days(config(tmp_path, watch("Campaign", url)))
    first = page_of(days.check(), "Campaign")
    assert (first.status, first.content) == (Status.MOVED, ContentState.BASELINE)
    assert page_of(days.check(), "Campaign").content is ContentState.UNCHANGED


def test_a_change_seen_once_and_not_confirmed_is_not_hidden_later_by_its_etag(
    web: SimWeb, tmp_path: Path
) -> None:
    # Day 2: the first look gets the new text B, the confirming look a stale A (a cache
    # node). Nothing is reported, but B's ETag must not be stored with A: on day 3 the
    # page serves B and would answer 304 to it.
    a = Route.page("Petition", "Sign the petition for Ales Bialiatski.")
    b = Route.page("Petition", "The petition is closed. Thank you for signing.")
    answers = iter(['"a"', '"b"', '"a"'])
    current = ['"a"']

    def conditional(req: Request) -> Route:
        etag = next(answers, current[0])
        if req.headers.get("if-none-match") == etag:
            return Route(status=304, body=b"", headers={"ETag": etag})
        return dataclasses.replace(a if etag == '"a"' else b, headers={"ETag": etag})

    url = web.route(PARTNER, "/petition", conditional)
    cfg = config(tmp_path, watch("Petition", url))
    days = Days(cfg)
    assert page_of(days.check(), "Petition").content is ContentState.BASELINE
    assert page_of(days.check(), "Petition").content is ContentState.UNCHANGED  # B, then A
    current[0] = '"b"'
    third = page_of(days.check(), "Petition")
    assert third.content is ContentState.CHANGED
    assert third.change is not None
    assert "The petition is closed. Thank you for signing." in third.change.added


def test_a_watched_pdf_is_compared_by_its_bytes(web: SimWeb, tmp_path: Path) -> None:
    pdf = Route(body=b"%PDF-1.7 guidelines v1", content_type="application/pdf")
    url = web.route(PARTNER, "/guidelines.pdf", pdf)
    cfg = config(tmp_path, watch("Guidelines", url))
    days = Days(cfg)
    assert page_of(days.check(), "Guidelines").content is ContentState.BASELINE
    assert page_of(days.check(), "Guidelines").content is ContentState.UNCHANGED
    octets = dataclasses.replace(pdf, content_type="application/octet-stream")
    web.route(PARTNER, "/guidelines.pdf", octets)  # the same bytes, another declared type
    assert page_of(days.check(), "Guidelines").content is ContentState.UNCHANGED
    web.route(PARTNER, "/guidelines.pdf", dataclasses.replace(pdf, body=b"%PDF-1.7 guidelines v2"))
    changed = page_of(days.check(), "Guidelines")
    assert changed.content is ContentState.CHANGED
    assert changed.change is not None
    assert any("application/pdf" in line for line in changed.change.added)


def test_a_page_answering_304_keeps_its_links_in_the_report(web: SimWeb, tmp_path: Path) -> None:
    target = web.route(OTHER, "/viasna", Route.page("Viasna"))
    body = Route.page("Campaign", "Our partners.", links=[target])

    def conditional(req: Request) -> Route:
        if req.headers.get("if-none-match") == '"v1"':
            return Route(status=304, body=b"", headers={"ETag": '"v1"'})
        return dataclasses.replace(body, headers={"ETag": '"v1"'})

    url = web.route(PARTNER, "/campaign", conditional)
    cfg = config(tmp_path, watch("Campaign", url))
    days = Days(cfg)
    days.check()
    second = days.check()
    page = page_of(second, "Campaign")
    assert (page.http_status, page.notes) == (304, [Note.of(NoteKind.NOT_MODIFIED)])
    assert page.content is ContentState.UNCHANGED
    link = link_of(second, target)
    assert link.status is Status.OK
    assert link.found_on and link.found_on[0][0] == url


# -- links: fetched once, guarded, ignored -------------------------------------------


def test_a_link_on_two_watched_pages_is_fetched_once_and_listed_under_both(
    web: SimWeb, tmp_path: Path
) -> None:
    shared = web.route(OTHER, "/template.png", Route(body=b"\x89PNG", content_type="image/png"))
    one = web.route(PARTNER, "/one", Route.page("One", links=[shared, shared + "#top"]))
    two = web.route(PARTNER, "/two", Route.page("Two", links=[shared]))
    cfg = config(tmp_path, watch("One", one), watch("Two", two))
    days = Days(cfg)
    report = days.check()
    link = link_of(report, shared)
    assert link.status is Status.OK
    assert {page for page, _ in link.found_on} == {one, two}
    assert web.hits(OTHER, "/template.png") == 1


def test_links_to_private_addresses_are_skipped_unless_allowed(web: SimWeb, tmp_path: Path) -> None:
    intranet = web.route(OTHER, "/intranet", Route.page("Intranet"))
    url = web.route(PARTNER, "/hub", Route.page("Hub", links=[intranet]))
    cfg = config(tmp_path, watch("Hub", url), allow_private_links=False)
    days = Days(cfg)
    report = days.check()
    # The watched page itself is fetched: the maintainer chose it, not a page.
    assert page_of(report, "Hub").status is Status.OK
    link = link_of(report, intranet)
    assert link.status is Status.SKIPPED
    assert link.error and "loopback" in link.error
    assert web.hits(OTHER, "/intranet") == 0


def test_links_matching_ignore_links_are_never_fetched(web: SimWeb, tmp_path: Path) -> None:
    share = web.url(OTHER, "/share?u=campaign")
    kept = web.route(OTHER, "/report", Route.page("Report"))
    url = web.route(PARTNER, "/hub", Route.page("Hub", links=[share, kept]))
    cfg = config(tmp_path, watch("Hub", url), ignore_links=["/share\\?"])
    days = Days(cfg)
    report = days.check()
    assert link_of(report, share).status is Status.SKIPPED
    assert web.hits(OTHER, "/share") == 0
    assert link_of(report, kept).status is Status.OK


def test_a_link_that_timed_out_yesterday_is_checked_first_today(
    web: SimWeb, tmp_path: Path
) -> None:
    links = [web.route(OTHER, f"/report-{i}", Route.page(f"Report {i}")) for i in range(5)]
    slow = web.route(OTHER, "/slow-archive", Route(hang=True))
    url = web.route(PARTNER, "/hub", Route.page("Hub", links=[*links, slow]))
    cfg = config(tmp_path, watch("Hub", url), timeout_s=0.5, concurrency=1, per_host=1)
    days = Days(cfg)
    assert link_of(days.check(), slow).status is Status.TIMEOUT
    web.route(OTHER, "/slow-archive", Route.page("Archive"))
    web.reset_stats()
    assert link_of(days.check(), slow).status is Status.OK
    # Started first, a link that hangs is not what the whole run waits for at its end.
    assert web.requests(OTHER)[0].path == "/slow-archive"


def test_a_page_with_more_links_than_are_checked_at_once_gets_every_link_checked_once(
    web: SimWeb, tmp_path: Path
) -> None:
    # With concurrency 1 and per_host 1, far fewer links are checked at once than the
    # page lists: the others wait their turn, host by host.
    slow = dataclasses.replace(Route.page("Report"), delay_s=0.005)
    fine = [web.route(PARTNER, f"/report-{i}", slow) for i in range(30)]
    gone = [web.route(OTHER, f"/gone-{i}", Route(status=404, delay_s=0.005)) for i in range(30)]
    hub = web.route(PARTNER, "/hub", Route.page("Hub", links=[*fine, *gone]))
    cfg = config(tmp_path, watch("Hub", hub), concurrency=1, per_host=1)
    report = Days(cfg).check()
    assert {link.url: link.status for link in report.links} == {
        **dict.fromkeys(fine, Status.OK),
        **dict.fromkeys(gone, Status.BROKEN),
    }
    asked = [f"{r.host} {r.path}" for r in web.requests() if "-pm-probe" not in r.path]
    assert sorted(asked) == sorted({*asked})  # each link (and the hub) fetched once
    assert len(asked) == 61
    assert web.stats(PARTNER).max_in_flight == 1
    assert web.stats(OTHER).max_in_flight == 1


def test_the_json_report_is_written_as_indented_utf8_json_with_a_final_newline(
    web: SimWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = web.route(OTHER, "/gone", Route(status=404))
    fine = web.route(OTHER, "/ok", Route.page("Ок"))
    hub = web.route(PARTNER, "/hub", Route.page("Хаб", "Свабоду!", links=[gone, fine]))
    cfg = config(tmp_path, watch("Праваабаронцы", hub))
    out = tmp_path / "out" / "report.json"
    assert cli.main(["check", "--config", str(cfg.path), "--json", str(out), "-q"]) == 1
    text = out.read_text(encoding="utf-8")
    report = json.loads(text)
    assert text == json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    assert [link["url"] for link in report["links"]] == sorted([gone, fine])
    assert report["pages"][0]["name"] == "Праваабаронцы"
    capsys.readouterr()
    assert cli.main(["check", "--config", str(cfg.path), "--json", "-", "-q"]) == 1
    stdout = capsys.readouterr().out
    again = json.loads(stdout)
    assert stdout == json.dumps(again, indent=2, ensure_ascii=False) + "\n"
    assert again["summary"] == {"pages": 1, "links": 2, "problems": 1, "changed": 0, "watching": 0}


# -- the CLI over the recorded history -------------------------------------------------


def test_history_and_diff_show_what_changed_on_a_watched_page(
    web: SimWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = web.route(PARTNER, "/case", Route.page("Case", "The trial is awaited."))
    cfg = config(tmp_path, watch("Case", url))
    days = Days(cfg)
    days.check()
    web.route(PARTNER, "/case", Route.page("Case", "Verdict: ten years in prison."))
    days.check()
    capsys.readouterr()

    assert cli.main(["history", "--config", str(cfg.path), url]) == 0
    history = capsys.readouterr().out
    assert "changed" in history and "baseline" in history
    assert "Sun 1 Nov 2026" in history and "Mon 2 Nov 2026" in history

    assert cli.main(["diff", "--config", str(cfg.path), url]) == 0
    diff = capsys.readouterr().out
    assert "+ Verdict: ten years in prison." in diff
    assert "The trial is awaited." in diff


def test_diff_by_default_shows_the_change_the_run_reported_when_a_page_returns_to_old_text(
    web: SimWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = ["The trial is awaited.", "The trial opened.", "Adjourned.", "Verdict: ten years."]
    url = web.route(PARTNER, "/case", Route.page("Case", texts[0]))
    cfg = config(tmp_path, watch("Case", url))  # recent_versions 3: the return is news
    days = Days(cfg)
    for text in [*texts, texts[0]]:
        web.route(PARTNER, "/case", Route.page("Case", text))
        last = page_of(days.check(), "Case")
    assert last.content is ContentState.CHANGED
    assert last.change is not None
    assert (last.change.removed, last.change.added) == ((texts[3],), (texts[0],))
    capsys.readouterr()

    assert cli.main(["diff", "--config", str(cfg.path), url]) == 0
    diff = capsys.readouterr().out.splitlines()
    assert diff[0].startswith("--- version 4 ")
    assert diff[1].startswith("+++ version 1 ") and diff[1].endswith("; current)")
    assert [line for line in diff if line[:2] in ("- ", "+ ")] == [
        f"- {texts[3]}",
        f"+ {texts[0]}",
    ]


def test_history_of_an_unknown_url_says_nothing_is_recorded(
    web: SimWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = web.route(PARTNER, "/case", Route.page("Case"))
    cfg = config(tmp_path, watch("Case", url))
    days = Days(cfg)
    days.check()
    assert cli.main(["history", "--config", str(cfg.path), "https://example.org/x"]) == 2
    assert "nothing is recorded" in capsys.readouterr().err


def test_a_page_that_lost_its_links_does_not_get_them_back_when_it_answers_304(
    web: SimWeb, tmp_path: Path
) -> None:
    target = web.route(OTHER, "/old-partner", Route.page("Old partner"))
    versions = iter(
        [
            ('"v1"', Route.page("Campaign", "Our partners.", links=[target])),
            ('"v2"', Route.page("Campaign", "Our partners are listed elsewhere now.")),
        ]
    )
    current: list[tuple[str, Route]] = [next(versions)]

    def conditional(req: Request) -> Route:
        etag, route = current[-1]
        if req.headers.get("if-none-match") == etag:
            return Route(status=304, body=b"", headers={"ETag": etag})
        return dataclasses.replace(route, headers={"ETag": etag})

    url = web.route(PARTNER, "/campaign", conditional)
    cfg = config(tmp_path, watch("Campaign", url))
    days = Days(cfg)
    assert [link.url for link in days.check().links] == [target]
    current.append(next(versions))
    assert days.check().links == []
    third = days.check()  # 304: the links are those of the last read, i.e. none
    assert page_of(third, "Campaign").content is ContentState.UNCHANGED
    assert third.links == []
