"""`settings.http`: `monitor serve` publishes the reports folder, read-only, on loopback.

Every test sends real HTTP requests (http.client, which sends the path as given, so
hostile paths reach the server unnormalised) to a real server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import ConfigError, load, loads
from monitor.service import jobs
from monitor.service import serve as service_module
from monitor.service.publish import Publisher

SECRET = "TOP-SECRET-OUTSIDE-THE-REPORTS-FOLDER"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A reports folder as `monitor digest` leaves it, a secret beside it, and traps."""
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    reports = tmp_path / "reports"
    (reports / "changes").mkdir(parents=True)
    (reports / "history").mkdir()
    (reports / "index.html").write_text("<h1>All digests</h1>", encoding="utf-8")
    (reports / "latest.html").write_text("<h1>Latest</h1>", encoding="utf-8")
    (reports / "digest-2026-12-04.html").write_text("<h1>Digest</h1>", encoding="utf-8")
    (reports / "digest-2026-12-04.txt").write_text("Digest", encoding="utf-8")
    (reports / "digests.json").write_text("[]", encoding="utf-8")
    (reports / "changes" / "petition-v1-v2.html").write_text("<p>change</p>", encoding="utf-8")
    (reports / "history" / "petition.html").write_text("<p>history</p>", encoding="utf-8")
    (reports / ".latest.html.4242.tmp").write_text("half written", encoding="utf-8")
    (reports / "monitor.db").write_text(SECRET, encoding="utf-8")  # as `monitor demo` leaves
    (reports / "watchlist.yaml").write_text(SECRET, encoding="utf-8")
    (reports / "out.txt").symlink_to(tmp_path / "secret.txt")
    (reports / "outdir").symlink_to(tmp_path)
    (reports / "inside.html").symlink_to(reports / "latest.html")
    return reports


@pytest.fixture
def server(site: Path) -> Iterator[Publisher]:
    with Publisher(site, "127.0.0.1", 0) as publisher:
        yield publisher


def request(
    to: Publisher | tuple[str, int],
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    host, port = to.address if isinstance(to, Publisher) else to
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        for key, value in (headers or {}).items():
            conn.putheader(key, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def raw_request(publisher: Publisher, line: bytes) -> bytes:
    """Send a request line byte for byte (http.client refuses control characters)."""
    with socket.create_connection(publisher.address, timeout=10) as sock:
        sock.sendall(line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# -- what it serves --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        pytest.param("/", b"<h1>All digests</h1>", "text/html; charset=utf-8", id="root-is-index"),
        pytest.param("/latest.html", b"<h1>Latest</h1>", "text/html; charset=utf-8", id="latest"),
        pytest.param("/digest-2026-12-04.txt", b"Digest", "text/plain; charset=utf-8", id="text"),
        pytest.param("/digests.json", b"[]", "application/json", id="json"),
        pytest.param(
            "/changes/petition-v1-v2.html",
            b"<p>change</p>",
            "text/html; charset=utf-8",
            id="change-page",
        ),
        pytest.param(
            "/latest.html?utm=x#top",
            b"<h1>Latest</h1>",
            "text/html; charset=utf-8",
            id="query-ignored",
        ),
        pytest.param(
            "/inside.html",
            b"<h1>Latest</h1>",
            "text/html; charset=utf-8",
            id="symlink-inside-the-folder",
        ),
    ],
)
def test_files_of_the_reports_folder_are_served_with_their_content_type(
    server: Publisher, path: str, body: bytes, content_type: str
) -> None:
    status, headers, got = request(server, "GET", path)
    assert (status, got, headers["Content-Type"]) == (200, body, content_type)


@pytest.mark.parametrize(
    ("path", "cache"),
    [
        pytest.param("/digest-2026-12-04.html", "immutable", id="digest-never-rewritten"),
        pytest.param("/changes/petition-v1-v2.html", "immutable", id="change-page-never-rewritten"),
        pytest.param("/latest.html", "no-cache", id="latest-replaced"),
        pytest.param("/", "no-cache", id="index-replaced"),
        pytest.param("/history/petition.html", "no-cache", id="history-replaced"),
    ],
)
def test_files_written_once_are_cached_long_and_replaced_ones_revalidated(
    server: Publisher, path: str, cache: str
) -> None:
    _, headers, _ = request(server, "GET", path)
    assert cache in headers["Cache-Control"]


def test_an_unchanged_file_is_answered_304_to_its_etag(server: Publisher) -> None:
    _, headers, _ = request(server, "GET", "/latest.html")
    status, _, body = request(server, "GET", "/latest.html", {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


def test_head_sends_the_headers_without_the_body(server: Publisher) -> None:
    status, headers, body = request(server, "HEAD", "/latest.html")
    assert (status, headers["Content-Length"], body) == (200, "15", b"")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"])
def test_every_method_but_get_and_head_is_405(server: Publisher, method: str) -> None:
    status, headers, _ = request(server, method, "/latest.html")
    assert (status, headers.get("Allow")) == (405, "GET, HEAD")


def test_a_folder_is_never_listed(server: Publisher) -> None:
    status, _, body = request(server, "GET", "/changes/")
    assert status == 404 and b"petition" not in body


# -- hostile paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/../secret.txt", id="dot-dot"),
        pytest.param("/changes/../../secret.txt", id="dot-dot-deeper"),
        pytest.param("/%2e%2e/secret.txt", id="encoded-dot-dot"),
        pytest.param("/%2E%2E/secret.txt", id="encoded-dot-dot-upper"),
        pytest.param("/.%2e/secret.txt", id="half-encoded-dot-dot"),
        pytest.param("/..%2fsecret.txt", id="encoded-slash"),
        pytest.param("/%2e%2e%2fsecret.txt", id="all-encoded"),
        pytest.param("/..%5csecret.txt", id="encoded-backslash"),
        pytest.param("/..\\secret.txt", id="backslash"),
        pytest.param("/%252e%252e/secret.txt", id="double-encoded"),
        pytest.param("/%25252e%25252e/secret.txt", id="triple-encoded"),
        pytest.param("/latest.html%00.txt", id="encoded-nul"),
        pytest.param("/%c0%ae%c0%ae/secret.txt", id="overlong-utf8-dot"),
        pytest.param("/..%c0%afsecret.txt", id="overlong-utf8-slash"),
        pytest.param("/%2fetc/passwd", id="encoded-absolute"),
        pytest.param("//etc/passwd", id="double-slash"),
        pytest.param("/out.txt", id="symlink-to-a-file-outside"),
        pytest.param("/outdir/secret.txt", id="symlink-to-a-folder-outside"),
        pytest.param("/.latest.html.4242.tmp", id="dot-file-being-written"),
        pytest.param("/nothing-here.html", id="missing"),
        pytest.param("/monitor.db", id="a-database-in-the-folder"),
        pytest.param("/watchlist.yaml", id="a-watch-list-in-the-folder"),
        pytest.param("http://127.0.0.1/../secret.txt", id="absolute-form"),
        pytest.param("*", id="asterisk"),
    ],
)
def test_a_hostile_path_never_reaches_a_file_outside_the_folder(
    server: Publisher, path: str
) -> None:
    status, _, body = request(server, "GET", path)
    assert status in (400, 404) and SECRET.encode() not in body


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"GET /latest.html\x00/../../secret.txt HTTP/1.1", id="raw-nul"),
        pytest.param(b"GET /../secret.txt\x01 HTTP/1.1", id="raw-control-byte"),
        pytest.param(b"GET /\xff\xfe/../secret.txt HTTP/1.1", id="raw-invalid-utf8"),
    ],
)
def test_raw_bytes_in_the_request_line_are_refused(server: Publisher, line: bytes) -> None:
    answer = raw_request(server, line)
    assert answer.split(b" ", 2)[1] in (b"400", b"404") and SECRET.encode() not in answer


# -- settings.http and `monitor serve` -------------------------------------------------------


WATCH = "watch:\n  - {name: A, url: 'https://a.example/'}\n"


@pytest.mark.parametrize(
    ("listen", "host", "port"),
    [
        pytest.param("127.0.0.1:8080", "127.0.0.1", 8080, id="host-port"),
        pytest.param("8080", "127.0.0.1", 8080, id="port-alone-is-loopback"),
        pytest.param("0.0.0.0:80", "0.0.0.0", 80, id="all-interfaces-when-asked"),
        pytest.param("[::1]:8080", "::1", 8080, id="ipv6"),
        pytest.param("reports.intranet:8080", "reports.intranet", 8080, id="host-name"),
    ],
)
def test_a_listen_address_is_host_and_port(listen: str, host: str, port: int) -> None:
    http = loads(f"settings:\n  http: {{listen: '{listen}'}}\n" + WATCH).settings.http
    assert http is not None and (http.host, http.port) == (host, port)


def test_http_is_off_by_default() -> None:
    assert loads(WATCH).settings.http is None


@pytest.mark.parametrize(
    "listen",
    [
        pytest.param("127.0.0.1:0", id="port-0"),
        pytest.param("127.0.0.1:65536", id="port-too-big"),
        pytest.param("127.0.0.1", id="no-port"),
        pytest.param("127.0.0.1:http", id="port-not-a-number"),
        pytest.param(":8080", id="no-host"),
        pytest.param("::1:8080", id="ipv6-without-brackets"),
        pytest.param("http://127.0.0.1:8080/", id="a-url"),
    ],
)
def test_a_bad_listen_address_is_a_config_error_naming_the_line_and_key(listen: str) -> None:
    with pytest.raises(ConfigError) as caught:
        loads(f"settings:\n  http:\n    listen: '{listen}'\n" + WATCH, file="w.yaml")
    assert str(caught.value.problems[0]).startswith("w.yaml:3: settings.http.listen: ")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def watchlist(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "watchlist.yaml"
    path.write_text(
        f"settings:\n  database: {tmp_path / 'state' / 'monitor.db'}\n"
        f"  reports_dir: {tmp_path / 'reports'}\n"
        f"  http: {{listen: '127.0.0.1:{port}'}}\n" + WATCH,
        encoding="utf-8",
    )
    return path


def test_serve_publishes_the_reports_folder_and_closes_it_when_it_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    path = watchlist(tmp_path, port)
    ran = threading.Event()

    def fake_run(config: object, **kwargs: object) -> None:
        (tmp_path / "reports" / "latest.html").write_text("<h1>Served</h1>", encoding="utf-8")
        ran.set()
        raise OSError("no real run in this test")

    monkeypatch.setattr(service_module, "run_once", fake_run)
    got: list[bytes] = []

    def fetch_then_stop() -> None:
        if ran.wait(10):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/latest.html")
            got.append(conn.getresponse().read())
            conn.close()
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=fetch_then_stop, daemon=True).start()
    assert service_module.serve(path, every=0.2) == 0
    assert got == [b"<h1>Served</h1>"]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_serve_refuses_to_start_on_a_port_in_use_with_one_line_and_exit_3(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "_check", lambda *a: pytest.fail("no run may start"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with caplog.at_level(logging.ERROR, "monitor.service"):
            assert service_module.serve(watchlist(tmp_path, port), every=0.2) == 3
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert line == (
        f"monitor: cannot publish the reports folder on 127.0.0.1:{port} (settings.http.listen): "
        "the address is already in use (another program, or another `monitor serve`); choose "
        "another address or port, or remove settings.http"
    )


# -- the docs --------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "serve.md"


def test_every_watch_list_in_the_publishing_docs_loads() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## Publishing the reports folder") : text.index("## Alerts")]
    [block] = re.findall(r"```yaml\n(.*?)```", section, flags=re.S)
    http = loads(block, file="docs/serve.md").settings.http
    assert http is not None and (http.host, http.port) == ("127.0.0.1", 8080)


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_the_nginx_snippet_in_the_docs_proxies_to_the_published_folder(
    server: Publisher, tmp_path: Path
) -> None:
    [snippet] = re.findall(r"```nginx\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    port = free_port()
    conf = tmp_path / "nginx.conf"
    temp = "".join(
        f"{kind}_temp_path {tmp_path / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf.write_text(
        f"daemon off; master_process off; pid {tmp_path / 'nginx.pid'};\n"
        f"error_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{ access_log off; {temp}\n"
        f"  server {{ listen 127.0.0.1:{port};\n"
        + snippet.replace("127.0.0.1:8080", f"127.0.0.1:{server.address[1]}")
        + "  }\n}\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp_path)])
    front = ("127.0.0.1", port)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            time.sleep(0.05)
        got = request(front, "GET", "/reports/latest.html")
        refused = request(front, "POST", "/reports/latest.html")
    finally:
        proc.terminate()
        proc.wait(10)
    assert (got[0], got[2], refused[0]) == (200, b"<h1>Latest</h1>", 403)


def test_an_edited_listen_address_says_it_needs_a_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = watchlist(tmp_path, 8080)
    service = service_module.Service(path, load(path), every=60, out=None)
    path.write_text(path.read_text().replace(":8080", ":8081"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, "monitor.service"):
        service.reload()
    assert "settings.http changed: the reports folder is published as before until" in caplog.text
