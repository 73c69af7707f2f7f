"""Start the benchmarked tools from a small process, so their peak RSS is their own.

Linux keeps a process's peak RSS across ``exec``: the high-water mark of the address space
it replaced counts in its ``ru_maxrss``. A tool started straight from bench/run.py, which
holds the simulated web and the reports it has read, was reported with that process's peak
whenever it was the larger: ``python -c pass`` started by a 300 MB process reports 313 MB,
and a daily run of ours at 50 000 links, 136 MB by itself, was reported at 244 MB. Started
from this process (about 10 MB, standard library only), a tool's ``ru_maxrss`` is its own.

Protocol, one JSON object per line: bench/run.py writes ``{"cmd", "cwd", "env", "limit_s",
"stdout", "stderr"}`` (the last two: files for the tool's output) and reads back ``{"rc",
"wall_s", "cpu_s", "maxrss_kb", "killed"}``. The tool runs in its own session and is killed
with its whole process group after ``limit_s`` seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import TypedDict


class Job(TypedDict):
    cmd: list[str]
    cwd: str
    env: dict[str, str] | None
    limit_s: float
    stdout: str
    stderr: str


def run(job: Job) -> dict[str, object]:
    with open(job["stdout"], "wb") as out, open(job["stderr"], "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(
            job["cmd"],
            cwd=job["cwd"],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=job["env"],
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)

        timer = threading.Timer(job["limit_s"], kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        # Grandchildren left behind (none expected) must not outlive the measurement.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.pid, signal.SIGKILL)
    return {
        "rc": os.waitstatus_to_exitcode(status),
        "wall_s": wall,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "maxrss_kb": ru.ru_maxrss,
        "killed": killed.is_set(),
    }


def main() -> None:
    for line in sys.stdin:
        print(json.dumps(run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
