"""A simulated partner web at scale, on loopback, with a ground-truth manifest.

``ScaleWeb`` wraps ``monitor.testing.web.SimWeb``: one index host (127.0.0.2) serving a
root page and a few index pages that list every link, and ``hosts`` partner hosts
(127.0.0.10, 127.0.0.11, ...), each its own address and port. Every answer waits
``latency`` seconds first. The links are a fixed mix of every status of the contract
(see ``KINDS``); ``manifest`` says, per link URL, what kind it is and which status a
correct checker reports. ``script()`` (re)installs every route, which restarts the
"429 then ok" sequences, so each tool sees the same web.

Run alone to eyeball it: ``python bench/simweb_scale.py --links 200 --hosts 5``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import socket
import time
from dataclasses import dataclass

from monitor.testing.web import HostStats, Route, SimWeb, html_page

INDEX_HOST = "127.0.0.2"
REFUSED_HOST = "127.0.0.3"  # nothing listens on the port used there
FIRST_PARTNER = 10  # partner hosts are 127.0.0.10, 127.0.0.11, ...

# kind, weight per 100 links, expected status (contract word)
KINDS: list[tuple[str, int, str]] = [
    ("ok", 57, "ok"),
    ("ok_gzip", 3, "ok"),
    ("pdf", 5, "ok"),
    ("moved_301", 5, "moved"),
    ("temp_302", 4, "ok"),
    ("gone_404", 4, "broken"),
    ("gone_410", 2, "broken"),
    ("error_500", 2, "server_error"),
    ("error_503", 2, "server_error"),
    ("throttled_429_then_ok", 3, "ok"),
    ("soft404_200", 3, "soft_404"),
    ("soft404_home", 3, "soft_404"),
    ("hang", 1, "timeout"),
    ("reset", 2, "unreachable"),
    ("redirect_loop", 2, "broken"),
    ("refused", 2, "unreachable"),
]


# The answers (each one latency) a checker needs to know a link's status, at ``retries``
# extra attempts: a redirect and its target; a 5xx and a reset asked again, as the
# settings say; a 429 and the answer after its Retry-After; a loop's two hops (the third
# URL is the first again). A refused port answers at once; a hang costs timeouts, not
# latencies (``bench/run.py`` counts those apart).
def answers_needed(kind: str, retries: int) -> int:
    if kind in ("moved_301", "temp_302", "soft404_home", "redirect_loop", "throttled_429_then_ok"):
        return 2
    if kind in ("error_500", "error_503", "reset"):
        return 1 + retries
    if kind in ("hang", "refused"):
        return 0
    return 1


PROBLEM_STATUSES = frozenset(
    {"soft_404", "broken", "server_error", "timeout", "unreachable", "tls_error"}
)

_WORDS = [
    "campaign",
    "partner",
    "rights",
    "petition",
    "federation",
    "report",
    "release",
    "prisoners",
    "letter",
    "support",
    "action",
    "national",
    "centre",
    "human",
    "dignity",
    "freedom",
    "expression",
    "assembly",
    "court",
    "judgment",
    "appeal",
    "statement",
    "solidarity",
    "network",
    "volunteers",
    "donate",
    "sign",
    "share",
]


@dataclass(frozen=True)
class Entry:
    url: str
    kind: str
    expected: str  # the contract status a correct checker reports
    host: str

    @property
    def problem(self) -> bool:
        return self.expected in PROBLEM_STATUSES


def _text(rng: random.Random, size: int) -> str:
    """About ``size`` characters of paragraphs (blank-line separated)."""
    out, n = [], 0
    while n < size:
        para = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(40, 120))).capitalize() + "."
        out.append(para)
        n += len(para) + 2
    return "\n\n".join(out)


def _full_page(title: str, text: str, *, links: list[str] = ()) -> str:
    """A page with the chrome real sites have (nav, header, footer) around ``html_page``."""
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(25))
    inner = html_page(title, text, links=links)
    chrome = (
        f"<header><nav><ul>{nav}</ul></nav></header>"
        "<script>var analytics = {" + ",".join(f'"k{i}": {i}' for i in range(200)) + "};</script>"
    )
    footer = (
        "<footer><p>Footer &copy; partner organisation. Privacy. Cookies. Contact.</p></footer>"
    )
    return inner.replace("<body>", "<body>" + chrome, 1).replace("</body>", footer + "</body>", 1)


def closed_port(host: str) -> int:
    """A port on ``host`` where nothing listens (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ScaleWeb:
    def __init__(
        self,
        *,
        links: int = 2000,
        hosts: int = 50,
        latency: float = 0.05,
        links_per_index: int = 500,
        seed: int = 1,
    ) -> None:
        if not 1 <= hosts <= 240:
            raise ValueError("hosts must be 1..240 (127.0.0.10 .. 127.0.0.249)")
        self.n_links = links
        self.n_hosts = hosts
        self.latency = latency
        self.links_per_index = links_per_index
        self.seed = seed
        self.partners = [f"127.0.0.{FIRST_PARTNER + i}" for i in range(hosts)]
        self.web = SimWeb(hosts=[INDEX_HOST, *self.partners])
        self.manifest: list[Entry] = []
        self.index_urls: list[str] = []
        self.root_url = ""
        self.refused_port = 0
        self._rng = random.Random(seed)
        # A handful of shared bodies of realistic sizes (10-80 kB) keeps memory flat.
        self._bodies = [
            _full_page(f"Partner page {i}", _text(self._rng, size))
            for i, size in enumerate((8_000, 15_000, 25_000, 40_000, 60_000, 75_000))
        ]
        self._pdf = (
            b"%PDF-1.4\n" + bytes(self._rng.getrandbits(8) for _ in range(150_000)) + b"\n%%EOF\n"
        )
        self._soft = _full_page(
            "Page not found",
            "Sorry, the page you are looking for could not be found. "
            "It may have been moved or deleted. Go back to the home page.",
        )
        self._home = _full_page("Welcome", _text(self._rng, 20_000))

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> ScaleWeb:
        self.web.start()
        self.refused_port = closed_port(REFUSED_HOST)
        self._plan()
        self.script()
        return self

    def stop(self) -> None:
        self.web.stop()

    def __enter__(self) -> ScaleWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the plan ---------------------------------------------------------------------

    def _plan(self) -> None:
        """Choose, once, the kind and host of every link (deterministic by seed)."""
        rng = random.Random(self.seed)
        bag: list[tuple[str, str]] = []
        total = sum(w for _, w, _ in KINDS)
        for kind, weight, expected in KINDS:
            bag += [(kind, expected)] * max(1, round(self.n_links * weight / total))
        rng.shuffle(bag)
        bag = bag[: self.n_links]
        while len(bag) < self.n_links:
            bag.append(("ok", "ok"))
        self.manifest = []
        for i, (kind, expected) in enumerate(bag):
            host = self.partners[i % self.n_hosts]
            if kind == "refused":
                url = f"http://{REFUSED_HOST}:{self.refused_port}/gone/{i}"
                host = REFUSED_HOST
            elif kind == "pdf":
                url = self.web.url(host, f"/files/report-{i}.pdf")
            else:
                url = self.web.url(host, f"/{kind.replace('_', '-')}/page-{i}")
            self.manifest.append(Entry(url, kind, expected, host))

    def script(self) -> None:
        """Install every route (again): restarts sequences so every tool sees the same web."""
        d = self.latency
        w = self.web
        not_found = Route(status=404, body=html_page("404 Not Found", "Nothing here."), delay_s=d)
        for host in self.partners:
            w.default(host, not_found)
            w.route(host, "/", Route(body=self._home, delay_s=d))
            w.route(
                host,
                "/robots.txt",
                Route(status=404, body="", content_type="text/plain", delay_s=d),
            )
        w.default(INDEX_HOST, not_found)
        for i, e in enumerate(self.manifest):
            if e.kind == "refused":
                continue
            path = e.url.split(str(w.base_url(e.host)), 1)[1]
            body = self._bodies[i % len(self._bodies)]
            k = e.kind
            if k == "ok":
                r = Route(body=body, delay_s=d)
            elif k == "ok_gzip":
                r = Route(body=body, gzip=True, delay_s=d)
            elif k == "pdf":
                r = Route(body=self._pdf, content_type="application/pdf", delay_s=d)
            elif k == "moved_301":
                w.route(e.host, f"/new/page-{i}", Route(body=body, delay_s=d))
                r = Route(status=301, location=f"/new/page-{i}", delay_s=d)
            elif k == "temp_302":
                w.route(e.host, f"/campaign-tmp/page-{i}", Route(body=body, delay_s=d))
                r = Route(status=302, location=f"/campaign-tmp/page-{i}", delay_s=d)
            elif k == "gone_404":
                r = Route(status=404, body=html_page("Not Found", "No such page."), delay_s=d)
            elif k == "gone_410":
                r = Route(status=410, body=html_page("Gone", "This page was removed."), delay_s=d)
            elif k == "error_500":
                r = Route(status=500, body=html_page("Internal Server Error", "Oops."), delay_s=d)
            elif k == "error_503":
                r = Route(status=503, body=html_page("Service Unavailable", "Down."), delay_s=d)
            elif k == "throttled_429_then_ok":
                r = Route(
                    sequence=[
                        Route(
                            status=429,
                            headers={"Retry-After": "1"},
                            body=html_page("Too Many Requests", "Slow down."),
                            delay_s=d,
                        ),
                        Route(body=body, delay_s=d),
                    ]
                )
            elif k == "soft404_200":
                r = Route(body=self._soft, delay_s=d)
            elif k == "soft404_home":
                r = Route(status=302, location="/", delay_s=d)
            elif k == "hang":
                r = Route(hang=True)
            elif k == "reset":
                r = Route(reset=True, delay_s=d)
            elif k == "redirect_loop":
                w.route(e.host, f"/loop-b/page-{i}", Route(status=302, location=path, delay_s=d))
                r = Route(status=302, location=f"/loop-b/page-{i}", delay_s=d)
            else:  # pragma: no cover
                raise AssertionError(k)
            w.route(e.host, path, r)
        # Index pages on the index host; the root lists them (what crawlers start from).
        urls = [e.url for e in self.manifest]
        self.index_urls = []
        n = self.links_per_index
        for j in range(0, len(urls), n):
            chunk = urls[j : j + n]
            page = f"/index/{j // n + 1}"
            body = _full_page(
                f"Campaign partners {j // n + 1}", "Our partners, linked.", links=chunk
            )
            self.index_urls.append(w.route(INDEX_HOST, page, Route(body=body, delay_s=d)))
        root = html_page("Campaign", "Index pages.", links=self.index_urls)
        self.root_url = w.route(INDEX_HOST, "/", Route(body=root, delay_s=d))

    # -- counters ---------------------------------------------------------------------

    def reset_stats(self) -> None:
        self.web.reset_stats()
        self._conn0 = {h: self.web.stats(h).connections for h in self.web.hosts}

    def counters(self) -> dict[str, object]:
        """Server-side counts since ``reset_stats``: requests, in-flight maxima, connections."""
        stats: dict[str, HostStats] = {h: self.web.stats(h) for h in self.web.hosts}
        partner = [stats[h] for h in self.partners]
        c0 = getattr(self, "_conn0", {})
        return {
            "requests": sum(s.requests for s in stats.values()),
            "max_in_flight_per_host": max(s.max_in_flight for s in partner),
            "max_in_flight_index_host": stats[INDEX_HOST].max_in_flight,
            "max_in_flight_total": self.web.max_in_flight_total,
            "connections": sum(s.connections - c0.get(h, 0) for h, s in stats.items()),
        }

    def manifest_json(self) -> list[dict[str, object]]:
        return [dataclasses.asdict(e) | {"problem": e.problem} for e in self.manifest]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--links", type=int, default=200)
    ap.add_argument("--hosts", type=int, default=5)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--serve", type=float, default=0, help="stay up this many seconds (max 600)")
    a = ap.parse_args()
    with ScaleWeb(links=a.links, hosts=a.hosts, latency=a.latency) as sw:
        print(json.dumps({"root": sw.root_url, "index": sw.index_urls}, indent=1))
        kinds: dict[str, int] = {}
        for e in sw.manifest:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        print(json.dumps(kinds, indent=1))
        time.sleep(min(max(a.serve, 0), 600))


if __name__ == "__main__":
    main()
