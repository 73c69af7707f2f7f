"""Hostile pages and links through the real pipeline: `monitor check` as a subprocess.

Every case runs one `monitor check --json` over two watched pages: a *normal* partner
page (127.0.0.3) with one normal link, and the *hostile* page or a hub page linking to
the hostile target (127.0.0.2). Each case proves: the hostile page or link gets the
right status with a clear reason, and the normal page and link in the same run stay
``ok``. The perf test (``pytest -m perf``) proves that the run finishes within its bound
and the monitor's peak RSS stays bounded.

127.0.0.2/.3 count as public hosts (see ``_monitor_as_public``) so the run keeps
``allow_private_links: false``; 127.0.0.4 stays a private (loopback) address.
"""

from __future__ import annotations

import functools
import os
import ssl
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from monitor.testing.web import Request, Route, SimWeb, html_page

from .harness import Proc, check, figure

HOSTILE, NORMAL, PRIVATE = "127.0.0.2", "127.0.0.3", "127.0.0.4"
TLS_SELF, TLS_WRONG = "127.0.0.6", "127.0.0.7"
PUBLIC = (HOSTILE, NORMAL, TLS_SELF, TLS_WRONG)
RSS_BOUND_MB = 300  # whole monitor process, python + httpx + lxml included


@pytest.fixture(scope="module")
def web() -> Iterator[SimWeb]:
    with SimWeb(hosts=(HOSTILE, NORMAL, PRIVATE)) as w:
        yield w


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_webs(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Two HTTPS hosts: a self-signed-style untrusted CA, and a trusted CA but wrong name."""
    untrusted = trustme.CA()
    ctx_self = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    untrusted.issue_cert(TLS_SELF).configure_cert(ctx_self)
    ctx_wrong = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("partner.example.org").configure_cert(ctx_wrong)
    cafile = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    with (
        SimWeb(hosts=[TLS_SELF], ssl_context=ctx_self) as a,
        SimWeb(hosts=[TLS_WRONG], ssl_context=ctx_wrong) as b,
    ):
        yield {
            "self": a.route(TLS_SELF, "/secure", Route.page("Secure")),
            "wrong": b.route(TLS_WRONG, "/secure", Route.page("Secure")),
            "cafile": str(cafile),
        }


# -- bodies -------------------------------------------------------------------------


@functools.cache
def big_page(mb: int = 50) -> bytes:
    para = b"<p>Campaign update: the partner page is very long today, line after line.</p>\n"
    head = (
        b"<!doctype html><html><head><meta charset=utf-8><title>Huge</title></head>"
        b"<body><main><h1>Huge</h1>\n"
    )
    n = mb * 1_000_000 // len(para)
    return head + para * n + b"</main></body></html>\n"


@functools.cache
def gzip_bomb(unpacked_mb: int = 1024) -> bytes:
    """~1 GB of HTML whitespace gzip-compressed to ~1 MB, built in 1 MB steps."""
    comp = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    out = [comp.compress(b"<!doctype html><title>Bomb</title><main><h1>Bomb</h1><p>")]
    chunk = b" " * 1_000_000
    for _ in range(unpacked_mb):
        out.append(comp.compress(chunk))
    out.append(comp.compress(b"</p></main>"))
    out.append(comp.flush())
    return b"".join(out)


def many_links(n: int = 200_000, unique: int = 2_000) -> bytes:
    items = "".join(f'<li><a href="/t/{i % unique}">target {i}</a></li>' for i in range(n))
    return (
        f"<!doctype html><title>Links</title><main><h1>Links</h1><ul>{items}</ul></main>".encode()
    )


def binary_page() -> bytes:
    """3 MB of random bytes served as text/html, after one real link.

    (After the noise the link could be swallowed by a stray ``<`` or quote, in a
    browser too; before it, it must survive the noise that follows.)
    """
    return b"<a href='/binary-link'>a link before the noise</a>" + os.urandom(3_000_000)


def deep(n: int = 50_000) -> bytes:
    return (
        b"<!doctype html><title>Deep</title><body>"
        + b"<div>" * n
        + b"<p>Deepest sentence of the page.</p><a href='/t/deep'>deep link</a>"
        + b"</div>" * n
        + b"</body>"
    )


MIXED_ENCODINGS = (
    b"<!doctype html><html><head><meta charset='utf-8'>"
    b"<title>Caf\xc3\xa9 \xe9t\xe9</title></head>"
    b"<body><main><h1>\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
    b"\xcf\xf0\xe8\xe2\xe5\xf2</h1>"
    b"<p>utf-8: na\xc3\xafve; latin-1: na\xefve; cp1251: \xcf\xf0\xe0\xe2\xe0; "
    b"broken: \xff\xfe\xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80 \x00 end.</p>"
    b"<a href='/t/\xe9t\xe9'>\xe9t\xe9 link</a></main></body></html>"
)


def hub(web: SimWeb, name: str, hrefs: list[str]) -> dict[str, object]:
    url = web.route(
        HOSTILE, f"/hub-{name}", Route.page(f"Hub {name}", "Links to check.", links=hrefs)
    )
    return {"name": "Hostile", "url": url, "content": True, "links": True}


@dataclass
class Case:
    name: str
    watch: Callable[[SimWeb, dict[str, str]], dict[str, object]]
    verify: Callable[[Proc, SimWeb], None]
    bound_s: float = 20
    settings: dict[str, object] | None = None
    env: Callable[[dict[str, str]], dict[str, str]] | None = None
    rss_mb: float = RSS_BOUND_MB


def _page(web: SimWeb, path: str, route: Route) -> dict[str, object]:
    return {"name": "Hostile", "url": web.route(HOSTILE, path, route), "links": True}


def _link_of(p: Proc, path: str) -> dict[str, object]:
    matches = [v for u, v in p.links.items() if u.endswith(path) or path in u]
    assert matches, f"no link ending in {path}: {list(p.links)[:20]}"
    return matches[0]


# -- the cases ----------------------------------------------------------------------


def v_big(p: Proc, web: SimWeb) -> None:
    page = p.pages["Hostile"]
    assert page["status"] == "ok" and page["http_status"] == 200
    assert page["content"] == "baseline"
    assert "only the first 5 MB were read" in page["note"], page["note"]


def v_bomb(p: Proc, web: SimWeb) -> None:
    page = p.pages["Hostile"]
    assert page["status"] == "ok" and page["content"] == "baseline"
    assert "only the first 5 MB were read" in page["note"], page["note"]


def v_links(p: Proc, web: SimWeb) -> None:
    page = p.pages["Hostile"]
    assert page["status"] == "ok" and page["links_found"] == 200_000
    targets = [u for u in p.links if "/t/" in u]
    assert len(targets) == 2_000
    assert all(p.links[u]["status"] == "ok" for u in targets)
    one = p.links[targets[0]]
    assert len(one["found_on"]) == 100  # every occurrence on the page is kept


def v_links_capped(p: Proc, web: SimWeb) -> None:
    page = p.pages["Hostile"]
    assert page["status"] == "ok" and 0 < page["links_found"] < 200_000
    assert "only the first 5 MB were read" in page["note"], page["note"]


def v_deep(p: Proc, web: SimWeb) -> None:
    page = p.pages["Hostile"]
    assert page["status"] == "ok" and page["content"] == "baseline"
    assert _link_of(p, "/t/deep")["status"] == "ok"


def v_encodings(p: Proc, web: SimWeb) -> None:
    page = p.pages["Hostile"]
    assert page["status"] == "ok" and page["content"] == "baseline"
    assert any("/t/" in u for u in p.links)


def v_binary_page(p: Proc, web: SimWeb) -> None:
    page = p.pages["Hostile"]
    assert page["status"] == "ok" and page["content"] == "baseline"
    link = _link_of(p, "/binary-link")
    assert link["status"] == "ok", link


def v_trickle(p: Proc, web: SimWeb) -> None:
    link = _link_of(p, "/trickle")
    assert link["status"] == "timeout", link
    assert "2 s" in link["error"], link


def v_endless(p: Proc, web: SimWeb) -> None:
    link = _link_of(p, "/endless/0")
    assert link["status"] == "broken", link
    assert "redirect" in link["error"].lower(), link
    assert web.hits(HOSTILE, "/endless/12") == 0  # stopped after 10 hops


def v_schemes(p: Proc, web: SimWeb) -> None:
    for path, word in (("/to-file", "file"), ("/to-ftp", "ftp")):
        link = _link_of(p, path)
        assert link["status"] == "broken", link
        assert word in link["error"], link


def v_private(p: Proc, web: SimWeb) -> None:
    for path in ("/to-loopback", "/to-private", "/to-metadata", "/to-localhost", "/to-ipv6"):
        link = _link_of(p, path)
        assert link["status"] == "skipped", link
        assert link["error"], link
    direct = [v for u, v in p.links.items() if u.startswith(f"http://{PRIVATE}")]
    assert direct and all(v["status"] == "skipped" for v in direct)
    assert web.hits(PRIVATE, "/secret") == 0, "a private address was fetched"


def v_garbage(p: Proc, web: SimWeb) -> None:
    for i, location in enumerate(GARBAGE):
        link = _link_of(p, f"/garbage/{i}")
        # Control characters make the whole answer malformed HTTP (the server's fault);
        # any other garbage is a redirect to an unusable address (a broken link).
        expected = "server_error" if location.startswith("\u0000") else "broken"
        assert link["status"] == expected, (location, link)
        assert link["error"], link


def v_headers(p: Proc, web: SimWeb) -> None:
    link = _link_of(p, "/huge-headers")
    assert link["status"] not in ("ok", "skipped"), link
    assert link["error"], link


def v_tls(p: Proc, web: SimWeb) -> None:
    tls = [v for u, v in p.links.items() if u.startswith("https://")]
    assert len(tls) == 2
    for link in tls:
        assert link["status"] == "tls_error", link
        assert "certificate" in link["error"].lower(), link


GARBAGE = [
    "http://[::1",  # unbalanced IPv6 literal
    "http://exa mple.org/",  # space in host
    "javascript:alert(1)",
    "http:///no-host",
    "\u0000\u0001\u0002",
    "http://" + "a" * 70 + "." + "b" * 300,  # over-long label / name
    "ht!tp://x",
    "//",
]


def _garbage_hub(web: SimWeb, _: dict[str, str]) -> dict[str, object]:
    hrefs = []
    for i, loc in enumerate(GARBAGE):
        # SimWeb sends Location verbatim (latin-1): keep what latin-1 can carry.
        hrefs.append(web.route(HOSTILE, f"/garbage/{i}", Route.redirect(loc, status=302)))
    return hub(web, "garbage", hrefs)


def _endless(req: Request) -> Route:
    n = int(req.path.rsplit("/", 1)[1])
    return Route.redirect(f"/endless/{n + 1}", status=302)


def _endless_hub(web: SimWeb, _: dict[str, str]) -> dict[str, object]:
    # /endless/N answers are the hostile host's default (see the test)
    return hub(web, "endless", [web.url(HOSTILE, "/endless/0")])


def _private_hub(web: SimWeb, _: dict[str, str]) -> dict[str, object]:
    web.route(PRIVATE, "/secret", Route.page("Internal admin"))
    secret = web.url(PRIVATE, "/secret")
    hrefs = [
        web.route(HOSTILE, "/to-loopback", Route.redirect(secret, status=302)),
        web.route(HOSTILE, "/to-private", Route.redirect("http://10.1.2.3/admin", status=302)),
        web.route(
            HOSTILE,
            "/to-metadata",
            Route.redirect("http://169.254.169.254/latest/meta-data/", status=301),
        ),
        web.route(
            HOSTILE,
            "/to-localhost",
            Route.redirect(f"http://localhost.:{secret.rsplit(':', 1)[1]}", status=302),
        ),
        web.route(
            HOSTILE, "/to-ipv6", Route.redirect("http://[::ffff:127.0.0.4]/secret", status=302)
        ),
        secret,  # a direct link to the private host
    ]
    return hub(web, "private", hrefs)


CASES = [
    Case(
        "page_50mb",
        lambda w, _: {**_page(w, "/huge", Route(body=big_page())), "links": False},
        v_big,
        bound_s=30,
    ),
    Case(
        "gzip_bomb_1gb",
        lambda w, _: _page(
            w, "/bomb", Route(body=gzip_bomb(), headers={"Content-Encoding": "gzip"})
        ),
        v_bomb,
    ),
    Case(
        "links_200k",
        lambda w, _: _page(w, "/links", Route(body=many_links())),
        v_links,
        bound_s=45,
        settings={"max_page_mb": 16},  # 8.6 MB of markup: read it all
        rss_mb=450,  # 400,000 elements in one lxml tree, 200,000 links kept with their text
    ),
    Case(
        "links_200k_over_the_cap",
        lambda w, _: _page(w, "/links", Route(body=many_links())),
        v_links_capped,
        bound_s=45,
    ),
    Case("nesting_50k", lambda w, _: _page(w, "/deep", Route(body=deep())), v_deep),
    Case(
        "mixed_encodings", lambda w, _: _page(w, "/enc", Route(body=MIXED_ENCODINGS)), v_encodings
    ),
    Case(
        "binary_as_html",
        lambda w, _: _page(w, "/binary", Route(body=binary_page())),
        v_binary_page,
    ),
    Case(
        "trickle_1_byte_per_s",
        lambda w, _: hub(
            w,
            "trickle",
            [w.route(HOSTILE, "/trickle", Route(body=b"x" * 200, trickle_bytes_per_s=1))],
        ),
        v_trickle,
        settings={"timeout_s": 2},
    ),
    Case("endless_redirects", _endless_hub, v_endless),
    Case(
        "redirect_file_ftp",
        lambda w, _: hub(
            w,
            "schemes",
            [
                w.route(HOSTILE, "/to-file", Route.redirect("file:///etc/passwd", status=302)),
                w.route(
                    HOSTILE, "/to-ftp", Route.redirect("ftp://ftp.example.org/pub/x", status=301)
                ),
            ],
        ),
        v_schemes,
    ),
    Case("redirect_private", _private_hub, v_private),
    Case("garbage_location", _garbage_hub, v_garbage),
    Case(
        "headers_1mb",
        lambda w, _: hub(
            w,
            "headers",
            [
                w.route(
                    HOSTILE,
                    "/huge-headers",
                    Route.page("Fat", headers={"X-Padding": "a" * 1_000_000}),
                )
            ],
        ),
        v_headers,
    ),
    Case(
        "tls_bad_certs",
        lambda w, t: hub(w, "tls", [t["self"], t["wrong"]]),
        v_tls,
        env=lambda t: {"SSL_CERT_FILE": t["cafile"]},
    ),
]


def _links_for_hostile_page(web: SimWeb) -> None:
    web.route(HOSTILE, "/bomb-link", Route.page("Fine"))
    web.route(HOSTILE, "/binary-link", Route.page("Fine"))


def run_case(
    case: Case, web: SimWeb, tls_webs: dict[str, str], tmp_path: Path, *, limit_s: float
) -> tuple[Proc, str]:
    """`monitor check` over the normal page and ``case``'s; returns it and the fine link."""
    web.default(NORMAL, Route(status=404, body=html_page("404 Not Found", "Nothing here.")))
    web.default(
        HOSTILE,
        lambda r: (
            Route.page(f"Target {r.path}", "A fine partner page.")
            if r.path.startswith("/t/")
            else _endless(r)
            if r.path.startswith("/endless/")
            else Route(status=404, body=html_page("404 Not Found", "Nothing here."))
        ),
    )
    _links_for_hostile_page(web)
    fine = web.route(NORMAL, "/fine", Route.page("Fine partner page", "All good."))
    normal = web.route(
        NORMAL, "/normal", Route.page("Normal", "A normal campaign page.", links=[fine])
    )
    hostile = case.watch(web, tls_webs)
    watch = [{"name": "Normal", "url": normal}, hostile]
    env = case.env(tls_webs) if case.env else None
    got = check(tmp_path, watch, public=PUBLIC, limit_s=limit_s, env=env, **(case.settings or {}))
    return got, fine


# Only against a hang: the suite's budgets are asserted by the perf test below.
HANG_GUARD_S = 100


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_page_or_link_gets_its_status_and_spoils_nothing_else(
    case: Case, web: SimWeb, tls_webs: dict[str, str], tmp_path: Path
) -> None:
    got, fine = run_case(case, web, tls_webs, tmp_path, limit_s=HANG_GUARD_S)
    # nothing else in the run is affected
    assert got.pages["Normal"]["status"] == "ok", got.pages["Normal"]
    assert got.links[fine]["status"] == "ok", got.links[fine]
    case.verify(got, web)


@pytest.mark.perf
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_page_or_link_costs_a_bounded_time_and_memory(
    case: Case, web: SimWeb, tls_webs: dict[str, str], tmp_path: Path
) -> None:
    got, _ = run_case(case, web, tls_webs, tmp_path, limit_s=case.bound_s + 30)
    figure(case.name, seconds=round(got.elapsed_s, 2), peak_rss_mb=round(got.peak_rss_mb, 1))
    assert (got.elapsed_s < case.bound_s, got.peak_rss_mb < case.rss_mb) == (True, True), (
        f"{case.name} took {got.elapsed_s:.1f} s (bound {case.bound_s} s) and peaked at "
        f"{got.peak_rss_mb:.0f} MB (bound {case.rss_mb} MB)"
    )
