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
import json
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from monitor import extract
from monitor.config import Watch
from monitor.pipeline.pages import compared_lines

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "extract"


@dataclass
class Score:
    """How one page (or a total) did: phrase counts and what went wrong."""

    name: str
    kept_total: int = 0
    kept_found: int = 0
    dropped_total: int = 0
    dropped_absent: int = 0
    seconds: float = 0.0
    note: str | None = None
    missing: list[str] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.kept_found / self.kept_total if self.kept_total else 1.0

    @property
    def rejection(self) -> float:
        return self.dropped_absent / self.dropped_total if self.dropped_total else 1.0


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def score_page(html_path: Path) -> Score:
    """Extract ``html_path`` as the monitor would and score it against its sidecar JSON."""
    meta = json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))
    body = html_path.read_bytes()
    started = time.perf_counter()
    page = extract.page(
        body,
        meta["url"],
        charset=meta.get("charset"),
        selector=meta.get("selector"),
        want_links=False,
    )
    note = "; ".join(n.kind for n in page.notes) or None
    score = Score(html_path.stem, seconds=time.perf_counter() - started, note=note)
    # Scored as a run compares it: with the steady title first unless the text starts
    # with it (the headline, when the title says it, is seen there).
    watch = Watch(name=html_path.stem, url=meta["url"], selector=meta.get("selector"))
    text = "\n".join(_norm(line) for line in compared_lines(page, watch))
    for phrase in meta.get("kept", []):
        score.kept_total += 1
        if _norm(phrase) in text:
            score.kept_found += 1
        else:
            score.missing.append(phrase)
    for phrase in meta.get("dropped", []):
        score.dropped_total += 1
        if _norm(phrase) in text:
            score.leaked.append(phrase)
        else:
            score.dropped_absent += 1
    return score


def score_folders(folders: list[Path]) -> tuple[list[Score], Score]:
    """Score every labelled page in ``folders``; returns the per-page scores and the total."""
    pages = [
        score_page(html)
        for folder in folders
        for html in sorted(folder.glob("*.html"))
        if html.with_suffix(".json").exists()
    ]
    total = Score("TOTAL")
    for s in pages:
        total.kept_total += s.kept_total
        total.kept_found += s.kept_found
        total.dropped_total += s.dropped_total
        total.dropped_absent += s.dropped_absent
        total.seconds += s.seconds
    return pages, total


PAIRS_FOLDER = DEFAULT_FOLDER.parent / "pairs"


def unstable_pairs(folder: Path = PAIRS_FOLDER) -> tuple[int, list[str]]:
    """Version pairs (``NAME.a.html``/``NAME.b.html``, differing only in boilerplate) whose
    compared text differs: returns how many pairs there are and the names that differ."""
    firsts = sorted(folder.glob("*.a.html"))
    url = "https://partner.example/news/item"
    watch = Watch(name="pair", url=url)
    differ = [
        a.name.removesuffix(".a.html")
        for a in firsts
        if compared_lines(extract.page(a.read_bytes(), url), watch)
        != compared_lines(
            extract.page(a.with_name(a.name.replace(".a.", ".b.")).read_bytes(), url), watch
        )
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
