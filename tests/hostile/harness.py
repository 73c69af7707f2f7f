"""Shared helpers of the hostile suite: a real `monitor` subprocess, timed and measured.

``run_monitor`` starts ``python -m monitor ...`` (through ``_monitor_as_public`` so chosen
loopback addresses count as public hosts), waits with ``os.wait4`` and so gets the
child's own peak RSS (``ru_maxrss``), not this test process's. The SimWeb stays in the
test process, so its memory (the 50 MB page it serves) is not counted against the
monitor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WRAPPER = HERE / "_monitor_as_public.py"

# Figures measured by the suite, printed at the end with `-s` (docs/reliability.md).
FIGURES: list[str] = []


def figure(case: str, **values: Any) -> None:
    line = f"FIGURE {case}: " + ", ".join(f"{k}={v}" for k, v in values.items())
    FIGURES.append(line)
    print(line)


@dataclass
class Proc:
    returncode: int
    stdout: str
    stderr: str
    elapsed_s: float
    peak_rss_mb: float
    report: dict[str, Any] | None = None
    killed: bool = False
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)


def write_config(tmp: Path, watch: list[dict[str, Any]], **settings: Any) -> Path:
    """A watch list (JSON is YAML) with test-friendly defaults for the settings."""
    base: dict[str, Any] = {
        "database": str(tmp / "monitor.db"),
        "reports_dir": str(tmp / "reports"),
        "timeout_s": 5,
        "retries": 0,
        "confirm_delay_s": 0,
        "archive_lookup": False,
        "allow_private_links": False,
    }
    base.update(settings)
    path = tmp / "watchlist.yaml"
    path.write_text(json.dumps({"settings": base, "watch": watch}, indent=1), encoding="utf-8")
    return path


def run_monitor(
    args: list[str],
    *,
    cwd: Path,
    public: tuple[str, ...] = (),
    timeout_s: float = 60,
    env: dict[str, str] | None = None,
    hold_at: str | None = None,
    json_out: Path | None = None,
) -> Proc:
    """Run the monitor CLI; measure wall time and the child's peak RSS.

    ``hold_at`` ("POINT:N", see ``_monitor_as_public``): SIGKILL the child as soon as it
    holds at that point; ``killed`` then says it did (it may also finish without getting
    there). Without it, the run must finish within ``timeout_s``.
    """
    full_env = dict(os.environ)
    full_env["HOSTILE_PUBLIC"] = ",".join(public)
    full_env["PYTHONPATH"] = os.pathsep.join([str(ROOT), full_env.get("PYTHONPATH", "")])
    full_env.update(env or {})
    rss_file = cwd / f"rss-{time.monotonic_ns()}"
    full_env["HOSTILE_RSS_FILE"] = str(rss_file)
    held = cwd / f"held-{time.monotonic_ns()}"
    if hold_at is not None:
        full_env["HOSTILE_HOLD_AT"], full_env["HOSTILE_HOLD_FILE"] = hold_at, str(held)
    out, err = cwd / f"stdout-{time.monotonic_ns()}", cwd / f"stderr-{time.monotonic_ns()}"
    started = time.monotonic()
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(
            [sys.executable, str(WRAPPER), *args], cwd=cwd, env=full_env, stdout=o, stderr=e
        )
    deadline = started + timeout_s
    killed = timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        killed = held.exists()  # the child waits there, at the point, for this kill
        timed_out = time.monotonic() >= deadline
        if killed or timed_out:
            proc.kill()  # SIGKILL
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.01)  # polling a child that is running or holding, not ordering it
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - started
    result = Proc(
        returncode=proc.returncode,
        stdout=out.read_text("utf-8", "replace"),
        stderr=err.read_text("utf-8", "replace"),
        elapsed_s=elapsed,
        # the child's own VmHWM when it exited normally; ru_maxrss (which includes what
        # it inherited from this process at fork) as an upper bound when it was killed
        peak_rss_mb=float(rss_file.read_text()) if rss_file.exists() else usage.ru_maxrss / 1024,
        killed=killed,
    )
    if json_out is not None and json_out.exists() and not killed:
        result.report = json.loads(json_out.read_text("utf-8"))
        result.pages = {p["name"]: p for p in result.report["pages"]}
        result.links = {link["url"]: link for link in result.report["links"]}
    assert not timed_out, f"monitor did not finish within {timeout_s} s\n{result.stderr[-3000:]}"
    return result


def check(
    tmp: Path,
    watch: list[dict[str, Any]],
    *,
    public: tuple[str, ...],
    limit_s: float = 60,
    env: dict[str, str] | None = None,
    **settings: Any,
) -> Proc:
    """`monitor check --json` over ``watch``; the parsed report is on the result."""
    cfg = write_config(tmp, watch, **settings)
    report = tmp / "report.json"
    got = run_monitor(
        ["check", "--config", str(cfg), "--json", str(report)],
        cwd=tmp,
        public=public,
        timeout_s=limit_s,
        env=env,
        json_out=report,
    )
    assert got.returncode in (0, 1), f"exit {got.returncode}\n{got.stdout}\n{got.stderr[-3000:]}"
    assert got.report is not None
    return got
