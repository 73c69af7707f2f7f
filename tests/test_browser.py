"""The digest in a real browser: Debian's chromium driven by Playwright, no downloads.

What the HTML tests cannot see: that the page reads at phone and desktop width, that it
fetches nothing but itself, and that hostile text from a partner page is shown as text
and runs nothing. Screenshots land in ``tests/artifacts/`` (gitignored) for a human look.

Skipped (with the reason) when Playwright or /usr/bin/chromium is missing, unless the
``CI`` environment variable is set: there, a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support.history import ARTICLE, CONFIG, NEWS, PETITION, World, load_change

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

EVIL_ANCHOR = '"><img src=x onerror="window.__pwned=1;alert(1)">'
EVIL_NAME = "</style><script>window.__pwned=2;alert(2)</script> Persbericht"
EVIL_LINE = "<script>window.__pwned=3;alert(3)</script> \u202egnp.exe"
EVIL_URL = 'https://evil.example/"><script>alert(4)</script>'


def require_browser() -> None:
    missing = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "Playwright for Python is not installed (pip install playwright)"
    if missing is None and not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (apt-get install chromium); browsers are never downloaded"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{missing}: the browser tests must run in CI")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One chromium for the module, with a fresh profile."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
        )
        yield context
        context.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two days of history with every section filled and hostile partner text in it."""
    config = CONFIG.replace(
        "name: Article", f"name: {json.dumps(EVIL_NAME)}"
    )  # a partner-controlled page name
    w = World(tmp_path_factory.mktemp("world"), config)
    fidh = "https://fidh.example/reports/2023-belarus"
    viasna = "https://spring96.example/en/news/112233"
    osce = "https://www.osce.example/odihr/bialiatski"
    osce_new = "https://www.osce.example/odihr/ales-bialiatski"
    twitter = "https://twitter.example/viasna96"
    slow = "https://slow.example/statement"
    w.run(dict.fromkeys([fidh, viasna, osce, twitter, EVIL_URL, slow], "ok"))
    w.write()
    change = load_change("petition_closed.json")
    change["hunks"][1]["added"].append(EVIL_LINE)
    w.run(
        {fidh: "broken", viasna: "soft_404", osce: "moved", twitter: "blocked",
         EVIL_URL: "broken", slow: "timeout"},
        found={
            fidh: [(PETITION, "Read the FIDH report")],
            viasna: [(ARTICLE, "Viasna's statement")],
            EVIL_URL: [(ARTICLE, EVIL_ANCHOR)],
        },
        suggestions={
            fidh: f"https://web.archive.org/web/2023/{fidh}",
            osce: osce_new,
            EVIL_URL: "javascript:alert(5)",
        },
        errors={
            fidh: "Page not found (404)",
            viasna: "Sends readers to the home page: the page was probably removed",
            osce: f"Moved permanently to {osce_new}: update the link",
            twitter: "Login or bot protection (403): could not verify",
            slow: "The server did not answer within 20 s",
        },
        changes={PETITION: change},
        pages={NEWS: "broken"},
    )  # fmt: skip
    w.write(text=True)
    yield w.out
    w.store.close()


@dataclass
class Visit:
    """Everything a page did while it was open."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def open_page(browser: Any, path: Path, width: int) -> tuple[Any, Visit]:
    visit = Visit()
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("dialog", lambda d: (visit.dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: m.type == "error" and visit.console_errors.append(m.text))
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    return page, visit


@pytest.mark.parametrize(
    "width", [pytest.param(390, id="phone-390px"), pytest.param(1280, id="desktop-1280px")]
)
def test_the_latest_digest_reads_well_loads_nothing_and_runs_nothing(
    browser: Any, reports: Path, width: int
) -> None:
    latest = reports / "latest.html"
    page, visit = open_page(browser, latest, width)
    try:
        for heading in ("New problems (4)", "Watching (1)", "Content changes (1)"):
            assert page.get_by_role("heading", name=heading).is_visible(), heading
        assert page.get_by_role("heading", level=1).is_visible()
        for text in (
            "Page not found (404)",
            "Read the FIDH report",
            "Keyword “gesloten” appeared",
            "Suggested replacement",
            "Moved: update the link",
        ):
            assert page.get_by_text(text).first.is_visible(), text
        # Hostile partner text is on the page as text, and nothing of it ran.
        assert page.get_by_text(EVIL_ANCHOR.strip('"><')).first.is_visible()
        assert page.get_by_text("window.__pwned=3").first.is_visible()
        assert page.evaluate("window.__pwned") is None
        assert page.locator("script, img, iframe, object, embed, svg").count() == 0
        assert page.locator('a[href^="javascript:" i]').count() == 0
        # Nothing sticks out sideways: no horizontal scrolling at this width.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"digest-{width}px.png"), full_page=True)
    finally:
        page.close()
    assert visit.requests == [latest.resolve().as_uri()]
    assert visit.dialogs == [] and visit.page_errors == [] and visit.console_errors == []


def test_the_index_links_every_digest_and_loads_nothing(browser: Any, reports: Path) -> None:
    index = reports / "index.html"
    page, visit = open_page(browser, index, 390)
    try:
        links = page.locator("table a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert links[:3] == [
            "digest-2024-03-12.html",
            "digest-2024-03-12.txt",
            "digest-2024-03-11.html",
        ]
        assert page.get_by_text("All clear").is_visible()
        page.screenshot(path=str(ARTIFACTS / "index-390px.png"), full_page=True)
    finally:
        page.close()
    assert visit.requests == [index.resolve().as_uri()]
    assert visit.dialogs == [] and visit.page_errors == []


def test_a_click_leads_from_the_digest_to_the_whole_change_and_back(
    browser: Any, reports: Path
) -> None:
    latest = reports / "latest.html"
    page, visit = open_page(browser, latest, 390)
    try:
        page.get_by_role("link", name="See the whole change").click()
        page.wait_for_load_state()
        assert "/changes/" in page.url
        assert page.get_by_role("heading", level=1, name="Petition changed").is_visible()
        assert page.get_by_text("window.__pwned=3").first.is_visible()  # the whole diff, as text
        page.get_by_role("link", name="Latest digest").click()
        page.wait_for_load_state()
        assert page.url == latest.resolve().as_uri()
        assert page.get_by_role("heading", name="Content changes (1)").is_visible()
    finally:
        page.close()
    assert visit.dialogs == [] and visit.page_errors == [] and visit.console_errors == []


@pytest.mark.parametrize(
    "sub", [pytest.param("changes/", id="changes"), pytest.param("history/", id="history")]
)
def test_change_and_history_pages_read_on_a_phone_load_nothing_and_run_nothing(
    browser: Any, reports: Path, sub: str
) -> None:
    paths = sorted((reports / sub).glob("*.html"))
    assert paths
    for path in paths:
        page, visit = open_page(browser, path, 390)
        try:
            assert page.get_by_role("heading", level=1).is_visible()
            assert page.evaluate("window.__pwned") is None
            assert page.locator("script, img, iframe, object, embed, svg").count() == 0
            assert page.locator('a[href^="javascript:" i]').count() == 0
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path.name
            page.screenshot(
                path=str(ARTIFACTS / f"{sub.rstrip('/')}-{path.stem}.png"), full_page=True
            )
        finally:
            page.close()
        assert visit.requests == [path.resolve().as_uri()]
        assert visit.dialogs == [] and visit.page_errors == [] and visit.console_errors == []
