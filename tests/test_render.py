"""Pages drawn by script, read in headless Chromium (``render: browser``, fetch.render).

Real loopback servers (SimWeb) serve shells whose scripts draw the text from JSON; the
whole pipeline runs with Debian's chromium driven by Playwright, one browser per run.
The watched page's own host is allowed (a maintainer listed it); ``OTHER`` stands for a
private address, ``PUBLIC`` for a public host (made to count as public as the hostile
suite does), and ``allow_private_links`` stays false.

Skipped (with the reason) when Playwright or /usr/bin/chromium is missing, unless the
``CI`` environment variable is set: there, a missing browser is a failure.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor import pipeline
from monitor.config import Config, load
from monitor.fetch import guard, render
from monitor.models import ContentState, NoteKind, Status
from monitor.pipeline import run as run_module
from monitor.store import Store
from monitor.testing.web import Request, Route, SimWeb

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PARTNER, OTHER, PUBLIC = "127.0.0.2", "127.0.0.3", "127.0.0.4"

SHELL = """<!doctype html><html><head><title>Petition</title></head><body>
<nav><a href="/">Home</a></nav><div id="app"></div>
<script>
fetch('/data.json').then(r => r.json()).then(d => {
  const app = document.getElementById('app');
  app.innerHTML = '<main><article><h1>' + d.title + '</h1>' +
    d.paras.map(p => '<p>' + p + '</p>').join('') + '<aside id="quote"></aside>' +
    '<p><a href="/report">Read the report</a></p></article></main>';
  if (d.quote) fetch('/quote.json').then(r => r.json()).then(q => {
    document.getElementById('quote').textContent = q.text;
  });
});
</script></body></html>"""

P1 = "Ales Bialiatski, chair of the Human Rights Centre Viasna, was arrested in July 2021."
P2 = "The next hearing of his case is set for 12 March at the Leninski District Court of Minsk."
P3 = "Verdict: the court sentenced Ales Bialiatski to ten years in a high-security colony."


def require_browser() -> None:
    from monitor.fetch import render

    missing = render.problem()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}: the browser tests must run in CI")
        pytest.skip(missing)


@pytest.fixture(autouse=True)
def _browser_present() -> None:
    require_browser()


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimWeb]:
    public = {ipaddress.ip_address(PUBLIC)}
    real = guard.private_kind
    monkeypatch.setattr(guard, "private_kind", lambda ip: None if ip in public else real(ip))
    with SimWeb(hosts=(PARTNER, OTHER, PUBLIC)) as w:
        yield w


def config(tmp_path: Path, *watches: dict[str, object], **settings: object) -> Config:
    base: dict[str, object] = {
        "database": str(tmp_path / "monitor.db"),
        "reports_dir": str(tmp_path / "reports"),
        "timeout_s": 5,
        "retries": 0,
        "confirm_delay_s": 0,
        "archive_lookup": False,
        "connectivity_check": [],
        "allow_private_links": False,
    }
    base.update(settings)
    path = tmp_path / "watchlist.yaml"
    path.write_text(json.dumps({"settings": base, "watch": list(watches)}), encoding="utf-8")
    return load(path)


def browser_watch(url: str, **more: object) -> dict[str, object]:
    return {"name": "Petition", "url": url, "render": "browser", "links": False, **more}


class Days:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.day = itertools.count()

    def check(self) -> pipeline.PageReport:
        return self.run().pages[0]

    def run(self) -> pipeline.RunReport:
        at = datetime(2026, 11, 1, 6, tzinfo=UTC) + timedelta(days=next(self.day))
        with Store(self.cfg.settings.database) as store:
            return pipeline.check(self.cfg, store, now=lambda: at)


def data(*paras: str, quote: bool = False) -> Route:
    body = json.dumps({"title": "Free Ales Bialiatski", "paras": list(paras), "quote": quote})
    return Route(body=body, content_type="application/json")


def shell(web: SimWeb, *paras: str, quote: bool = False) -> str:
    web.route(PARTNER, "/data.json", data(*paras, quote=quote))
    return web.route(PARTNER, "/petition", Route(body=SHELL))


def kinds(page: pipeline.PageReport) -> set[NoteKind]:
    return {n.kind for n in page.notes}


# -- the page is read like any other ----------------------------------------------------


def test_a_script_drawn_page_is_read_as_its_first_version(web: SimWeb, tmp_path: Path) -> None:
    days = Days(config(tmp_path, browser_watch(shell(web, P1, P2))))
    page = days.check()
    assert (page.status, page.content) == (Status.OK, ContentState.BASELINE)


def test_a_real_change_in_its_json_is_reported_with_the_new_sentence_and_keyword(
    web: SimWeb, tmp_path: Path
) -> None:
    days = Days(config(tmp_path, browser_watch(shell(web, P1, P2), keywords=["verdict"])))
    days.check()
    web.route(PARTNER, "/data.json", data(P1, P2, P3))
    page = days.check()
    assert page.change is not None and page.content is ContentState.CHANGED
    assert (P3 in page.change.added, [k.word for k in page.change.keywords]) == (True, ["verdict"])


def test_a_rotating_block_drawn_by_script_is_not_a_change(web: SimWeb, tmp_path: Path) -> None:
    quotes = itertools.count()
    days = Days(config(tmp_path, browser_watch(shell(web, P1, P2, quote=True))))

    def quote(_: Request) -> Route:
        body = json.dumps({"text": f"Quote of the moment number {next(quotes)} for visitors."})
        return Route(body=body, content_type="application/json")

    web.route(PARTNER, "/quote.json", quote)
    days.check()
    assert days.check().content is ContentState.UNCHANGED


def test_a_watch_moving_to_the_browser_takes_a_quiet_new_baseline(
    web: SimWeb, tmp_path: Path
) -> None:
    shown = "<!doctype html><title>Petition</title><main><p>" + P2 + "</p></main>"
    script = f"<script>document.getElementById('x').textContent = {P1!r};</script>"
    drawn = shown.replace("</main>", "<p id='x'></p></main>" + script)
    url = web.route(PARTNER, "/petition", Route(body=drawn))
    Days(config(tmp_path, {"name": "Petition", "url": url, "links": False})).check()
    page = Days(config(tmp_path, browser_watch(url))).check()
    assert (page.content, NoteKind.RULES_CHANGED in kinds(page)) == (ContentState.BASELINE, True)


def test_links_on_a_rendered_page_are_checked_over_http(web: SimWeb, tmp_path: Path) -> None:
    url = shell(web, P1, P2)
    web.route(PARTNER, "/report", Route.page("Report", "The full report."))
    cfg = config(tmp_path, browser_watch(url, links=True), allow_private_links=True)
    report = Days(cfg).run()
    checked = {link.url: link.status for link in report.links}
    assert checked[web.url(PARTNER, "/report")] is Status.OK


def test_a_script_challenge_that_sets_a_cookie_and_reloads_is_passed(
    web: SimWeb, tmp_path: Path
) -> None:
    challenge = (
        "<!doctype html><title>Checking your browser</title><p>One moment.</p>"
        "<script>document.cookie = 'passed=1; path=/'; location.reload();</script>"
    )
    article = (
        "<!doctype html><title>Petition</title><main><h1>Free Ales</h1><p>" + P1 + "</p></main>"
    )

    def gate(req: Request) -> Route:
        passed = "passed=1" in req.headers.get("cookie", "")
        return Route(body=article if passed else challenge)

    url = web.route(PARTNER, "/petition", gate)
    page = Days(config(tmp_path, browser_watch(url))).check()
    assert (page.status, page.content) == (Status.OK, ContentState.BASELINE)


def test_a_script_redirect_to_the_home_page_is_a_soft_404(web: SimWeb, tmp_path: Path) -> None:
    web.route(PARTNER, "/", Route.page("Viasna", "Welcome to our site. " * 20))
    days = Days(config(tmp_path, browser_watch(shell(web, P1, P2))))
    days.check()
    gone = "<!doctype html><title>Petition</title><script>location.href = '/';</script>"
    web.route(PARTNER, "/petition", Route(body=gone))
    assert days.check().status is Status.SOFT_404


@pytest.mark.parametrize(
    ("status", "expected"),
    [pytest.param(404, Status.BROKEN, id="404"), pytest.param(503, Status.SERVER_ERROR, id="503")],
)
def test_the_documents_http_status_is_judged_as_over_http(
    web: SimWeb, tmp_path: Path, status: int, expected: Status
) -> None:
    url = web.route(PARTNER, "/petition", Route(status=status, body=SHELL))
    assert Days(config(tmp_path, browser_watch(url))).check().status is expected


# -- counters on a rendered page (issue 20) ---------------------------------------------

COUNTED_SHELL = (
    """<!doctype html><html><head><title>Petition</title></head><body>
<main><article><h1>Free Ales Bialiatski</h1><p>PARAGRAPH</p>
<p class="count" id="count"></p></article></main>
<script>
fetch('/count.json').then(r => r.json()).then(c => {
  document.getElementById('count').textContent =
    c.signed.toLocaleString('en-US') + ' people have signed';
});
</script></body></html>"""
).replace("PARAGRAPH", P1)


def count(signed: int) -> Route:
    return Route(body=json.dumps({"signed": signed}), content_type="application/json")


def counted_shell(web: SimWeb, signed: int) -> str:
    web.route(PARTNER, "/count.json", count(signed))
    return web.route(PARTNER, "/petition", Route(body=COUNTED_SHELL))


def test_a_counter_drawn_from_json_is_read_and_reported(web: SimWeb, tmp_path: Path) -> None:
    days = Days(config(tmp_path, browser_watch(counted_shell(web, 12345))))
    days.check()
    web.route(PARTNER, "/count.json", count(12665))
    reported = days.check().to_json()["counters"]
    assert [(c["name"], c["value"], c["previous"], c["text"]) for c in reported] == [
        ("signatures", 12665, 12345, "12,665 people have signed")
    ]


def test_a_counter_drawn_from_json_moving_is_no_content_change(web: SimWeb, tmp_path: Path) -> None:
    days = Days(config(tmp_path, browser_watch(counted_shell(web, 12345))))
    days.check()
    web.route(PARTNER, "/count.json", count(12665))
    assert days.check().content is ContentState.UNCHANGED


# -- the same guards as the HTTP path -----------------------------------------------------


PRIVATE_CALL = """<!doctype html><title>Petition</title><main><h1>Free Ales</h1><p>{p}</p>
<p id="x"></p></main><script>
fetch('{secret}').then(r => r.text())
  .then(t => {{ document.getElementById('x').textContent = t; }});
</script>"""


def test_a_script_calling_a_private_address_is_refused_before_it_leaves(
    web: SimWeb, tmp_path: Path
) -> None:
    secret = web.route(OTHER, "/secret", Route(body="router admin"))
    url = web.route(PARTNER, "/petition", Route(body=PRIVATE_CALL.format(p=P1, secret=secret)))
    page = Days(config(tmp_path, browser_watch(url))).check()
    assert (web.stats(OTHER).requests, NoteKind.RENDER_REFUSED in kinds(page)) == (0, True)


@pytest.mark.parametrize(
    "markup",
    [
        pytest.param('<iframe src="{secret}"></iframe>', id="frame"),
        pytest.param(
            "<script>new WebSocket('{secret}'.replace('http', 'ws'));</script>", id="websocket"
        ),
        pytest.param('<script src="{secret}"></script>', id="script"),
        pytest.param("<script>location.href = '{secret}';</script>", id="navigation-by-script"),
    ],
)
def test_every_kind_of_request_to_a_private_address_is_refused(
    web: SimWeb, tmp_path: Path, markup: str
) -> None:
    secret = web.route(OTHER, "/secret", Route(body="router admin"))
    page_html = (
        "<!doctype html><title>Petition</title><main><h1>Free Ales</h1><p>"
        + P1
        + "</p></main>"
        + markup.format(secret=secret)
    )
    url = web.route(PARTNER, "/petition", Route(body=page_html))
    page = Days(config(tmp_path, browser_watch(url))).check()
    assert (web.stats(OTHER).requests, NoteKind.RENDER_REFUSED in kinds(page)) == (0, True)


def test_a_refused_navigation_by_script_keeps_the_page_it_left(web: SimWeb, tmp_path: Path) -> None:
    secret = web.route(OTHER, "/secret", Route(body="router admin"))
    page_html = (
        "<!doctype html><title>Petition</title><main><h1>Free Ales</h1><p>" + P1 + "</p></main>"
        f"<script>location.href = '{secret}';</script>"
    )
    url = web.route(PARTNER, "/petition", Route(body=page_html))
    cfg = config(tmp_path, browser_watch(url))
    Days(cfg).check()
    with Store(cfg.settings.database) as store:
        [version] = store.recent_versions(store.page_id(url, "Petition", None), 1)
    assert version.lines == ("# Free Ales", P1)


@pytest.mark.parametrize(
    ("load_media", "fetched"),
    [pytest.param(False, 0, id="not-by-default"), pytest.param(True, 1, id="load-media")],
)
def test_images_are_fetched_only_when_the_watch_asks(
    web: SimWeb, tmp_path: Path, load_media: bool, fetched: int
) -> None:
    web.route(PARTNER, "/photo.png", Route(body=b"\x89PNG", content_type="image/png"))
    page_html = (
        "<!doctype html><title>Petition</title><main><h1>Free Ales</h1><p>" + P1 + "</p>"
        '<img src="/photo.png" alt="Ales"></main>'
    )
    url = web.route(PARTNER, "/petition", Route(body=page_html))
    Days(config(tmp_path, browser_watch(url, load_media=load_media))).check()
    assert web.hits(PARTNER, "/photo.png") == fetched


def test_a_script_calling_a_public_host_is_answered(web: SimWeb, tmp_path: Path) -> None:
    api = web.route(
        PUBLIC,
        "/count",
        Route(body="12,665 people have signed", headers={"access-control-allow-origin": "*"}),
    )
    url = web.route(PARTNER, "/petition", Route(body=PRIVATE_CALL.format(p=P1, secret=api)))
    page = Days(config(tmp_path, browser_watch(url))).check()
    assert web.hits(PUBLIC, "/count") == 1 and NoteKind.RENDER_REFUSED not in kinds(page)


@pytest.mark.parametrize(
    "script",
    [
        pytest.param("setInterval(() => fetch('/tick?' + Math.random()), 100);", id="polls"),
        pytest.param("while (true) {}", id="busy-loop"),
    ],
)
def test_a_page_that_never_settles_is_read_at_the_time_limit_with_a_note(
    web: SimWeb, tmp_path: Path, script: str
) -> None:
    busy = (
        "<!doctype html><title>Petition</title><main><h1>Free Ales</h1><p>" + P1 + "</p></main>"
        f"<script>{script}</script>"
    )
    web.default(PARTNER, Route(body="tick", content_type="text/plain"))
    url = web.route(PARTNER, "/petition", Route(body=busy))
    cfg = config(tmp_path, browser_watch(url), browser={"time_limit_s": 2})
    page = Days(cfg).check()
    assert (page.content, NoteKind.RENDER_TIME_LIMIT in kinds(page)) == (
        ContentState.BASELINE,
        True,
    )


def test_a_wait_for_selector_that_never_appears_is_named_in_the_note(
    web: SimWeb, tmp_path: Path
) -> None:
    url = shell(web, P1, P2)
    cfg = config(tmp_path, browser_watch(url, wait_for=".never"), browser={"time_limit_s": 2})
    [note] = [n for n in Days(cfg).check().notes if n.kind is NoteKind.RENDER_TIME_LIMIT]
    assert note.get("wait_for") == ".never"


def test_the_watched_pages_own_redirect_is_followed_in_the_browser(
    web: SimWeb, tmp_path: Path
) -> None:
    target = shell(web, P1, P2)
    old = web.route(PARTNER, "/old-petition", Route.redirect("/petition", status=302))
    page = Days(config(tmp_path, browser_watch(old))).check()
    assert (page.status, page.final_url, page.content) == (
        Status.OK,
        target,
        ContentState.BASELINE,
    )


def test_a_page_that_pulls_50_mb_is_capped(web: SimWeb, tmp_path: Path) -> None:
    big = (
        "<!doctype html><title>Petition</title><main><h1>Free Ales</h1><p>" + P1 + "</p></main>"
        "<script>fetch('/video.bin').then(r => r.arrayBuffer());</script>"
    )
    web.route(PARTNER, "/video.bin", Route(body=b"\0" * 50_000_000,
                                           content_type="application/octet-stream"))  # fmt: skip
    url = web.route(PARTNER, "/petition", Route(body=big))
    cfg = config(tmp_path, browser_watch(url), browser={"max_total_mb": 1})
    page = Days(cfg).check()
    assert (page.content, NoteKind.RENDER_CAPPED in kinds(page)) == (ContentState.BASELINE, True)


def test_one_browser_serves_the_run_a_few_pages_at_a_time(
    web: SimWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[render.Renderer] = []

    class Spy(render.Renderer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(run_module, "Renderer", Spy)
    shell(web, P1, P2)
    watches = [
        {**browser_watch(web.url(PARTNER, f"/petition?{n}")), "name": f"Petition {n}"}
        for n in range(4)
    ]
    web.default(PARTNER, Route(body=SHELL))
    Days(config(tmp_path, *watches, browser={"concurrency": 2})).run()
    [renderer] = made
    assert (renderer.started, renderer.max_open_pages) == (1, 2)


def test_the_run_leaves_no_chromium_behind(web: SimWeb, tmp_path: Path) -> None:
    Days(config(tmp_path, browser_watch(shell(web, P1, P2)))).run()
    assert _chromium_of(os.getpid()) == []


def _chromium_of(pid: int) -> list[str]:
    """The processes started with the run tag of process ``pid`` (fetch.render)."""
    mark = f"--partner-monitor-run={pid}-".encode()
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if mark in cmdline.read_bytes():
                found.append(cmdline.parent.name)
        except OSError:
            continue  # gone while we looked
    return found


def _until(condition: object, seconds: float) -> bool:
    """Look at ``condition()`` until it holds, for at most ``seconds`` (a bound, not a wait)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_a_killed_run_leaves_no_chromium_behind(web: SimWeb, tmp_path: Path) -> None:
    busy = (
        "<!doctype html><title>Petition</title><main><p>" + P1 + "</p></main>"
        "<script>setInterval(() => fetch('/tick?' + Math.random()), 100);</script>"
    )
    web.default(PARTNER, Route(body="tick", content_type="text/plain"))
    url = web.route(PARTNER, "/petition", Route(body=busy))
    cfg = config(tmp_path, browser_watch(url), browser={"time_limit_s": 120})
    run = subprocess.Popen(
        [sys.executable, "-m", "monitor", "check", "-q", "--config", str(cfg.path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _until(lambda: _chromium_of(run.pid), 60), "the browser never started"
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    assert _until(lambda: not _chromium_of(run.pid), 30)
