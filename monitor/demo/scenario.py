"""``monitor demo``: the whole product in one command, offline, over three simulated days.

This module owns the demo's *story*: it starts the simulated partner web
(``site.py`` on ``SimWeb``), writes a real watch list for it, then runs the real
pipeline (``pipeline.check_async`` and ``digest.write``, nothing faked) once per simulated
day with a clock set to that day's 07:00 UTC, and prints what happened and where the
digests are. It opens nothing by itself, and stops the simulated web (and with it every
thread it started) however it ends.

The output folder belongs to the demo: a marker file says so, and running the demo
again into it starts afresh (the demo's own database and digests are removed). A folder
holding anything else is refused, so ``--out`` can never wipe a real reports folder.
"""

from __future__ import annotations

import asyncio
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from monitor import config as config_module
from monitor import digest, pipeline, wording
from monitor.demo import drawn, site
from monitor.fetch import render
from monitor.store import Store
from monitor.testing.web import SimWeb

__all__ = ["MARKER", "DayResult", "main", "play"]

MARKER = ".partner-monitor-demo"
_MARKER_TEXT = (
    "This folder was written by `monitor demo`. Running the demo into it again removes\n"
    "the demo's database, watch list and digests, and writes new ones.\n"
)
# What the demo writes, and so may remove when it runs again into the same folder.
_OWNED = (
    "watchlist.yaml",
    "monitor.db",
    "monitor.db-wal",
    "monitor.db-shm",
    "monitor.db-journal",
    "latest.html",
    "latest.txt",
    "index.html",
    "digest-*.html",
    "digest-*.txt",
    ".digest-*",  # temporary files of an interrupted atomic write
    ".latest*",
    ".index*",
    "changes/*.html",  # the pages beside the digests (a demo's change pages are its own)
    "changes/.*.tmp",
    "history/*.html",
    "history/.*.tmp",
)
NOTICE = (
    "This digest was made by `monitor demo`: the partner sites are simulated on your own "
    "computer (loopback addresses), modelled on the campaign for the release of Ales "
    "Bialiatski, and three days pass in a few seconds. The checks, the history and this "
    "digest are the real product."
)


class DemoError(Exception):
    """The demo cannot run as asked; the message says what to do."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class DayResult:
    """What one simulated day gave: the run report, the digest and the ground truth."""

    day: int
    when: datetime
    report: pipeline.RunReport
    digest: digest.Written
    expected: site.Expected
    seconds: float


def prepare(out: Path) -> None:
    """Make ``out`` an empty demo folder: create it, or clear what an earlier demo wrote.

    Raises ``DemoError`` when ``out`` is a file, or a folder holding anything the demo
    did not write (a real reports folder must never be wiped by ``--out``).
    """
    if out.exists() and not out.is_dir():
        raise DemoError(f"{out} is a file; give the demo a folder with --out DIR", 2)
    if out.is_dir() and not (out / MARKER).exists():
        others = sorted(p.name for p in out.iterdir())
        if others:
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            raise DemoError(
                f"{out} already holds files the demo did not write ({shown}); "
                "give it an empty or new folder with --out DIR",
                2,
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
        for pattern in _OWNED:
            for path in out.glob(pattern):
                if path.is_file():
                    path.unlink()
    except OSError as exc:
        raise DemoError(f"cannot write the demo's files in {out}: {exc}", 3) from None


def _clock(start: datetime) -> Callable[[], datetime]:
    """A clock that reads ``start`` when created and then runs at real speed."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def play(
    demo: site.DemoSite,
    out: Path,
    *,
    days: Sequence[int] = tuple(range(1, site.DAYS + 1)),
    on_day: Callable[[DayResult], None] | None = None,
    browser: bool = False,
) -> list[DayResult]:
    """Run the real pipeline over the simulated days and write a digest for each.

    ``demo`` is a built ``site.DemoSite`` on a running ``SimWeb``; ``out`` a prepared
    folder (see ``prepare``) that receives ``watchlist.yaml``, ``monitor.db`` and the
    digests. ``on_day`` is called after each day. ``browser``: also watch the page drawn
    by script (``demo.drawn``), in a browser. Returns one ``DayResult`` per day.
    """
    watchlist = out / "watchlist.yaml"
    watchlist.write_text(
        demo.watchlist_yaml(
            database=str(out / "monitor.db"), reports_dir=str(out), browser=browser
        ),
        encoding="utf-8",
    )
    # Read back through the real loader: the file a user finds is the one that ran.
    cfg = config_module.load(watchlist)
    results = []
    for n in days:
        expected = demo.day(n)
        now = _clock(demo.when(n))
        began = time.monotonic()
        # One store per day, as separate scheduled runs would open it.
        with Store(cfg.settings.database) as store:
            report = asyncio.run(pipeline.check_async(cfg, store, now=now))
            written = digest.write(store, out, config=cfg, text=True, notices=(NOTICE,), now=now())
        result = DayResult(n, demo.when(n), report, written, expected, time.monotonic() - began)
        results.append(result)
        if on_day is not None:
            on_day(result)
    return results


def _print_day(result: DayResult) -> None:
    """The short summary of one simulated day: what happened, what was found, the file."""
    report = result.report
    when = f"{wording.day(result.when)}, {result.when:%H:%M} UTC"
    print(f"Day {result.day} · {when}")
    for event in result.expected.events:
        print(f"  on the partner web: {event}")
    counts = report.counts
    problems = wording.problems(counts)
    if counts.problems:
        problems += f": {wording.statuses(counts)}"
    changed = (
        wording.plural(report.changed, "page") + " changed" if report.changed else "no changes"
    )
    pages, links = (
        wording.plural(len(report.pages), "page"),
        wording.plural(len(report.links), "link"),
    )
    print(f"  checked {pages} and {links} in {result.seconds:.1f} s: {problems}; {changed}")
    print(f"  digest: {result.digest.html}")


def main(out: Path, *, quiet: bool = False) -> int:
    """``monitor demo [--out DIR]``: run the three-day demo into ``out``; the exit code.

    Prints a summary per simulated day (unless ``quiet``) and where the digests are.
    Returns 0 when the demo ran (the problems it shows are the point, not a failure),
    2 when ``out`` cannot be used, 3 when the simulated web cannot start.
    """
    started = time.monotonic()
    out = Path(out)
    try:
        prepare(out)
    except DemoError as exc:
        print(f"monitor demo: {exc}", file=sys.stderr)
        return exc.exit_code
    web = SimWeb(hosts=site.ADDRESSES)
    try:
        web.start()
    except OSError as exc:
        print(
            f"monitor demo: cannot start the simulated partner web on {site.ADDRESSES[0]} to "
            f"{site.ADDRESSES[-1]}: {exc}. Linux serves every 127.x.x.x address; on macOS add "
            "them first: for i in $(seq 2 10); do sudo ifconfig lo0 alias 127.0.0.$i up; done",
            file=sys.stderr,
        )
        return 3
    # The page drawn by script is read in a browser when this machine has one; else it
    # is left out of the watch list, and the demo says how to add it.
    no_browser = render.problem()
    try:
        demo = site.build(web)
        if not quiet:
            print(
                f"partner-monitor demo: a simulated partner web on {len(site.ADDRESSES)} "
                f"loopback addresses, {site.DAYS} simulated days, the real pipeline."
            )
            if no_browser is None:
                print(f"  with “{drawn.NAME}”, read in headless Chromium (render: browser)")
            else:
                print(
                    f"  without “{drawn.NAME}” (render: browser): no browser here. To add "
                    f"it: {render.INSTALL}"
                )
            print()
        results = play(demo, out, on_day=None if quiet else _print_day, browser=no_browser is None)
    finally:
        web.stop()
    last = results[-1].digest
    if not quiet and last.text is not None:
        # The whole day-3 digest, as the e-mail's text part: readable without a browser.
        rule = "─" * 78
        print(f"\nThe digest of day {results[-1].day} (text version, {last.text}):\n{rule}")
        print(last.text.read_text(encoding="utf-8").rstrip())
        print(rule)
    if not quiet:
        print()
    print("Open the digests in a browser (the demo opens nothing by itself):")
    print(f"  {last.latest}   the newest digest (day {results[-1].day})")
    print(f"  {last.index}    every digest, newest first")
    for result in reversed(results):
        print(f"  {result.digest.html}   day {result.day}")
    watchlist = out / "watchlist.yaml"
    print(f"The watch list it used: {watchlist}; what it recorded stays, e.g.")
    print(f"  monitor history {demo.instructions_pdf} --config {shlex.quote(str(watchlist))}")
    print(f"Done in {time.monotonic() - started:.1f} s.")
    return 0
