"""Benchmark partner-monitor against LinkChecker and linkinator, in one run.

    python bench/run.py                       # 50 hosts x 2000 links, 50 ms latency
    python bench/run.py --quick               # 10 hosts x 500 links
    python bench/run.py --links 10000 --hosts 50 --tools pm

One ``ScaleWeb`` (bench/simweb_scale.py) serves every tool in turn, on loopback only;
its routes are re-installed and its counters zeroed before each tool. Each tool runs as
a child process, started by the small bench/spawner.py (so its peak RSS is not this
process's); wall time is measured around it, CPU time and peak RSS come from ``os.wait4``
(the child and every descendant it reaped), requests and in-flight maxima
from the server's own counters, accuracy from the tool's output against the manifest.
LinkChecker and linkinator are installed into bench/work/ (gitignored) when missing.
Writes bench/results/<UTC date>[-N].md and prints the same table.

The test suite's own time and memory budgets are tests marked ``perf``, deselected by
default: ``python -m pytest -m perf`` (bench/README.md).
"""

from __future__ import annotations

import argparse
import atexit
import csv
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from simweb_scale import KINDS, PROBLEM_STATUSES, ScaleWeb, answers_needed  # noqa: E402

WORK = HERE / "work"
RESULTS = HERE / "results"
LC_VENV = WORK / "lc-venv"
LC_BIN = LC_VENV / "bin" / "linkchecker"
LI_BIN = WORK / "node_modules" / ".bin" / "linkinator"
# The peers' versions are pinned: how their output is parsed (linkinator's --verbosity,
# LinkChecker's CSV columns) is version-specific, and results must compare run to run.
LINKCHECKER = "linkchecker==10.6.0"
LINKINATOR = "linkinator@7.6.1"


# -- installing the peers -----------------------------------------------------------


def ensure_linkchecker() -> str | None:
    """Path-free: returns None when ready, else why it is not available."""
    if LC_BIN.exists():
        return None
    try:
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(LC_VENV)], check=True, timeout=120)
        subprocess.run(
            [str(LC_VENV / "bin" / "pip"), "install", "-q", LINKCHECKER],
            check=True,
            timeout=300,
            capture_output=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"could not install linkchecker: {exc}"
    return None if LC_BIN.exists() else "linkchecker not found after install"


def ensure_linkinator() -> str | None:
    if LI_BIN.exists():
        return None
    if shutil.which("npm") is None:
        return "npm is not installed"
    try:
        WORK.mkdir(parents=True, exist_ok=True)
        if not (WORK / "package.json").exists():
            (WORK / "package.json").write_text('{"name": "bench-work", "private": true}\n')
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", LINKINATOR],
            cwd=WORK,
            check=True,
            timeout=300,
            capture_output=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"could not install linkinator: {exc}"
    return None if LI_BIN.exists() else "linkinator not found after install"


def tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return "?"
    return (
        (out.stdout.strip() or out.stderr.strip()).splitlines()[0]
        if (out.stdout or out.stderr)
        else "?"
    )


# -- measuring a child ----------------------------------------------------------------


@dataclass
class Measured:
    rc: int | None
    wall_s: float
    cpu_s: float
    maxrss_mb: float
    server_cpu_s: float  # the bench process (the simulated web) while the tool ran
    stdout: str
    stderr: str
    killed: bool = False


_spawner: subprocess.Popen[str] | None = None


def _spawn(job: dict[str, object]) -> dict[str, Any]:
    """Have bench/spawner.py run one tool; started once, stopped when the bench ends.

    The tools are started from that small process, not from this one: a child started
    from here carried this process's peak RSS (the simulated web and the reports read)
    as its own ``ru_maxrss`` whenever that was the larger, see spawner.py.
    """
    global _spawner
    if _spawner is None:
        _spawner = subprocess.Popen(
            [sys.executable, str(HERE / "spawner.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        atexit.register(_spawner.kill)
    assert _spawner.stdin is not None and _spawner.stdout is not None
    _spawner.stdin.write(json.dumps(job) + "\n")
    _spawner.stdin.flush()
    reply = _spawner.stdout.readline()
    if not reply:
        raise RuntimeError(f"bench/spawner.py stopped (exit {_spawner.wait()})")
    result: dict[str, Any] = json.loads(reply)
    return result


def measure(
    cmd: list[str], *, cwd: Path, limit_s: float, env: dict[str, str] | None = None
) -> Measured:
    """Run ``cmd``; wall time, user+sys CPU and peak RSS of it and its reaped descendants."""
    with tempfile.TemporaryDirectory() as outdir:
        out, err = Path(outdir) / "stdout", Path(outdir) / "stderr"
        self0 = resource.getrusage(resource.RUSAGE_SELF)
        r = _spawn(
            {
                "cmd": [str(c) for c in cmd],
                "cwd": str(cwd),
                "env": env,
                "limit_s": limit_s,
                "stdout": str(out),
                "stderr": str(err),
            }
        )
        self1 = resource.getrusage(resource.RUSAGE_SELF)
        return Measured(
            rc=r["rc"],
            wall_s=r["wall_s"],
            cpu_s=r["cpu_s"],
            maxrss_mb=r["maxrss_kb"] / 1024,
            server_cpu_s=(self1.ru_utime + self1.ru_stime) - (self0.ru_utime + self0.ru_stime),
            stdout=out.read_bytes().decode("utf-8", "replace"),
            stderr=err.read_bytes().decode("utf-8", "replace"),
            killed=r["killed"],
        )


# -- the tools ------------------------------------------------------------------------


@dataclass
class Row:
    tool: str
    config: str
    links: int
    hosts: int
    m: Measured | None = None
    server: dict[str, object] = field(default_factory=dict)
    reported: dict[str, str] = field(default_factory=dict)  # url -> "problem" | "fine" | status
    statuses: dict[str, str] = field(default_factory=dict)  # ours only: url -> status word
    note: str = ""
    cap: int | None = None  # the requests in flight its settings allow


def run_pm(sw: ScaleWeb, a: argparse.Namespace, tmp: Path, *, daily: bool = False) -> Row:
    """One ``monitor check``; ``daily``: the next day's run, on the first run's database.

    The daily run is what a scheduled monitor does every day after its first: it knows
    which links timed out last time and starts them first (``fetch.Lane``). When the
    first run was not measured in this invocation, it is run here, unmeasured.
    """
    row = Row(
        "partner-monitor",
        f"concurrency {a.concurrency}, per_host {a.per_host}, "
        f"timeout {a.timeout:g} s, retries {a.retries}"
        + (", daily run (second run, same database)" if daily else ", first run"),
        sw.n_links,
        sw.n_hosts,
        cap=a.concurrency,
    )
    cfg = tmp / "watchlist.yaml"
    watch = "".join(f"  - name: Index {i + 1}\n    url: {u}\n" for i, u in enumerate(sw.index_urls))
    cfg.write_text(
        "settings:\n"
        f"  database: {tmp / 'monitor.db'}\n"
        f"  reports_dir: {tmp / 'reports'}\n"
        f"  timeout_s: {a.timeout}\n"
        f"  concurrency: {a.concurrency}\n"
        f"  per_host: {a.per_host}\n"
        f"  retries: {a.retries}\n"
        "  allow_private_links: true\n"
        "  archive_lookup: false\n"
        f"watch:\n{watch}"
    )
    out = tmp / "pm.json"
    cmd = [sys.executable, "-m", "monitor", "check", "--config", str(cfg), "--json", str(out)]
    if daily and not (tmp / "monitor.db").exists():
        sw.script()
        measure([*cmd, "-q"], cwd=tmp, limit_s=a.tool_limit)
    out.unlink(missing_ok=True)
    sw.script()
    sw.reset_stats()
    row.m = measure([*cmd, "-q"], cwd=tmp, limit_s=a.tool_limit)
    row.server = sw.counters()
    if out.exists():
        data = json.loads(out.read_text())
        for link in data["links"]:
            row.statuses[link["url"]] = link["status"]
            row.reported[link["url"]] = "problem" if link["status"] in PROBLEM_STATUSES else "fine"
    else:
        row.note = f"no JSON report (exit {row.m.rc}): {row.m.stderr.strip()[-300:]}"
    return row


def run_lc(sw: ScaleWeb, a: argparse.Namespace, tmp: Path, threads: int | None) -> Row:
    label = "defaults (10 threads)" if threads is None else f"{threads} threads"
    row = Row(
        "LinkChecker",
        f"{label}, --check-extern, timeout {a.timeout:g} s",
        sw.n_links,
        sw.n_hosts,
        cap=10 if threads is None else threads,
    )
    if (why := ensure_linkchecker()) is not None:
        row.note = why
        return row
    cmd = [
        str(LC_BIN),
        "--check-extern",
        "-v",
        "--no-status",
        "-o",
        "csv/utf-8",
        "--timeout",
        f"{a.timeout:g}",
    ]
    if threads is not None:
        cmd += ["-t", str(threads)]
    cmd.append(sw.root_url)
    env = dict(os.environ, HOME=str(tmp), XDG_DATA_HOME=str(tmp), XDG_CONFIG_HOME=str(tmp))
    sw.script()
    sw.reset_stats()
    row.m = measure(cmd, cwd=tmp, limit_s=a.tool_limit, env=env)
    row.server = sw.counters()
    lines = [ln for ln in row.m.stdout.splitlines() if ln and not ln.startswith("#")]
    for rec in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"):
        # "urlname" is the link as written on the page (relative to "parentname");
        # "url" is where LinkChecker ended up, i.e. the redirect target for a 301/302,
        # which is not the URL the manifest (or a page editor) knows the link by.
        name = (rec.get("urlname") or "").strip()
        url = urljoin(rec.get("parentname") or "", name) if name else rec.get("url") or ""
        bad = (rec.get("valid") or "").strip().lower() not in ("true", "1")
        if row.reported.get(url) != "problem":  # one row per parent: any bad one counts
            row.reported[url] = "problem" if bad else "fine"
    if not row.reported:
        row.note = f"no CSV rows (exit {row.m.rc}): {row.m.stderr.strip()[-300:]}"
    return row


def run_li(sw: ScaleWeb, a: argparse.Namespace, tmp: Path) -> Row:
    row = Row(
        "linkinator",
        f"concurrency {a.concurrency}, timeout {a.timeout:g} s, --retry, "
        f"--retry-errors x{a.retries}",
        sw.n_links,
        sw.n_hosts,
        cap=a.concurrency,
    )
    if (why := ensure_linkinator()) is not None:
        row.note = why
        return row
    # The index pages themselves, like ours, without --recurse: linkinator GETs and
    # parses the pages it is given and checks (does not crawl) the links on them.
    # (--recurse from the root would also do, it follows same-host links only, but it
    # adds the index host's navigation links, which are not in the manifest.)
    cmd = [
        str(LI_BIN),
        *sw.index_urls,
        "--format",
        "json",
        "--concurrency",
        str(a.concurrency),
        "--timeout",
        str(int(a.timeout * 1000)),
        "--retry",
        # The JSON report keeps only the links the verbosity would print: "none" drops
        # every one of them, "info" keeps OK, BROKEN and SKIPPED (logging itself is off
        # in JSON mode, so stdout stays one JSON document).
        "--verbosity",
        "info",
    ]
    if a.retries > 0:
        cmd += ["--retry-errors", "--retry-errors-count", str(a.retries)]
    sw.script()
    sw.reset_stats()
    row.m = measure(cmd, cwd=tmp, limit_s=a.tool_limit)
    row.server = sw.counters()
    text = row.m.stdout
    try:
        data = json.loads(text[text.index("{") :])
    except ValueError:
        row.note = f"no JSON (exit {row.m.rc}): {row.m.stderr.strip()[-300:]}"
        return row
    for link in data.get("links", []):
        state = str(link.get("state", "")).upper()
        if state == "SKIPPED":
            continue
        row.reported[link["url"]] = "problem" if state == "BROKEN" else "fine"
    return row


# -- scoring and the table ----------------------------------------------------------------


def score(sw: ScaleWeb, row: Row) -> dict[str, object]:
    tp = fp = miss = unseen = soft = soft_total = exact = 0
    wrong: list[tuple[str, str, str, str]] = []  # url, kind, expected, got
    for e in sw.manifest:
        got = row.reported.get(e.url) or row.reported.get(e.url.rstrip("/"))
        if got is None:
            unseen += 1
        if e.expected == "soft_404":
            soft_total += 1
            soft += got == "problem"
        if e.problem:
            tp += got == "problem"
            miss += got != "problem"
        else:
            fp += got == "problem"
        if row.statuses:
            st = row.statuses.get(e.url, "(missing)")
            if st == e.expected:
                exact += 1
            else:
                wrong.append((e.url, e.kind, e.expected, st))
    problems = sum(e.problem for e in sw.manifest)
    return {
        "tp": tp,
        "fp": fp,
        "miss": miss,
        "unseen": unseen,
        "soft": soft,
        "soft_total": soft_total,
        "problems": problems,
        "exact": exact,
        "wrong": wrong,
    }


def bounds(sw: ScaleWeb, a: argparse.Namespace) -> dict[str, float]:
    """Lower bounds of the wall time of any checker, by what limits it (seconds).

    Each holds for every order of checking: ``slots`` is the slot time every link needs
    at least (a latency for each answer its status takes at these settings, see
    ``answers_needed``: a redirect and its target, a 5xx asked again...; ``attempts``
    timeouts for a hanging one) spread over all the global slots. The bound is ``index``
    (the links are unknown before an index page arrives) plus the largest of the others.
    Until 30 November 2026 ``slots`` counted one answer per link, whatever its status:
    0.3 s lower at 2,000 links (where a hang's timeouts bound the run anyway), 1.6 s at
    10,000 (23.4 s), 8.2 s at 50,000 (116.8 s).
    """
    per_host_links = max(sum(e.host == h for e in sw.manifest) for h in sw.partners)
    hang_attempts = 1 + a.retries
    hangs = sum(e.kind == "hang" for e in sw.manifest)
    answers = sum(answers_needed(e.kind, a.retries) for e in sw.manifest)
    slot_s = answers * a.latency + hangs * hang_attempts * a.timeout
    return {
        "global": a.latency * sw.n_links / a.concurrency,
        "per_host": per_host_links * a.latency / a.per_host,
        "hang": a.timeout * hang_attempts,
        "slots": slot_s / a.concurrency,
        "throttle": 2 * a.latency + 1.0,  # 429 + Retry-After: 1 + the retried answer
    }


def lower_bound(sw: ScaleWeb, a: argparse.Namespace) -> float:
    return a.latency + max(bounds(sw, a).values())


HEADER = (
    "| tool | settings | links | wall s | CPU s | peak RSS MB | requests | max in-flight/host "
    "| max in-flight total | problems found (TP) | false alarms (FP) | misses | soft-404 caught "
    "| exact status | notes |"
)
RULE = "|" + "---|" * 15


def table_row(sw: ScaleWeb, row: Row, b: float) -> str:
    if row.m is None:
        return (
            f"| {row.tool} | {row.config} | {row.links} | – | – | – | – | – | – | – | – | – | – "
            f"| – | {row.note} |"
        )
    s = score(sw, row)
    m = row.m
    note = row.note
    if m.killed:
        note = (note + "; " if note else "") + f"killed at the {m.wall_s:.0f} s limit"
    if row.tool == "partner-monitor":
        note = (note + "; " if note else "") + f"{m.wall_s / b:.2f}× the lower bound ({b:.1f} s)"
    if s["unseen"]:
        note = (note + "; " if note else "") + f"{s['unseen']} manifest URLs not in its output"
    peak = row.server.get("max_in_flight_total")
    if row.cap is not None and isinstance(peak, int) and peak > row.cap:
        note = (note + "; " if note else "") + (
            f"{peak} requests in flight at once although its concurrency is {row.cap}"
        )
    exact = f"{s['exact']}/{sw.n_links}" if row.statuses else "n/a"
    srv = row.server
    return (
        f"| {row.tool} | {row.config} | {row.links} | {m.wall_s:.1f} | {m.cpu_s:.1f} | "
        f"{m.maxrss_mb:.0f} | {srv.get('requests')} | {srv.get('max_in_flight_per_host')} | "
        f"{srv.get('max_in_flight_total')} | {s['tp']}/{s['problems']} | {s['fp']} | {s['miss']} | "
        f"{s['soft']}/{s['soft_total']} | {exact} | {note} |"
    )


def main() -> int:
    ap = argparse.ArgumentParser(
        description="Benchmark partner-monitor against its peers, in one run."
    )
    ap.add_argument("--links", type=int, default=2000)
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--latency", type=float, default=0.05, help="seconds before every answer")
    ap.add_argument("--timeout", type=float, default=5.0, help="per-request timeout, all tools")
    ap.add_argument(
        "--retries",
        type=int,
        default=1,
        help="extra attempts (ours; linkinator --retry-errors-count)",
    )
    ap.add_argument(
        "--concurrency",
        type=int,
        default=64,
        help="global concurrency (ours, linkinator, LinkChecker threads)",
    )
    ap.add_argument("--per-host", type=int, default=4)
    ap.add_argument("--links-per-index", type=int, default=500)
    ap.add_argument(
        "--tools",
        default="pm,pm-daily,lc,lc-eq,li",
        help="comma list of pm (ours, first run), pm-daily (ours, the next run on the same "
        "database), lc (LinkChecker defaults), lc-eq (LinkChecker at --concurrency threads), "
        "li (linkinator)",
    )
    ap.add_argument(
        "--tool-limit", type=float, default=300, help="kill a tool after this many seconds"
    )
    ap.add_argument("--quick", action="store_true", help="10 hosts x 500 links")
    ap.add_argument("--out", type=Path, help="results file (default bench/results/<date>.md)")
    a = ap.parse_args()
    if a.quick:
        a.links, a.hosts = 500, 10
    tools = [t.strip() for t in a.tools.split(",") if t.strip()]

    RESULTS.mkdir(parents=True, exist_ok=True)
    WORK.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    with (
        ScaleWeb(
            links=a.links, hosts=a.hosts, latency=a.latency, links_per_index=a.links_per_index
        ) as sw,
        tempfile.TemporaryDirectory(dir=WORK, prefix="run-") as tmpname,
    ):
        tmp = Path(tmpname)
        os.chmod(tmp, 0o777)  # LinkChecker drops root privileges to "nobody"
        (tmp / "manifest.json").write_text(json.dumps(sw.manifest_json(), indent=0))
        for t in tools:
            sub = tmp / ("pm" if t == "pm-daily" else t)  # the daily run reuses pm's database
            sub.mkdir(exist_ok=True)
            os.chmod(sub, 0o777)
            print(f"running {t} ...", file=sys.stderr, flush=True)
            if t == "pm":
                rows.append(run_pm(sw, a, sub))
            elif t == "pm-daily":
                rows.append(run_pm(sw, a, sub, daily=True))
            elif t == "lc":
                rows.append(run_lc(sw, a, sub, None))
            elif t == "lc-eq":
                rows.append(run_lc(sw, a, sub, a.concurrency))
            elif t == "li":
                rows.append(run_li(sw, a, sub))
            else:
                raise SystemExit(f"unknown tool {t!r}")
            time.sleep(0.5)  # let hanging sockets of the killed/finished tool close
            r = rows[-1]
            if r.m:
                print(
                    f"  {t}: {r.m.wall_s:.1f} s wall, {r.m.cpu_s:.1f} s CPU, "
                    f"server {r.m.server_cpu_s:.1f} s CPU, exit {r.m.rc}",
                    file=sys.stderr,
                    flush=True,
                )
        b = bounds(sw, a)
        bound = lower_bound(sw, a)
        lines = [table_row(sw, r, bound) for r in rows]
        wrong = [score(sw, r)["wrong"] for r in rows if r.tool == "partner-monitor"]
        kinds = {k: sum(e.kind == k for e in sw.manifest) for k, _, _ in KINDS}

    versions = {
        "partner-monitor": tool_version([sys.executable, "-m", "monitor", "--version"]),
        "LinkChecker": tool_version([str(LC_BIN), "--version"])
        if LC_BIN.exists()
        else "not installed",
        "linkinator": tool_version([str(LI_BIN), "--version"])
        if LI_BIN.exists()
        else "not installed",
    }
    now = datetime.now(UTC)
    md = [
        f"## {a.links} links on {a.hosts} hosts, {a.latency * 1000:g} ms latency"
        f" — {now:%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}. "
        "Server (SimWeb) in the bench process, tools as children.",
        f"Versions: {'; '.join(f'{k} {v}' for k, v in versions.items())}.",
        f"Settings: timeout {a.timeout:g} s, retries {a.retries}, concurrency {a.concurrency}, "
        f"per_host {a.per_host} (ours), {len(sw.index_urls)} index pages "
        f"of ≤{a.links_per_index} links.",
        f"Mix: {', '.join(f'{k} {n}' for k, n in kinds.items())}.",
        f"Lower bound: index page {a.latency:.2f} s, then the largest of global "
        f"{b['global']:.2f} s (latency × links ÷ concurrency), per host {b['per_host']:.2f} s "
        f"(links per host × latency ÷ per_host), hang {b['hang']:.1f} s (timeout × attempts), "
        f"slots {b['slots']:.2f} s (latency × the answers each link's status needs at these "
        f"settings, timeout × attempts per hanging link, ÷ concurrency) → {bound:.2f} s.",
        "",
        HEADER,
        RULE,
        *lines,
        "",
    ]
    for w in wrong:
        if w:
            md.append(f"partner-monitor status differing from the manifest ({len(w)}):")
            md.append("")
            by: dict[tuple[str, str, str], list[str]] = {}
            for url, kind, exp, got in w:
                by.setdefault((kind, exp, got), []).append(url)
            for (kind, exp, got), urls in sorted(by.items()):
                md.append(f"- {kind}: expected `{exp}`, got `{got}` × {len(urls)} (e.g. {urls[0]})")
            md.append("")
    text = "\n".join(md)
    out = a.out or RESULTS / f"{now:%Y-%m-%d}.md"
    with out.open("a") as f:
        f.write(text + "\n")
    print(text)
    print(f"(appended to {out})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
