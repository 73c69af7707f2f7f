"""``settings.http``: ``monitor serve`` also publishes the reports folder over HTTP.

The only module that answers HTTP requests. Read-only and small on purpose: GET and
HEAD of the regular files inside the reports folder whose kind it knows (HTML, text,
JSON, CSS, PNG, SVG: what digests are made of; never a database or a watch list that
someone put there), nothing else. Every other method
is 405; no directory listing (``/`` and ``dir/`` are that folder's ``index.html``);
a path that could leave the folder (``..``, ``%2e%2e``, an encoded ``/`` or ``\\``, a
double-encoded ``%``, NUL or another control byte, a dot-file such as a digest being
written) is refused with 400 before the file system is looked at, and what is looked at
is resolved (symlinks followed) and must still be inside the folder, else 404.

Digest files and change pages never change once written, so they are cached long;
``latest.html``, ``index.html``, ``history/`` and the rest are revalidated on every
visit (``no-cache`` with an ETag and Last-Modified, answered 304 when unchanged).

Uses the standard library's ``ThreadingHTTPServer`` in a daemon thread;
``Publisher.stop`` shuts it down with ``serve``.
"""

from __future__ import annotations

import logging
import os
import socket
import socketserver
import stat
import threading
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

__all__ = ["Publisher", "content_type", "resolve"]

log = logging.getLogger("monitor.service.publish")

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}

# Written once, never rewritten: a browser or proxy may keep them.
_IMMUTABLE = "public, max-age=31536000, immutable"
# Replaced in place (latest.html, index.html, history pages, digests.json): ask each time.
_REVALIDATE = "no-cache"

# The reports are self-contained pages: no scripts, nothing from elsewhere. Partner text
# is escaped by the digest; this header is a second fence should that ever fail.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'"

# A client that sends nothing for this long is dropped (a slow client holds one thread).
REQUEST_TIMEOUT_S = 30.0


class Refused(Exception):
    """A request path that is malformed or could leave the reports folder (answered 400)."""


def content_type(path: Path) -> str:
    """The Content-Type of a reports-folder file, by its suffix (only known ones are served)."""
    return _TYPES[path.suffix.lower()]


def cache_control(relative: str) -> str:
    """Cache-Control for a file, by its path relative to the reports folder."""
    name = relative.rsplit("/", 1)[-1]
    if relative.startswith("changes/") or (
        "/" not in relative and name.startswith("digest-") and name.endswith((".html", ".txt"))
    ):
        return _IMMUTABLE
    return _REVALIDATE


def _segments(raw_path: str) -> list[str]:
    """The decoded segments of a request path; raises ``Refused`` for anything hostile.

    Splits on ``/`` before decoding, so ``%2f`` cannot make a new segment, then decodes
    once: a ``%`` left after that (double encoding), a ``/`` or ``\\`` inside a segment,
    a control byte, ``.``/``..`` or a dot-file is refused.
    """
    path = raw_path.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/"):
        raise Refused("the path must start with /")
    if "\\" in path:
        raise Refused("backslash in the path")
    out: list[str] = []
    parts = path[1:].split("/")
    for i, part in enumerate(parts):
        if part == "" and i == len(parts) - 1:
            out.append("index.html")  # "/" or "dir/": that folder's index, never a listing
            continue
        try:
            segment = unquote(part, errors="strict")
        except UnicodeDecodeError:
            raise Refused("the path is not UTF-8") from None
        if (
            not segment
            or segment.startswith(".")
            or "%" in segment
            or "/" in segment
            or "\\" in segment
            or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in segment)
        ):
            raise Refused(f"segment {part!r} is not allowed")
        out.append(segment)
    return out


def resolve(root: Path, raw_path: str) -> tuple[Path, str] | None:
    """The file a request path names inside ``root`` and its path relative to it, or None
    when there is no such regular file inside the folder (a symlink out counts as none).

    Raises ``Refused`` for a malformed or hostile path (see ``_segments``).
    """
    segments = _segments(raw_path)
    base = root.resolve()
    try:
        real = base.joinpath(*segments).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a symlink loop, a name too long
        return None
    if not real.is_relative_to(base):
        return None
    try:
        st = real.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode) or real.suffix.lower() not in _TYPES:
        return None  # only the kinds of file a digest is made of: no database, no YAML
    return real, real.relative_to(base).as_posix()


class _Handler(BaseHTTPRequestHandler):
    server_version = "partner-monitor"
    sys_version = ""
    timeout = REQUEST_TIMEOUT_S
    root: Path  # set on the subclass made by Publisher

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # BaseHTTPRequestHandler looks up do_<METHOD>: every other method is 405, not 501.
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        self._plain(HTTPStatus.METHOD_NOT_ALLOWED, {"Allow": "GET, HEAD"})

    def _plain(
        self, status: HTTPStatus, headers: dict[str, str] | None = None, body: bool = True
    ) -> None:
        text = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(text)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(text)

    def _serve(self, *, body: bool) -> None:
        try:
            found = resolve(self.root, self.path)
        except Refused as exc:
            log.debug("refused %r: %s", self.path, exc)
            self._plain(HTTPStatus.BAD_REQUEST, body=body)
            return
        if found is None:
            self._plain(HTTPStatus.NOT_FOUND, body=body)
            return
        path, relative = found
        try:
            fh = open(path, "rb")  # noqa: SIM115 -- closed below, after the headers
        except OSError:
            self._plain(HTTPStatus.NOT_FOUND, body=body)
            return
        with fh:
            st = os.fstat(fh.fileno())
            etag = f'"{st.st_mtime_ns:x}-{st.st_size:x}"'
            if self._not_modified(etag, st.st_mtime):
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("ETag", etag)
                self.send_header("Cache-Control", cache_control(relative))
                self.end_headers()
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type(path))
            self.send_header("Content-Length", str(st.st_size))
            self.send_header("Last-Modified", formatdate(st.st_mtime, usegmt=True))
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", cache_control(relative))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Security-Policy", _CSP)
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            if body:
                remaining = st.st_size
                while remaining > 0:
                    chunk = fh.read(min(remaining, 64 * 1024))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    remaining -= len(chunk)

    def _not_modified(self, etag: str, mtime: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return etag in {m.strip() for m in match.split(",")} or match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, OverflowError):
            return False

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's full name; not needed here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class Publisher:
    """The reports folder over HTTP on ``host:port``, in a thread, until ``stop``."""

    def __init__(self, root: Path, host: str, port: int) -> None:
        self.root = Path(root)
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the real port when 0 was asked for)."""
        if self._server is None:
            return self.host, self.port
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        """The folder's address, e.g. ``http://127.0.0.1:8080/``."""
        host, port = self.address
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def start(self) -> Publisher:
        """Bind and start answering. Raises ``OSError`` when the address cannot be bound
        (in use, not an address of this machine, a port below 1024 without rights)."""
        self.root.mkdir(parents=True, exist_ok=True)
        handler = type("Handler", (_Handler,), {"root": self.root.resolve()})
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        server = type("Server", (_Server,), {"address_family": family})
        self._server = server((self.host, self.port), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="monitor-publish",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and close the socket (requests in flight are abandoned)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> Publisher:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
