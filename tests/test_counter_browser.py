"""The counters section in a real browser (Debian's chromium through Playwright): the
chart's bars and the goal bar have a size on a phone and on a desktop, nothing sticks out
sideways, and the page loads nothing but itself. Skipped like tests/test_browser.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import ARGS, CHROMIUM, require_browser
from test_counter_digest import written

from monitor import digest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
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


@pytest.mark.parametrize(
    "width", [pytest.param(390, id="phone-390px"), pytest.param(1280, id="desktop-1280px")]
)
def test_the_counter_chart_shows_in_the_browser(browser: Any, tmp_path: Path, width: int) -> None:
    path = tmp_path / "digest.html"
    path.write_text(digest.render_html(written(tmp_path)), encoding="utf-8")
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path.resolve().as_uri())
    try:
        bars = page.locator(".pm-chart td div").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect()).map(r => [r.width, r.height])"
        )
        progress = page.locator(".pm-progress td").first.bounding_box()
        seen = (
            len(bars),
            all(w > 0 and h > 0 for w, h in bars),
            progress is not None and progress["width"] > 0,
            page.get_by_role("img", name="Chart of the last 30 days").count() == 1,
            page.evaluate("document.documentElement.scrollWidth") <= width,
            requests == [path.resolve().as_uri()],
        )
    finally:
        page.close()
    assert seen == (3, True, True, True, True, True)
