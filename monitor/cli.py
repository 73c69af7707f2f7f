"""The ``monitor`` command: parse arguments, call the library, turn errors into exit codes.

Thin on purpose: every command is a few lines over ``config``, ``run``, ``store``,
``digest``, ``service`` and ``demo``. Exit codes (the contract):

* 0 — done, no problems;
* 1 — done, problems found (a link or page in a problem status);
* 2 — bad usage or bad config: nothing fetched, nothing written;
* 3 — the run itself failed (database unwritable, reports folder read-only, a bug):
  one line saying what to do, never a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from monitor import __version__, atomic
from monitor.config import DEFAULT_PATH, Config, ConfigError, load
from monitor.errors import CommandFailed, MonitorError
from monitor.wording import plural

if TYPE_CHECKING:
    from monitor.store import Version

log = logging.getLogger("monitor")

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_PATH,
        metavar="PATH",
        help=f"the watch list (default: {DEFAULT_PATH})",
    )
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress, no table")

    p = argparse.ArgumentParser(
        prog="monitor",
        description="Watch campaign partner pages for broken links and content changes.",
        epilog="Exit codes: 0 no problems, 1 problems found, 2 bad usage or config, 3 run failed.",
    )
    p.add_argument("--version", action="version", version=f"partner-monitor {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("validate", parents=[common], help="check the watch list and print a summary")

    c = sub.add_parser(
        "check", parents=[common], help="one pass: fetch, check links, compare content"
    )
    c.add_argument("--json", metavar="PATH|-", help="write the run report as JSON ('-' = stdout)")
    c.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="check only this watched page (repeatable)",
    )

    d = sub.add_parser(
        "digest", parents=[common], help="write the digest of what is new since the last one"
    )
    d.add_argument(
        "--out", type=Path, metavar="DIR", help="reports folder (default: settings.reports_dir)"
    )
    d.add_argument("--text", action="store_true", help="also write the plain-text version")

    r = sub.add_parser(
        "run", parents=[common], help="check, then digest, then e-mail it if configured"
    )
    r.add_argument(
        "--out", type=Path, metavar="DIR", help="reports folder (default: settings.reports_dir)"
    )
    r.add_argument("--text", action="store_true", help="also write the plain-text digest")

    s = sub.add_parser("serve", parents=[common], help="stay up and `run` on settings.schedule")
    s.add_argument("--every", type=float, metavar="SECONDS", help="run at a fixed interval instead")
    s.add_argument(
        "--out", type=Path, metavar="DIR", help="reports folder (default: settings.reports_dir)"
    )

    m = sub.add_parser(
        "demo", parents=[common], help="simulated partner web, three days, real pipeline"
    )
    m.add_argument(
        "--out",
        type=Path,
        default=Path("demo-reports"),
        metavar="DIR",
        help="where the demo writes its digests and database (default: demo-reports)",
    )

    h = sub.add_parser("history", parents=[common], help="statuses and content versions of one URL")
    h.add_argument("url")

    k = sub.add_parser(
        "counters",
        parents=[common],
        help="the series of a watched page's counters (signatures...)",
        description="Every recorded value of the page's counters, one row per check and "
        "counter; a check where the page did not show a counter has an empty value (a gap).",
    )
    k.add_argument("url")
    k.add_argument("--csv", action="store_true", help="CSV on standard output, for a spreadsheet")

    f = sub.add_parser(
        "diff",
        parents=[common],
        help="diff two stored versions of a watched page (default: its latest change)",
        description="Versions are numbered as `monitor history URL` shows them; a number "
        "never changes. With no --from/--to: the latest change, from the version seen before "
        "the current one to the current one.",
    )
    f.add_argument("url")
    f.add_argument(
        "--from",
        dest="from_",
        type=int,
        metavar="N",
        help="older version (default: the one seen before the current one; with --to M, "
        "the stored version numbered just below M)",
    )
    f.add_argument(
        "--to", type=int, metavar="M", help="newer version (default: the current one, seen last)"
    )
    return p


# -- output helpers -----------------------------------------------------------------------


def _console(stream: TextIO) -> Any:
    from rich.console import Console

    return Console(file=stream, highlight=False, soft_wrap=True)


def _progress(enabled: bool) -> tuple[Callable[[str, int, int], None] | None, Callable[[], None]]:
    """A progress callback: a rich bar on a terminal, sparse log lines otherwise."""
    if not enabled:
        return None, lambda: None
    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=_console(sys.stderr),
            transient=True,
        )
        tasks: dict[str, Any] = {}
        bar.start()

        def tick(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(f"checking {stage}", total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return tick, bar.stop

    last: dict[str, int] = {}

    def log_tick(stage: str, done: int, total: int) -> None:
        step = max(1, total // 10)
        if done == total or done - last.get(stage, 0) >= step:
            last[stage] = done
            print(f"checked {done}/{total} {stage}", file=sys.stderr, flush=True)

    return log_tick, lambda: None


def _summary_table(report: Any, stream: TextIO) -> None:
    from rich.table import Table

    console = _console(stream)
    from monitor import wording
    from monitor.wording import problems

    table = Table(
        title=f"run {report.run_id}: {plural(len(report.pages), 'page')}, "
        f"{plural(len(report.links), 'link')}, {problems(report.counts)}, "
        f"{report.changed} changed"
    )
    for col in ("status", "kind", "url", "detail"):
        table.add_column(col, overflow="fold")
    for p in report.pages:
        if p.status.is_problem or p.status != "ok" or p.content == "changed":
            detail = p.error or wording.notes_text(p.notes) or ""
            table.add_row(str(p.status), f"page ({p.content})", p.url, detail)
    for link in report.links:
        if link.status not in ("ok", "skipped"):
            table.add_row(str(link.status), "link", link.url, link.error or "")
    if table.row_count == 0:
        console.print(f"{table.title} — all clear")
    else:
        console.print(table)


def _load(args: argparse.Namespace) -> Config:
    cfg = load(args.config)
    if getattr(args, "only", None):
        cfg = cfg.only(args.only)
    _browser_ready(cfg)
    return cfg


def _browser_ready(cfg: Config) -> None:
    """Raise ``BrowserUnavailable`` (exit 2, nothing fetched) when a watch asks for
    ``render: browser`` and Playwright or a fitting Chromium is missing."""
    if any(w.in_browser for w in cfg.watch):
        from monitor.fetch import render

        render.require()


# -- commands -----------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    cfg = _load(args)
    s = cfg.settings
    partners = {w.group for w in cfg.watch}
    browser = sum(w.in_browser for w in cfg.watch)
    in_browser = f" ({browser} read in a browser)" if browser else ""
    print(
        f"{cfg.path}: ok — {plural(len(cfg.watch), 'watched page')}, "
        f"{plural(len(partners), 'partner')}{in_browser}; "
        f"database {s.database}, reports in {s.reports_dir}, schedule '{s.schedule}' {s.timezone}"
        + (f", e-mail to {', '.join(s.email.to)}" if s.email else "")
        + (f", chat alerts to {plural(len(s.notify), 'notify URL')}" if s.notify else "")
        + (f", reports published on {s.http.listen} by serve" if s.http else "")
    )
    return EXIT_OK


def _open_store(cfg: Config) -> Any:
    from monitor.store import Store, StoreError

    try:
        return Store(cfg.settings.database)
    except StoreError as exc:
        raise CommandFailed(str(exc)) from None


def cmd_check(args: argparse.Namespace) -> int:
    cfg = _load(args)
    from monitor import pipeline
    from monitor.service.lock import writer_lock

    to_stdout = args.json == "-"
    human = sys.stderr if to_stdout else sys.stdout
    tick, stop = _progress(not args.quiet)
    with writer_lock(cfg.settings.database), _open_store(cfg) as store:
        try:
            report = pipeline.check(cfg, store, progress=tick)
        finally:
            stop()
    if args.json:
        _write_json(report.json_text(), args.json)
    if report.outage is not None:
        from monitor.wording import outage_reason

        print(f"monitor: {outage_reason(report.outage)}", file=sys.stderr)
        return EXIT_FAILED
    if not args.quiet:
        _summary_table(report, human)
    return EXIT_PROBLEMS if report.problems else EXIT_OK


def _write_json(text: Iterable[str], target: str) -> None:
    """Write the report's JSON text (``RunReport.json_text``) piece by piece, and a newline."""
    if target == "-":
        sys.stdout.writelines(text)
        sys.stdout.write("\n")
        return
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.atomic_write(path, itertools.chain(text, ["\n"]))
    except OSError as exc:
        raise CommandFailed(f"cannot write the JSON report to {path}: {exc}") from None


def cmd_digest(args: argparse.Namespace) -> int:
    cfg = load(args.config)
    from monitor import digest
    from monitor.service.lock import writer_lock

    out = args.out or cfg.settings.reports_dir
    with writer_lock(cfg.settings.database), _open_store(cfg) as store:
        written = digest.write(store, out, config=cfg, text=args.text)
    print(f"digest written: {written.html}")
    return EXIT_PROBLEMS if written.problems else EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    cfg = _load(args)
    from monitor.service import jobs

    outcome = jobs.run_once(cfg, out=args.out, text=args.text, progress=not args.quiet)
    print(outcome.line)
    if outcome.outage is not None:
        from monitor.wording import outage_reason

        print(f"monitor: {outage_reason(outage=outcome.outage)}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_PROBLEMS if outcome.problems else EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from monitor.service import serve

    _load(args)  # a broken watch list (or a browser it needs, missing) stops the start
    return serve.serve(args.config, every=args.every, out=args.out)


def cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo import scenario

    return scenario.main(args.out, quiet=args.quiet)


def _ranges(numbers: Iterable[int]) -> str:
    """Numbers as short ranges for a message: [1, 3, 4, 5, 9] -> "1, 3-5, 9"."""
    parts: list[str] = []
    run: list[int] = []
    for n in sorted(set(numbers)):
        if run and n != run[-1] + 1:
            parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
            run = []
        run.append(n)
    if run:
        parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(parts)


def _missing(kept: Iterable[int], last: int) -> list[int]:
    """The version numbers given on a page (1..last) whose text retention has removed."""
    have = set(kept)
    return [n for n in range(1, last + 1) if n not in have]


def cmd_history(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from monitor.wording import moment, notes_text

    cfg = load(args.config)
    tz = ZoneInfo(cfg.settings.timezone)

    def at(stamp: str | None) -> str:
        return moment(stamp, tz) if stamp else ""

    console = _console(sys.stdout)
    with _open_store(cfg) as store:
        page = store.find_page(args.url)
        checks = store.page_history(args.url) if page else []
        link_rows = store.link_history(args.url)
        if not page and not link_rows:
            print(
                f"nothing is recorded for {args.url} "
                "(is it watched, or linked from a watched page?)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        from rich.table import Table

        if page:
            versions = store.versions(page[0])
            current = store.recent_versions(page[0], 1)
            gone = _missing((v.number for v in versions), store.last_version_number(page[0]))
            number = {v.id: v.number for v in versions}
            t = Table(
                title=f"watched page '{page[1]}' — {args.url}",
                caption=f"times in {cfg.settings.timezone}",
            )
            for col in ("checked", "status", "http", "content", "version", "detail"):
                t.add_column(col, overflow="fold")
            for c in checks:
                t.add_row(
                    at(c.checked_at),
                    c.status,
                    str(c.http_status or ""),
                    c.content,
                    str(number.get(c.version_id or -1, "")),
                    c.error or notes_text(c.notes) or "",
                )
            console.print(t)
            v = Table(title="content versions (numbers never change)")
            for col in ("version", "first seen", "last seen", "lines", "title"):
                v.add_column(col, overflow="fold")
            for ver in versions:
                mark = " (current)" if current and ver.id == current[0].id else ""
                v.add_row(
                    f"{ver.number}{mark}",
                    at(ver.first_seen),
                    at(ver.last_seen),
                    str(len(ver.lines)),
                    ver.title or "",
                )
            if versions:
                console.print(v)
                console.print(
                    f"current: version {current[0].number}, the text seen last. "
                    "`monitor diff URL` shows the latest change, `--from N --to M` any two."
                )
            if gone:
                console.print(
                    f"no longer kept: version{'s' if len(gone) > 1 else ''} {_ranges(gone)} "
                    "(settings.keep_versions keeps the most recently seen ones)."
                )
            counted = counter_rows(store, args.url)
            if counted:
                k = Table(title="counters (`monitor counters URL --csv` for a spreadsheet)")
                for col in ("checked", "counter", "value", "goal"):
                    k.add_column(col, overflow="fold")
                for row in counted:
                    value = row["value"]
                    k.add_row(
                        at(row["checked_at"]),
                        row["counter"],
                        f"{value:,}" if value is not None else "— (not shown)",
                        f"{row['goal']:,}" if row["goal"] else "",
                    )
                console.print(k)
        if link_rows:
            t = Table(title=f"link — {args.url}", caption=f"times in {cfg.settings.timezone}")
            for col in ("checked", "status", "http", "failing since", "detail"):
                t.add_column(col, overflow="fold")
            for r in link_rows:
                t.add_row(
                    at(r.checked_at),
                    r.status,
                    str(r.http_status or ""),
                    at(r.first_failed_at),
                    r.error or r.suggestion or "",
                )
            console.print(t)
    return EXIT_OK


def counter_rows(store: Any, url: str) -> list[dict[str, Any]]:
    """One row per check of the page and counter: its value, or None for a gap. Checks
    before the counter was first read are left out."""
    series = store.counter_series(url)
    names = list(dict.fromkeys(p.name for p in series))
    first = {n: min(p.run_id for p in series if p.name == n) for n in names}
    by_run = {(p.run_id, p.name): p for p in series}
    rows = []
    for check in store.page_history(url):
        for name in names:
            if check.run_id < first[name]:
                continue
            p = by_run.get((check.run_id, name))
            rows.append(
                {
                    "checked_at": check.checked_at,
                    "run": check.run_id,
                    "status": str(check.status),
                    "counter": name,
                    "value": p.value if p else None,
                    "goal": p.goal if p else None,
                    "label": p.label if p else "",
                    "text": p.text if p else "",
                }
            )
    return rows


def cmd_counters(args: argparse.Namespace) -> int:
    from monitor.wording import moment

    cfg = load(args.config)
    with _open_store(cfg) as store:
        if not store.find_page(args.url):
            print(f"nothing is recorded for {args.url} (is it a watched page?)", file=sys.stderr)
            return EXIT_USAGE
        rows = counter_rows(store, args.url)
    if args.csv:
        import csv

        out = csv.DictWriter(sys.stdout, fieldnames=list(COUNTER_COLUMNS), lineterminator="\n")
        out.writeheader()
        for row in rows:
            out.writerow({k: "" if v is None else v for k, v in row.items()})
        return EXIT_OK
    if not rows:
        print(f"no counter was read on {args.url} (counters: auto finds signatures and the like)")
        return EXIT_OK
    from zoneinfo import ZoneInfo

    from rich.table import Table

    tz = ZoneInfo(cfg.settings.timezone)
    t = Table(title=f"counters — {args.url}", caption=f"times in {cfg.settings.timezone}")
    for col in ("checked", "counter", "value", "change", "goal", "as shown"):
        t.add_column(col, overflow="fold")
    last: dict[str, int] = {}
    for row in rows:
        value, name = row["value"], row["counter"]
        change = ""
        if value is not None and name in last:
            delta = value - last[name]
            change = f"{delta:+,}" if delta else "0"
        if value is not None:
            last[name] = value
        t.add_row(
            moment(row["checked_at"], tz),
            name,
            f"{value:,}" if value is not None else f"— (not shown; {row['status']})",
            change,
            f"{row['goal']:,}" if row["goal"] else "",
            row["text"],
        )
    _console(sys.stdout).print(t)
    return EXIT_OK


COUNTER_COLUMNS = ("checked_at", "run", "status", "counter", "value", "goal", "label", "text")


def cmd_diff(args: argparse.Namespace) -> int:
    from monitor import compare

    cfg = load(args.config)
    url = args.url
    with _open_store(cfg) as store:
        page = store.find_page(url)
        if not page:
            print(f"{url} is not a watched page with stored versions", file=sys.stderr)
            return EXIT_USAGE
        versions = store.versions(page[0])
        by_number = {v.number: v for v in versions}
        gone = _missing(by_number, store.last_version_number(page[0]))
        recent = store.recent_versions(page[0], 2)  # the current version, then the one before
    kept = f"stored versions: {_ranges(by_number) or 'none'}"
    stored = f"{kept} ({_ranges(gone)} no longer kept)" if gone else kept
    see = f"see `monitor history {url}`"
    for n in (args.from_, args.to):
        if n is not None and n not in by_number:
            if n in gone:
                what = f"version {n} of {url} is no longer kept (settings.keep_versions); {kept}"
            else:
                what = f"{url} has no version {n}; {stored}"
            print(f"{what}; {see}", file=sys.stderr)
            return EXIT_USAGE
    if args.from_ is None and args.to is None:
        if len(recent) < 2:
            n = len(versions)
            print(f"only {n} version stored for {url}: nothing to compare yet", file=sys.stderr)
            return EXIT_USAGE
        new, old = recent
    else:
        new = by_number[args.to] if args.to is not None else recent[0]
        if args.from_ is not None:
            old = by_number[args.from_]
        else:
            below = [v for v in versions if v.number < new.number]
            if not below:
                print(
                    f"version {new.number} is the oldest stored version of {url}: nothing "
                    f"before it to compare with, give --from N; {stored}; {see}",
                    file=sys.stderr,
                )
                return EXIT_USAGE
            old = below[-1]
    change = compare.diff(old.lines, new.lines)

    def header(v: Version) -> str:
        now = "; current" if v.id == recent[0].id else ""
        return f"version {v.number} (first seen {v.first_seen}, last seen {v.last_seen}{now})"

    print(f"--- {header(old)}")
    print(f"+++ {header(new)}")
    if not change.added and not change.removed:
        print("(no difference)")
    for hunk in change.hunks:
        if hunk.heading:
            print(f"@@ {hunk.heading}")
        for line in hunk.removed:
            print(f"- {line}")
        for line in hunk.added:
            print(f"+ {line}")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "validate": cmd_validate,
    "check": cmd_check,
    "digest": cmd_digest,
    "run": cmd_run,
    "serve": cmd_serve,
    "demo": cmd_demo,
    "history": cmd_history,
    "counters": cmd_counters,
    "diff": cmd_diff,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``monitor`` command line; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s" if args.debug else "%(message)s",
        stream=sys.stderr,
    )
    if not args.debug:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"monitor: {problem}", file=sys.stderr)
        print(
            f"monitor: {plural(len(exc.problems), 'problem')} in the watch list; "
            "nothing was checked.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except MonitorError as exc:  # errors.py: the store, the digest files, the lock...
        print(f"monitor: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "monitor: interrupted; what was recorded so far is kept, the next run goes on.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"monitor: the run failed: {type(exc).__name__}: {exc} "
            "(run again with --debug for details, and please report it)",
            file=sys.stderr,
        )
        return EXIT_FAILED
