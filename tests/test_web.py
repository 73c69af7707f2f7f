"""The simulated web itself: real HTTP on loopback, scripted misbehaviour, counters."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from monitor.testing.web import Request, Route, SimWeb, html_page

A, B = "127.0.0.2", "127.0.0.3"


def test_a_routed_page_is_served_and_unknown_paths_get_a_real_404(simweb: SimWeb) -> None:
    url = simweb.route(A, "/campaign", Route.page("Campaign", "Join us."))
    with httpx.Client() as client:
        page = client.get(url)
        missing = client.get(simweb.url(A, "/nothing-here"))
    assert page.status_code == 200
    assert "<title>Campaign</title>" in page.text
    assert page.headers["content-type"].startswith("text/html")
    assert missing.status_code == 404


def test_every_host_listens_on_its_own_address(simweb: SimWeb) -> None:
    simweb.route(A, "/", Route(body="host a"))
    simweb.route(B, "/", Route(body="host b"))
    with httpx.Client() as client:
        assert client.get(simweb.url(A, "/")).text == "host a"
        assert client.get(simweb.url(B, "/")).text == "host b"
    assert simweb.base_url(B).startswith("http://127.0.0.3:")


def test_head_gets_the_headers_without_a_body_and_can_be_scripted_to_fail(simweb: SimWeb) -> None:
    url = simweb.route(A, "/doc", Route(body="x" * 100, head_status=405))
    plain = simweb.route(A, "/plain", Route(body="y" * 50))
    with httpx.Client() as client:
        head = client.head(plain)
        mishandled = client.head(url)
        get = client.get(url)
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", "50")
    assert mishandled.status_code == 405
    assert get.status_code == 200


def test_keep_alive_serves_many_requests_on_one_connection(simweb: SimWeb) -> None:
    url = simweb.route(A, "/a", Route.page("A"))
    with httpx.Client() as client:
        for _ in range(5):
            assert client.get(url).status_code == 200
    stats = simweb.stats(A)
    assert (stats.requests, stats.connections) == (5, 1)


def test_a_sequence_answers_in_turn_and_repeats_its_last_answer(simweb: SimWeb) -> None:
    url = simweb.route(
        A, "/flaky", Route(sequence=[Route(status=503), Route(status=429), Route(status=200)])
    )
    with httpx.Client() as client:
        codes = [client.get(url).status_code for _ in range(5)]
    assert codes == [503, 429, 200, 200, 200]
    assert simweb.hits(A, "/flaky") == 5


def test_routing_a_path_anew_restarts_its_sequence(simweb: SimWeb) -> None:
    with httpx.Client() as client:
        for _ in range(3):
            url = simweb.route(A, "/s", Route(sequence=[Route(status=503), Route(status=200)]))
            assert [client.get(url).status_code for _ in range(2)] == [503, 200]


def test_a_handler_route_sees_the_request(simweb: SimWeb) -> None:
    def echo(request: Request) -> Route:
        return Route(body=f"you sent {request.headers['user-agent']}")

    url = simweb.route(A, "/echo", echo)
    with httpx.Client(headers={"User-Agent": "tester/1"}) as client:
        assert client.get(url).text == "you sent tester/1"
    assert simweb.requests(A)[-1].headers["user-agent"] == "tester/1"


def test_a_host_default_can_be_a_soft_404_page(simweb: SimWeb) -> None:
    simweb.default(B, Route.page("Welcome", "Our home page."))
    with httpx.Client() as client:
        answer = client.get(simweb.url(B, "/gone"))
    assert answer.status_code == 200
    assert "Welcome" in answer.text


def test_gzip_routes_are_compressed_on_the_wire(simweb: SimWeb) -> None:
    url = simweb.route(A, "/z", Route(body="hello " * 1000, gzip=True))
    with httpx.Client() as client:
        answer = client.get(url)
    assert answer.headers["content-encoding"] == "gzip"
    assert int(answer.headers["content-length"]) < 1000
    assert answer.text == "hello " * 1000


@pytest.mark.parametrize(
    "route",
    [
        pytest.param(Route(reset=True), id="reset before answering"),
        pytest.param(Route(body=b"x" * 1000, reset_after_bytes=10), id="reset mid-body"),
    ],
)
def test_a_reset_route_cuts_the_connection(simweb: SimWeb, route: Route) -> None:
    url = simweb.route(A, "/cut", route)
    with httpx.Client() as client, pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        client.get(url)


def test_a_delayed_route_counts_every_concurrent_request_in_flight(simweb: SimWeb) -> None:
    url = simweb.route(A, "/slow", Route(body="ok", delay_s=0.3))

    def fetch(_: int) -> int:
        with httpx.Client() as client:
            return client.get(url).status_code

    with ThreadPoolExecutor(max_workers=5) as pool:
        assert list(pool.map(fetch, range(5))) == [200] * 5
    stats = simweb.stats(A)
    assert stats.max_in_flight == 5
    assert stats.in_flight == 0
    assert stats.connections == 5
    assert simweb.max_in_flight_total == 5


def test_a_hanging_route_never_answers(simweb: SimWeb) -> None:
    url = simweb.route(A, "/hang", Route(hang=True))
    with httpx.Client(timeout=0.3) as client, pytest.raises(httpx.ReadTimeout):
        client.get(url)


def test_reset_stats_zeroes_counters_and_the_log(simweb: SimWeb) -> None:
    url = simweb.route(A, "/a", Route())
    with httpx.Client() as client:
        client.get(url)
    simweb.reset_stats()
    assert simweb.stats(A).requests == 0
    assert simweb.hits(A, "/a") == 0
    assert simweb.requests() == []


def test_html_page_escapes_and_lists_links() -> None:
    page = html_page("A & B", "one\n\ntwo", links=["/x?a=1&b=2"])
    assert "<title>A &amp; B</title>" in page
    assert "<p>one</p>" in page and "<p>two</p>" in page
    assert 'href="/x?a=1&amp;b=2"' in page


def arrives(condition: Callable[[], bool], timeout_s: float = 30) -> bool:
    """Wait for ``condition`` (something the server thread does); False if it never came."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def test_stop_leaves_no_thread_and_no_listening_socket() -> None:
    before = set(threading.enumerate())
    web = SimWeb(hosts=[A, B]).start()
    url = web.route(A, "/hang", Route(hang=True))
    port = int(web.base_url(A).rsplit(":", 1)[1])
    hanging = socket.create_connection((A, port))  # a client the server is still serving
    hanging.sendall(f"GET /hang HTTP/1.1\r\nHost: {A}\r\n\r\n".encode())
    assert arrives(lambda: web.stats(A).in_flight == 1)  # the server is serving it
    web.stop()
    try:
        assert set(threading.enumerate()) == before
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((A, port), timeout=1).close()
        try:
            leftover = hanging.recv(1)
        except ConnectionResetError:
            leftover = b""
        assert leftover == b""  # the open connection was closed too
    finally:
        hanging.close()
    assert url.endswith("/hang")
    web.stop()  # a second stop is harmless


@pytest.mark.parametrize(
    "request_bytes",
    [
        pytest.param(b"", id="an idle keep-alive connection"),
        pytest.param(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n", id="a request still in flight"),
    ],
)
def test_stopping_with_a_client_connected_logs_no_error(
    request_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    web = SimWeb(hosts=[A]).start()
    web.route(A, "/hang", Route(hang=True))
    port = int(web.base_url(A).rsplit(":", 1)[1])
    client = socket.create_connection((A, port))
    try:
        client.sendall(request_bytes)
        assert arrives(lambda: web.stats(A).connections == 1)  # the server has accepted it
        with caplog.at_level("ERROR"):
            web.stop()
    finally:
        client.close()
    # Python 3.11's start_server logged "Exception in callback ... CancelledError" with a
    # traceback for every connection a stop cut (the demo and the bench print it).
    assert [r.getMessage() for r in caplog.records] == []
