"""What a page read in the browser (`render: browser`) costs: time and memory per page.

Serves N pages drawn by script (each a shell whose text comes from a JSON endpoint) on a
loopback SimWeb, runs the real pipeline over them once with `render: browser` and once
over the same pages as plain HTTP watches, and reports the run's wall time, the time per
page, the browser's memory (peak PSS of Chromium's whole process tree, sampled every
50 ms) and this process's own peak RSS. Needs Playwright and Debian's chromium.

    python bench/render_cost.py [--pages 20] [--concurrency 2] [--out bench/results/...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from monitor import pipeline
from monitor.config import load
from monitor.fetch import render
from monitor.store import Store
from monitor.testing.web import Route, SimWeb

HOST = "127.0.0.2"
SHELL = """<!doctype html><html><head><title>Petition {n}</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav><div id="app"></div>
<script>
fetch('/data/{n}.json').then(r => r.json()).then(d => {{
  document.getElementById('app').innerHTML = '<main><article><h1>' + d.title + '</h1>' +
    d.paras.map(p => '<p>' + p + '</p>').join('') + '</article></main>';
}});
</script></body></html>"""
PARA = (
    "Ales Bialiatski, chair of the Human Rights Centre Viasna, was arrested in July 2021 "
    "with colleagues; paragraph {i} of the case file for page {n}."
)


def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them, so
    the sum over Chromium's processes is its real footprint (RSS counts them in each)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_pss_kb(mark: bytes) -> int:
    """PSS of every process started with ``mark`` and of all their descendants."""
    parents: dict[int, int] = {}
    roots = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            stat = (proc / "stat").read_text()
            parents[int(proc.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            if mark in (proc / "cmdline").read_bytes():
                roots.append(int(proc.name))
        except (OSError, ValueError, IndexError):
            continue
    tree = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(_pss_kb(pid) for pid in tree)


def _run(
    web: SimWeb, pages: int, *, browser: bool, concurrency: int, work: Path
) -> dict[str, float]:
    watches = [
        {"name": f"Page {n}", "url": web.url(HOST, f"/p/{n}"), "links": False,
         **({"render": "browser"} if browser else {})}
        for n in range(pages)
    ]  # fmt: skip
    settings = {
        "database": str(work / f"{'browser' if browser else 'http'}.db"),
        "reports_dir": str(work),
        "allow_private_links": True,
        "connectivity_check": [],
        "confirm_delay_s": 0,
        "archive_lookup": False,
        "browser": {"concurrency": concurrency},
    }
    path = work / "watchlist.yaml"
    path.write_text(json.dumps({"settings": settings, "watch": watches}))
    cfg = load(path)
    mark = f"--partner-monitor-run={os.getpid()}-".encode()
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.05):
            peak = max(peak, _tree_pss_kb(mark))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    with Store(cfg.settings.database) as store:
        report = asyncio.run(pipeline.check_async(cfg, store, now=lambda: datetime.now(UTC)))
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    # Read: a first version whose text is the article, not the shell's navigation (a
    # page read over HTTP is advised to use the browser instead).
    ok = sum(
        1
        for p in report.pages
        if p.content.value == "baseline"
        and not any(n.kind.value == "drawn_by_script" for n in p.notes)
    )
    return {"seconds": seconds, "per_page_s": seconds / pages, "browser_peak_mb": peak / 1024,
            "read": ok}  # fmt: skip


def _chromium_version() -> str:
    import subprocess

    shown = subprocess.run(
        [render.chromium_path(), "--version"], capture_output=True, text=True, check=False
    ).stdout
    return " ".join(shown.split()[:2]) or "chromium"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    why = render.problem()
    if why:
        print(f"render_cost: {why}", file=sys.stderr)
        return 2
    with SimWeb(hosts=(HOST,)) as web, tempfile.TemporaryDirectory() as tmp:
        for n in range(args.pages):
            web.route(HOST, f"/p/{n}", Route(body=SHELL.format(n=n)))
            body = {"title": f"Free Ales Bialiatski ({n})",
                    "paras": [PARA.format(i=i, n=n) for i in range(8)]}  # fmt: skip
            web.route(HOST, f"/data/{n}.json", Route(body=json.dumps(body),
                                                     content_type="application/json"))  # fmt: skip
        http = _run(web, args.pages, browser=False, concurrency=args.concurrency, work=Path(tmp))
        seen = _run(web, args.pages, browser=True, concurrency=args.concurrency, work=Path(tmp))
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"# Pages read in the browser: {args.pages} script-drawn pages, "
        f"settings.browser.concurrency {args.concurrency}",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, `python bench/render_cost.py --pages {args.pages} "
        f"--concurrency {args.concurrency}`, {_chromium_version()} driven by Playwright "
        f"(built for Chromium {render.playwright_chromium()}), one loopback SimWeb.",
        "",
        "| watch | article read | run | per page | browser peak PSS (all processes) |",
        "| --- | --- | --- | --- | --- |",
        f"| render: http | {http['read']:.0f}/{args.pages} | {http['seconds']:.1f} s | "
        f"{http['per_page_s'] * 1000:.0f} ms | none |",
        f"| render: browser | {seen['read']:.0f}/{args.pages} | {seen['seconds']:.1f} s | "
        f"{seen['per_page_s'] * 1000:.0f} ms | {seen['browser_peak_mb']:.0f} MB |",
        "",
        f"This Python process's own peak RSS (both runs): {own_peak:.0f} MB.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
