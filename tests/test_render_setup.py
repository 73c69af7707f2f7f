"""`render: browser` without a browser: the watch list's rules, the refusal when Playwright
or Chromium is missing (exit 2, nothing fetched), and the advice for a page drawn by
script that is read over HTTP. No browser is started here.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor import cli, digest, pipeline
from monitor.config import ConfigError, load, loads
from monitor.extract import drawn_by_script
from monitor.fetch import render
from monitor.models import NoteKind
from monitor.store import Store
from monitor.testing.web import Route, SimWeb

PARTNER = "127.0.0.2"
SHELL = (
    "<!doctype html><html><head><title>Petition</title>"
    '<script src="/app.js"></script></head><body><div id="app"></div></body></html>'
)
ADVICE = "This page's text is drawn by JavaScript: add `render: browser` to its watch list entry"


@pytest.fixture
def web() -> Iterator[SimWeb]:
    with SimWeb(hosts=(PARTNER,)) as w:
        yield w


def write_config(tmp_path: Path, *watches: dict[str, object]) -> Path:
    settings = {
        "database": str(tmp_path / "monitor.db"),
        "reports_dir": str(tmp_path / "reports"),
        "timeout_s": 5,
        "retries": 0,
        "confirm_delay_s": 0,
        "archive_lookup": False,
        "connectivity_check": [],
        "allow_private_links": True,
    }
    path = tmp_path / "watchlist.yaml"
    path.write_text(json.dumps({"settings": settings, "watch": list(watches)}), encoding="utf-8")
    return path


# -- the watch list -------------------------------------------------------------------------


def test_the_browser_settings_default_to_the_contracts() -> None:
    b = loads("watch:\n  - {name: A, url: 'https://a.example/'}\n").settings.browser
    assert (b.concurrency, b.time_limit_s, b.max_total_mb) == (2, 30, 20)


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        pytest.param("wait_for: '#app'", "wait_for needs `render: browser`", id="wait-for"),
        pytest.param("load_media: true", "load_media needs `render: browser`", id="load-media"),
        pytest.param("render: chrome", "render: Input should be 'http' or 'browser'", id="bad"),
        pytest.param(
            "render: browser\n    wait_for: 'div[['", "is not a valid CSS selector", id="selector"
        ),
    ],
)
def test_browser_keys_are_checked(entry: str, said: str) -> None:
    with pytest.raises(ConfigError) as caught:
        loads(f"watch:\n  - name: A\n    url: https://a.example/\n    {entry}\n")
    assert said in str(caught.value)


# -- no browser on this machine: refused, nothing fetched ------------------------------------


@pytest.mark.parametrize("missing", ["chromium", "playwright"])
@pytest.mark.parametrize("command", ["validate", "check", "run", "serve"])
def test_a_browser_watch_without_chromium_is_refused_with_the_install_command(
    command: str,
    missing: str,
    web: SimWeb,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if missing == "chromium":
        monkeypatch.setenv(render.CHROMIUM_ENV, str(tmp_path / "no-chromium"))
    else:
        real = importlib.util.find_spec
        monkeypatch.setattr(
            importlib.util,
            "find_spec",
            lambda name, *a: None if name == "playwright" else real(name, *a),
        )
    url = web.route(PARTNER, "/petition", Route(body=SHELL))
    path = write_config(tmp_path, {"name": "Petition", "url": url, "render": "browser"})
    code = cli.main([command, "--config", str(path)])
    said = capsys.readouterr().err
    assert (code, render.INSTALL in said, web.stats(PARTNER).requests) == (2, True, 0)


def test_a_watch_list_without_browser_watches_needs_no_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(render.CHROMIUM_ENV, str(tmp_path / "no-chromium"))
    path = write_config(tmp_path, {"name": "Petition", "url": "https://a.example/"})
    assert cli.main(["validate", "--config", str(path)]) == 0


def test_a_chromium_too_far_from_playwright_is_refused_by_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("playwright")
    old = tmp_path / "chromium"
    old.write_text("#!/bin/sh\necho 'Chromium 90.0.4430.212 built on Debian'\n")
    old.chmod(0o755)
    monkeypatch.setenv(render.CHROMIUM_ENV, str(old))
    said = render.problem() or ""
    assert "Chromium 90" in said and render.INSTALL in said


# -- advice instead of silence ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "lines", "drawn"),
    [
        pytest.param(SHELL, (), True, id="empty-shell-with-a-bundle"),
        pytest.param(
            "<div id=app></div><script>" + "draw();" * 40 + "</script>", (), True, id="inline-code"
        ),
        pytest.param(SHELL, ("A whole article. " * 20,), False, id="text-of-its-own"),
        pytest.param("<p>Short.</p>", ("Short.",), False, id="short-without-scripts"),
        pytest.param(
            '<script type="application/ld+json">' + "{}" * 200 + "</script>",
            (),
            False,
            id="json-data-is-no-script",
        ),
    ],
)
def test_a_page_drawn_by_script_is_recognised(
    body: str, lines: tuple[str, ...], drawn: bool
) -> None:
    assert drawn_by_script(body.encode(), lines) is drawn


def test_check_json_carries_the_drawn_by_script_note(
    web: SimWeb, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = web.route(PARTNER, "/petition", Route(body=SHELL))
    path = write_config(tmp_path, {"name": "Petition", "url": url})
    cli.main(["check", "--config", str(path), "--json", "-", "-q"])
    [page] = json.loads(capsys.readouterr().out)["pages"]
    assert [n["kind"] for n in page["notes"]] == [NoteKind.DRAWN_BY_SCRIPT.value]


def test_the_digest_says_to_add_render_browser(web: SimWeb, tmp_path: Path) -> None:
    url = web.route(PARTNER, "/petition", Route(body=SHELL))
    cfg = load(write_config(tmp_path, {"name": "Petition", "url": url}))
    with Store(cfg.settings.database) as store:
        pipeline.check(cfg, store, now=lambda: datetime(2026, 11, 1, 6, tzinfo=UTC))
        written = digest.write(store, tmp_path / "reports", config=cfg, text=True)
    [item] = written.digest.attention
    assert item.headline.startswith(ADVICE)
