"""Score main-content text on the public article extraction benchmark, side by side.

    python bench/article_benchmark.py /tmp/aeb            # a checkout of the benchmark
    python bench/article_benchmark.py /tmp/aeb --worst 10 # and the ten pages we do worst on

The benchmark (github.com/scrapinghub/article-extraction-benchmark, MIT) is 181 real news
and blog pages with their article body written out by hand. It is never copied into this
repository: fetch it into a temporary folder and name that folder here. Three extractions
of each raw page are scored in one run, with the benchmark's own ``evaluate.py`` (token
4-gram shingles: precision, recall, F1, imported from the checkout, not re-implemented):

* ``ours``: ``extract.page`` on the raw bytes, the exact call a run makes on a fetched
  page (no selector), its lines joined by newlines with heading marks taken off;
* ``ours+title``: what a run compares (``pipeline.pages.compared_lines``; it added a
  "Title: " line until 4 December 2026, and is the same as ``ours`` since);
* ``trafilatura``: ``trafilatura.extract(html, include_comments=False)``, as the
  benchmark's own runner calls it;
* ``readability``: readability-lxml's ``Document(html).summary()``, rendered with
  html-text as the benchmark's runner does (one block per line when html-text is not
  installed).

With ``--stability``, each page is also extracted as two versions that differ only in
boilerplate (a sidebar's time stamp, a cookie banner), which must give identical text.
Prints the table and appends it to bench/results/<UTC date>-article-benchmark.md.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import lxml.html  # noqa: E402
import trafilatura  # noqa: E402
from readability import Document  # noqa: E402

from monitor import extract  # noqa: E402
from monitor.extract.blocks import _html_lines, _skip_never_text  # noqa: E402
from monitor.pipeline.pages import compared_lines  # noqa: E402

RESULTS = HERE / "results"
Extractor = Callable[[str, str], str]


def ours(html: str, url: str) -> str:
    """The monitor's extraction: ``extract.page`` on the bytes, as a run calls it, its
    lines joined with heading marks taken off."""
    page = extract.page(html.encode("utf-8"), url, charset="utf-8", want_links=False)
    return "\n".join(line.removeprefix("# ") for line in page.lines)


def ours_compared(html: str, url: str) -> str:
    """What a run compares and stores: ``extract.page``, then ``pipeline.pages.compared_lines``,
    (the page's headline first, unless it is the site's name)."""
    page = extract.page(html.encode("utf-8"), url, charset="utf-8", want_links=False)
    return "\n".join(line.removeprefix("# ") for line in compared_lines(page))


SHELL = "<html><head><title>Shell</title></head><body><p>A one-line shell.</p></body></html>"


def through_check(folder: Path, truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The product end to end: every page is watched on a loopback server, first as a
    one-line shell, then as itself; what ``monitor check`` reports as added is scored
    (two real runs of ``pipeline.check``, a real store, the real fetcher)."""
    import tempfile

    from monitor import pipeline
    from monitor.config import loads
    from monitor.store import Store
    from monitor.testing.web import Route, SimWeb

    keys = sorted(truth)
    with tempfile.TemporaryDirectory() as tmp, SimWeb(hosts=("127.0.0.2",)) as web:
        urls = {key: web.url("127.0.0.2", f"/{key}") for key in keys}
        settings = {
            "database": f"{tmp}/m.db", "reports_dir": f"{tmp}/r", "retries": 0,
            "confirm_delay_s": 0, "allow_private_links": True, "connectivity_check": [],
            "archive_lookup": False, "concurrency": 8,
        }  # fmt: skip
        watches = [{"name": key, "url": urls[key], "links": False} for key in keys]
        config = loads(json.dumps({"settings": settings, "watch": watches}))
        for key in keys:
            web.route("127.0.0.2", f"/{key}", Route(body=SHELL))
        with Store(f"{tmp}/m.db") as store:
            pipeline.check(config, store)
        for key in keys:
            with gzip.open(folder / "html" / f"{key}.html.gz", "rb") as f:
                web.route("127.0.0.2", f"/{key}", Route(body=f.read()))
        with Store(f"{tmp}/m.db") as store:
            report = pipeline.check(config, store)
    added = {p.name: p.change.added if p.change else () for p in report.pages}
    return {
        key: {"articleBody": "\n".join(line.removeprefix("# ") for line in added[key])}
        for key in keys
    }


def trafilatura_alone(html: str, url: str) -> str:
    """trafilatura as the benchmark's runner calls it."""
    return trafilatura.extract(html, include_comments=False) or ""


def readability_lxml(html: str, url: str) -> str:
    """readability-lxml's article as the benchmark's runner renders it: with html-text
    (``pip install html-text``) when it is installed, else one block per line."""
    summary = Document(html).summary(html_partial=True)
    try:
        import html_text  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        part = lxml.html.fromstring(f"<div>{summary}</div>")
        return "\n".join(_html_lines(part, _skip_never_text))
    return str(html_text.extract_text(summary))


EXTRACTORS: dict[str, Extractor] = {
    "ours": ours,
    "ours+title": ours_compared,
    "trafilatura": trafilatura_alone,
    "readability": readability_lxml,
}


_BODY_TAG = re.compile(r"<body\b[^>]*>", re.I)
BANNER = (
    '<div id="cookie-notice" class="cookie-banner"><p>We use cookies to understand how our'
    " site is used. You can accept or refuse them at any time.</p><button>Accept all</button>"
    "</div>"
)
SIDEBAR = (
    '<aside class="sidebar"><h3>Latest updates</h3><ul><li><a href="/live">Live: this'
    ' week\'s hearings</a> <span class="time">{stamp}</span></li></ul></aside>'
)


def boilerplate_edits(html: str) -> tuple[str, str]:
    """Two versions of a page that differ from each other only in boilerplate: the first
    with a sidebar stamped 09:12, the second with that sidebar stamped 14:47 and a cookie
    banner opening the body."""
    found = _BODY_TAG.search(html)
    at = found.end() if found else 0
    end = html.lower().rfind("</body>")
    end = end if end > at else len(html)

    def version(stamp: str, banner: str) -> str:
        return html[:at] + banner + html[at:end] + SIDEBAR.format(stamp=stamp) + html[end:]

    return version("09:12", ""), version("14:47", BANNER)


def unstable_pages(folder: Path, truth: dict[str, Any]) -> list[str]:
    """Benchmark pages whose text (``ours``) differs between the two versions of
    :func:`boilerplate_edits`: each would read as a change nobody made."""
    differ = []
    for key, item in sorted(truth.items()):
        with gzip.open(folder / "html" / f"{key}.html.gz", "rt", encoding="utf8") as f:
            first, second = boilerplate_edits(f.read())
        url = item.get("url") or "https://example.org/"
        if ours(first, url) != ours(second, url):
            differ.append(key)
    return differ


def _evaluate_module(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("aeb_evaluate", folder / "evaluate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no evaluate.py in {folder}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extract_all(folder: Path, names: list[str]) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Extract every page with each extractor in ``names``; returns per-extractor
    outputs (id -> {"articleBody": text}) and timings."""
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    outputs: dict[str, dict[str, Any]] = {name: {} for name in names}
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for key, item in sorted(truth.items()):
        with gzip.open(folder / "html" / f"{key}.html.gz", "rt", encoding="utf8") as f:
            html = f.read()
        for name in names:
            started = time.perf_counter()
            text = EXTRACTORS[name](html, item.get("url") or "https://example.org/")
            seconds[name].append(time.perf_counter() - started)
            outputs[name][key] = {"articleBody": text}
    return outputs, {"seconds": seconds, "truth": truth}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a checkout of article-extraction-benchmark")
    parser.add_argument("--only", nargs="*", choices=list(EXTRACTORS), default=list(EXTRACTORS))
    parser.add_argument("--worst", type=int, default=0, help="list ours' N lowest-F1 pages")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results")
    parser.add_argument(
        "--through-check",
        action="store_true",
        help="also score what two real runs of monitor check on loopback report as added",
    )
    parser.add_argument(
        "--stability",
        action="store_true",
        help="also extract each page twice, with boilerplate edits, and count identical texts",
    )
    args = parser.parse_args(argv)
    evaluate = _evaluate_module(args.folder)
    outputs, info = extract_all(args.folder, args.only)
    truth = info["truth"]
    rows = [
        "| extractor | F1 | precision | recall | empty pages | ms/page p50 | ms/page p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in args.only:
        metrics = evaluate.evaluate(truth, outputs[name], n_bootstrap=0)
        empty = sum(1 for v in outputs[name].values() if not v["articleBody"].strip())
        ms = sorted(s * 1000 for s in info["seconds"][name])
        p95 = ms[max(0, -(-95 * len(ms) // 100) - 1)]
        rows.append(
            f"| {name} | {metrics['f1']:.3f} | {metrics['precision']:.3f}"
            f" | {metrics['recall']:.3f} | {empty} | {statistics.median(ms):.0f} | {p95:.0f} |"
        )
    print("\n".join(rows))
    if args.through_check:
        checked = through_check(args.folder, truth)
        metrics = evaluate.evaluate(truth, checked, n_bootstrap=0)
        empty = sum(1 for v in checked.values() if not v["articleBody"].strip())
        rows.append(
            f"| monitor check (added lines) | {metrics['f1']:.3f} | {metrics['precision']:.3f}"
            f" | {metrics['recall']:.3f} | {empty} | – | – |"
        )
        print(rows[-1])
    if args.worst and "ours" in args.only:
        scored = []
        for key in truth:
            tp, fp, fn = evaluate.string_shingle_matching(
                truth[key].get("articleBody", ""), outputs["ours"][key]["articleBody"]
            )
            p = tp / (tp + fp) if tp + fp else 1.0
            r = tp / (tp + fn) if tp + fn else 1.0
            scored.append((2 * p * r / (p + r) if p + r else 0.0, p, r, key))
        for f1, p, r, key in sorted(scored)[: args.worst]:
            print(f"{f1:.3f} p={p:.3f} r={r:.3f} {key[:12]} {truth[key].get('url', '')[:70]}")
    if args.stability:
        differ = unstable_pages(args.folder, truth)
        line = (
            f"Boilerplate edits (sidebar time stamp changed, cookie banner added): identical"
            f" text on {len(truth) - len(differ)} of {len(truth)} pages"
        )
        print(line, *(key[:12] for key in differ))
        rows += ["", line + "."]
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        now = datetime.now(UTC)
        out = RESULTS / f"{now:%Y-%m-%d}-article-benchmark.md"
        versions = (
            f"trafilatura {trafilatura.__version__}, readability-lxml "
            f"{_version('readability-lxml')}, {len(truth)} pages"
        )
        with out.open("a", encoding="utf-8") as f:
            f.write(f"\n## {now:%Y-%m-%d %H:%M} UTC ({versions})\n\n" + "\n".join(rows) + "\n")
        print(f"appended to {out.relative_to(HERE.parent)}")
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


if __name__ == "__main__":
    sys.exit(main())
