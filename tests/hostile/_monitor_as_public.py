"""Run ``python -m monitor`` with some loopback addresses treated as *public*.

In tests every host is on loopback, so the private-address guard would skip them all.
This wrapper (used only by the hostile suite) makes the addresses listed in
``HOSTILE_PUBLIC`` (comma-separated) count as public internet hosts, so a run can keep
``allow_private_links: false`` and still check "public" partner links, while a redirect
or link to any *other* loopback, private or link-local address is still judged by the
real guard. Nothing else is changed: the real CLI, config, fetcher and store run.
With ``HOSTILE_HOLD_AT`` set, it also stops at a named point of the run to be killed
there (see "hold points" below).
"""

from __future__ import annotations

import ipaddress
import os
import sys
import threading

from monitor.fetch import guard

_PUBLIC = {ipaddress.ip_address(a) for a in os.environ.get("HOSTILE_PUBLIC", "").split(",") if a}
_real = guard.private_kind


def _private_kind(ip):  # type: ignore[no-untyped-def]
    if ip in _PUBLIC:
        return None
    return _real(ip)


guard.private_kind = _private_kind


# -- hold points (test_faults' SIGKILL test) ----------------------------------------------
#
# HOSTILE_HOLD_AT="POINT:N" stops this process at the N-th time it reaches POINT: it
# writes POINT to the file HOSTILE_HOLD_FILE and waits there until the test kills it.
# So a kill lands at a chosen moment of the run (inside a transaction, after a batch of
# links, half-way through a digest file), not at a moment a timer guessed. Points:
#   store_open    before a Store opens the database
#   begin_run     before the run's row is written
#   record_page   after a watched page's check is committed
#   link_insert   inside a link batch's transaction, before its N-th row is inserted
#   record_links  after a batch of link checks is committed
#   finish_run    before the run is closed (every check recorded)
#   write_fully   half-way through writing a digest file (html, txt, latest, index)
#   record_digest before the written digest is recorded

_HOLD_POINT, _, _HOLD_N = os.environ.get("HOSTILE_HOLD_AT", "").partition(":")
_reached: dict[str, int] = {}


def _is_hold(point: str) -> bool:
    """Count one arrival at ``point``; True when it is the one to hold at."""
    _reached[point] = _reached.get(point, 0) + 1
    return point == _HOLD_POINT and _reached[point] == int(_HOLD_N)


def _hold(point: str) -> None:
    with open(os.environ["HOSTILE_HOLD_FILE"], "w", encoding="ascii") as f:
        f.write(point)
    threading.Event().wait()  # until SIGKILL


def _arrive(point: str) -> None:
    if _is_hold(point):
        _hold(point)


def _install_hold_points() -> None:
    from monitor import atomic
    from monitor.store import Store

    def before(name: str, point: str) -> None:
        real = getattr(Store, name)

        def wrapped(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            _arrive(point)
            return real(self, *args, **kwargs)

        setattr(Store, name, wrapped)

    def after(name: str, point: str) -> None:
        real = getattr(Store, name)

        def wrapped(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            result = real(self, *args, **kwargs)
            if name != "record_links" or args[1]:  # an empty batch writes nothing
                _arrive(point)
            return result

        setattr(Store, name, wrapped)

    real_init = Store.__init__

    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _arrive("store_open")
        real_init(self, *args, **kwargs)
        self._db.set_trace_callback(
            lambda sql: _arrive("link_insert") if "INTO link_checks" in sql else None
        )

    Store.__init__ = init  # type: ignore[method-assign]
    before("begin_run", "begin_run")
    after("record_page", "record_page")
    after("record_links", "record_links")
    before("finish_run", "finish_run")
    before("record_digest", "record_digest")

    real_write = atomic.write_fully

    def write_fully(path, data):  # type: ignore[no-untyped-def]
        if not _is_hold("write_fully"):
            return real_write(path, data)
        raw = (data if isinstance(data, str) else "".join(data)).encode("utf-8")
        with open(path, "wb") as f:
            f.write(raw[: len(raw) // 2])
        return _hold("write_fully")

    atomic.write_fully = write_fully


if _HOLD_POINT:
    _install_hold_points()


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
