"""The demo's page drawn by script: a solidarity wall whose text and signature counter
come from a JSON endpoint on the simulated web, read with ``render: browser``.

Served only when ``monitor demo`` finds a browser (Playwright and Debian's chromium):
without one the demo leaves this page out of its watch list and says how to add it. Its
text is the same every day; only its counter grows, which the digest's counters show
(a counter moving is never a change), so it adds a watched page and a counter to the
digests without adding a change to them.
"""

from __future__ import annotations

import json

from monitor.demo.addresses import Addresses
from monitor.demo.content import HOSTS
from monitor.testing.web import Request, Route

NAME = "Solidarity wall (drawn by script)"
PARTNER = "Netherlands Helsinki Committee"
HOST = "nhc"
PATH = "/en/live/solidarity-wall"
API = "/api/solidarity-wall.json"

_SHELL = (
    """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Solidarity wall | Netherlands Helsinki Committee</title></head>
<body><header><a href="/">Netherlands Helsinki Committee</a></header>
<div id="app"><p class="loading">Loading…</p></div>
<footer>A simulated page for the partner-monitor demo.</footer>
<script>
fetch('__API__').then(r => r.json()).then(d => {
  const app = document.getElementById('app');
  app.innerHTML = '<main><article><h1>' + d.title + '</h1>' +
    d.paras.map(p => '<p>' + p + '</p>').join('') +
    '<p class="count">' + d.signed.toLocaleString('en-US') +
    ' people have signed</p></article></main>';
});
</script></body></html>"""
).replace("__API__", API)

_PARAS = (
    "Leave a message of solidarity for Ales Bialiatski, founder of the Human Rights "
    "Centre Viasna and Nobel Peace Prize laureate, imprisoned in Belarus.",
    "Every message is printed and sent to the colony where he is held, and to the "
    "Belarusian embassy in The Hague.",
)


def serve(site: Addresses) -> str:
    """Route the page and its JSON on the simulated web; return the page's URL."""

    def data(_: Request) -> Route:
        day = site.current or 1
        body = {"title": "Solidarity wall for Ales Bialiatski", "paras": list(_PARAS),
                "signed": 3_120 + 412 * day}  # fmt: skip
        return Route(body=json.dumps(body), content_type="application/json")

    site.web.route(HOSTS[HOST], API, data)
    return site.web.route(HOSTS[HOST], PATH, Route(body=_SHELL))


def watch_yaml(url: str) -> list[str]:
    """The watch list entry of the page (YAML lines)."""
    return [
        f"  - name: '{NAME}'",
        f"    url: '{url}'",
        f"    partner: '{PARTNER}'",
        "    links: false",
        "    render: browser                # its text is drawn by script: read in Chromium",
        "    wait_for: '.count'             # ready when the counter is drawn",
        "",
    ]
