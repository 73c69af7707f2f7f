"""Requests on the wire: slots per host and in all, retries with backoff and ``Retry-After``,
one attempt's exchange (body caps on decoded bytes, so a gzip bomb stops early), and the
counters. ``client.Fetcher`` builds redirects, the guard and its public calls on it.

Retries. Up to ``retries`` extra attempts per request for timeouts, resets, 429 and 5xx
(except 501/505, which do not change by asking again), sleeping
``backoff_base_s * 2**(n-1)`` with ±50 % jitter, or the server's ``Retry-After`` when
that is longer (capped at ``retry_after_cap_s``); a timed-out attempt is repeated with
no backoff, as it already waited ``timeout_s`` without a byte from the server, but
while links not yet tried wait for slots, such retries found in this run wait too, up
to one timeout of all slots (``Fetcher._defer_retry``). A
``Retry-After`` also makes every other request to that host wait. HEAD probes are not
retried: they fall back to GET.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import math
import random
import zlib
from collections import Counter, deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import httpx

from monitor import media
from monitor.fetch.failures import Failure, failure_from
from monitor.fetch.limits import Lane, Slots
from monitor.models import LINK_WINDOW_BYTES, FetchError, FetchResult, host_key

log = logging.getLogger("monitor.fetch")

_NOT_RETRIED_5XX = frozenset({501, 505})  # "not implemented" does not change by asking again

_DRAIN_LIMIT = 16_384  # unwanted bodies up to this size are read so the connection is reused

_KEEPALIVE_S = 15.0  # idle connections kept this long for the next link on the same host

_ACCEPT_ENCODING = "gzip, deflate"  # only what _Decoder decodes with a bounded output


@dataclass(frozen=True, slots=True)
class FetchStats:
    """Counters of one ``Fetcher`` (a snapshot)."""

    requests: int  # HTTP requests sent: every attempt of every hop
    retries: int  # attempts repeated after a timeout, reset, 429 or 5xx
    redirects: int  # redirect hops followed
    head_fallbacks: int  # HEAD probes that had to be repeated as GET
    private_skipped: int  # links not fetched because of a private address
    bytes_received: int  # decoded body bytes kept
    errors: Mapping[str, int]  # FetchError value -> fetches that ended with it
    max_in_flight: int  # the most requests in flight at once
    max_in_flight_per_host: Mapping[str, int]  # scheme://netloc -> the most at once


@dataclass(frozen=True, slots=True)
class _Answer:
    """One HTTP answer to one request (no redirect following)."""

    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool


class _Decoder:
    """Content-Encoding decoder whose output per call is bounded, so a bomb stops early."""

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self._retry_raw_deflate = False
        self._zlib: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            # "deflate" is zlib-wrapped by the RFC but raw deflate on many servers.
            self._zlib = zlib.decompressobj()
            self._retry_raw_deflate = True
        # identity, or an encoding we never asked for: kept as is (signals just find less)

    def decode(self, data: bytes, limit: int) -> bytes:
        """Return at most ``limit`` (>= 1) decoded bytes of ``data``; raises zlib.error."""
        if self._zlib is None:
            return data[:limit]
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error:
            if not self._retry_raw_deflate:
                raise
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, limit)
        self._retry_raw_deflate = False
        return out


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def default_transport(*, per_host: int, max_pools: int) -> httpx.AsyncBaseTransport:
    """Our per-host pools on asyncio sockets (``wire.HostPools``), or httpx's own transport
    when they cannot load (an httpcore outside the range ``wire`` was written for): slower
    on big runs, the same requests on the wire, and the run goes on."""
    try:
        from monitor.fetch.wire import HostPools

        return HostPools(per_host=per_host, max_pools=max_pools, keepalive_expiry=_KEEPALIVE_S)
    except (ImportError, AttributeError, TypeError) as exc:
        log.warning("using httpx's own transport: partner-monitor's could not load (%s)", exc)
        return httpx.AsyncHTTPTransport(
            limits=httpx.Limits(
                max_connections=None,
                max_keepalive_connections=max_pools,
                keepalive_expiry=_KEEPALIVE_S,
            )
        )


REDIRECTS = frozenset({301, 302, 303, 307, 308})


class Requests:
    """A run's requests: the transport, its limits, retries and counters."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout_s: float = 20,
        concurrency: int = 64,
        per_host: int = 4,
        retries: int = 2,
        allow_private_links: bool = False,
        max_page_bytes: int = 5_000_000,
        max_link_bytes: int = LINK_WINDOW_BYTES,
        retry_after_cap_s: float = 30.0,
        backoff_base_s: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if concurrency < 1 or per_host < 1:
            raise ValueError("concurrency and per_host must be at least 1")
        self.user_agent = user_agent
        self.timeout_s = timeout_s
        self.concurrency = concurrency
        self.per_host = per_host
        self.retries = max(0, retries)
        self.allow_private_links = allow_private_links
        self.max_page_bytes = max_page_bytes
        self.max_link_bytes = max_link_bytes
        self.retry_after_cap_s = retry_after_cap_s
        self.backoff_base_s = backoff_base_s
        self._transport = transport
        self._send: httpx.AsyncBaseTransport | None = None  # set while open (async with)
        self._cookies = httpx.Cookies()  # one jar per opening, as a browser session keeps
        self._headers = httpx.Headers(
            {
                "User-Agent": user_agent,
                "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                "Accept-Encoding": _ACCEPT_ENCODING,
                "Connection": "keep-alive",
            }
        )
        # httpcore's own connect/read/write/pool timeouts, inside the asyncio.timeout of
        # each attempt (what httpx.AsyncClient(timeout=timeout_s) would pass on).
        self._timeouts = httpx.Timeout(timeout_s).as_dict()
        self._global_slots = Slots(concurrency, self._slow_cap, self._release_deferred)
        # Retries of attempts that timed out in this run, waiting (holding no slot) for the
        # links not yet tried: (their slot-seconds, the future that lets them go), oldest
        # first; see _defer_retry.
        self._deferred: deque[tuple[float, asyncio.Future[None]]] = deque()
        self._deferred_work = 0.0
        self._host_slots: dict[str, Slots] = {}
        # Work waiting or under way, in slot-seconds, behind _slow_cap: SLOW attempts count
        # timeout_s for each attempt they may still make, the others their typical hold.
        self._slow_work = 0.0
        self._normal_attempts = 0
        self._normal_hold_s = 0.1  # running mean of a NORMAL attempt's slot time
        # Link probes a caller has queued but not asked for yet (see ``expect``).
        self._expected_normal = 0
        self._expected_slow = 0
        self._not_before: dict[str, float] = {}  # host -> loop time its Retry-After ends
        self._dns: dict[str, asyncio.Future[list[str]]] = {}  # host -> one shared lookup
        # counters behind stats()
        self._in_flight = 0
        self._in_flight_host: Counter[str] = Counter()
        self._max_in_flight = 0
        self._max_in_flight_host: dict[str, int] = {}
        self._requests = 0
        self._retries_done = 0
        self._redirects = 0
        self._head_fallbacks = 0
        self._private_skipped = 0
        self._bytes = 0
        self._errors: Counter[str] = Counter()

    async def __aenter__(self) -> Self:
        self._cookies = httpx.Cookies()
        self._send = self._transport or default_transport(
            per_host=self.per_host, max_pools=max(16, self.concurrency)
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._send is not None:
            await self._send.aclose()
            self._send = None

    def expect(self, probes: int, *, slow: bool = False) -> None:
        """Count ``probes`` link probes that will be asked for later (negative: asked now).

        A caller that queues its links and asks for a few at a time (``pipeline.queue.LinkQueue``)
        declares the rest here, so the ``SLOW`` lane's share of the slots (``_slow_cap``)
        is its share of all the work left, as when every link waited here. Counted from
        the requests under way only (a few hundred), the slow work would look like most
        of what is left and take most of the slots while thousands of links wait.
        ``slow``: probes that will be asked with ``expect_slow``.
        """
        if slow:
            self._expected_slow += probes
        else:
            self._expected_normal += probes

    def prefer_hosts(self, backlog: Mapping[str, int]) -> None:
        """Serve link requests host by host, the host with the most in ``backlog`` first.

        ``backlog``: host key (``models.host_key``) -> links it has left, kept current by
        the caller (``pipeline.queue.LinkQueue``); hosts not in it count 0. A request counts for the
        host of the URL it was asked for: a redirect hop to another host, or the archive
        lookup for a broken link, waits as one of that link's host. Without it requests of
        the ``NORMAL`` lane get global slots first come, first served, and a host whose own
        slots are mostly held (hanging links, ``Retry-After``) falls behind the others
        (see ``_ByBacklog``). Call before the first request waits for a slot.
        """
        self._global_slots.serve_by_backlog(backlog)

    def slow_waiting(self) -> int:
        """``SLOW`` requests waiting for a global slot now (over their share, see ``Lane``)."""
        return self._global_slots.waiting(Lane.SLOW)

    def stats(self) -> FetchStats:
        """A snapshot of the counters (see ``FetchStats``)."""
        return FetchStats(
            requests=self._requests,
            retries=self._retries_done,
            redirects=self._redirects,
            head_fallbacks=self._head_fallbacks,
            private_skipped=self._private_skipped,
            bytes_received=self._bytes,
            errors=dict(self._errors),
            max_in_flight=self._max_in_flight,
            max_in_flight_per_host=dict(self._max_in_flight_host),
        )

    def _counted(self, result: FetchResult) -> FetchResult:
        """Count how a public fetch ended (``stats().errors``) and hand the result on."""
        if result.error is not None:
            self._errors[result.error.value] += 1
            if result.error is FetchError.PRIVATE_REDIRECT:
                self._private_skipped += 1
        return result

    async def _request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        *,
        cap: int,
        link: bool,
        retries: int | None,
        lane: Lane = Lane.NORMAL,
        rank: str = "",
    ) -> tuple[_Answer | Failure, int]:
        """Send one request with retries; return the last outcome and the attempts made.

        ``rank``: the host the request counts for in ``prefer_hosts`` (see ``_slot``).
        """
        allowed = self.retries if retries is None else retries
        attempt = 0
        while True:
            attempt += 1
            # Bookkeeping for _slow_cap: a SLOW attempt may cost timeout_s for itself and
            # for each retry it may still need.
            slow_work = self.timeout_s * (allowed + 2 - attempt) if lane is Lane.SLOW else 0.0
            self._slow_work += slow_work
            self._normal_attempts += lane is not Lane.SLOW
            try:
                outcome = await self._attempt(
                    method, url, headers, cap=cap, link=link, lane=lane, rank=rank
                )
            finally:
                self._slow_work -= slow_work
                self._normal_attempts -= lane is not Lane.SLOW
            delay = self._retry_delay(url, outcome, attempt)
            if delay is None or attempt > allowed:
                return outcome, attempt
            self._retries_done += 1
            if isinstance(outcome, Failure) and outcome.kind is FetchError.TIMEOUT:
                if lane is not Lane.SLOW:  # found slow in this run, by its first timeout
                    await self._defer_retry(self.timeout_s * (allowed + 1 - attempt))
                lane = min(lane, Lane.SLOW)  # known slow now: its retry is the long job
            if delay > 0:
                await asyncio.sleep(delay)  # holding no slot

    def _retry_delay(self, url: str, outcome: _Answer | Failure, attempt: int) -> float | None:
        """Seconds to wait before asking again, or None when asking again is pointless.

        Side effect: a 429/503 with Retry-After sets the host's not-before time, so the
        other requests to that host wait as well.
        """
        backoff = self.backoff_base_s * 2.0 ** (attempt - 1) * random.uniform(0.5, 1.5)
        backoff = min(backoff, self.retry_after_cap_s)
        if isinstance(outcome, Failure):
            if outcome.kind is FetchError.TIMEOUT:
                # The attempt already waited timeout_s without a byte from the server (the
                # slot is free again): a backoff on top only delays the end of a run with
                # hanging links (bench/results/2026-12-04-design-notes.md).
                return 0.0
            return backoff if outcome.kind is FetchError.RESET else None
        status = outcome.status
        if status != 429 and not (500 <= status <= 599 and status not in _NOT_RETRIED_5XX):
            return None
        asked = retry_after(outcome.headers.get("retry-after"))
        if asked is None:
            return backoff
        wait = min(asked, self.retry_after_cap_s)
        until = asyncio.get_running_loop().time() + wait
        key = host_key(url)
        self._not_before[key] = max(self._not_before.get(key, 0.0), until)
        return max(backoff, wait)

    async def _defer_retry(self, work_s: float) -> None:
        """Wait, holding no slot, while links not yet tried wait for slots.

        For the retry of an attempt that timed out in this run, ``work_s`` the slot time
        it may take (timeout_s per attempt left). A run ends no earlier than its last
        hanging link's first attempt + timeout x attempts, and that link may be among the
        last tried: each slot a retry takes before then pushes it later. Retries wait for
        the untried links as long as all that wait fit in what every slot does in one
        timeout, the run's last, beside that link's own retry; the oldest goes when they
        would not. Waiting on a slot of its host instead (a share of the SLOW lane's
        slots), a retry kept the host's links waiting too, and the run was slower than with
        no deferral at all (bench/results/2026-12-04-design-notes.md).
        """
        if self._global_slots.waiting(Lane.NORMAL) == 0:
            return
        go: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (work_s, go)
        self._deferred.append(entry)
        self._deferred_work += work_s
        self._release_deferred()
        try:
            await go
        finally:
            # Cancelled while waiting (cancelling a task cancels the future it awaits):
            # leave the queue, unless _release_deferred already took it out.
            if go.cancelled():
                with contextlib.suppress(ValueError):
                    self._deferred.remove(entry)
                    self._deferred_work -= work_s

    def _release_deferred(self) -> None:
        """Let deferred retries go: all once no untried link waits, else the oldest while
        those waiting exceed one timeout of every slot (see ``_defer_retry``)."""
        if not self._deferred:
            return
        everyone = self._global_slots.waiting(Lane.NORMAL) == 0
        while self._deferred and (
            everyone or self._deferred_work > self.concurrency * self.timeout_s
        ):
            work_s, go = self._deferred.popleft()
            self._deferred_work -= work_s
            if not go.done():
                go.set_result(None)

    def _slow_cap(self) -> int:
        """How many global slots the ``SLOW`` lane may hold now.

        Its share of the slots is its share of the work left, so the long jobs and the
        short ones end together: all slots to the slow jobs first (longest job first) left
        the short ones to run after them on a CPU-bound event loop (see
        bench/results/2026-12-04-design-notes.md).
        """
        normal = (self._normal_attempts + self._expected_normal) * self._normal_hold_s
        if normal <= 0:
            return self.concurrency
        # A probe still to come, expected slow, may cost timeout_s for each of its attempts.
        slow = self._slow_work + self._expected_slow * self.timeout_s * (self.retries + 1)
        share = slow / (slow + normal)
        return max(1, math.ceil(self.concurrency * share))

    @contextlib.asynccontextmanager
    async def _slot(
        self, key: str, *, lane: Lane = Lane.NORMAL, rank: str = ""
    ) -> AsyncIterator[None]:
        """Hold a slot of ``key``'s host, then a global one (in that order, see module doc).

        ``rank``: the host whose links this request serves, for ``prefer_hosts`` (default
        ``key``); a redirect hop or an archive lookup made for a link ranks as its host.
        """
        wait = self._not_before.get(key, 0.0) - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)  # the host asked for a pause (Retry-After)
        host_slots = self._host_slots.get(key)
        if host_slots is None:
            host_slots = self._host_slots[key] = Slots(self.per_host)
        await host_slots.acquire(lane)
        try:
            await self._global_slots.acquire(lane, rank or key)
        except BaseException:
            host_slots.release(lane)
            raise
        loop = asyncio.get_running_loop()
        held_from = loop.time()
        self._in_flight += 1
        self._in_flight_host[key] += 1
        self._max_in_flight = max(self._max_in_flight, self._in_flight)
        here = self._in_flight_host[key]
        if here > self._max_in_flight_host.get(key, 0):
            self._max_in_flight_host[key] = here
        try:
            yield
        finally:
            self._in_flight -= 1
            self._in_flight_host[key] -= 1
            if lane is not Lane.SLOW:
                self._normal_hold_s += 0.05 * (loop.time() - held_from - self._normal_hold_s)
            self._global_slots.release(lane)
            host_slots.release(lane)

    async def _attempt(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        *,
        cap: int,
        link: bool,
        timeout_s: float | None = None,
        lane: Lane = Lane.NORMAL,
        rank: str = "",
        content: bytes | None = None,
        jar: bool = True,
    ) -> _Answer | Failure:
        """Send one request and read its body within the timeout; never raises.

        ``content``: a request body (a browser's POST); ``jar=False``: neither send nor keep
        the run's cookies (a browser page keeps its own).
        """
        if self._send is None:
            raise RuntimeError("use the Fetcher as `async with Fetcher(...) as fetcher`")
        limit = self.timeout_s if timeout_s is None else timeout_s
        async with self._slot(host_key(url), lane=lane, rank=rank):
            try:
                async with asyncio.timeout(limit):
                    return await self._exchange(
                        self._send, method, url, headers, cap, link, content=content, jar=jar
                    )
            except Exception as exc:  # failures are data; failure_from logs surprises
                return failure_from(exc, limit)

    async def _exchange(
        self,
        transport: httpx.AsyncBaseTransport,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        cap: int,
        link: bool,
        *,
        content: bytes | None = None,
        jar: bool = True,
    ) -> _Answer:
        """One request and its answer, straight through the transport.

        Not through ``httpx.AsyncClient.send``: we follow redirects ourselves and need
        none of its auth or redirect machinery, and per request it parsed the URL again
        and ran the cookie jar's ``extract_cookies`` (a ``urllib.request`` round trip)
        on every answer, Set-Cookie or not: a noticeable share of a probe's CPU, and a
        first run's event loop is CPU-bound while it starts links (see
        bench/results/2026-12-04-design-notes.md). Cookies are kept as the client kept
        them, in one jar for the run.
        """
        sent = self._headers
        if headers:
            sent = self._headers.copy()
            sent.update(headers)
        request = httpx.Request(
            method, url, headers=sent, content=content, extensions={"timeout": self._timeouts}
        )
        if jar and self._cookies.jar:
            self._cookies.set_cookie_header(request)
        self._requests += 1
        response = await transport.handle_async_request(request)
        response.request = request
        try:
            if jar and "set-cookie" in response.headers:
                self._cookies.extract_cookies(response)
            answer_headers = {k.lower(): v for k, v in response.headers.items()}
            cookies = response.headers.get_list("set-cookie")
            if len(cookies) > 1:  # one per line, not comma-joined: dates hold commas
                answer_headers["set-cookie"] = "\n".join(cookies)
            status = response.status_code
            wanted = (
                method != "HEAD"
                and status not in REDIRECTS
                and (
                    not link
                    or (
                        200 <= status < 300
                        and media.may_be_html(answer_headers.get("content-type", ""))
                    )
                )
            )
            if not wanted:
                await self._drain_small(response, method, answer_headers)
                return _Answer(status, answer_headers, b"", False)
            body, truncated = await self._read(response, answer_headers, cap)
            return _Answer(status, answer_headers, body, truncated)
        finally:
            await response.aclose()  # unread rest: the connection is dropped, not reused

    @staticmethod
    async def _drain_small(
        response: httpx.Response, method: str, headers: Mapping[str, str]
    ) -> None:
        """Read a small body we do not need, only so the connection can be reused.

        Answers without a body (HEAD, 204, 304, ``Content-Length: 0``: every redirect of
        most servers) are "read" too: httpcore reuses a connection only once the answer
        was read to its end. Without this and the small rest in ``_read`` a run opened
        several times as many connections and used more CPU (see
        bench/results/2026-12-04-design-notes.md).
        """
        length = headers.get("content-length", "")
        bodiless = method == "HEAD" or response.status_code in (204, 304)
        if bodiless or (length.isdigit() and int(length) <= _DRAIN_LIMIT):
            async for _ in response.aiter_raw():
                pass

    async def _read(
        self, response: httpx.Response, headers: Mapping[str, str], cap: int
    ) -> tuple[bytes, bool]:
        """Read and decode at most ``cap`` bytes; return (body, truncated).

        Past the cap, a rest of at most ``_DRAIN_LIMIT`` raw bytes (by Content-Length) is
        read and dropped so the connection can be reused; a longer one is abandoned.
        """
        decoder = _Decoder(headers.get("content-encoding", ""))
        length = headers.get("content-length", "")
        total = int(length) if length.isdigit() else None
        parts: list[bytes] = []
        size = raw = 0
        kept: bytes | None = None  # set once the cap is passed
        async for chunk in response.aiter_raw():
            raw += len(chunk)
            if kept is not None:
                continue  # draining a small rest
            data = decoder.decode(chunk, cap - size + 1)  # one byte more tells "there is more"
            parts.append(data)
            size += len(data)
            if size > cap:
                kept = b"".join(parts)[:cap]
                if total is None or total - raw > _DRAIN_LIMIT:
                    break
        if kept is not None:
            self._bytes += cap
            return kept, True
        self._bytes += size
        return b"".join(parts), False
