"""Run ``python -m monitor`` with some loopback addresses treated as *public*.

In tests every host is on loopback, so the private-address guard would skip them all.
This wrapper (used only by the hostile suite) makes the addresses listed in
``HOSTILE_PUBLIC`` (comma-separated) count as public internet hosts, so a run can keep
``allow_private_links: false`` and still check "public" partner links, while a redirect
or link to any *other* loopback, private or link-local address is still judged by the
real guard. Nothing else is changed: the real CLI, config, fetcher and store run.
"""

from __future__ import annotations

import ipaddress
import os
import sys

from monitor.fetch import guard

_PUBLIC = {ipaddress.ip_address(a) for a in os.environ.get("HOSTILE_PUBLIC", "").split(",") if a}
_real = guard.private_kind


def _private_kind(ip):  # type: ignore[no-untyped-def]
    if ip in _PUBLIC:
        return None
    return _real(ip)


guard.private_kind = _private_kind


def _peak_rss_mb() -> float:
    """This process's peak RSS since exec (VmHWM), in MB.

    Not ``ru_maxrss``: Linux carries that over exec from the forked test process, so a
    child of a big pytest process would be charged for the parent's memory.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    from monitor.cli import main

    try:
        code = main(sys.argv[1:])
    finally:
        if out := os.environ.get("HOSTILE_RSS_FILE"):
            with open(out, "w", encoding="ascii") as f:
                f.write(f"{_peak_rss_mb():.1f}")
    sys.exit(code)
