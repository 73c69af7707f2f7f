"""The simulated web: a real HTTP/1.1 server on loopback that misbehaves on request.

This module owns ``SimWeb``, the one fake internet of the project. The test suite,
``monitor demo`` and the benchmark all point the real ``Fetcher`` at it, so it speaks
genuine HTTP/1.1 over TCP (keep-alive, HEAD, Content-Length, gzip) and can also do
what real partner sites do on a bad day: answer late, hang, reset the connection,
trickle bytes, lie about HEAD, redirect in circles, or serve a "not found" page with
status 200. It is written on raw ``asyncio.start_server`` (stdlib only) precisely so
that every byte on the wire is under the script's control.

Shape::

    with SimWeb(hosts=["127.0.0.2", "127.0.0.3"]) as web:      # one socket per address
        url = web.route("127.0.0.2", "/a", Route.page("A", "hello"))
        web.route("127.0.0.2", "/flaky", Route(sequence=[Route(status=503), Route.page("ok")]))
        web.default("127.0.0.3", Route.redirect("/", status=302))  # unknown paths -> home
        ...
        web.stats("127.0.0.2").max_in_flight                     # server-side counters

The server runs on its own event loop in a background thread, so synchronous tests,
``asyncio.run`` code and other threads can all use it. Scripts (routes, defaults) may
be changed while it runs; counters are read through snapshot methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import email.utils
import functools
import gzip as gzip_module
import html
import socket
import ssl
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any

__all__ = ["HostStats", "Request", "Route", "RouteLike", "SimWeb", "html_page"]

_MAX_BODY = 10_000_000  # request bodies larger than this are refused (the crawler sends none)
_LOG_SIZE = 100_000  # the request log keeps the newest this many (long demo and bench runs)


@dataclass(frozen=True, slots=True)
class Request:
    """One request as the server received it (an entry of the request log)."""

    host: str  # the listening address it arrived on, e.g. "127.0.0.2"
    method: str
    target: str  # as sent on the request line, e.g. "/a?b=1"
    path: str
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    connection: int  # serial number of the TCP connection on its host (1, 2, ...)
    at: float  # time.monotonic() when the request head was complete


@dataclass(frozen=True, slots=True)
class Route:
    """A scripted answer. The defaults give ``200 OK`` with an empty HTML body.

    ``sequence`` (answered in turn, the last one repeating) and ``handler`` (called with
    the ``Request``) choose another ``Route`` per request; all other fields describe one
    answer. ``headers`` are added to, and override, the computed ones (so a test can
    send a lying ``Content-Length`` or a raw ``Content-Encoding``).
    """

    status: int = 200
    body: bytes | str = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)
    location: str | None = None  # sent as the Location header when set
    delay_s: float = 0.0  # wait this long before sending anything
    hang: bool = False  # accept the request and never answer (until the client leaves)
    reset: bool = False  # close the connection with a TCP RST instead of answering
    reset_after_bytes: int | None = None  # send headers and this many body bytes, then RST
    trickle_bytes_per_s: float | None = None  # send the body this slowly
    gzip: bool = False  # gzip the body and say so in Content-Encoding
    head_status: int | None = None  # a different status for HEAD (servers that mishandle it)
    close: bool = False  # close the connection after this answer (no keep-alive)
    raw: bytes | None = None  # send these bytes verbatim as the whole answer, then close
    sequence: Sequence[Route] = ()
    handler: Callable[[Request], Route] | None = None

    @classmethod
    def page(
        cls,
        title: str,
        text: str = "",
        *,
        h1: str | None = None,
        links: Iterable[str] = (),
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> Route:
        """An HTML page built by ``html_page`` (``dataclasses.replace`` adds other fields)."""
        body = html_page(title, text, h1=h1, links=links)
        return cls(status=status, body=body, headers=dict(headers or {}))

    @classmethod
    def redirect(
        cls, location: str, status: int = 301, headers: Mapping[str, str] | None = None
    ) -> Route:
        """A redirect to ``location`` (sent verbatim, so it may be relative or garbage)."""
        return cls(status=status, location=location, headers=dict(headers or {}))


RouteLike = Route | Callable[[Request], Route]


@dataclass(slots=True)
class HostStats:
    """Server-side counters of one host (a snapshot when returned by ``SimWeb.stats``)."""

    requests: int = 0  # request heads received
    in_flight: int = 0  # requests received whose answer is not fully written yet
    max_in_flight: int = 0  # the highest in_flight seen since start / reset_stats()
    connections: int = 0  # TCP connections accepted
    closed: int = 0  # connections this server has closed (socket shut) after serving them


def html_page(
    title: str, text: str = "", *, h1: str | None = None, links: Iterable[str] = ()
) -> str:
    """Return a small, valid HTML document.

    ``title`` goes in <title> and (unless ``h1`` is given) in the <h1>; ``text`` is split
    on blank lines into paragraphs; ``links`` become ``<a href>`` list items whose text is
    the URL. Everything is HTML-escaped.
    """
    heading = title if h1 is None else h1
    paragraphs = "".join(
        f"<p>{html.escape(block.strip())}</p>\n" for block in text.split("\n\n") if block.strip()
    )
    items = "".join(
        f'<li><a href="{html.escape(href)}">{html.escape(href)}</a></li>\n' for href in links
    )
    link_list = f"<ul>\n{items}</ul>\n" if items else ""
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n"
        f"<body><main><h1>{html.escape(heading)}</h1>\n{paragraphs}{link_list}</main></body></html>\n"
    )


_NOT_FOUND = Route(status=404, body=html_page("404 Not Found", "Nothing lives at this address."))


@functools.lru_cache(maxsize=32)
def _gzipped(body: bytes) -> bytes:
    # Cached: demo and bench serve the same gzip route many times.
    return gzip_module.compress(body, compresslevel=5, mtime=0)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Request denied" if status == 999 else "Unknown"


def _rst(writer: asyncio.StreamWriter) -> None:
    """Drop the connection with a TCP RST (SO_LINGER 0) rather than an orderly FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class SimWeb:
    """A scripted HTTP/1.1 server listening on several loopback addresses.

    ``hosts`` are IP addresses to bind (127.0.0.2, 127.0.0.3 ... all work on Linux);
    ``port`` 0 gives each host its own ephemeral port. ``ssl_context`` makes every host
    speak HTTPS. ``default`` answers paths no route matches (a real 404 unless changed;
    per host with ``default()``).
    """

    def __init__(
        self,
        hosts: Sequence[str] = ("127.0.0.2",),
        *,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        default: RouteLike = _NOT_FOUND,
    ) -> None:
        if not hosts:
            raise ValueError("SimWeb needs at least one host address")
        self.hosts: tuple[str, ...] = tuple(hosts)
        self._port = port
        self._ssl = ssl_context
        self._routes: dict[str, dict[str, RouteLike]] = {h: {} for h in self.hosts}
        self._defaults: dict[str, RouteLike] = dict.fromkeys(self.hosts, default)
        self._ports: dict[str, int] = {}
        self._lock = threading.Lock()  # guards the counters and the log across threads
        self._stats: dict[str, HostStats] = {h: HostStats() for h in self.hosts}
        self._in_flight_total = 0
        self._max_in_flight_total = 0
        self._hits: Counter[tuple[str, str]] = Counter()
        self._log: deque[Request] = deque(maxlen=_LOG_SIZE)
        # id(route with a sequence) -> (that route, answers given). Holding the route keeps
        # its id from being reused by a new Route, which would inherit the position.
        self._sequence_pos: dict[int, tuple[Route, int]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- life cycle ---------------------------------------------------------------

    def start(self) -> SimWeb:
        """Bind every host and serve in a background thread; return self.

        Raises ``OSError`` when an address cannot be bound (e.g. the fixed port is taken).
        """
        if self._thread is not None:
            raise RuntimeError("SimWeb is already running")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="simweb", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        try:
            asyncio.run_coroutine_threadsafe(self._open(), loop).result(timeout=10)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close every socket and connection, end the thread. Safe to call twice."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        self._loop = self._thread = None
        self._servers = []

    def __enter__(self) -> SimWeb:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def _open(self) -> None:
        for host in self.hosts:
            server = await asyncio.start_server(
                functools.partial(self._serve, host), host=host, port=self._port, ssl=self._ssl
            )
            self._servers.append(server)
            self._ports[host] = server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        # Let the aborted transports run their close callbacks before the loop stops.
        for _ in range(3):
            await asyncio.sleep(0)

    # -- scripting ------------------------------------------------------------------

    def base_url(self, host: str | None = None) -> str:
        """``scheme://address:port`` of ``host`` (the first host when None)."""
        host = self.hosts[0] if host is None else host
        if host not in self._ports:
            raise KeyError(f"{host} is not served (running: {self._thread is not None})")
        scheme = "https" if self._ssl is not None else "http"
        return f"{scheme}://{host}:{self._ports[host]}"

    def url(self, host: str, path: str) -> str:
        """The absolute URL of ``path`` (which starts with "/") on ``host``."""
        return self.base_url(host) + path

    def route(self, host: str, path: str, route: RouteLike) -> str:
        """Answer ``path`` on ``host`` with ``route``; return its absolute URL.

        Call after ``start()`` (the URL needs the port). ``path`` may carry a query
        ("/search?q=x"), which then has to match exactly; otherwise the query is ignored.
        Routing a path anew restarts its sequence.
        """
        self._routes[host][path] = route
        return self.url(host, path)

    def default(self, host: str, route: RouteLike) -> None:
        """Answer every path of ``host`` that has no route with ``route``."""
        self._defaults[host] = route

    # -- counters -------------------------------------------------------------------

    def stats(self, host: str) -> HostStats:
        """A snapshot of ``host``'s counters."""
        with self._lock:
            return dataclasses.replace(self._stats[host])

    @property
    def max_in_flight_total(self) -> int:
        """The highest number of requests in flight on all hosts together."""
        with self._lock:
            return self._max_in_flight_total

    def hits(self, host: str, path: str) -> int:
        """How many requests for ``path`` (query ignored) ``host`` received."""
        with self._lock:
            return self._hits[(host, path)]

    def requests(self, host: str | None = None) -> list[Request]:
        """The request log (the newest 100 000), oldest first, for one host or all."""
        with self._lock:
            return [r for r in self._log if host is None or r.host == host]

    def reset_stats(self) -> None:
        """Zero counters, hits and the log (sequences keep their position)."""
        with self._lock:
            for host, stats in self._stats.items():
                self._stats[host] = HostStats(
                    in_flight=stats.in_flight, max_in_flight=stats.in_flight
                )
            self._max_in_flight_total = self._in_flight_total
            self._hits.clear()
            self._log.clear()

    # -- serving --------------------------------------------------------------------

    async def _serve(
        self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None  # always inside start_server's task
        self._tasks.add(task)
        with self._lock:
            stats = self._stats[host]
            stats.connections += 1
            connection = stats.connections
        stopped = False
        try:
            while True:
                request = await self._read_request(host, reader, connection)
                if request is None or not await self._answer(request, reader, writer):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went away or sent garbage: nothing to answer
        except ValueError:
            pass  # unparseable request line / headers
        except asyncio.CancelledError:
            writer.transport.abort()  # stop(): do not wait to flush to a slow client
            # Ended, not re-raised: only stop() cancels us, and Python 3.11's start_server
            # asks a cancelled handler task for its exception, which raises and is logged
            # as "Exception in callback ..." with a traceback (fixed in 3.12).
            stopped = True
        finally:
            writer.close()
            if not stopped:
                # Counted once the socket is shut, so a test can wait for the FIN to be sent.
                with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                    await writer.wait_closed()
                with self._lock:
                    stats.closed += 1
            self._tasks.discard(task)

    async def _read_request(
        self, host: str, reader: asyncio.StreamReader, connection: int
    ) -> Request | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise
            return None  # clean end of a keep-alive connection
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        if length > _MAX_BODY:
            raise ValueError("request body too large")
        body = await reader.readexactly(length) if length else b""
        path, _, query = target.partition("?")
        if version == "HTTP/1.0" and headers.get("connection", "").lower() != "keep-alive":
            headers.setdefault("connection", "close")
        request = Request(
            host=host,
            method=method.upper(),
            target=target,
            path=path,
            query=query,
            headers=headers,
            body=body,
            connection=connection,
            at=time.monotonic(),
        )
        with self._lock:
            stats = self._stats[host]
            stats.requests += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
            self._in_flight_total += 1
            self._max_in_flight_total = max(self._max_in_flight_total, self._in_flight_total)
            self._hits[(host, path)] += 1
            self._log.append(request)
        return request

    def _resolve(self, request: Request) -> Route:
        """Pick the ``Route`` that answers ``request`` (routes, sequences, handlers)."""
        routes = self._routes[request.host]
        chosen = routes.get(request.target) or routes.get(request.path)
        if chosen is None:
            chosen = self._defaults[request.host]
        route = chosen if isinstance(chosen, Route) else chosen(request)
        while True:
            if route.handler is not None:
                route = route.handler(request)
            elif route.sequence:
                with self._lock:
                    n = self._sequence_pos.get(id(route), (route, 0))[1]
                    self._sequence_pos[id(route)] = (route, n + 1)
                route = route.sequence[min(n, len(route.sequence) - 1)]
            else:
                return route

    async def _answer(
        self, request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Write the scripted answer; return True when the connection stays open."""
        try:
            return await self._write(self._resolve(request), request, reader, writer)
        finally:
            with self._lock:
                self._stats[request.host].in_flight -= 1
                self._in_flight_total -= 1

    async def _write(
        self,
        route: Route,
        request: Request,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        if route.hang:
            # Never answer; notice when the client gives up so the slot is freed.
            while await reader.read(65_536):
                pass
            return False
        if route.delay_s > 0:
            await asyncio.sleep(route.delay_s)
        if route.reset:
            _rst(writer)
            return False
        if route.raw is not None:
            writer.write(route.raw)
            await writer.drain()
            return False

        is_head = request.method == "HEAD"
        status = route.head_status if is_head and route.head_status is not None else route.status
        body = route.body.encode("utf-8") if isinstance(route.body, str) else route.body
        computed: dict[str, tuple[str, str]] = {}
        if route.gzip:
            body = _gzipped(body)
            computed["content-encoding"] = ("Content-Encoding", "gzip")
        no_body = status in (204, 304) or 100 <= status < 200
        if no_body:
            body = b""
        keep_alive = not route.close and request.headers.get("connection", "").lower() != "close"
        computed["server"] = ("Server", "simweb")
        computed["date"] = ("Date", email.utils.formatdate(usegmt=True))
        if route.content_type and not no_body:
            computed["content-type"] = ("Content-Type", route.content_type)
        if not no_body:
            computed["content-length"] = ("Content-Length", str(len(body)))
        if route.location is not None:
            computed["location"] = ("Location", route.location)
        computed["connection"] = ("Connection", "keep-alive" if keep_alive else "close")
        for name, value in route.headers.items():
            computed[name.lower()] = (name, value)
        head = f"HTTP/1.1 {status} {_reason(status)}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in computed.values()
        )
        writer.write(head.encode("latin-1") + b"\r\n")
        if is_head or not body:
            await writer.drain()
            return keep_alive
        if route.reset_after_bytes is not None:
            writer.write(body[: route.reset_after_bytes])
            await writer.drain()
            _rst(writer)
            return False
        if route.trickle_bytes_per_s:
            rate = route.trickle_bytes_per_s
            step = max(1, int(rate / 20))  # about 20 writes a second
            for start in range(0, len(body), step):
                writer.write(body[start : start + step])
                await writer.drain()
                await asyncio.sleep(step / rate)
        else:
            writer.write(body)
            await writer.drain()
        return keep_alive
