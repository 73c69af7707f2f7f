"""The connections under ``fetch``: one small httpcore pool per host, on asyncio sockets.

Only ``fetch`` uses this module; together they are the only code that touches the
network. ``HostPools`` is the ``httpx`` transport a ``Fetcher`` sends every request
through. It keeps one ``httpcore.AsyncConnectionPool`` of ``per_host`` connections per
``scheme://host:port`` (httpcore's pool scans every connection on each event, so one
big pool of 64 connections made our CPU, not the network, the limit of a large run),
and builds those pools on ``AsyncioBackend``: httpcore's interface for sockets,
implemented on asyncio's own transports instead of through anyio.

Why a backend of our own: per request, httpcore asks each idle connection of the pool
whether its socket turned readable (a server that closed it), and through anyio each
answer built a dictionary of socket attributes and made a ``getpeername`` system call
(seven times a request); every read and write also entered an anyio cancel scope.
Here a connection knows it has data or was closed because its protocol was told so by
the event loop (a cached ``poll`` object asks the kernel about the rest), and a read
waits on one future, and a large run uses noticeably less CPU (measured in
bench/results/2026-12-04-design-notes.md).

Exceptions, as httpx's own transport maps them (``failures.failure_from`` reads the
``__cause__`` chain, so every mapped exception is raised ``from`` the original)::

    asyncio / OSError event                      httpcore          httpx (what fetch sees)
    -------------------------------------------  ----------------  -----------------------
    name resolution fails (socket.gaierror)      ConnectError      ConnectError
    every address refused / unreachable          ConnectError      ConnectError
    TLS handshake fails (ssl.SSLError)           ConnectError      ConnectError
    connect or TLS handshake timeout             ConnectTimeout    ConnectTimeout
    read / write timeout                         ReadTimeout /     ReadTimeout /
                                                 WriteTimeout      WriteTimeout
    connection reset or closed while reading     ReadError         ReadError
    writing to a closed connection               WriteError        WriteError
    server closes before a complete answer       RemoteProtocolError (httpcore raises it)
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import ssl
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import httpcore
import httpx

__all__ = ["AsyncioBackend", "HostPools"]

# A connection that buffered this much unread body stops reading its socket (TCP flow
# control then slows the server) until the reader is down to _RESUME_AT.
_PAUSE_AT = 256 * 1024
_RESUME_AT = 64 * 1024
# RFC 8305: start the next address when the previous attempt has not connected by then.
_HAPPY_EYEBALLS_DELAY_S = 0.25


class _Protocol(asyncio.Protocol):
    """Receives a connection's bytes into a buffer and wakes the one reader waiting."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.closed = False  # EOF or connection lost: no more bytes will come
        self.error: BaseException | None = None  # why the connection was lost, if it was
        self.paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None  # set while writing is paused

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _PAUSE_AT and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error = exc
        self._wake()
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def pause_writing(self) -> None:
        self._drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait_for_data(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        await self._waiter

    @property
    def writing_paused(self) -> bool:
        return self._drained is not None and not self._drained.done()

    async def wait_for_drain(self) -> None:
        if self._drained is not None:
            await self._drained


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection as httpcore's stream interface, on asyncio."""

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol
        sock = transport.get_extra_info("socket")
        self._fileno = sock.fileno() if sock is not None else -1
        self._poll: Any = None  # select.poll, asked only about an idle connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        try:
            if not protocol.buffer and not protocol.closed:  # a timer only when waiting
                async with asyncio.timeout(timeout):
                    while not protocol.buffer and not protocol.closed:
                        await protocol.wait_for_data()
            if not protocol.buffer:
                if protocol.error is not None:
                    raise httpcore.ReadError(str(protocol.error)) from protocol.error
                return b""
        except TimeoutError as exc:
            raise httpcore.ReadTimeout("timed out waiting for data") from exc
        data = bytes(protocol.buffer[:max_bytes])
        del protocol.buffer[:max_bytes]
        if protocol.paused and len(protocol.buffer) < _RESUME_AT:
            protocol.paused = False
            self._transport.resume_reading()
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        if protocol.closed or self._transport.is_closing():
            error = protocol.error or ConnectionResetError("the connection is closed")
            raise httpcore.WriteError(str(error)) from error
        self._transport.write(buffer)
        if not protocol.writing_paused:
            return
        try:
            async with asyncio.timeout(timeout):
                await protocol.wait_for_drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout("timed out sending the request") from exc

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport,
                    self._protocol,
                    ssl_context,
                    server_hostname=server_hostname,
                )
        except TimeoutError as exc:
            self._transport.abort()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from exc
        except (OSError, EOFError) as exc:  # ssl.SSLError is an OSError
            self._transport.abort()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        self._protocol.transport = transport
        return AsyncioStream(transport, self._protocol)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Asked of every idle connection before it is reused: has the server closed it?
            if self._protocol.buffer or self._protocol.closed:
                return True
            if self._fileno < 0:
                return True
            if self._poll is None:
                self._poll = select.poll()
                self._poll.register(self._fileno, select.POLLIN)
            return bool(self._poll.poll(0))
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend on asyncio transports (see the module docstring)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to ``host``: every address it resolves to, a new one every 0.25 s.

        Raises ``httpcore.ConnectError`` from the first address's error (so a refused
        connection reads as one), or from ``socket.gaierror``; ``ConnectTimeout``.
        """
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await self._connect(host, port, local_address)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            if sock is not None:
                sock.setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def _connect(
        self, host: str, port: int, local_address: str | None
    ) -> tuple[asyncio.Transport, _Protocol]:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        # (family, IP) pairs in the resolver's order, each once (one per socket type).
        addresses = list(dict.fromkeys((int(family), str(sa[0])) for family, *_, sa in infos))
        if len(addresses) == 1:  # the usual case: no race to run
            family, ip = addresses[0]
            transport, protocol = await loop.create_connection(
                _Protocol, ip, port, family=family, local_addr=local
            )
            assert isinstance(transport, asyncio.Transport)
            return transport, protocol
        return await self._race(addresses, port, local)

    @staticmethod
    async def _race(
        addresses: list[tuple[int, str]],
        port: int,
        local: tuple[str, int] | None,
    ) -> tuple[asyncio.Transport, _Protocol]:
        """Happy eyeballs: start the next address while the previous ones are pending."""
        loop = asyncio.get_running_loop()
        errors: list[OSError] = []
        pending: set[asyncio.Task[tuple[asyncio.BaseTransport, _Protocol]]] = set()
        won: tuple[asyncio.BaseTransport, _Protocol] | None = None
        queue = list(addresses)
        try:
            while won is None and (queue or pending):
                if queue:
                    family, ip = queue.pop(0)
                    pending.add(
                        asyncio.ensure_future(
                            loop.create_connection(
                                _Protocol, ip, port, family=family, local_addr=local
                            )
                        )
                    )
                done, pending = await asyncio.wait(
                    pending,
                    timeout=_HAPPY_EYEBALLS_DELAY_S if queue else None,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for task in done:
                    if task.exception() is None and won is None:
                        won = task.result()
                    elif task.exception() is None:
                        task.result()[0].close()
                    else:
                        exc = task.exception()
                        errors.append(exc if isinstance(exc, OSError) else OSError(str(exc)))
        finally:
            for task in pending:
                task.cancel()
        if won is None:
            raise errors[0]
        transport, protocol = won
        assert isinstance(transport, asyncio.Transport)
        return transport, protocol

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# httpcore's exceptions as httpx names them (httpx's own transport does the same).
_HTTPX_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """Re-raise an httpcore exception as the httpx one of the same meaning, from it."""
    try:
        yield
    except Exception as exc:
        for core, mapped in _HTTPX_ERRORS:  # most specific first
            if isinstance(exc, core):
                raise mapped(str(exc)) from exc
        raise


class _Body(httpx.AsyncByteStream):
    """A response body from a host's pool; reports when it is closed (pool bookkeeping)."""

    def __init__(self, stream: Any, on_close: Any) -> None:
        self._stream = stream
        self._on_close = on_close

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        try:
            with _as_httpx_errors():
                await self._stream.aclose()
        finally:
            on_close, self._on_close = self._on_close, None  # report once
            if on_close is not None:
                on_close()


_PoolKey = tuple[bytes, bytes, int | None]


class HostPools(httpx.AsyncBaseTransport):
    """One small connection pool per host instead of one big pool for the run.

    ``per_host`` connections per ``scheme://host:port``, kept ``keepalive_expiry``
    seconds when idle. Pools nobody is using are closed, least recently used first,
    once there are more than ``max_pools``, which bounds the idle keep-alive sockets of
    a run over thousands of hosts. ``ssl_context`` defaults to httpx's (certifi's CA
    bundle, loaded once for all pools).
    """

    def __init__(
        self,
        *,
        per_host: int,
        max_pools: int,
        keepalive_expiry: float,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._per_host = per_host
        self._keepalive_expiry = keepalive_expiry
        self._max_pools = max_pools
        self._ssl = ssl_context or httpx.create_ssl_context()
        self._backend = AsyncioBackend()
        self._pools: OrderedDict[_PoolKey, httpcore.AsyncConnectionPool] = OrderedDict()
        self._active: Counter[_PoolKey] = Counter()

    def _new_pool(self) -> httpcore.AsyncConnectionPool:
        return httpcore.AsyncConnectionPool(
            ssl_context=self._ssl,
            max_connections=self._per_host,
            max_keepalive_connections=self._per_host,
            keepalive_expiry=self._keepalive_expiry,
            network_backend=self._backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = self._new_pool()
            await self._trim()
        self._pools.move_to_end(key)
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        self._active[key] += 1
        try:
            with _as_httpx_errors():
                response = await pool.handle_async_request(core_request)
        except BaseException:
            self._done(key)
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream, lambda: self._done(key)),
            extensions=response.extensions,
        )

    def _done(self, key: _PoolKey) -> None:
        self._active[key] -= 1
        if self._active[key] <= 0:
            del self._active[key]

    async def _trim(self) -> None:
        idle = [key for key in self._pools if key not in self._active]  # oldest first
        for key in idle[: max(0, len(self._pools) - self._max_pools)]:
            await self._pools.pop(key).aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()
