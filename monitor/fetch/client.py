"""The ``Fetcher``: URL in, ``FetchResult`` out; never raises for a network problem.

Retries, slots and the exchange itself are ``requests.Requests``, which it builds on.

HTTP answers are not errors: a 404 or a 503 comes back as ``status_code`` with
``error=None`` (after the retries) and ``classify`` judges it. On a redirect error
``status_code`` is the last redirect's code and ``hops`` ends with it; on a transport
error it is None. ``attempts`` counts the tries of the last request (1 + retries used),
``elapsed_s`` the whole fetch, backoff included.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import logging
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Concatenate, ParamSpec
from urllib.parse import urldefrag, urlsplit

import httpx

from monitor.fetch import archive, guard
from monitor.fetch.failures import Failure, invalid_url
from monitor.fetch.limits import Lane
from monitor.fetch.requests import REDIRECTS, Requests, _Answer
from monitor.models import FetchError, FetchResult, Hop, host_key

log = logging.getLogger("monitor.fetch")


MAX_REDIRECTS = 10
_ARCHIVE_MAX_BYTES = 1_000_000


def _strip_fragment(url: str) -> str:
    return urldefrag(url.strip()).url


def _resolve_location(base: str, location: str | None) -> tuple[str | None, str | None]:
    """(absolute target without fragment, None) or (None, why the Location is unusable)."""
    if location is None or not location.strip():
        return None, "no Location header"
    raw = location.strip()
    shown = raw if len(raw) <= 120 else raw[:117] + "..."
    try:
        target = httpx.URL(base).join(raw)
    except (httpx.InvalidURL, ValueError, UnicodeError):
        return None, f"points to an invalid address ({shown})"
    if target.scheme not in ("http", "https"):
        return None, f"points to a {target.scheme or 'non-web'}: address ({shown})"
    if not target.host:
        return None, f"points to an address without a host ({shown})"
    if invalid_url(str(target)) is not None:
        return None, f"points to an invalid address ({shown})"
    return _strip_fragment(str(target)), None


_P = ParamSpec("_P")


def _never_raises(
    fetch: Callable[Concatenate[Fetcher, str, str, _P], Awaitable[FetchResult]],
) -> Callable[Concatenate[Fetcher, str, str, _P], Awaitable[FetchResult]]:
    """Wrap ``Fetcher._fetch(url, method, ...)`` so an unforeseen exception becomes data.

    A bug or an input nobody foresaw must cost one URL its status, not the whole run: it
    is logged with its traceback and returned as an OTHER failure of that URL.
    """

    async def safe(
        self: Fetcher, url: str, method: str, /, *args: _P.args, **kwargs: _P.kwargs
    ) -> FetchResult:
        try:
            return await fetch(self, url, method, *args, **kwargs)
        except Exception as exc:
            log.warning("unexpected error fetching %s", url, exc_info=True)
            detail = f"unexpected error: {type(exc).__name__}: {exc}"[:300]
            return FetchResult(
                url, url, None, method=method, error=FetchError.OTHER, error_detail=detail
            )

    return safe


class Fetcher(Requests):
    """One run's HTTP client. Use as ``async with Fetcher(user_agent=...) as fetcher:``.

    Every public fetch method returns a ``FetchResult`` and never raises for a network
    problem. ``transport`` replaces the network (tests: ``httpx.MockTransport``); the
    pool limits then belong to that transport.
    """

    # -- public API -------------------------------------------------------------------

    async def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> FetchResult:
        """Fetch a watched page: full GET, body capped at ``max_page_bytes``.

        ``headers`` (e.g. If-None-Match / If-Modified-Since) are sent on every hop; a
        304 answer gives ``not_modified=True``. The watched URL and its redirects are
        fetched even when private: the config, not a page, chose them.
        """
        return self._counted(
            await self._fetch(
                url,
                "GET",
                headers=headers,
                cap=self.max_page_bytes,
                link=False,
                guard=False,
                lane=Lane.FIRST,
            )
        )

    async def probe(
        self, url: str, *, method: str = "GET", expect_slow: bool = False
    ) -> FetchResult:
        """Check a link found on a page.

        ``GET`` streams the answer and keeps at most ``max_link_bytes`` of a 2xx HTML
        body (enough for title, h1 and soft-404 fingerprints), nothing of other types.
        ``HEAD`` asks HEAD once and repeats as GET when HEAD gives no 2xx/3xx answer
        (405, 501, any other 4xx/5xx, or a transport error other than DNS). Unless
        ``allow_private_links``, a link whose host is or resolves to a non-public
        address, first or at any hop, is not fetched (``PRIVATE_REDIRECT``).
        ``expect_slow`` (its last check timed out) queues it ahead of the other links (see
        ``Lane``). Raises ValueError for a method other than GET or HEAD.
        """
        lane = Lane.SLOW if expect_slow else Lane.NORMAL
        method = method.upper()
        if method not in ("GET", "HEAD"):
            raise ValueError(f"probe method must be GET or HEAD, not {method!r}")
        guard = not self.allow_private_links
        if method == "GET":
            return self._counted(
                await self._fetch(
                    url, "GET", cap=self.max_link_bytes, link=True, guard=guard, lane=lane
                )
            )
        head = await self._fetch(url, "HEAD", cap=0, link=True, guard=guard, retries=0, lane=lane)
        if head.error is None and head.status_code is not None and head.status_code < 400:
            return self._counted(head)
        if head.error in (FetchError.PRIVATE_REDIRECT, FetchError.DNS):
            return self._counted(head)  # GET would meet the same wall
        self._head_fallbacks += 1
        got = await self._fetch(
            url, "GET", cap=self.max_link_bytes, link=True, guard=guard, lane=lane
        )
        return self._counted(dataclasses.replace(got, elapsed_s=head.elapsed_s + got.elapsed_s))

    async def missing_path(self, url: str) -> FetchResult:
        """GET a random path that cannot exist on ``url``'s host (``/<uuid hex>-pm-probe``).

        The answer is what ``classify.host_profile`` turns into the host's soft-404 profile;
        it is fetched like a link (same cap, same private-address guard).
        """
        parts = urlsplit(url)
        probe_url = f"{parts.scheme}://{parts.netloc}/{uuid.uuid4().hex}-pm-probe"
        guard = not self.allow_private_links
        return self._counted(
            await self._fetch(
                probe_url, "GET", cap=self.max_link_bytes, link=True, guard=guard, lane=Lane.FIRST
            )
        )

    async def relay(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        content: bytes | None = None,
        cap: int,
        guard: bool,
        timeout_s: float | None = None,
    ) -> FetchResult:
        """One request a browser page makes (``render``), sent by this client instead.

        No redirect is followed (the caller hands a redirect back to the browser, whose
        next request comes here again), no retry, no cookie of the run's jar (the page
        sends its own in ``headers``); at most ``cap`` body bytes; with ``guard`` the
        private-address guard of links, before the request leaves and after name
        resolution. Never raises: failures are data, as for ``get``.
        """
        url = _strip_fragment(url)
        started = asyncio.get_running_loop().time()

        def failed(failure: Failure) -> FetchResult:
            return FetchResult(
                url, url, None, method=method, error=failure.kind, error_detail=failure.detail
            )

        try:
            invalid = invalid_url(url)
            if invalid is not None:
                return self._counted(failed(invalid))
            if guard:
                blocked = await self._private_reason(url)
                if blocked is not None:
                    return self._counted(failed(blocked))
            outcome = await self._attempt(
                method,
                url,
                headers,
                cap=cap,
                link=False,
                timeout_s=timeout_s,
                lane=Lane.FIRST,
                content=content,
                jar=False,
            )
        except Exception as exc:  # by contract: one request of a page, never the run
            log.warning("unexpected error relaying %s", url, exc_info=True)
            return failed(Failure(FetchError.OTHER, f"unexpected error: {exc!r}"[:300]))
        if isinstance(outcome, Failure):
            return self._counted(failed(outcome))
        return FetchResult(
            url,
            url,
            outcome.status,
            headers=outcome.headers,
            body=outcome.body,
            truncated=outcome.truncated,
            method=method,
            elapsed_s=asyncio.get_running_loop().time() - started,
        )

    async def is_public(self, url: str) -> bool:
        """True when the private-address guard lets ``url`` through (its host is, and
        resolves to, public addresses only); False for a private one or a DNS failure."""
        return await self._private_reason(url) is None

    async def archive_lookup(self, api: str, url: str, *, timeout_s: float = 5.0) -> str | None:
        """An archived copy of ``url`` from a Wayback-style availability API (``archive``),
        or None when there is none or anything at all goes wrong (one attempt,
        ``timeout_s``). Never raises."""
        try:
            outcome = await self._attempt(
                "GET",
                archive.request_url(api, url),
                None,
                cap=_ARCHIVE_MAX_BYTES,
                link=False,
                timeout_s=timeout_s,
                rank=host_key(url),  # made for that link: it ranks as the link's host
            )
            if isinstance(outcome, Failure) or outcome.status != 200:
                return None
            return archive.snapshot(outcome.body)
        except Exception as exc:  # by contract: an archive problem only loses a suggestion
            log.debug("archive lookup for %s failed: %r", url, exc)
        return None

    # -- one URL: redirects hop by hop -----------------------------------------------

    @_never_raises
    async def _fetch(
        self,
        url: str,
        method: str,
        *,
        cap: int,
        link: bool,
        guard: bool,
        headers: Mapping[str, str] | None = None,
        retries: int | None = None,
        lane: Lane = Lane.NORMAL,
    ) -> FetchResult:
        """Follow ``url``'s redirects one hop at a time; every hop gets its own retries.

        Never raises for anything a server or page sends (see ``_never_raises``).
        """
        loop = asyncio.get_running_loop()
        started = loop.time()
        url = _strip_fragment(url)
        current = url
        # Every hop waits for its global slot as a request of the link's own host: the
        # host whose links are left to check (``prefer_hosts``), wherever a hop leads.
        rank = host_key(url)
        hops: list[Hop] = []
        # URL -> (visits, cookie epoch at the last visit). Coming back to a URL is a loop,
        # unless a cookie was set since: the "set cookie, then come back" dance of real sites.
        seen: dict[str, tuple[int, int]] = {}
        cookie_epoch = 0

        def finish(
            answer: _Answer | None = None,
            *,
            failure: Failure | None = None,
            attempts: int = 1,
        ) -> FetchResult:
            return FetchResult(
                url=url,
                final_url=current,
                status_code=None if answer is None else answer.status,
                hops=tuple(hops),
                headers={} if answer is None else answer.headers,
                body=b"" if answer is None else answer.body,
                truncated=answer is not None and answer.truncated,
                method=method,
                error=None if failure is None else failure.kind,
                error_detail=None if failure is None else failure.detail,
                timeout_s=(
                    self.timeout_s
                    if failure is not None and failure.kind is FetchError.TIMEOUT
                    else None
                ),
                attempts=attempts,
                elapsed_s=loop.time() - started,
                not_modified=answer is not None and failure is None and answer.status == 304,
            )

        invalid = invalid_url(url)
        if invalid is not None:
            return finish(failure=invalid)
        while True:
            visits, _ = seen.get(current, (0, 0))
            seen[current] = (visits + 1, cookie_epoch)
            if guard:
                blocked = await self._private_reason(current)
                if blocked is not None:
                    return finish(failure=blocked)
            outcome, attempts = await self._request(
                method, current, headers, cap=cap, link=link, retries=retries, lane=lane, rank=rank
            )
            if isinstance(outcome, Failure):
                return finish(failure=outcome, attempts=attempts)
            if outcome.status not in REDIRECTS:
                return finish(outcome, attempts=attempts)
            location = outcome.headers.get("location")
            target, problem = _resolve_location(current, location)
            hops.append(Hop(current, outcome.status, target or location))  # raw when unusable
            if "set-cookie" in outcome.headers:
                cookie_epoch += 1
            if target is None:
                bad = Failure(FetchError.BAD_REDIRECT, problem or "bad redirect")
                return finish(outcome, failure=bad, attempts=attempts)
            failure: Failure | None = None
            if target in seen and (seen[target][0] >= 2 or seen[target][1] == cookie_epoch):
                failure = Failure(FetchError.REDIRECT_LOOP, f"redirects back to {target}")
            elif len(hops) > MAX_REDIRECTS:
                detail = f"more than {MAX_REDIRECTS} redirects"
                failure = Failure(FetchError.TOO_MANY_REDIRECTS, detail)
            if failure is not None:
                return finish(outcome, failure=failure, attempts=attempts)
            if outcome.status == 303 and method != "HEAD":
                method = "GET"
            self._redirects += 1
            current = target

    async def _private_reason(self, url: str) -> Failure | None:
        """PRIVATE_REDIRECT (or DNS) failure when ``url``'s host is not public, else None."""
        try:
            host = httpx.URL(url).raw_host.decode("ascii")
        except (httpx.InvalidURL, UnicodeError, ValueError):
            return None  # the request itself will report the bad URL
        name = host.lower().rstrip(".")
        if name == "localhost" or name.endswith(".localhost"):
            # RFC 6761: these names are loopback whatever a resolver answers.
            return Failure(FetchError.PRIVATE_REDIRECT, f"{host} is a loopback address")
        try:
            addresses = [host.strip("[]")]
            ipaddress.ip_address(addresses[0])
            literal = True
        except ValueError:
            literal = False
            try:
                addresses = await self._lookup(host)
            except OSError as exc:
                return Failure(FetchError.DNS, str(exc) or f"{host} does not resolve")
            except UnicodeError:  # a label over 63 characters, an empty label...
                return Failure(
                    FetchError.INVALID_URL, f"invalid URL: {host[:80]} is not a host name"
                )
        for address in addresses:
            kind = guard.private_kind(ipaddress.ip_address(address.split("%")[0]))
            if kind is not None:
                where = f"{host} is" if literal else f"{host} resolves to {address},"
                return Failure(FetchError.PRIVATE_REDIRECT, f"{where} a {kind} address")
        return None

    async def _lookup(self, host: str) -> list[str]:
        """The addresses of ``host``, looked up once per run (failures too); raises OSError."""
        task = self._dns.get(host)
        if task is None:
            task = self._dns[host] = asyncio.ensure_future(self._addresses(host))
        # shield: a caller that times out must not cancel the lookup others are waiting for
        return await asyncio.shield(task)

    @staticmethod
    async def _addresses(host: str) -> list[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
        return sorted({str(info[4][0]) for info in infos})

    # -- one request: retries --------------------------------------------------------

    # -- one attempt: limits, timeout, body ------------------------------------------
