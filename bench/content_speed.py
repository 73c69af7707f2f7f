"""Content path throughput: what one fetch of a changed watched page costs, profiled.

    python bench/content_speed.py                 # 1,000 pages of 10 KB–1 MB, both mixes
    python bench/content_speed.py --pages 200 --mix text --profile 15

The pages are the labelled real-page fixtures (tests/fixtures/extract) grown to a
log-uniform size between 10 KB and 1 MB, in two ways, reported in separate tables:

* ``text`` (the worst case): the page's main content repeated with varied sentences
  inside the original markup, so a 1 MB page is ~1 MB of article DOM (12,000–18,000
  elements, 400–800 KB of visible text); navigation, sidebars, footers and widgets stay
  as on the real page.
* ``heavy`` (the shape of real pages near 1 MB): a fifth of the added bytes is more of
  the page's own content as above, the rest what makes real pages heavy: an inline JSON
  state blob (35%), inline scripts (20%), inline CSS (15%) and an inline SVG icon
  sprite (10%).
* ``links`` (a partner directory): the added bytes are a list of links to other
  organisations' pages (``<li><a href>Name of an organisation</a></li>``, ~100 bytes
  each, so a 1 MB page lists ~10,000 links) inside the main content. Not in ``both``:
  ask for it with ``--mix links`` or ``--mix all``.

For each page, what a run does when it fetches a watched page that changed is timed:
``extract.page`` (parse, links, main-content text) of today's version, then
``compare.normalise`` and ``compare.change`` against yesterday's lines, which a run
reads from the database (so they are extracted beforehand, untimed).  Today's version
has one sentence of the source page edited before growing.  A change that shows is
confirmed by a second look (``Pages._confirm``: one more ``extract.page`` without links,
and ``normalise``); its cost is reported on its own line.  Prints ms per MB, ms per
page (p50/p95) by size band and, with ``--profile N``, the N functions where the time
goes on the text mix (cProfile, cumulative).  Appends the same to
bench/results/<UTC date>-content.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import pstats
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from monitor import compare, extract  # noqa: E402
from monitor.models import ContentState  # noqa: E402

FIXTURES = HERE.parent / "tests" / "fixtures" / "extract"
RESULTS = HERE / "results"
WORDS = [
    "campaign", "partner", "rights", "petition", "federation", "report", "release",
    "prisoners", "letter", "support", "action", "national", "centre", "human", "dignity",
    "freedom", "expression", "assembly", "court", "judgment", "appeal", "statement",
    "solidarity", "network", "volunteers", "defenders", "colony", "sentence", "verdict",
]  # fmt: skip
BANDS = [(10_000, 50_000), (50_000, 200_000), (200_000, 600_000), (600_000, 900_000),
         (900_000, 1_000_001)]  # fmt: skip
EDIT = "Verdict: ten years in a high-security colony. "

Grower = Callable[[str, int, random.Random], str]


def _p95(sorted_ms: list[float]) -> float:
    """The 95th percentile of an ascending list by nearest rank (never below the median:
    the old index, int(0.95 * (n - 1)), gave the middle one of three)."""
    return sorted_ms[max(0, math.ceil(0.95 * len(sorted_ms)) - 1)]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 24))]
    return " ".join(words).capitalize() + "."


def grow(html: str, size: int, rng: random.Random) -> str:
    """``html`` grown to about ``size`` bytes by repeating its own main-content markup
    (the ``<main>``/``<article>`` element, else the body) with fresh sentences in its text
    nodes, so markup density stays the page's own; the furniture is untouched."""
    m = re.search(r"<(main|article)\b.*?</\1>", html, flags=re.S | re.I) or re.search(
        r"<body\b[^>]*>(.*)</body>", html, flags=re.S | re.I
    )
    chunk = m.group(0) if m else html
    chunk = re.sub(r"<(/?)(main|article|body)\b", r"<\1section", chunk, flags=re.I)
    at = m.end() if m else len(html)
    need = max(0, size - len(html.encode()))
    parts: list[str] = []
    got = 0
    while got < need:
        copy = re.sub(r">([^<]{20,})<", lambda t: ">" + _sentence(rng) + "<", chunk)
        parts.append(copy)
        got += len(copy)
    return html[:at] + "".join(parts) + html[at:]


def _ident(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 3)))


def _json_blob(size: int, rng: random.Random) -> str:
    """An inline state blob as frameworks embed it (Next.js ``__NEXT_DATA__`` and alike)."""
    items: list[dict[str, object]] = []
    got = 0
    while got < size:
        item: dict[str, object] = {
            "id": rng.randrange(10**6),
            "slug": "-".join(rng.choice(WORDS) for _ in range(4)),
            "title": _sentence(rng),
            "summary": " ".join(_sentence(rng) for _ in range(3)),
            "image": {"url": f"/uploads/{rng.randrange(10**5)}.jpg", "width": 1200},
            "tags": [rng.choice(WORDS) for _ in range(3)],
        }
        items.append(item)
        got += len(json.dumps(item)) + 1
    state = {"props": {"pageProps": {"items": items}}, "page": "/[slug]", "buildId": "x1"}
    return f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(state)}</script>'


def _scripts(size: int, rng: random.Random) -> str:
    """Minified-looking inline scripts in blocks of ~50 KB (bundles, tag managers)."""
    blocks: list[str] = []
    got = 0
    while got < size:
        code: list[str] = []
        n = 0
        while n < 50_000 and got + n < size:
            f, a, b = _ident(rng), _ident(rng), _ident(rng)
            stmt = (
                f"function {f}{rng.randrange(999)}({a},{b}){{return {a}.map(function(x){{"
                f'return x*{b}+{rng.randrange(99)}}}).join("{rng.choice(WORDS)}")}};'
                f'var {a}{rng.randrange(999)}={{k:"{rng.choice(WORDS)}",v:[{rng.randrange(99)},'
                f"{rng.randrange(99)}]}};"
            )
            code.append(stmt)
            n += len(stmt)
        blocks.append(f"<script>{''.join(code)}</script>")
        got += n
    return "\n".join(blocks)


def _css(size: int, rng: random.Random) -> str:
    """Inline CSS as page builders emit it."""
    rules: list[str] = []
    got = 0
    while got < size:
        rule = (
            f".c-{_ident(rng)}{rng.randrange(9999)}{{display:flex;margin:0 auto;padding:"
            f"{rng.randrange(40)}px {rng.randrange(40)}px;color:#{rng.randrange(16**6):06x};"
            f"font-size:{rng.randrange(10, 40)}px}}"
        )
        rules.append(rule)
        got += len(rule)
    return f"<style>{''.join(rules)}</style>"


def _svg_sprite(size: int, rng: random.Random) -> str:
    """An inline SVG icon sprite (hidden, referenced by ``<use>``)."""
    symbols: list[str] = []
    got = 0
    while got < size:
        points = " ".join(
            f"L{rng.randrange(24)}.{rng.randrange(99)} {rng.randrange(24)}.{rng.randrange(99)}"
            for _ in range(rng.randint(10, 60))
        )
        sym = (
            f'<symbol id="icon-{len(symbols)}" viewBox="0 0 24 24">'
            f'<path d="M12 2 {points} Z"/></symbol>'
        )
        symbols.append(sym)
        got += len(sym)
    return f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{"".join(symbols)}</svg>'


def grow_heavy(html: str, size: int, rng: random.Random) -> str:
    """``html`` grown to about ``size`` bytes the way real pages near 1 MB are heavy: a
    fifth of the added bytes more of its own content (:func:`grow`), the rest an inline
    JSON blob (35%), scripts (20%), CSS (15%) and an SVG sprite (10%)."""
    extra = max(0, size - len(html.encode()))
    html = grow(html, len(html.encode()) + extra // 5, rng)
    css = _css(extra * 15 // 100, rng)
    svg = _svg_sprite(extra * 10 // 100, rng)
    tail = _scripts(extra * 20 // 100, rng) + _json_blob(extra * 35 // 100, rng)
    html = re.sub(r"</head>", lambda _: css + "</head>", html, count=1, flags=re.I)
    html = re.sub(r"<body\b[^>]*>", lambda m: m.group(0) + svg, html, count=1, flags=re.I)
    i = html.lower().rfind("</body>")
    return html[:i] + tail + html[i:] if i >= 0 else html + tail


def grow_links(html: str, size: int, rng: random.Random) -> str:
    """``html`` grown to about ``size`` bytes by a directory of links to other
    organisations' pages, appended to its main content (``<main>``/``<article>``, else
    the body): what a campaign's partner list or a coalition's member page looks like."""
    need = max(0, size - len(html.encode()))
    items: list[str] = []
    got = 0
    while got < need:
        name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).title()
        host = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}.example"
        path = "/".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
        item = f'<li><a href="https://{host}/{path}">{name}</a></li>'
        items.append(item)
        got += len(item)
    block = "<ul>" + "".join(items) + "</ul>"
    m = re.search(r"</(main|article)>", html, flags=re.I) or re.search(r"</body>", html, re.I)
    at = m.start() if m else len(html)
    return html[:at] + block + html[at:]


def edit(html: str, rng: random.Random) -> str:
    """Today's version: one sentence put at the start of one paragraph."""
    spans = [m.span(1) for m in re.finditer(r"<p>([^<]{40,})</p>", html)]
    if not spans:
        return html.replace("</body>", "<p>A verdict was announced today.</p></body>")
    a, _b = rng.choice(spans)
    return html[:a] + EDIT + html[a:]


def build(n: int, seed: int, grower: Grower) -> list[tuple[str, str, str]]:
    """``n`` (yesterday, today, url) pages; both versions grown identically, today's from
    the edited source page."""
    rng = random.Random(seed)
    sources = [
        (p.read_text("utf-8", "replace"), f"https://partner.example/{p.stem}")
        for p in sorted(FIXTURES.glob("*.html"))
        if p.stat().st_size > 2000  # the tiny edge-case fixtures are not pages
    ]
    pages = []
    for _ in range(n):
        html, url = rng.choice(sources)
        size = int(math.exp(rng.uniform(math.log(10_000), math.log(1_000_000))))
        page_seed = rng.getrandbits(32)
        edited = edit(html, rng)
        old = grower(html, size, random.Random(page_seed))
        # Same growth for both versions: the edit is the only difference.
        new_size = size + len(edited.encode()) - len(html.encode())
        pages.append((old, grower(edited, new_size, random.Random(page_seed)), url))
    return pages


def stored_lines(old: str, url: str) -> tuple[str, ...]:
    """Yesterday's lines as a run reads them from the database."""
    return compare.normalise(extract.page(old.encode(), url).lines, [])


def fetch(body: bytes, url: str, stored: tuple[str, ...]) -> bool:
    """What a run does with one fetched watched page; True when a change shows."""
    today = extract.page(body, url)
    lines = compare.normalise(today.lines, [])
    return compare.change([stored], lines).state is ContentState.CHANGED


def confirm(body: bytes, url: str) -> None:
    """The second look at a changed page (``pipeline.pages.Pages._confirm``)."""
    compare.normalise(extract.page(body, url, want_links=False).lines, [])


def measure(pages: list[tuple[str, str, str]], label: str, about: str) -> list[str]:
    """Time every page and return the report section as Markdown lines."""
    rows: list[tuple[int, float, float]] = []  # (bytes, fetch s, confirm s)
    changed = 0
    for old, new, url in pages:
        stored = stored_lines(old, url)
        body = new.encode()
        t = time.perf_counter()
        changed += fetch(body, url, stored)
        t1 = time.perf_counter()
        confirm(body, url)
        rows.append((len(body), t1 - t, time.perf_counter() - t1))
    total_mb = sum(b for b, _, _ in rows) / 1e6
    fetch_s = sum(s for _, s, _ in rows)
    confirm_s = sum(c for _, _, c in rows)
    per_page = sorted(s * 1000 for _, s, _ in rows)
    out = [
        f"### {label}: {len(rows)} pages, {total_mb:.0f} MB",
        "",
        about,
        "",
        f"- per fetch (extract today's version, normalise, diff against stored lines): "
        f"**{fetch_s * 1000 / total_mb:.0f} ms per MB**; per page p50 "
        f"{statistics.median(per_page):.1f} ms, p95 {_p95(per_page):.1f}"
        f" ms, max {per_page[-1]:.1f} ms",
        f"- the edit showed as a change on {changed} of {len(rows)} pages (elsewhere it fell "
        "outside the main content)",
        f"- confirming a change (second look: extract without links, normalise): "
        f"{confirm_s * 1000 / total_mb:.0f} ms per MB more",
        "",
        "| page size | pages | ms per fetch (mean) | p95 | ms per MB |",
        "|---|---|---|---|---|",
    ]
    for lo, hi in BANDS:
        band = [(b, s) for b, s, _ in rows if lo <= b < hi]
        if band:
            ms = sorted(s * 1000 for _, s in band)
            mb = sum(b for b, _ in band) / 1e6
            out.append(
                f"| {lo // 1000}–{hi // 1000} KB | {len(band)} | {statistics.fmean(ms):.1f} "
                f"| {_p95(ms):.1f} | {sum(ms) / mb:.0f} |"
            )
    return [*out, ""]


MIXES: dict[str, tuple[Grower, str, str]] = {
    "text": (
        grow,
        "Text-heavy pages (worst case)",
        "Main-content markup repeated to size: a 1 MB page is ~1 MB of article DOM.",
    ),
    "heavy": (
        grow_heavy,
        "Heavy pages as real ones are",
        "A fifth of the added bytes is more content as above; the rest inline JSON (35%), "
        "scripts (20%), CSS (15%) and an SVG sprite (10%).",
    ),
    "links": (
        grow_links,
        "Partner directories",
        "The added bytes are a list of links to other organisations' pages, ~100 bytes "
        "each, inside the main content: a 1 MB page lists ~10,000 links.",
    ),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--mix", choices=[*MIXES, "both", "all"], default="both")
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="top N functions")
    a = ap.parse_args()

    out = [
        f"## Content path: {a.pages} pages per mix, 10 KB–1 MB — "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        "Per fetch of a changed watched page: extract.page of today's version (parse, links, "
        "main content), compare.normalise, compare.change against yesterday's stored lines. "
        "One process, one core.",
        "",
    ]
    mixes = {"both": ["text", "heavy"], "all": list(MIXES)}.get(a.mix, [a.mix])
    for mix in mixes:
        grower, label, about = MIXES[mix]
        out += measure(build(a.pages, a.seed, grower), label, about)
    if a.profile:
        mix = mixes[0]
        pages = build(max(50, a.pages // 5), a.seed, MIXES[mix][0])
        work = [(new.encode(), url, stored_lines(old, url)) for old, new, url in pages]
        prof = cProfile.Profile()
        prof.enable()
        for body, url, stored in work:
            fetch(body, url, stored)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(a.profile)
        out += [f"Profile of the fetch ({mix} mix, {len(work)} pages, cumulative):", "", "```"]
        out += [buf.getvalue().strip(), "```", ""]
    text = "\n".join(out) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-content.md").open("a", encoding="utf-8") as f:
        f.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
