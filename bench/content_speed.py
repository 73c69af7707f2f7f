"""Content path throughput: extraction + comparison of 1,000 realistic pages, profiled.

    python bench/content_speed.py                 # 1,000 pages of 10 KB–1 MB
    python bench/content_speed.py --pages 200 --profile 15

The pages are the labelled real-page fixtures (tests/fixtures/extract) grown to a
log-uniform size between 10 KB and 1 MB: their main content is repeated with varied
sentences inside the original markup, so navigation, sidebars, footers and widgets
stay as on the real page. For each page, what a run does with a watched page is timed:
``extract.page`` (parse, links, main-content text) on yesterday's version, then on
today's (one sentence edited), ``compare.normalise`` and ``compare.change`` between
them. Prints pages/s, ms per page (p50/p95) and ms per MB by size band, and with
``--profile N`` the N functions where the time goes (cProfile, cumulative).
Appends the same to bench/results/<UTC date>-content.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import pstats
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from monitor import compare, extract  # noqa: E402

FIXTURES = HERE.parent / "tests" / "fixtures" / "extract"
RESULTS = HERE / "results"
WORDS = [
    "campaign", "partner", "rights", "petition", "federation", "report", "release",
    "prisoners", "letter", "support", "action", "national", "centre", "human", "dignity",
    "freedom", "expression", "assembly", "court", "judgment", "appeal", "statement",
    "solidarity", "network", "volunteers", "defenders", "colony", "sentence", "verdict",
]  # fmt: skip


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


def edit(html: str, rng: random.Random) -> str:
    """Today's version: one sentence of one paragraph replaced."""
    spans = [m.span(1) for m in re.finditer(r"<p>([^<]{40,})</p>", html)]
    if not spans:
        return html.replace("</body>", "<p>A verdict was announced today.</p></body>")
    a, b = rng.choice(spans)
    return html[:a] + "Verdict: ten years in a high-security colony. " + html[a:b] + html[b:]


def build(n: int, seed: int) -> list[tuple[str, str, str]]:
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
        old = grow(html, size, rng)
        pages.append((old, edit(old, rng), url))
    return pages


def process(old: str, new: str, url: str) -> None:
    """What a run does with one changed watched page (the second look aside)."""
    before = extract.page(old.encode(), url)
    after = extract.page(new.encode(), url)
    a = compare.normalise(before.lines, [])
    b = compare.normalise(after.lines, [])
    compare.change([a], b)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="top N functions")
    a = ap.parse_args()

    pages = build(a.pages, a.seed)
    rows: list[tuple[int, float]] = []  # (bytes of one version, seconds for the pair)
    t0 = time.perf_counter()
    for old, new, url in pages:
        t = time.perf_counter()
        process(old, new, url)
        rows.append((len(old.encode()), time.perf_counter() - t))
    wall = time.perf_counter() - t0

    total_mb = sum(b for b, _ in rows) * 2 / 1e6  # two versions per page
    per_page = sorted(s * 1000 for _, s in rows)
    bands = [(10_000, 50_000), (50_000, 200_000), (200_000, 600_000), (600_000, 1_000_001)]
    out = [
        f"## Content path: {len(rows)} pages, 10 KB–1 MB — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        "Per page: extract yesterday's and today's version (parse, links, main content), "
        "normalise, diff. One process, one core.",
        "",
        f"- {len(rows) / wall:.1f} pages/s ({2 * len(rows) / wall:.1f} versions/s), "
        f"{total_mb:.0f} MB of HTML in {wall:.1f} s: **{wall * 1000 / total_mb:.0f} ms per MB**",
        f"- per page (two versions + diff): p50 {statistics.median(per_page):.1f} ms, "
        f"p95 {per_page[int(0.95 * (len(per_page) - 1))]:.1f} ms, max {per_page[-1]:.1f} ms",
        "",
        "| page size | pages | ms per version (mean) | ms per MB |",
        "|---|---|---|---|",
    ]
    for lo, hi in bands:
        band = [(b, s) for b, s in rows if lo <= b < hi]
        if band:
            mean_ms = statistics.fmean(s for _, s in band) * 1000 / 2
            mb = sum(b for b, _ in band) * 2 / 1e6
            out.append(
                f"| {lo // 1000}–{hi // 1000} KB | {len(band)} | {mean_ms:.1f} "
                f"| {sum(s for _, s in band) * 1000 / mb:.0f} |"
            )
    if a.profile:
        prof = cProfile.Profile()
        prof.enable()
        for old, new, url in pages[: max(50, len(pages) // 5)]:
            process(old, new, url)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(a.profile)
        out += ["", "Profile (cumulative, a fifth of the pages):", "", "```", buf.getvalue(), "```"]
    text = "\n".join(out) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-content.md").open("a", encoding="utf-8") as f:
        f.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
