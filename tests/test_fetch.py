"""Fetcher against real servers on loopback: limits, retries, redirects, caps, guard."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import socket
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, TypeVar

import httpx
import pytest

from monitor.fetch import Fetcher, Lane
from monitor.fetch.limits import Slots
from monitor.fetch.requests import retry_after
from monitor.fetch.wire import HostPools
from monitor.models import FetchError, FetchResult, Hop, host_key
from monitor.testing.web import Request, Route, SimWeb

A, B, C, D = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"
UA = "partner-monitor-test/1 (+https://example.org/monitor)"
T = TypeVar("T")


def make_fetcher(**overrides: Any) -> Fetcher:
    """A Fetcher with test-friendly defaults: short timeout, tiny backoff, loopback allowed."""
    options: dict[str, Any] = {
        "user_agent": UA,
        "timeout_s": 1.0,
        "backoff_base_s": 0.01,
        "allow_private_links": True,
    }
    options.update(overrides)
    return Fetcher(**options)


def with_fetcher(job: Callable[[Fetcher], Awaitable[T]], **overrides: Any) -> T:
    """Run ``job`` with a fresh Fetcher on a fresh event loop."""

    async def main() -> T:
        async with make_fetcher(**overrides) as fetcher:
            return await job(fetcher)

    return asyncio.run(main())


def probe(url: str, method: str = "GET", **overrides: Any) -> FetchResult:
    return with_fetcher(lambda f: f.probe(url, method=method), **overrides)


def probe_many(urls: list[str], **overrides: Any) -> tuple[list[FetchResult], Fetcher]:
    async def job(fetcher: Fetcher) -> tuple[list[FetchResult], Fetcher]:
        results = await asyncio.gather(*(fetcher.probe(u) for u in urls))
        return list(results), fetcher

    return with_fetcher(job, **overrides)


def closed_port_url(host: str = A) -> str:
    """A URL on ``host`` whose port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port = sock.getsockname()[1]
    return f"http://{host}:{port}/"


# -- the transport ------------------------------------------------------------------------


def test_without_our_own_pools_the_fetcher_uses_httpx_transport_and_still_works(
    simweb: SimWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = simweb.route(A, "/page", Route.page("Page", "text"))
    monkeypatch.setitem(sys.modules, "monitor.fetch.wire", None)  # as if httpcore had moved
    assert probe(url).status_code == 200


# -- limits and connection reuse ---------------------------------------------------------


def test_the_per_host_limit_holds_under_load_with_a_high_global_limit(simweb: SimWeb) -> None:
    urls = [simweb.route(A, f"/p{i}", Route(body="ok", delay_s=0.05)) for i in range(40)]
    results, fetcher = probe_many(urls, concurrency=64, per_host=4)
    assert all(r.status_code == 200 for r in results)
    server_max = simweb.stats(A).max_in_flight
    assert 2 <= server_max <= 4
    assert max(fetcher.stats().max_in_flight_per_host.values()) <= 4


def test_the_global_limit_holds_across_hosts(simweb: SimWeb) -> None:
    urls = [
        simweb.route(host, f"/p{i}", Route(body="ok", delay_s=0.05))
        for host in (A, B, C, D)
        for i in range(10)
    ]
    results, fetcher = probe_many(urls, concurrency=3, per_host=4)
    assert all(r.status_code == 200 for r in results)
    assert 2 <= simweb.max_in_flight_total <= 3
    assert fetcher.stats().max_in_flight <= 3


def test_connections_are_reused_between_requests_to_one_host(simweb: SimWeb) -> None:
    urls = [simweb.route(A, f"/p{i}", Route.page(f"Page {i}", "text")) for i in range(10)]

    async def job(fetcher: Fetcher) -> list[FetchResult]:
        return [await fetcher.probe(u) for u in urls]

    results = with_fetcher(job)
    assert all(r.status_code == 200 for r in results)
    assert simweb.stats(A).connections == 1


def test_the_server_sees_our_user_agent_and_no_fragment(simweb: SimWeb) -> None:
    url = simweb.route(A, "/page", Route.page("Page"))
    result = probe(url + "#section")
    assert result.url == url
    request = simweb.requests(A)[-1]
    assert request.target == "/page"
    assert request.headers["user-agent"] == UA


# -- lanes: which waiting request gets the next slot --------------------------------------


def served_order(simweb: SimWeb, host: str) -> list[str]:
    return [r.path for r in simweb.requests(host)]


def test_a_link_that_timed_out_last_time_is_sent_before_the_links_queued_ahead_of_it(
    simweb: SimWeb,
) -> None:
    urls = [simweb.route(A, f"/n{i}", Route(body="ok", delay_s=0.05)) for i in range(4)]
    slow = simweb.route(A, "/was-slow", Route(body="ok"))

    async def job(fetcher: Fetcher) -> None:
        queued = [asyncio.create_task(fetcher.probe(u)) for u in urls]
        await asyncio.sleep(0)  # the four are queued (one holds the only slot)
        await fetcher.probe(slow, expect_slow=True)
        await asyncio.gather(*queued)

    with_fetcher(job, concurrency=1, per_host=1)
    assert served_order(simweb, A) == ["/n0", "/was-slow", "/n1", "/n2", "/n3"]


def test_the_retry_of_a_timed_out_attempt_does_not_wait_behind_the_queue(simweb: SimWeb) -> None:
    once = simweb.route(A, "/hangs-once", Route(sequence=[Route(hang=True), Route.page("Ok")]))
    urls = [simweb.route(A, f"/n{i}", Route(body="ok", delay_s=0.05)) for i in range(6)]
    results, _ = probe_many([once, *urls], concurrency=1, per_host=1, timeout_s=0.3, retries=1)
    assert results[0].status_code == 200
    order = served_order(simweb, A)
    # Sent again as soon as its short backoff ends, not after the six links behind it.
    assert order.index("/hangs-once", 1) <= 2, order


def test_watched_pages_are_fetched_before_queued_links(simweb: SimWeb) -> None:
    urls = [simweb.route(A, f"/n{i}", Route(body="ok", delay_s=0.05)) for i in range(4)]
    page = simweb.route(A, "/watched", Route.page("Watched"))

    async def job(fetcher: Fetcher) -> None:
        queued = [asyncio.create_task(fetcher.probe(u)) for u in urls]
        await asyncio.sleep(0)
        await fetcher.get(page)
        await asyncio.gather(*queued)

    with_fetcher(job, concurrency=1, per_host=1)
    assert served_order(simweb, A)[:2] == ["/n0", "/watched"]


def test_retries_of_this_run_s_timeouts_let_the_untried_links_go_first(simweb: SimWeb) -> None:
    # Four links hang and time out together while eight are still untried. A link not
    # tried yet may be the one that hangs, and the run waits for its timeouts; the
    # retries fit in the run's last timeout. So the untried links take the freed slots.
    hangs = [simweb.route(A, f"/hang{i}", Route(hang=True)) for i in range(4)]
    links = [simweb.route(A, f"/n{i}", Route(body="ok", delay_s=0.2)) for i in range(8)]
    results, _ = probe_many([*hangs, *links], concurrency=4, per_host=12, timeout_s=0.3, retries=1)
    assert [r.error for r in results[:4]] == [FetchError.TIMEOUT] * 4
    order = served_order(simweb, A)
    assert sorted(order[:4]) == sorted(order[12:]) == [f"/hang{i}" for i in range(4)]
    # (In any order: each may arrive on a connection of its own.)
    assert sorted(order[4:12]) == [f"/n{i}" for i in range(8)]


def test_slow_work_holds_no_more_slots_than_its_cap_and_others_get_the_rest() -> None:
    async def main() -> list[str]:
        slots = Slots(3, slow_cap=lambda: 1)
        got: list[str] = []
        taken = {name: asyncio.Event() for name in ("slow1", "slow2", "link")}

        async def take(name: str, lane: Lane) -> None:
            await slots.acquire(lane)
            got.append(name)
            taken[name].set()

        async def took(name: str) -> None:
            await taken[name].wait()

        waiting = [
            asyncio.create_task(take(name, lane))
            for name, lane in [("slow1", Lane.SLOW), ("slow2", Lane.SLOW), ("link", Lane.NORMAL)]
        ]
        # The three ran in order up to their first wait: slow2 has asked for its slot too.
        await asyncio.wait_for(took("link"), 10)
        assert got == ["slow1", "link"]  # slow2 waits although a slot is free
        slots.release(Lane.SLOW)  # slow1 done: slow2 may go
        await asyncio.wait_for(took("slow2"), 10)
        for task in waiting:
            task.cancel()
        return got

    assert asyncio.run(main()) == ["slow1", "link", "slow2"]


def test_links_of_the_host_with_the_most_links_left_are_sent_first(simweb: SimWeb) -> None:
    a = [simweb.route(A, f"/a{i}", Route(body="ok", delay_s=0.05)) for i in range(3)]
    b = [simweb.route(B, f"/b{i}", Route(body="ok")) for i in range(2)]
    left = Counter({host_key(a[0]): 3, host_key(b[0]): 10})

    async def job(fetcher: Fetcher) -> None:
        fetcher.prefer_hosts(left)
        await asyncio.gather(*(fetcher.probe(u) for u in a + b))

    with_fetcher(job, concurrency=1, per_host=4)
    sent = sorted(simweb.requests(A) + simweb.requests(B), key=lambda r: r.at)
    # /a0 found the only slot free; then B, ten links behind, goes before A's other two.
    assert [r.path for r in sent] == ["/a0", "/b0", "/b1", "/a1", "/a2"]


def test_a_redirect_to_another_host_waits_as_a_request_of_the_links_own_host(
    simweb: SimWeb,
) -> None:
    target = simweb.route(B, "/moved-here", Route(body="ok"))
    link = simweb.route(A, "/old", Route(status=301, headers={"Location": target}))
    c = [simweb.route(C, f"/c{i}", Route(body="ok", delay_s=0.02)) for i in range(3)]
    # B has no links of its own to check; the hop there serves A's, and A is furthest behind.
    left = Counter({host_key(link): 5, host_key(c[0]): 2})

    async def job(fetcher: Fetcher) -> None:
        fetcher.prefer_hosts(left)
        await asyncio.gather(*(fetcher.probe(u) for u in [link, *c]))

    with_fetcher(job, concurrency=1, per_host=4)
    sent = sorted(simweb.requests(A) + simweb.requests(B) + simweb.requests(C), key=lambda r: r.at)
    assert [r.path for r in sent] == ["/old", "/c0", "/moved-here", "/c1", "/c2"]


def test_a_host_whose_links_are_found_while_it_waits_is_not_left_until_the_end() -> None:
    async def main() -> list[str]:
        left = Counter({"a": 1, "b": 4})
        slots = Slots(1)
        slots.serve_by_backlog(left)
        await slots.acquire(Lane.NORMAL, "b")  # holds the only slot
        got: list[str] = []

        async def take(name: str, key: str) -> None:
            await slots.acquire(Lane.NORMAL, key)
            got.append(name)

        order = [("a1", "a"), ("b1", "b"), ("b2", "b"), ("b3", "b"), ("b4", "b")]
        waiting = [asyncio.create_task(take(name, key)) for name, key in order]
        await asyncio.sleep(0)
        left["a"] = 10  # a's page was parsed: it is now the host furthest behind
        for _ in waiting:
            slots.release()
            await asyncio.sleep(0)
        return got

    got = asyncio.run(main())
    assert sorted(got) == ["a1", "b1", "b2", "b3", "b4"]
    assert got.index("a1") < got.index("b4"), got


def test_a_request_that_stops_waiting_passes_its_turn_to_the_next_host() -> None:
    async def main() -> bool:
        slots = Slots(1)
        slots.serve_by_backlog(Counter({"a": 5, "b": 1}))
        await slots.acquire(Lane.NORMAL, "a")
        first = asyncio.create_task(slots.acquire(Lane.NORMAL, "a"))
        second = asyncio.create_task(slots.acquire(Lane.NORMAL, "b"))
        await asyncio.sleep(0)
        first.cancel()
        await asyncio.sleep(0)
        assert slots.waiting(Lane.NORMAL) == 1  # forgotten, not served later
        slots.release()
        await asyncio.sleep(0)
        return second.done()

    assert asyncio.run(main())


# -- retries ---------------------------------------------------------------------------


def test_a_503_is_retried_and_the_later_200_wins(simweb: SimWeb) -> None:
    url = simweb.route(A, "/flaky", Route(sequence=[Route(status=503), Route.page("Back")]))
    result = probe(url)
    assert (result.status_code, result.attempts) == (200, 2)
    assert simweb.hits(A, "/flaky") == 2


def test_a_persistent_500_is_given_up_after_the_retries(simweb: SimWeb) -> None:
    url = simweb.route(A, "/down", Route(status=500))
    result = probe(url, retries=2)
    assert (result.status_code, result.attempts, result.error) == (500, 3, None)


def test_a_501_is_not_retried(simweb: SimWeb) -> None:
    url = simweb.route(A, "/nope", Route(status=501))
    assert probe(url).attempts == 1
    assert simweb.hits(A, "/nope") == 1


def test_retry_after_on_429_is_honoured(simweb: SimWeb) -> None:
    slow_down = Route(status=429, headers={"Retry-After": "1"})
    url = simweb.route(A, "/rate", Route(sequence=[slow_down, Route.page("Fine")]))
    result = probe(url)
    assert result.status_code == 200
    first, second = simweb.requests(A)
    assert second.at - first.at >= 0.9


def test_retry_after_is_capped(simweb: SimWeb) -> None:
    slow_down = Route(status=429, headers={"Retry-After": "3600"})
    url = simweb.route(A, "/rate", Route(sequence=[slow_down, Route.page("Fine")]))
    assert probe(url, retry_after_cap_s=0.2).status_code == 200  # not an hour later
    first, second = simweb.requests(A)
    assert second.at - first.at < 60  # 0.2 s asked; an hour is what the cap prevents


def test_a_429_that_persists_is_returned_after_the_retries(simweb: SimWeb) -> None:
    url = simweb.route(A, "/rate", Route(status=429, headers={"Retry-After": "0"}))
    result = probe(url, retries=1)
    assert (result.status_code, result.attempts) == (429, 2)


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [
        pytest.param("120", 120, 120, id="seconds"),
        pytest.param(" 5 ", 5, 5, id="seconds with spaces"),
        pytest.param("in a while", None, None, id="garbage is ignored"),
        pytest.param("", None, None, id="empty is ignored"),
        pytest.param("HTTP-DATE+30", 30, 30, id="an HTTP date in the future"),
        pytest.param("HTTP-DATE-30", 0, 0, id="an HTTP date in the past means now"),
    ],
)
def test_retry_after_is_read_as_seconds_or_http_date(
    header: str, low: float | None, high: float | None
) -> None:
    now = datetime(2026, 3, 1, 0, 0, 0, tzinfo=UTC)  # a fixed clock, whole seconds as HTTP
    if header.startswith("HTTP-DATE"):
        header = format_datetime(now + timedelta(seconds=int(header[9:])), usegmt=True)
    seconds = retry_after(header, now)
    if low is None:
        assert seconds is None
    else:
        assert seconds is not None and low <= seconds <= high  # type: ignore[operator]


# -- timeouts and transport failures ------------------------------------------------------


def test_a_trickling_server_times_out(simweb: SimWeb) -> None:
    # 100 KB at 200 B/s would take over 8 minutes: the 1 s timeout ends it.
    url = simweb.route(A, "/slow", Route(body=b"x" * 100_000, trickle_bytes_per_s=200))
    result = probe(url, timeout_s=1, retries=0)
    assert (result.error, result.error_detail) == (
        FetchError.TIMEOUT,
        "no complete answer within 1 s",
    )


@pytest.mark.perf
def test_a_trickling_server_times_out_within_the_timeout(simweb: SimWeb) -> None:
    url = simweb.route(A, "/slow", Route(body=b"x" * 100_000, trickle_bytes_per_s=200))
    started = time.monotonic()
    probe(url, timeout_s=1, retries=0)
    assert time.monotonic() - started < 1 + 2


def test_a_timeout_is_retried(simweb: SimWeb) -> None:
    url = simweb.route(A, "/once", Route(sequence=[Route(hang=True), Route.page("Ok")]))
    result = probe(url, timeout_s=0.5, retries=1)
    assert (result.status_code, result.attempts) == (200, 2)


@pytest.mark.parametrize(
    ("route", "kind"),
    [
        pytest.param(Route(reset=True), FetchError.RESET, id="reset before the answer"),
        pytest.param(Route(body=b"y" * 5000, reset_after_bytes=100), FetchError.RESET,
                     id="reset in the middle of the body"),
        pytest.param(Route(raw=b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"),
                     FetchError.RESET, id="body shorter than announced"),
        pytest.param(Route(raw=b"HTTP/1.1 200 OK\r\nThis is not a header\r\n\r\n"),
                     FetchError.PROTOCOL, id="malformed header line"),
        pytest.param(Route(raw=b"SMTP ready\r\n\r\n"), FetchError.PROTOCOL,
                     id="not HTTP at all"),
        pytest.param(Route(body=b"\x1f\x8b not gzip", headers={"Content-Encoding": "gzip"}),
                     FetchError.PROTOCOL, id="undecodable gzip"),
        pytest.param(Route(hang=True), FetchError.TIMEOUT, id="a server that never answers"),
    ],
)  # fmt: skip
def test_transport_failures_are_returned_as_fetch_errors(
    simweb: SimWeb, route: Route, kind: FetchError
) -> None:
    url = simweb.route(A, "/bad", route)
    result = probe(url, retries=0, timeout_s=0.5)
    assert result.error is kind
    assert result.status_code is None
    assert result.error_detail


@pytest.mark.parametrize(
    ("url", "allow_private", "kind"),
    [
        pytest.param("http://no-such-host.invalid/p", True, FetchError.DNS, id="unknown name"),
        pytest.param("http://no-such-host.invalid/p", False, FetchError.DNS,
                     id="unknown name met by the private-address guard"),
        pytest.param("REFUSED", True, FetchError.REFUSED, id="nobody listening"),
        pytest.param("http://[::1/broken", True, FetchError.INVALID_URL, id="unparseable URL"),
        pytest.param("mailto:someone@example.org", True, FetchError.INVALID_URL, id="not http"),
    ],
)  # fmt: skip
def test_connection_failures_are_returned_as_fetch_errors(
    url: str, allow_private: bool, kind: FetchError
) -> None:
    result = probe(
        closed_port_url() if url == "REFUSED" else url, allow_private_links=allow_private
    )
    assert result.error is kind
    assert result.error_detail


# -- HEAD ----------------------------------------------------------------------------------


def test_head_is_enough_when_the_server_handles_it(simweb: SimWeb) -> None:
    url = simweb.route(A, "/doc", Route.page("Doc"))
    result = probe(url, method="HEAD")
    assert (result.status_code, result.method, result.body) == (200, "HEAD", b"")
    assert [r.method for r in simweb.requests(A)] == ["HEAD"]


@pytest.mark.parametrize("head_status", [405, 501, 404, 500])
def test_a_mishandled_head_falls_back_to_get(simweb: SimWeb, head_status: int) -> None:
    url = simweb.route(A, "/doc", Route(status=200, head_status=head_status, body="<title>x"))
    result = probe(url, method="HEAD")
    assert (result.status_code, result.method) == (200, "GET")
    methods = [r.method for r in simweb.requests(A)]
    assert (methods[0], methods[-1]) == ("HEAD", "GET")


def test_a_head_that_hangs_falls_back_to_get(simweb: SimWeb) -> None:
    def head_hangs(request: Request) -> Route:
        return Route(hang=True) if request.method == "HEAD" else Route.page("Fine")

    url = simweb.route(A, "/doc", head_hangs)
    result = probe(url, method="HEAD", timeout_s=0.5)
    assert (result.status_code, result.method, result.error) == (200, "GET", None)


# -- redirects -----------------------------------------------------------------------------


def test_a_redirect_chain_is_recorded_hop_by_hop(simweb: SimWeb) -> None:
    first = simweb.route(A, "/a", Route.redirect("/b", 301))
    second = simweb.route(A, "/b", Route.redirect(simweb.url(B, "/c#top"), 302))
    final = simweb.route(B, "/c", Route.page("C"))
    result = probe(first)
    assert result.hops == (Hop(first, 301, second), Hop(second, 302, final))
    assert (result.final_url, result.status_code) == (final, 200)


def test_a_redirect_loop_is_reported(simweb: SimWeb) -> None:
    url = simweb.route(A, "/ping", Route.redirect("/pong", 302))
    simweb.route(A, "/pong", Route.redirect("/ping", 302))
    result = probe(url)
    assert result.error is FetchError.REDIRECT_LOOP
    assert len(result.hops) == 2
    assert result.status_code == 302


def test_a_redirect_to_itself_after_setting_a_cookie_is_not_a_loop(simweb: SimWeb) -> None:
    def cookie_wall(request: Request) -> Route:
        if "seen=1" in request.headers.get("cookie", ""):
            return Route.page("Welcome back")
        return Route.redirect("/wall", 302, headers={"Set-Cookie": "seen=1; Path=/"})

    url = simweb.route(A, "/wall", cookie_wall)
    result = probe(url)
    assert (result.status_code, result.error, len(result.hops)) == (200, None, 1)


@pytest.mark.parametrize(
    ("redirects", "error"),
    [
        pytest.param(10, None, id="ten redirects are followed"),
        pytest.param(11, FetchError.TOO_MANY_REDIRECTS, id="eleven are too many"),
    ],
)
def test_more_than_ten_redirects_are_too_many(
    simweb: SimWeb, redirects: int, error: FetchError | None
) -> None:
    for i in range(redirects):
        simweb.route(A, f"/r{i}", Route.redirect(f"/r{i + 1}", 302))
    simweb.route(A, f"/r{redirects}", Route.page("End"))
    result = probe(simweb.url(A, "/r0"))
    assert result.error is error


@pytest.mark.parametrize(
    ("location", "detail"),
    [
        pytest.param("file:///etc/passwd", "file:", id="file scheme"),
        pytest.param("ftp://files.example.org/a.pdf", "ftp:", id="ftp scheme"),
        pytest.param("javascript:alert(1)", "javascript:", id="javascript scheme"),
        pytest.param("http://[::1/", "invalid address", id="garbage"),
        pytest.param("", "no Location", id="missing Location"),
    ],
)
def test_an_unusable_redirect_is_a_bad_redirect(simweb: SimWeb, location: str, detail: str) -> None:
    route = Route.redirect(location, 301) if location else Route(status=301)
    url = simweb.route(A, "/go", route)
    result = probe(url)
    assert result.error is FetchError.BAD_REDIRECT
    assert detail in (result.error_detail or "")


# -- private addresses ---------------------------------------------------------------------


def test_a_link_to_a_loopback_address_is_not_fetched_unless_allowed(simweb: SimWeb) -> None:
    url = simweb.route(A, "/local", Route.page("Local"))
    guarded = probe(url, allow_private_links=False)
    assert guarded.error is FetchError.PRIVATE_REDIRECT
    assert "loopback" in (guarded.error_detail or "")
    assert simweb.stats(A).requests == 0
    allowed = probe(url, allow_private_links=True)
    assert allowed.status_code == 200


@pytest.mark.parametrize(
    "url", ["http://localhost:9/", "http://localhost.:9/", "http://admin.localhost:9/"]
)
def test_a_localhost_name_is_not_fetched(url: str) -> None:
    result = probe(url, allow_private_links=False)
    assert result.error is FetchError.PRIVATE_REDIRECT
    assert "loopback" in (result.error_detail or "")


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        pytest.param(["10.1.2.3"], "private", id="private"),
        pytest.param(["169.254.169.254"], "link-local", id="cloud-metadata"),
        pytest.param(["93.184.215.14", "127.0.0.1"], "loopback", id="one-of-two-answers"),
        pytest.param(["::ffff:192.168.1.1"], "private", id="ipv4-mapped-ipv6"),
    ],
)
def test_a_name_whose_dns_answer_is_not_public_is_not_fetched(
    monkeypatch: pytest.MonkeyPatch, answer: list[str], kind: str
) -> None:
    asked: list[str] = []

    async def resolver(host: str) -> list[str]:
        asked.append(host)
        return answer

    # The resolver stands in for a DNS server that answers a private address for a
    # public-looking name; the guard must judge the answer, not the name.
    monkeypatch.setattr(Fetcher, "_addresses", staticmethod(resolver))
    result = probe("http://intranet.partner.example/admin", allow_private_links=False)
    assert result.error is FetchError.PRIVATE_REDIRECT
    assert "resolves to" in (result.error_detail or "") and kind in (result.error_detail or "")
    assert asked == ["intranet.partner.example"]


def test_a_public_link_redirecting_to_a_private_address_is_stopped_at_that_hop() -> None:
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://10.0.0.7/admin"})

    result = probe(
        "http://93.184.216.34/campaign",
        allow_private_links=False,
        transport=httpx.MockTransport(handler),
    )
    assert result.error is FetchError.PRIVATE_REDIRECT
    assert result.final_url == "http://10.0.0.7/admin"
    assert asked == ["http://93.184.216.34/campaign"]


def test_a_watched_page_on_loopback_is_always_fetched(simweb: SimWeb) -> None:
    url = simweb.route(A, "/watched", Route.page("Watched"))
    result = with_fetcher(lambda f: f.get(url), allow_private_links=False)
    assert result.status_code == 200
    assert b"Watched" in result.body


# -- bodies --------------------------------------------------------------------------------


def test_a_gzip_bomb_is_cut_at_the_cap(simweb: SimWeb) -> None:
    bomb = gzip.compress(b"\0" * 30_000_000, compresslevel=9)
    headers = {"Content-Encoding": "gzip"}
    url = simweb.route(A, "/bomb", Route(body=bomb, headers=headers))
    link = probe(url, max_link_bytes=65_536)
    page = with_fetcher(lambda f: f.get(url), max_page_bytes=1_000_000)
    assert (len(link.body), link.truncated) == (65_536, True)
    assert (len(page.body), page.truncated) == (1_000_000, True)


def test_gzip_and_deflate_bodies_are_decoded(simweb: SimWeb) -> None:
    import zlib

    text = b"<title>Squeezed</title>" + b"words " * 500
    gz = simweb.route(A, "/gz", Route(body=text, gzip=True))
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    deflated = raw_deflate.compress(text) + raw_deflate.flush()
    df = simweb.route(A, "/df", Route(body=deflated, headers={"Content-Encoding": "deflate"}))
    assert probe(gz).body == text
    assert probe(df).body == text


def test_a_watched_page_is_capped_and_marked_truncated(simweb: SimWeb) -> None:
    url = simweb.route(A, "/big", Route(body=b"a" * 50_000))
    result = with_fetcher(lambda f: f.get(url), max_page_bytes=10_000)
    assert (len(result.body), result.truncated) == (10_000, True)


def test_a_link_to_a_non_html_file_reads_no_body(simweb: SimWeb) -> None:
    url = simweb.route(
        A, "/report.pdf", Route(body=b"%PDF" * 100_000, content_type="application/pdf")
    )
    result = probe(url)
    assert (result.status_code, result.body, result.content_type) == (200, b"", "application/pdf")


def test_a_conditional_get_answered_304_is_not_modified(simweb: SimWeb) -> None:
    def etagged(request: Request) -> Route:
        if request.headers.get("if-none-match") == '"v1"':
            return Route(status=304)
        return Route.page("Versioned", headers={"ETag": '"v1"'})

    url = simweb.route(A, "/watched", etagged)

    async def job(fetcher: Fetcher) -> tuple[FetchResult, FetchResult]:
        first = await fetcher.get(url)
        second = await fetcher.get(url, headers={"If-None-Match": first.headers["etag"]})
        return first, second

    first, second = with_fetcher(job)
    assert (first.status_code, first.not_modified) == (200, False)
    assert (second.status_code, second.not_modified, second.body) == (304, True, b"")


def test_missing_path_asks_for_a_random_path_on_the_same_host(simweb: SimWeb) -> None:
    result = with_fetcher(lambda f: f.missing_path(simweb.url(B, "/some/page?x=1")))
    assert result.status_code == 404
    (request,) = simweb.requests(B)
    assert request.path.endswith("-pm-probe")
    assert len(request.path) > 30


# -- archive lookup ------------------------------------------------------------------------


def _wayback(available: bool) -> Route:
    closest = {"available": True, "url": "http://web.archive.org/web/2020/x", "status": "200"}
    payload = {"archived_snapshots": {"closest": closest} if available else {}}
    return Route(body=json.dumps(payload), content_type="application/json")


@pytest.mark.parametrize(
    ("route", "expected"),
    [
        pytest.param(_wayback(True), "https://web.archive.org/web/2020/x", id="available"),
        pytest.param(_wayback(False), None, id="not archived"),
        pytest.param(Route(body="<html>maintenance</html>"), None, id="not JSON"),
        pytest.param(Route(status=503), None, id="API error"),
        pytest.param(Route(hang=True), None, id="API hangs"),
    ],
)
def test_archive_lookup_returns_a_snapshot_or_none(
    simweb: SimWeb, route: Route, expected: str | None
) -> None:
    api = simweb.route(C, "/wayback/available", route)
    found = with_fetcher(
        lambda f: f.archive_lookup(api, "https://gone.example/p?a=1", timeout_s=0.5)
    )
    assert found == expected
    if route.hang is False and simweb.requests(C):
        assert simweb.requests(C)[0].query == "url=https%3A%2F%2Fgone.example%2Fp%3Fa%3D1"


def test_archive_lookup_with_the_api_down_returns_none() -> None:
    found = with_fetcher(lambda f: f.archive_lookup(closed_port_url(), "https://x.example/"))
    assert found is None


@pytest.mark.perf
def test_archive_lookup_with_the_api_down_returns_quickly() -> None:
    started = time.monotonic()
    with_fetcher(lambda f: f.archive_lookup(closed_port_url(), "https://x.example/"))
    assert time.monotonic() - started < 2


# -- stats ---------------------------------------------------------------------------------


def test_stats_count_requests_retries_and_redirects(simweb: SimWeb) -> None:
    a = simweb.route(A, "/a", Route.redirect("/b", 301))
    simweb.route(A, "/b", Route(sequence=[Route(status=502), Route.page("B")]))

    async def job(fetcher: Fetcher) -> Fetcher:
        await fetcher.probe(a)
        await fetcher.probe(closed_port_url())
        return fetcher

    stats = with_fetcher(job).stats()
    assert (stats.requests, stats.retries, stats.redirects) == (3 + 1, 1, 1)
    assert stats.errors == {"refused": 1}


def test_idle_host_pools_beyond_the_limit_are_closed(simweb: SimWeb) -> None:
    urls = {host: simweb.route(host, "/", Route.page(host)) for host in (A, B, C)}

    async def main() -> None:
        pools = HostPools(per_host=2, max_pools=2, keepalive_expiry=30)
        async with httpx.AsyncClient(transport=pools) as client:
            for host in (A, A, B, C, A):  # C's pool pushes out A's, the least recently used
                assert (await client.get(urls[host])).status_code == 200

    asyncio.run(main())
    assert [simweb.stats(h).connections for h in (A, B, C)] == [2, 1, 1]
    assert simweb.stats(A).requests == 3


# -- the connection layer (monitor.fetch.wire): addresses in turn, dead idle connections, big bodies


UNUSED = "127.0.0.9"  # a loopback address nothing listens on in these tests


@pytest.fixture
def resolve_partner(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Answers for names under ``.test``: set ``answers["partner.test"] = [ip, ...]``."""
    answers: dict[str, list[str]] = {}
    real = asyncio.base_events.BaseEventLoop.getaddrinfo

    async def getaddrinfo(self: Any, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host in answers:
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, int(port))) for ip in answers[host]
            ]
        return await real(self, host, port, *args, **kwargs)

    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "getaddrinfo", getaddrinfo)
    return answers


def _port(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


def test_a_name_whose_first_address_refuses_is_reached_at_the_next(
    simweb: SimWeb, resolve_partner: dict[str, list[str]]
) -> None:
    url = simweb.route(A, "/petition", Route.page("Petition"))
    resolve_partner["partner.test"] = [UNUSED, A]
    result = probe(f"http://partner.test:{_port(url)}/petition")
    assert (result.status_code, result.error) == (200, None)


def test_a_name_whose_every_address_refuses_is_a_refused_connection(
    simweb: SimWeb, resolve_partner: dict[str, list[str]]
) -> None:
    url = simweb.route(A, "/petition", Route.page("Petition"))
    resolve_partner["partner.test"] = [UNUSED, "127.0.0.10"]
    result = probe(f"http://partner.test:{_port(url)}/petition")
    assert result.error is FetchError.REFUSED
    assert result.error_detail == "connection refused"


def test_an_idle_connection_the_server_closed_is_not_reused(simweb: SimWeb) -> None:
    # Answers without "Connection: close", then the server hangs up: the client learns it
    # only from the socket, and must not send the next request into the dead connection.
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
    urls = [simweb.route(A, f"/p{i}", Route(raw=raw)) for i in range(3)]

    async def job(fetcher: Any) -> Any:
        results = []
        for n, url in enumerate(urls, 1):
            results.append(await fetcher.probe(url))
            while simweb.stats(A).closed < n:  # the server's FIN arrives while the line idles
                await asyncio.sleep(0.001)
        return results, fetcher.stats()

    results, stats = with_fetcher(job)
    assert [(r.status_code, r.error) for r in results] == [(200, None)] * 3
    assert stats.retries == 0
    assert simweb.stats(A).connections == 3


def test_a_body_larger_than_the_read_buffer_arrives_whole(simweb: SimWeb) -> None:
    # 3 MB: the connection pauses reading at 256 KB buffered and resumes as it is read.
    body = b"".join(b"%07d partner report line\n" % i for i in range(120_000))
    url = simweb.route(A, "/report.txt", Route(body=body, content_type="text/plain"))
    result = with_fetcher(lambda f: f.get(url), max_page_bytes=10_000_000)
    assert result.status_code == 200 and not result.truncated
    assert hashlib.sha256(result.body).digest() == hashlib.sha256(body).digest()


def test_an_unforeseen_error_on_one_url_is_that_url_s_failure_not_the_run_s(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def bug(*_: object, **__: object) -> object:
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(Fetcher, "_request", bug)
    result = probe("http://partner.example/page", allow_private_links=True)
    assert result.error is FetchError.OTHER
    assert result.error_detail == "unexpected error: RuntimeError: a bug nobody foresaw"
