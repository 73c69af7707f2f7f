"""Score main-content extraction on labelled pages: recall of content, rejection of boilerplate.

Each page is an ``NAME.html`` file with a sidecar ``NAME.json``::

    {"url": "https://partner.example/page",      # base URL the page was fetched from
     "charset": null,                             # optional: the HTTP charset it came with
     "selector": null,                            # optional: a watch's CSS selector
     "kept": ["phrase of main content", ...],     # must appear in Page.lines
     "dropped": ["phrase of boilerplate", ...],   # must not appear
     "known_missing": [...], "known_leaked": [...]}  # optional: accepted misses (tests)

A phrase counts as found when it occurs, whitespace-collapsed, inside the text a run
compares (``pipeline.pages.compared_lines``: the page's lines, its steady title first unless the
text starts with it; lines joined by newlines, heading markers included, so phrases never
span two lines).

Usage::

    python bench/content_score.py [FOLDER ...] [--misses] [--min-recall 0.95] [--min-rejection 0.9]
    python bench/content_score.py --time PAGE.html   # time text+links extraction of one page

With no folder, the fixtures in ``tests/fixtures/extract`` are scored.  Prints one row per
page and the totals (micro-averaged over phrases); exits 1 when a ``--min-*`` threshold
is not met or a version pair in ``tests/fixtures/pairs`` (two versions of a page that
differ only in boilerplate) gives two texts, so it can guard CI.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from monitor import extract
from monitor.pipeline.pages import compared_lines
from monitor.testing.scoring import Score, score_folders

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "extract"


PAIRS_FOLDER = DEFAULT_FOLDER.parent / "pairs"


def unstable_pairs(folder: Path = PAIRS_FOLDER) -> tuple[int, list[str]]:
    """Version pairs (``NAME.a.html``/``NAME.b.html``, differing only in boilerplate) whose
    compared text differs: returns how many pairs there are and the names that differ."""
    firsts = sorted(folder.glob("*.a.html"))
    url = "https://partner.example/news/item"
    differ = [
        a.name.removesuffix(".a.html")
        for a in firsts
        if compared_lines(extract.page(a.read_bytes(), url))
        != compared_lines(extract.page(a.with_name(a.name.replace(".a.", ".b.")).read_bytes(), url))
    ]
    return len(firsts), differ


def _row(s: Score) -> str:
    kept = f"{s.kept_found}/{s.kept_total}"
    dropped = f"{s.dropped_absent}/{s.dropped_total}"
    return (
        f"{s.name:<28} {kept:>7} {s.recall:>7.3f} {dropped:>8} {s.rejection:>9.3f}"
        f" {s.seconds * 1000:>7.1f}  {s.note or ''}"
    )


def time_page(path: Path, repeat: int = 5) -> dict[str, float]:
    """Best-of-``repeat`` milliseconds for links only, text only, and both, on one page."""
    body = path.read_bytes()
    url = "https://partner.example/page"
    timings: dict[str, float] = {}
    for label, want_links, want_text in (
        ("links", True, False),
        ("text", False, True),
        ("text+links", True, True),
    ):
        runs = []
        for _ in range(repeat):
            extract.resolve.cache_clear()  # a new page shares few URLs with the last one
            started = time.perf_counter()
            extract.page(body, url, want_links=want_links, want_text=want_text)
            runs.append(time.perf_counter() - started)
        timings[label] = min(runs) * 1000
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT_FOLDER])
    parser.add_argument("--misses", action="store_true", help="list missing and leaked phrases")
    parser.add_argument("--min-recall", type=float, default=0.0)
    parser.add_argument("--min-rejection", type=float, default=0.0)
    parser.add_argument("--time", type=Path, metavar="PAGE", help="time extraction of one page")
    args = parser.parse_args(argv)

    if args.time is not None:
        size = args.time.stat().st_size
        for label, ms in time_page(args.time).items():
            print(f"{args.time.name} ({size / 1e6:.2f} MB) {label:<11} {ms:7.1f} ms")
        return 0

    pages, total = score_folders(args.folders)
    if not pages:
        print("no labelled pages (NAME.html + NAME.json) found", file=sys.stderr)
        return 2
    print(f"{'page':<28} {'kept':>7} {'recall':>7} {'dropped':>8} {'rejection':>9} {'ms':>7}  note")
    for s in pages:
        print(_row(s))
        if args.misses:
            for phrase in s.missing:
                print(f"    missing: {phrase}")
            for phrase in s.leaked:
                print(f"    leaked:  {phrase}")
    print(_row(total))
    pairs, differ = unstable_pairs()
    print(f"version pairs with identical text: {pairs - len(differ)}/{pairs}", *differ)
    ok = total.recall >= args.min_recall and total.rejection >= args.min_rejection and not differ
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
