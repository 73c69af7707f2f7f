"""Pages drawn by script: a watched page read in headless Chromium (``render: browser``).

``Renderer`` drives Debian's ``chromium`` through Playwright (the optional extra
``partner-monitor[browser]``; a browser is never downloaded). One browser per run, started
by the first page that needs it and always closed; ``settings.browser.concurrency`` pages
at a time, each in a fresh context (no profile kept, no downloads, no permission prompts,
service workers blocked, WebRTC off, the run's ``user_agent``).

Every request the page makes (documents, frames, scripts, XHR/fetch, styles) is
intercepted and sent by the run's own ``Fetcher`` (``Fetcher.relay``), so the HTTP path's
guards hold: the private-address guard (before the request leaves and after name
resolution) for every origin but the watched page's own (and the hops of its own
redirects) unless ``allow_private_links``; the document cap (``max_page_mb``) and a cap on
all the bytes one page may pull (``settings.browser.max_total_mb``); the whole page within
``settings.browser.time_limit_s``. Images, media and fonts are refused unless the watch
has ``load_media: true``. WebSockets go through the same guard before they connect.

Redirects never reach the browser as redirects (Chromium would follow a fulfilled one
without asking us again): a document's redirect is handed back as a page that sends the
browser on at once (its next request comes here again), a sub-resource's is followed
here, hop by hop, each hop guarded.

What comes out is a ``Rendering``: a ``FetchResult`` whose body is the rendered DOM
(``page.content()``), whose ``final_url`` is where the page ended (redirects made by
script included, as ``hops``), so the very same pipeline as for fetched HTML reads it;
and what happened on the way (read at the time limit, capped, requests refused).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

from monitor.errors import BrowserUnavailable
from monitor.fetch.client import MAX_REDIRECTS, Fetcher
from monitor.fetch.requests import REDIRECTS
from monitor.models import FetchError, FetchResult, Hop

log = logging.getLogger("monitor.fetch")

INSTALL = "pip install 'partner-monitor[browser]' && sudo apt-get install chromium"
CHROMIUM_ENV = "PARTNER_MONITOR_CHROMIUM"  # another chromium binary (tests: a missing one)
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Playwright drives the Chromium it was built with; Debian's may be some releases older or
# newer. Outside this window of major versions around it, we refuse rather than misread.
MAJOR_WINDOW = 12

# Chromium switches: nothing of its own on the network, no WebRTC (it leaks addresses and
# opens UDP we cannot guard), no prompts; the run tag finds a left-behind process.
_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-sync",
    "--disable-quic",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--deny-permission-prompts",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--disable-features=WebRtcHideLocalIpsWithMdns,InterestFeedContentSuggestions,"
    "Translate,MediaRouter,OptimizationHints",
)
# And no WebRTC from script at all.
_NO_WEBRTC = """
for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel']) {
  try { delete window[name]; } catch (e) {}
  try { Object.defineProperty(window, name, {value: undefined}); } catch (e) {}
}
"""
_MEDIA = frozenset({"image", "media", "font"})
# Request headers the browser sets that our client sets itself (or must not pass on).
_DROP_REQUEST = frozenset(
    {"accept-encoding", "connection", "content-length", "host", "keep-alive", "te",
     "transfer-encoding", "upgrade", "proxy-authorization", "proxy-connection"}
)  # fmt: skip
# Answer headers that described the bytes on the wire, not the decoded body we hand over.
_DROP_ANSWER = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
)
QUIET_S = 0.5  # a page is settled once loaded and its network quiet this long
_CONTENT_WAIT_S = 3.0  # to read the DOM after the time limit (a busy script may block it)
_CLOSE_WAIT_S = 10.0


# -- is a browser there? ------------------------------------------------------------------


def chromium_path() -> str:
    """The chromium binary to drive: ``$PARTNER_MONITOR_CHROMIUM``, else Debian's."""
    chosen = os.environ.get(CHROMIUM_ENV)
    if chosen:
        return chosen
    if Path(DEFAULT_CHROMIUM).exists():
        return DEFAULT_CHROMIUM
    return shutil.which("chromium") or DEFAULT_CHROMIUM


def _major(version: str) -> int | None:
    found = re.search(r"(\d+)\.\d+\.\d+", version)
    return int(found.group(1)) if found else None


def playwright_chromium() -> int | None:
    """The major version of the Chromium the installed Playwright was built for."""
    spec = importlib.util.find_spec("playwright")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "driver" / "package" / "browsers.json"
    try:
        data = json.loads(path.read_text())
        for browser in data.get("browsers", []):
            if browser.get("name") == "chromium":
                return _major(str(browser.get("browserVersion", "")))
    except (OSError, ValueError):
        return None
    return None


def problem() -> str | None:
    """Why pages cannot be read in a browser on this machine, with the command that fixes
    it; None when Playwright and a fitting Chromium are installed. Starts no browser."""
    if importlib.util.find_spec("playwright") is None:
        return (
            "Playwright is not installed, and a watch asks for `render: browser`: "
            f"install it with: {INSTALL}"
        )
    binary = chromium_path()
    if not Path(binary).exists():
        return (
            f"Chromium is not installed ({binary} is missing), and a watch asks for "
            f"`render: browser`: install it with: {INSTALL}"
        )
    try:
        shown = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return f"Chromium at {binary} does not start ({exc}): reinstall it with: {INSTALL}"
    have, want = _major(shown), playwright_chromium()
    if have is None:
        return f"Chromium at {binary} does not say its version: reinstall it with: {INSTALL}"
    if want is not None and abs(have - want) > MAJOR_WINDOW:
        version = importlib.metadata.version("playwright")
        return (
            f"Chromium {have} at {binary} does not fit Playwright {version} (built for "
            f"Chromium {want}; {want - MAJOR_WINDOW} to {want + MAJOR_WINDOW} work): "
            f"upgrade both with: {INSTALL} --upgrade"
            if have < want
            else f"Chromium {have} at {binary} is newer than Playwright {version} drives "
            f"(Chromium {want}): upgrade Playwright with: pip install --upgrade "
            "'partner-monitor[browser]'"
        )
    return None


def require() -> None:
    """Raise ``BrowserUnavailable`` (exit 2) when ``problem`` finds one."""
    why = problem()
    if why is not None:
        raise BrowserUnavailable(why)


# -- one page -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rendering:
    """One watched page read in the browser."""

    result: FetchResult  # body: the rendered DOM (UTF-8); final_url: where it ended
    settled: bool = True  # False: it never settled and was read at the time limit
    capped: bool = False  # it pulled more than max_total_mb; later requests were refused
    refused: tuple[str, ...] = ()  # hosts its requests were refused for (private address)
    requests: int = 0  # requests the page made (answered or refused)
    bytes: int = 0  # body bytes it pulled


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


@dataclass
class _Visit:
    """What one page did so far (the route handler's state)."""

    url: str
    budget: int  # bytes all requests may still pull
    doc_cap: int
    allowed: set[str]  # origins the guard lets through (the page's own, its redirects)
    guard: bool
    load_media: bool
    deadline: float  # loop time
    hops: list[Hop] = field(default_factory=list)
    last_doc: FetchResult | None = None  # the main frame's newest document answer
    failure: FetchResult | None = None  # the first document failed: no page at all
    moving_to: str | None = None  # where a redirect handed back to the browser leads
    in_flight: int = 0  # requests being answered now
    last_activity: float = 0.0  # loop time the last request was answered
    capped: bool = False
    truncated: bool = False
    refused: list[str] = field(default_factory=list)
    requests: int = 0
    pulled: int = 0


class Renderer:
    """The run's browser. ``async with Renderer(fetcher, ...) as r: await r.render(url)``.

    The browser starts at the first ``render`` and is closed on leaving, also when the
    run fails or is cancelled. ``tag`` is passed to Chromium as ``--partner-monitor-run``
    so a process left behind can be found (tests do).
    """

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        user_agent: str,
        concurrency: int = 2,
        time_limit_s: float = 30,
        max_total_bytes: int = 20_000_000,
        max_page_bytes: int = 5_000_000,
        allow_private_links: bool = False,
        tag: str | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.user_agent = user_agent
        self.time_limit_s = time_limit_s
        self.max_total_bytes = max_total_bytes
        self.max_page_bytes = max_page_bytes
        self.allow_private_links = allow_private_links
        self.tag = tag or f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self._slots = asyncio.Semaphore(concurrency)
        self._start = asyncio.Lock()
        self._playwright: Any = None
        self._browser: Any = None
        self.started = 0  # browsers launched (one per run)
        self.open_pages = 0  # pages open now
        self.max_open_pages = 0  # the most pages open at once

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the browser and Playwright's driver; never raises."""
        browser, driver = self._browser, self._playwright
        self._browser = self._playwright = None
        if browser is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_CLOSE_WAIT_S):
                    await browser.close()
        if driver is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_CLOSE_WAIT_S):
                    await driver.stop()  # ends the driver, which kills what it launched

    async def _browser_for_run(self) -> Any:
        async with self._start:
            if self._browser is None:
                require()
                from playwright.async_api import async_playwright

                self._playwright = await async_playwright().start()
                try:
                    self._browser = await self._playwright.chromium.launch(
                        executable_path=chromium_path(),
                        headless=True,
                        args=[*_ARGS, f"--partner-monitor-run={self.tag}"],
                    )
                except BaseException:
                    await self.close()
                    raise
                self.started += 1
            return self._browser

    async def render(
        self, url: str, *, wait_for: str | None = None, load_media: bool = False
    ) -> Rendering:
        """Read ``url`` in the browser (see the module doc). Never raises for what a page
        does: a page that cannot be read is a ``FetchResult`` with an error."""
        async with self._slots:
            try:
                browser = await self._browser_for_run()
            except BrowserUnavailable as exc:
                return Rendering(_failed(url, FetchError.OTHER, str(exc)))
            except Exception as exc:
                log.warning("the browser did not start", exc_info=True)
                return Rendering(
                    _failed(url, FetchError.OTHER, f"the browser did not start: {exc}")
                )
            self.open_pages += 1
            self.max_open_pages = max(self.max_open_pages, self.open_pages)
            try:
                return await self._render(browser, url, wait_for=wait_for, load_media=load_media)
            except Exception as exc:  # the browser itself failed (crashed, closed): this page
                log.warning("reading %s in the browser failed", url, exc_info=True)
                detail = f"the browser failed: {type(exc).__name__}: {exc}"[:300]
                return Rendering(_failed(url, FetchError.OTHER, detail))
            finally:
                self.open_pages -= 1

    async def _render(
        self, browser: Any, url: str, *, wait_for: str | None, load_media: bool
    ) -> Rendering:
        loop = asyncio.get_running_loop()
        started = loop.time()
        visit = _Visit(
            url=url,
            budget=self.max_total_bytes,
            doc_cap=self.max_page_bytes,
            allowed={_origin(url)},
            guard=not self.allow_private_links,
            load_media=load_media,
            deadline=started + self.time_limit_s,
        )
        context = await browser.new_context(
            user_agent=self.user_agent,
            service_workers="block",
            accept_downloads=False,
            permissions=[],
            java_script_enabled=True,
        )
        settled = True
        try:
            context.set_default_timeout(0)  # no Playwright timeouts: time_limit_s bounds all
            await context.add_init_script(_NO_WEBRTC)

            async def on_request(route: Any) -> None:
                await self._route(route, visit)

            await context.route("**/*", on_request)
            with contextlib.suppress(AttributeError):  # Playwright before 1.48

                async def on_socket(ws: Any) -> None:
                    await self._socket(ws, visit)

                await context.route_web_socket(re.compile(".*"), on_socket)
            page = await context.new_page()
            try:
                async with asyncio.timeout(self.time_limit_s):
                    try:
                        await page.goto(url, wait_until="commit")
                    except TimeoutError:
                        raise
                    except Exception:
                        # Interrupted by a navigation of its own (a challenge that sets a
                        # cookie and reloads, a redirect by script): wait for where it went.
                        if visit.last_doc is None:
                            raise
                    if wait_for:
                        await page.wait_for_selector(wait_for, state="attached", timeout=0)
                    else:
                        await _settled(page, visit)
            except TimeoutError:
                settled = False
            except Exception as exc:  # a failed navigation: the page's own request failed
                if visit.failure is None and visit.last_doc is None:
                    detail = str(exc).splitlines()[0][:300] if str(exc) else repr(exc)
                    visit.failure = _failed(url, FetchError.OTHER, detail)
            if visit.failure is not None and visit.last_doc is None:
                return self._rendering(visit.failure, visit, settled)
            try:
                async with asyncio.timeout(_CONTENT_WAIT_S):
                    body = (await page.content()).encode("utf-8")
                    final_url = page.url
                    content_type = "text/html; charset=utf-8"
            except Exception:
                # A script that never lets go of the page (a busy loop) keeps the DOM from
                # being read at all: read what the server sent, as at the limit.
                log.info("the DOM of %s could not be read; using the page as served", url)
                doc = visit.last_doc
                assert doc is not None
                body, final_url, settled = doc.body, doc.url, False
                content_type = doc.headers.get("content-type", "text/html")
        finally:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_CLOSE_WAIT_S):
                    await context.close()
        result = self._result(visit, body, final_url, content_type, loop.time() - started)
        return self._rendering(result, visit, settled)

    @staticmethod
    def _rendering(result: FetchResult, visit: _Visit, settled: bool) -> Rendering:
        return Rendering(
            result,
            settled=settled,
            capped=visit.capped,
            refused=tuple(dict.fromkeys(visit.refused)),
            requests=visit.requests,
            bytes=visit.pulled,
        )

    def _result(
        self, visit: _Visit, body: bytes, final_url: str, content_type: str, elapsed: float
    ) -> FetchResult:
        doc = visit.last_doc
        assert doc is not None
        truncated = visit.truncated
        if len(body) > self.max_page_bytes:
            body, truncated = body[: self.max_page_bytes], True
        hops = list(visit.hops)
        last = hops[-1].location if hops else visit.url
        if final_url.split("#")[0] != (last or "").split("#")[0] and final_url.startswith("http"):
            # Moved by script (history.pushState, a hash route) without a new document.
            hops.append(Hop(last or visit.url, 200, final_url.split("#")[0]))
        # Not the document's validators: they describe its bytes, not the rendered DOM.
        headers = {"content-type": content_type}
        return FetchResult(
            url=visit.url,
            final_url=final_url.split("#")[0] if final_url.startswith("http") else doc.url,
            status_code=doc.status_code,
            hops=tuple(hops),
            headers=headers,
            body=body,
            truncated=truncated,
            elapsed_s=elapsed,
        )

    # -- every request of the page ---------------------------------------------------------

    async def _route(self, route: Any, visit: _Visit) -> None:
        """Answer one request of the page through our client, or refuse it."""
        loop = asyncio.get_running_loop()
        visit.in_flight += 1
        try:
            await self._answer(route, visit)
        except Exception:  # the page's request, never the run: refuse it
            log.debug("browser request %s failed", route.request.url, exc_info=True)
            with contextlib.suppress(Exception):
                await route.abort("failed")
        finally:
            visit.in_flight -= 1
            visit.last_activity = loop.time()

    async def _answer(self, route: Any, visit: _Visit) -> None:
        request = route.request
        url: str = request.url
        kind: str = request.resource_type
        visit.requests += 1
        if not url.startswith(("http://", "https://")):
            await route.abort("blockedbyclient")
            return
        if kind in _MEDIA and not visit.load_media:
            await route.abort("blockedbyclient")
            return
        main = kind == "document" and _is_main_frame(request)

        async def refuse(reason: str) -> None:
            if main and visit.last_doc is not None:
                # A page is shown: "204 No Content" keeps it there, where an aborted
                # navigation would put Chromium's error page in its place.
                await route.fulfill(status=204, body=b"")
            else:
                await route.abort(reason)

        if visit.budget <= 0:
            visit.capped = True
            await refuse("blockedbyclient")
            return
        left = visit.deadline - asyncio.get_running_loop().time()
        if left <= 0:
            await refuse("timedout")
            return
        headers = {
            k: v
            for k, v in (await request.all_headers()).items()
            if not k.startswith(":") and k.lower() not in _DROP_REQUEST
        }
        headers["user-agent"] = self.user_agent
        body: bytes | None = request.post_data_buffer
        method: str = request.method
        cap = min(visit.doc_cap, visit.budget) if kind == "document" else visit.budget
        timeout = min(self.fetcher.timeout_s, left)
        moved: Hop | None = None
        if main:
            if url == visit.moving_to:
                visit.moving_to = None  # the browser follows a redirect handed back to it
            elif visit.last_doc is not None and url != visit.last_doc.url:
                # A new document after a page was shown: moved by script (location.href,
                # a form, a meta refresh of the page itself); a hop once it is answered.
                moved = Hop(visit.last_doc.url, 200, url)
        hops = 0
        while True:
            guard = visit.guard and _origin(url) not in visit.allowed
            answer = await self.fetcher.relay(
                method, url, headers=headers, content=body, cap=cap, guard=guard, timeout_s=timeout
            )
            visit.pulled += len(answer.body)
            visit.budget -= len(answer.body)
            if answer.error is not None:
                if answer.error is FetchError.PRIVATE_REDIRECT:
                    visit.refused.append(urlsplit(url).hostname or url)
                if main and visit.last_doc is None and visit.failure is None:
                    visit.failure = _with(answer, url=visit.url)
                await refuse("blockedbyclient" if guard else "failed")
                return
            if moved is not None:
                visit.hops.append(moved)
                moved = None
            status = answer.status_code or 0
            location = answer.headers.get("location")
            if status in REDIRECTS and location:
                target = urljoin(url, location.strip()).split("#")[0]
                if not target.startswith(("http://", "https://")):
                    await route.abort("failed")
                    return
                if kind == "document":
                    # Handed back as a page that moves on at once: the browser's next
                    # request for it comes here again, and page.url follows the move.
                    if main:
                        visit.hops.append(Hop(url, status, target))
                        visit.moving_to = target
                        if visit.last_doc is None:
                            # The watched page's own redirects, as `get` follows them.
                            visit.allowed.add(_origin(target))
                    if len(visit.hops) > MAX_REDIRECTS:
                        await route.abort("failed")
                        return
                    await route.fulfill(
                        status=200,
                        headers=_moving_on_headers(answer.headers),
                        body=_moving_on(target),
                    )
                    return
                hops += 1
                if hops > MAX_REDIRECTS:
                    await route.abort("failed")
                    return
                url = target
                if status == 303:
                    method, body = "GET", None
                continue
            break
        if answer.truncated:
            if not main:
                visit.capped = True
                await refuse("blockedbyclient")
                return
            if visit.budget <= 0:
                visit.capped = True
            else:
                visit.truncated = True
        if main:
            visit.last_doc = answer
        answer_headers = {k: v for k, v in answer.headers.items() if k not in _DROP_ANSWER}
        await route.fulfill(status=status, headers=answer_headers, body=answer.body)

    async def _socket(self, ws: Any, visit: _Visit) -> None:
        """A WebSocket of the page: connected only where a request would be let through."""
        url: str = ws.url
        http = "http" + url[2:] if url.startswith("ws") else url
        guard = visit.guard and _origin(http) not in visit.allowed
        if guard and not await self.fetcher.is_public(http):
            visit.refused.append(urlsplit(http).hostname or http)
            await ws.close()
            return
        ws.connect_to_server()


async def _settled(page: Any, visit: _Visit) -> None:
    """Return once the page is loaded and its network has been quiet for ``QUIET_S``.

    Counted on our own route (every request of the page passes it), not Playwright's load
    states: those wait for ever on a navigation we answered with 204 to keep the page.
    """
    loop = asyncio.get_running_loop()
    while True:
        quiet = visit.in_flight == 0 and loop.time() - visit.last_activity >= QUIET_S
        if quiet and visit.last_doc is not None:
            try:
                ready = await page.evaluate("document.readyState")
            except Exception:  # a navigation replaced the document meanwhile: look again
                ready = None
            if ready == "complete" and visit.in_flight == 0:
                return
        await asyncio.sleep(0.05)


def _is_main_frame(request: Any) -> bool:
    try:
        return request.frame.parent_frame is None
    except Exception:  # a worker's request has no frame
        return False


def _moving_on(target: str) -> str:
    safe = escape(target, quote=True)
    return (
        f'<!doctype html><meta http-equiv="refresh" content="0;url={safe}">'
        f'<a href="{safe}">moved</a>'
    )


def _moving_on_headers(headers: dict[str, str]) -> dict[str, str]:
    out = {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"}
    if "set-cookie" in headers:
        out["set-cookie"] = headers["set-cookie"]  # the "set a cookie, come back" dance
    return out


def _failed(url: str, kind: FetchError, detail: str) -> FetchResult:
    return FetchResult(url, url, None, error=kind, error_detail=detail)


def _with(result: FetchResult, **changes: Any) -> FetchResult:
    import dataclasses

    return dataclasses.replace(result, **changes)
