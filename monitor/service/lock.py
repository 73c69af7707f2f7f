"""The run lock: a file next to the database held with ``fcntl.flock`` for as long as a
command writes it (``check``, ``digest``, ``run`` and each of ``serve``'s runs), so two of
them never write one database at once. The kernel drops the lock when its holder dies,
so a killed run never blocks the next; the file only carries the holder's pid and start
time for the ``LockBusy`` message.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from monitor.errors import RunFailed
from monitor.store import StoreError

if TYPE_CHECKING:
    pass

log = logging.getLogger("monitor.service")


# How long a `monitor run` started by hand waits for a run in progress before giving up.
RUN_LOCK_WAIT_S = 10.0


class LockBusy(RunFailed):
    """Another process holds the lock; the message names its pid and start time.

    ``monitor run`` turns this into exit code 3.
    """

    def __init__(self, message: str, *, path: Path, pid: int | None, started: str | None) -> None:
        super().__init__(message)
        self.path = path
        self.pid = pid
        self.started = started


class RunCancelled(Exception):
    """The run was stopped on request (service shutdown) at a page or link boundary."""


def lock_path(database: Path) -> Path:
    """The run lock of a database: ``state/monitor.db`` → ``state/monitor.db.lock``."""
    return database.with_name(database.name + ".lock")


def serve_lock_path(database: Path) -> Path:
    """The lock a ``monitor serve`` holds for its whole life (one service per database)."""
    return database.with_name(database.name + ".serve.lock")


@dataclass(frozen=True)
class Holder:
    """What a lock file says about the process that took it."""

    pid: int | None
    started: str | None

    def describe(self) -> str:
        pid = f"pid {self.pid}" if self.pid is not None else "pid unknown"
        return f"{pid}, started {self.started or 'at an unknown time'}"

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        """Read ``pid=…`` / ``started=…`` lines; None for an empty (released) file."""
        if not text.strip():
            return None
        fields = dict(line.partition("=")[::2] for line in text.splitlines() if "=" in line)
        try:
            pid: int | None = int(fields.get("pid", ""))
        except ValueError:
            pid = None  # a damaged file still means "someone had it"; say what we know
        return cls(pid, fields.get("started") or None)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it is just not ours
    return True


class FileLock:
    """An exclusive ``flock`` on a file, with the holder's pid and start time inside.

    The flock is the real exclusion and dies with its process, so a file left behind
    by a killed process is simply taken over (and logged). The file is never deleted:
    deleting a lock file races with a process that has it open but not yet locked.
    On release its content is cleared, so content found on acquiring means its last
    holder died without releasing.
    """

    def __init__(self, path: Path, *, busy: Callable[[Holder | None, float], str]) -> None:
        self.path = path
        self._busy = busy
        self._fd: int | None = None

    def acquire(self, *, wait_s: float = 0.0, cancel: threading.Event | None = None) -> FileLock:
        """Take the lock, waiting up to ``wait_s`` seconds; returns self.

        Raises ``LockBusy`` when it is still held after the wait, ``RunCancelled`` when
        ``cancel`` is set while waiting, and ``StoreError`` when the file cannot be
        created (the database folder is missing or read-only: the run could not work).
        """
        fd = self._open()
        deadline = time.monotonic() + wait_s
        announced = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    pass
                holder = self._read(fd)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LockBusy(
                        self._busy(holder, wait_s),
                        path=self.path,
                        pid=holder.pid if holder else None,
                        started=holder.started if holder else None,
                    )
                if cancel is not None and cancel.is_set():
                    raise RunCancelled("stopped while waiting for another run to finish")
                if not announced:
                    who = holder.describe() if holder else "pid unknown"
                    log.info("waiting up to %.0f s for another run (%s) to finish…", wait_s, who)
                    announced = True
                time.sleep(min(0.2, left))
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        self._take_over(fd)
        return self

    def release(self) -> None:
        """Clear the holder info and drop the lock. Safe to call twice."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # an empty file = released cleanly (see _take_over)
        os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> FileLock:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    # -- internals --

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except PermissionError:
                # A lock file created by another user (root running `monitor run` by hand):
                # flock works on a read-only descriptor, only the pid cannot be written.
                return os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            raise StoreError(
                f"cannot create the lock file {self.path} next to the database: {exc}. Check that "
                "the folder of settings.database exists and is writable by this user."
            ) from None

    @staticmethod
    def _read(fd: int) -> Holder | None:
        try:
            return Holder.parse(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
        except OSError:
            return None

    def _take_over(self, fd: int) -> None:
        left = self._read(fd)
        if left is not None and left.pid != os.getpid():
            state = (
                "no longer running"
                if left.pid is None or not _pid_alive(left.pid)
                else ("running but no longer holding the lock")
            )
            log.warning(
                "took over the lock %s left by %s (%s): it was killed or crashed without "
                "releasing it; whatever it recorded is kept",
                self.path,
                left.describe(),
                state,
            )
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        text = f"pid={os.getpid()}\nstarted={started}\ncommand={_command()}\n"
        with contextlib.suppress(OSError):  # read-only descriptor: exclusion still holds
            os.ftruncate(fd, 0)
            os.pwrite(fd, text.encode(), 0)


def _command() -> str:
    """What this process is, for someone reading a lock file: "monitor run"."""
    return " ".join(["monitor", *sys.argv[1:2]])


def run_lock(database: Path) -> FileLock:
    """The lock that keeps two runs off one database."""
    path = lock_path(database)

    def busy(holder: Holder | None, waited: float) -> str:
        who = holder.describe() if holder else "pid unknown"
        return (
            f"another run ({who}) is in progress on {database} (waited {waited:g} s); "
            "try again when it has finished"
        )

    return FileLock(path, busy=busy)


def writer_lock(
    database: Path, *, wait_s: float | None = None, cancel: threading.Event | None = None
) -> contextlib.AbstractContextManager[object]:
    """The run lock, taken: what every command that writes the database holds (``classify``,
    ``digest``, ``run`` and ``serve``'s runs), so no two of them write it at once.

    Raises ``LockBusy`` after ``wait_s`` (see ``FileLock.acquire``).
    """
    if str(database) == ":memory:":  # nothing shared, nothing to lock
        return contextlib.nullcontext()
    wait = RUN_LOCK_WAIT_S if wait_s is None else wait_s
    return run_lock(database).acquire(wait_s=wait, cancel=cancel)
