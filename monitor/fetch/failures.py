"""Failures as data: what the transport raised, mapped to a ``FetchError`` with a detail.

Pure. ``failure_from`` reads an exception and its ``__cause__``/``__context__`` chain (so
``wire`` raises every mapped exception ``from`` the original); ``invalid_url`` refuses an
address before any request. ``classify`` turns the kind into a status and a sentence.

How a failure becomes a status (``classify`` does the second column)::

    transport event                                  FetchError          check -> Status
    -----------------------------------------------  ------------------  ---------------
    asyncio.timeout / httpx.TimeoutException         TIMEOUT (*)         timeout
    ConnectError caused by socket.gaierror           DNS                 unreachable
    ConnectError caused by ConnectionRefusedError    REFUSED             unreachable
    OSError ENETUNREACH / EHOSTUNREACH / ENETDOWN    NO_ROUTE            unreachable
    ReadError / WriteError / ConnectionResetError,
      RemoteProtocolError "disconnected/incomplete"  RESET               unreachable
    ssl.SSLError / CertificateError anywhere in the
      exception chain (handshake, certificate)       TLS                 tls_error
    RemoteProtocolError otherwise, LocalProtocolError,
      undecodable gzip/deflate body                  PROTOCOL            server_error
    a redirect back to a URL already in the chain    REDIRECT_LOOP       broken
    more than MAX_REDIRECTS (10) redirects           TOO_MANY_REDIRECTS  broken
    redirect without Location, unparseable Location,
      or to a non-http(s) scheme (file:, ftp:, ...)  BAD_REDIRECT        broken
    link host is/resolves to a private address,
      directly or at any hop (unless allowed)        PRIVATE_REDIRECT    skipped
    invalid URL                                      INVALID_URL         broken
    any other exception                              OTHER               unreachable

    (*)  ``FetchResult.timeout_s`` holds the limit that ran out.
"""

from __future__ import annotations

import errno
import logging
import re
import socket
import ssl
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from monitor.models import FetchError

log = logging.getLogger("monitor.fetch")


@dataclass(frozen=True, slots=True)
class Failure:
    """One request that produced no HTTP answer: its kind and a short technical detail."""

    kind: FetchError
    detail: str


# What a host name (IDNA-encoded) or an IP literal may contain. httpx accepts a space
# or other junk in a host and leaves it to DNS, which would report "does not exist"
# (unreachable) for what is really a malformed address (broken).
_HOST_OK = re.compile(rb"[A-Za-z0-9._-]+|\[?[0-9A-Fa-f:.]+\]?")


def invalid_url(url: str) -> Failure | None:
    """An OTHER failure ("invalid URL: ...") unless ``url`` is an absolute http(s) URL."""
    try:
        parsed = httpx.URL(url)
        urlsplit(url)  # host_key parses with urllib: it must agree the URL is sound
        host = parsed.raw_host
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        return Failure(FetchError.INVALID_URL, f"invalid URL: {exc}")
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return Failure(
            FetchError.INVALID_URL, f"invalid URL: not an absolute http(s) address ({url})"
        )
    if not _HOST_OK.fullmatch(host):
        return Failure(
            FetchError.INVALID_URL, f"invalid URL: {parsed.host[:80]!r} is not a host name"
        )
    return None


_NO_ROUTE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN})


def exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def failure_from(exc: Exception, timeout_s: float) -> Failure:
    """Map what the transport raised to a ``Failure`` (the table in the module docstring)."""
    chain = exception_chain(exc)
    message = str(exc) or type(exc).__name__
    for link in chain:
        if isinstance(link, ssl.SSLCertVerificationError):
            return Failure(FetchError.TLS, link.verify_message or link.reason or str(link))
        if isinstance(link, ssl.CertificateError | ssl.SSLError):
            reason = getattr(link, "reason", None)
            detail = reason.replace("_", " ").lower() if isinstance(reason, str) else str(link)
            return Failure(FetchError.TLS, detail)
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return Failure(FetchError.TIMEOUT, f"no complete answer within {timeout_s:g} s")
    if any(isinstance(link, socket.gaierror) for link in chain):
        return Failure(FetchError.DNS, message)
    if any(isinstance(link, ConnectionRefusedError) for link in chain):
        return Failure(FetchError.REFUSED, "connection refused")
    if any(isinstance(link, OSError) and link.errno in _NO_ROUTE for link in chain):
        return Failure(FetchError.NO_ROUTE, message)
    closed = "the connection was closed before the answer was complete"
    if any(isinstance(link, ConnectionResetError | BrokenPipeError) for link in chain):
        return Failure(FetchError.RESET, closed)
    if isinstance(exc, httpx.ConnectError):
        return Failure(FetchError.OTHER, f"could not connect: {message}")
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.CloseError):
        return Failure(FetchError.RESET, str(exc) or closed)
    if isinstance(exc, httpx.RemoteProtocolError):
        lowered = message.lower()
        if any(w in lowered for w in ("disconnect", "closed", "incomplete", "without sending")):
            return Failure(FetchError.RESET, message)
        return Failure(FetchError.PROTOCOL, message)
    if isinstance(exc, httpx.LocalProtocolError | httpx.DecodingError):
        return Failure(FetchError.PROTOCOL, message)
    if isinstance(exc, zlib.error):
        return Failure(FetchError.PROTOCOL, f"could not decode the compressed body: {message}")
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol | UnicodeError):
        return Failure(FetchError.INVALID_URL, f"invalid URL: {message}")
    log.warning("unexpected fetch failure", exc_info=exc)
    return Failure(FetchError.OTHER, f"{type(exc).__name__}: {message}")
