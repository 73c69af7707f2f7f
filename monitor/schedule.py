"""Scheduled runs: ``monitor run`` (``run_once``) and ``monitor serve`` (``serve``).

This module owns everything about *when* and *how safely* the pipeline runs, never
*what* it does (that is ``run``, ``digest`` and ``mail``):

* ``run_once`` — one ``monitor run``: take the run lock, open the store, check,
  write the digest, e-mail it when configured; returns a ``RunOutcome`` whose
  ``line`` is the one-line summary both commands print.
* the run lock — a file next to the database (``state/monitor.db.lock``) held with
  ``fcntl.flock`` for the whole run, so two runs (a scheduled one and one started by
  hand, or two services) never write the same database at once. The kernel drops the
  lock when its holder dies, so a killed run never blocks the next one; the file itself
  only carries the holder's pid and start time for the ``LockBusy`` message.
* ``serve`` — APScheduler 3 around ``run_once``: cron (``settings.schedule`` in
  ``settings.timezone``) or a fixed interval, one run at a time, the watch list re-read
  at every firing (a broken edit keeps the last good list and is reported at the top
  of the next digest), rescheduling when the schedule is edited, clean stops on
  SIGTERM/SIGINT, and a failed run logged without ending the service.

Nothing here touches SQLite or the network directly.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor import __version__
from monitor.config import Config, ConfigError, Settings, load
from monitor.store import Store, StoreError

if TYPE_CHECKING:
    from monitor.run import RunReport

log = logging.getLogger(__name__)

JOB_ID = "monitor-run"

# How long a `monitor run` started by hand waits for a run in progress before giving up.
RUN_LOCK_WAIT_S = 10.0
# How long a scheduled firing waits for a run started by hand; a longer wait is pointless
# because the next firing comes anyway (and max_instances=1 skips it while we wait).
SERVE_LOCK_WAIT_S = 600.0
# After SIGTERM, a run in progress gets this long to finish before it is abandoned at the
# next page boundary; keep it below the unit's TimeoutStopSec (120 s).
STOP_GRACE_S = 60.0
# A cron firing that comes this late (machine suspended, clock jump) still runs once;
# later than that it is skipped and logged by APScheduler.
CRON_MISFIRE_GRACE_S = 3600
# How often the service looks at the watch list's mtime to apply an edit between firings.
WATCH_POLL_S = 5.0
_TICK_S = 0.2  # main-loop granularity: how fast a signal or an edit is noticed


# -- errors ----------------------------------------------------------------------------


class LockBusy(Exception):
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


# -- the lock ----------------------------------------------------------------------------


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


# -- one run -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOutcome:
    """What one ``run_once`` did, for the exit code and the one-line summary."""

    run_id: int
    pages: int
    links: int
    problems: int  # problems found by this run's check (decides exit code 1)
    changed: int
    digest: Path
    mail_to: tuple[str, ...]  # empty: no e-mail configured
    mail_error: str | None
    duration_s: float

    @property
    def mailed(self) -> bool:
        """True when the digest was e-mailed."""
        return bool(self.mail_to) and self.mail_error is None

    @property
    def line(self) -> str:
        """One summary line: counts, digest path, duration, mail status."""
        if not self.mail_to:
            mail = "no e-mail configured"
        elif self.mail_error is None:
            mail = f"e-mailed to {', '.join(self.mail_to)}"
        else:
            mail = f"e-mail NOT sent: {self.mail_error}"
        return (
            f"run {self.run_id}: {_n(self.pages, 'page')}, {_n(self.links, 'link')}, "
            f"{_n(self.problems, 'problem')}, {self.changed} changed; digest {self.digest}; "
            f"{self.duration_s:.1f} s; {mail}"
        )


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# The three pipeline calls, behind seams so tests can replace them; the imports are
# lazy so `monitor validate` and `monitor serve --help` do not load the whole pipeline.


def _check(config: Config, store: Store, progress: Callable[[str, int, int], None]) -> RunReport:
    from monitor import run

    return run.check(config, store, progress=progress)


def _write_digest(
    store: Store, out: Path, config: Config, text: bool, notices: Sequence[str]
) -> Path:
    from monitor import digest

    return digest.write(store, out, config=config, text=text, notices=notices).html


def _deliver(store: Store, config: Config, notices: Sequence[str]) -> str | None:
    """E-mail what is due; returns None when sent, else why not (never raises for SMTP)."""
    from monitor import mail

    outcome = mail.deliver(store, config, notices=notices)
    if outcome.sent:
        return None
    return outcome.error or "not sent (no reason given)"


def run_once(
    config: Config,
    *,
    out: Path | None = None,
    text: bool = False,
    progress: bool = False,
    notices: Sequence[str] = (),
    lock_wait_s: float = RUN_LOCK_WAIT_S,
    cancel: threading.Event | None = None,
) -> RunOutcome:
    """The body of ``monitor run``: lock, check, digest, e-mail. Returns a ``RunOutcome``.

    ``out`` replaces ``settings.reports_dir``; ``text`` also writes the plain-text
    digest; ``progress`` prints sparse progress lines on stderr; ``notices`` go at the
    top of the digest. ``cancel`` (set by ``serve`` on shutdown) stops the run at the
    next page or link boundary with ``RunCancelled``; the store keeps whole pages.

    Raises ``LockBusy`` when another run holds the database longer than
    ``lock_wait_s``, ``StoreError`` when the database cannot be used, and whatever
    ``digest.write`` raises (``DigestError``). A failed e-mail does not raise: it is
    in ``mail_error``.
    """
    s = config.settings
    lock: contextlib.AbstractContextManager[object] = (
        contextlib.nullcontext()
        if str(s.database) == ":memory:"  # nothing shared, nothing to lock
        else run_lock(s.database).acquire(wait_s=lock_wait_s, cancel=cancel)
    )
    with lock:
        started = time.monotonic()
        tick = _ticker(progress, cancel)
        with Store(s.database) as store:
            report = _check(config, store, tick)
            digest = _write_digest(store, out or s.reports_dir, config, text, notices)
            mail_error = _deliver(store, config, notices) if s.email is not None else None
        return RunOutcome(
            run_id=report.run_id,
            pages=len(report.pages),
            links=len(report.links),
            problems=report.problems,
            changed=report.changed,
            digest=digest,
            mail_to=tuple(s.email.to) if s.email is not None else (),
            mail_error=mail_error,
            duration_s=time.monotonic() - started,
        )


def _ticker(progress: bool, cancel: threading.Event | None) -> Callable[[str, int, int], None]:
    """The progress callback given to ``run.check``.

    ``run.check`` calls it after each recorded page and each checked link, i.e. at
    exactly the points where stopping leaves whole pages in the store; so that is
    where a cancelled run stops.
    """
    last: dict[str, int] = {}

    def tick(stage: str, done: int, total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise RunCancelled(f"stopped after {done} of {total} {stage}: the service is stopping")
        if progress:
            step = max(1, total // 10)
            if done == total or done - last.get(stage, 0) >= step:
                last[stage] = done
                print(f"checked {done}/{total} {stage}", file=sys.stderr, flush=True)

    return tick


# -- triggers ----------------------------------------------------------------------------


class _Cron(CronTrigger):  # type: ignore[misc]  # APScheduler ships no type hints
    """``CronTrigger`` with the two DST corrections a daily digest needs.

    * On the autumn change, APScheduler 3 fires a fixed-time job ("30 2 * * *") twice,
      once in each offset of the repeated hour: two runs, two digests, two e-mails.
      Like classic cron, a job whose minute and hour are not wildcards fires only at
      the first of the two; "*/20 * * * *" still fires through the extra real hour.
    * Around the change APScheduler 3.11 can return a time that is not after the
      previous one (agronholm/apscheduler#1021), which makes the scheduler loop; such
      an answer is asked again from a second later.

    On the spring change a fixed time inside the missing hour fires once, an hour
    later in wall-clock terms (02:30 → 03:30), which is APScheduler's behaviour.
    Returned times are normalised so a log shows a real wall-clock time.
    """

    fixed_time = False

    @classmethod
    def from_fields(
        cls, minute: str, hour: str, day: str, month: str, day_of_week: str, zone: tzinfo
    ) -> _Cron:
        """A trigger from crontab fields (``day_of_week`` already in APScheduler's names)."""
        trigger: _Cron = cls(
            minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=zone
        )
        trigger.fixed_time = not minute.startswith("*") and not hour.startswith("*")
        return trigger

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The next fire time after ``previous_fire_time`` / ``now`` (see the class doc)."""
        zone: tzinfo = self.timezone
        candidate: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        for _ in range(8):  # each correction moves past one bad answer; 2 are ever needed
            if candidate is None or previous_fire_time is None:
                break
            if candidate.astimezone(UTC) <= previous_fire_time.astimezone(UTC):
                after = (previous_fire_time.astimezone(UTC) + timedelta(seconds=1)).astimezone(zone)
            elif self.fixed_time and _wall(candidate, zone) == _wall(previous_fire_time, zone):
                after = candidate  # the repeated hour's second pass of the same wall time
            else:
                break
            # The parent starts from min(now, previous + 1 µs): give it a `now` that is
            # not earlier, or it would answer the rejected time again. Compared in UTC:
            # within one zone Python compares wall times and ignores `fold`.
            later = max(now.astimezone(UTC), after.astimezone(UTC))
            candidate = super().get_next_fire_time(after, later)
        return candidate.astimezone(UTC).astimezone(zone) if candidate is not None else None


_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab: 0 (and 7) = Sunday


def _cron_day(text: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    if text in _CRON_DAYS:
        return _CRON_DAYS.index(text)
    raise ValueError(f"{text!r} is not a day of the week (0-7 or sun-sat)")


def _weekdays(field: str) -> str:
    """A crontab day-of-week field as APScheduler day names.

    APScheduler 3 counts weekdays from Monday = 0 even in ``from_crontab``, so "1-5"
    would mean Tuesday to Saturday. Expanding the field with crontab's numbering
    (Sunday = 0 or 7) into names removes the ambiguity: "1-5" → "mon,tue,wed,thu,fri".
    """
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for item in field.lower().split(","):
        part, slash, step_text = item.partition("/")
        if slash and not (step_text.isdigit() and int(step_text) > 0):
            raise ValueError(f"{item!r}: the step after '/' must be a positive number")
        step = int(step_text) if slash else 1
        if part in ("*", "?"):
            first, last = 0, 6
        elif "-" in part:
            start, _, end = part.partition("-")
            first, last = _cron_day(start), _cron_day(end)
            if first > last:
                raise ValueError(f"{item!r}: a range must go from an earlier to a later day")
        else:
            first = _cron_day(part)
            last = 6 if slash else first  # "1/2": from Monday, every second day
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_CRON_DAYS[day] for day in sorted(days))


def cron_trigger(expr: str, timezone: str) -> BaseTrigger:
    """A trigger for a 5-field crontab expression in an IANA time zone, with crontab's meaning.

    Beyond ``CronTrigger.from_crontab``: weekdays count from Sunday = 0 (or 7); when
    both day of month and day of week are restricted, either one matching is enough
    (crontab's rule; APScheduler would require both); and the DST corrections of
    ``_Cron``. Raises ``ValueError`` for an expression it cannot read.
    """
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields, got {len(fields)} in {expr!r}")
    minute, hour, day, month, day_of_week = fields
    zone = ZoneInfo(timezone)
    weekdays = _weekdays(day_of_week)
    if day not in ("*", "?") and weekdays != "*":
        return OrTrigger(
            [
                _Cron.from_fields(minute, hour, day, month, "*", zone),
                _Cron.from_fields(minute, hour, "*", month, weekdays, zone),
            ]
        )
    return _Cron.from_fields(minute, hour, day, month, weekdays, zone)


def _wall(moment: datetime, zone: tzinfo) -> datetime:
    """Wall-clock time in ``zone`` without offset (naive comparison ignores ``fold``)."""
    return moment.astimezone(zone).replace(tzinfo=None)


def trigger_for(settings: Settings, every: float | None = None) -> BaseTrigger:
    """The trigger of ``serve``: every ``every`` seconds, else the cron ``settings.schedule``."""
    if every is not None:
        return IntervalTrigger(seconds=every, timezone=ZoneInfo(settings.timezone))
    return cron_trigger(settings.schedule, settings.timezone)


def next_fire_times(trigger: BaseTrigger, after: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` fire times after ``after``, as the scheduler would compute them."""
    out: list[datetime] = []
    previous: datetime | None = None
    now = after
    for _ in range(count):
        nxt: datetime | None = trigger.get_next_fire_time(previous, now)
        if nxt is None:
            break
        out.append(nxt)
        # The scheduler asks for the next time just after a firing, with the firing as
        # the previous one; the same here.
        previous, now = nxt, nxt + timedelta(milliseconds=1)
    return out


def describe_schedule(settings: Settings, every: float | None = None) -> str:
    """How ``serve`` runs, for its start-up line: "every 30 s" or "on '0 7 * * *' (UTC)"."""
    if every is not None:
        return f"every {every:g} s (--every)"
    return f"on '{settings.schedule}' ({settings.timezone})"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if moment is not None else "never"


# -- the service -------------------------------------------------------------------------


def _signature(path: Path) -> tuple[int, int, int] | None:
    """What changes when the watch list is edited (or replaced by an editor's rename)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _expected_errors() -> tuple[type[BaseException], ...]:
    """Errors whose message already says what is wrong: logged without a traceback."""
    kinds: list[type[BaseException]] = [StoreError, OSError]
    with contextlib.suppress(ImportError):
        from monitor.digest import DigestError

        kinds.append(DigestError)
    return tuple(kinds)


class Service:
    """The state of one ``monitor serve``: last good watch list, scheduler, stop flags.

    Split from ``serve`` so tests can fire runs and edit the watch list without
    signals or real time.
    """

    def __init__(
        self, config_path: Path, config: Config, *, every: float | None, out: Path | None
    ) -> None:
        self.config_path = config_path
        self.good = config  # the last watch list that validated; runs use this
        self.good_at = datetime.now().astimezone()
        self.every = every
        self.out = out
        self.scheduler: BackgroundScheduler | None = None
        self.signature = _signature(config_path)
        # The last broken version seen, so the watcher logs it once; "nothing yet" must
        # differ from None, which is the signature of a deleted file.
        self.broken_signature: tuple[int, int, int] | None = (-1, -1, -1)
        self.cancel = threading.Event()  # set: stop the run in progress at the next page
        self.idle = threading.Event()  # clear while a firing is running
        self.idle.set()
        self.stopping = False
        self._reload_lock = threading.Lock()  # firing thread and main loop both reload
        # Written by signal handlers, read by the main loop: plain attributes, because a
        # handler must not take locks (Event.set does) that the main thread may hold.
        self.signals: list[int] = []
        self.hup = False

    # -- watch list --

    def reload(self, *, firing: bool = False) -> list[str]:
        """Re-read the watch list. Returns the notices for a digest (empty when it is fine).

        A valid file replaces the last good one (and reschedules when its schedule or
        time zone changed); a broken one is logged and the last good one stays.
        """
        with self._reload_lock:
            signature = _signature(self.config_path)
            try:
                new = load(self.config_path)
            except ConfigError as exc:
                if firing or signature != self.broken_signature:
                    log.error(
                        "the watch list %s has errors; %s the last good version (loaded %s):\n  %s",
                        self.config_path,
                        "this run uses" if firing else "runs keep using",
                        self.good_at.strftime("%Y-%m-%d %H:%M"),
                        "\n  ".join(str(p) for p in exc.problems),
                    )
                self.broken_signature = signature
                return [self._notice(exc)] if firing else []
            self.signature, self.broken_signature = signature, (-1, -1, -1)
            old, self.good = self.good, new
            if new != old:
                self.good_at = datetime.now().astimezone()
                log.info("watch list %s reloaded: %s", self.config_path, _n(len(new.watch), "page"))
            if self.every is None and (
                (new.settings.schedule, new.settings.timezone)
                != (old.settings.schedule, old.settings.timezone)
            ):
                self._reschedule()
            return []

    def _notice(self, exc: ConfigError) -> str:
        shown = exc.problems[:3]  # the digest keeps a notice short; the log has them all
        more = len(exc.problems) - len(shown)
        return (
            f"The watch list {self.config_path} has {_n(len(exc.problems), 'error')}, so this run "
            f"used the last version that worked (loaded {self.good_at:%Y-%m-%d %H:%M}). "
            f"Fix: {'; '.join(str(p) for p in shown)}"
            + (f"; and {more} more (run `monitor validate`)." if more else ".")
        )

    def _reschedule(self) -> None:
        if self.scheduler is None:
            return
        try:
            trigger = trigger_for(self.good.settings)
        except ValueError as exc:  # validated by config, so only a cron we read differently
            log.error("settings.schedule: %s; keeping the previous schedule", exc)
            return
        job = self.scheduler.reschedule_job(JOB_ID, trigger=trigger)
        log.info(
            "schedule changed to %s: next run at %s",
            describe_schedule(self.good.settings),
            _when(job.next_run_time),
        )

    def edited(self) -> bool:
        """True when the watch list file changed since it was last read."""
        sig = _signature(self.config_path)
        return sig != self.signature and sig != self.broken_signature

    # -- firing --

    def next_run(self) -> datetime | None:
        """When the scheduler will fire next (None before start or after stop)."""
        if self.scheduler is None:
            return None
        job = self.scheduler.get_job(JOB_ID)
        return job.next_run_time if job is not None else None

    def fire(self) -> None:
        """One scheduled firing: re-read the watch list, run once, log one line. Never raises."""
        if self.stopping:
            return  # queued just before the stop: do not start a run now
        self.idle.clear()
        try:
            notices = self.reload(firing=True)
            outcome = run_once(
                self.good,
                out=self.out,
                notices=notices,
                lock_wait_s=SERVE_LOCK_WAIT_S,
                cancel=self.cancel,
            )
            log.info("%s", outcome.line)
        except LockBusy as exc:
            log.warning("run skipped: %s", exc)
        except RunCancelled as exc:
            log.warning("run stopped: %s; what was recorded is kept, the next run goes on", exc)
        except _expected_errors() as exc:
            log.error("run failed: %s; the service keeps going", exc)
        except Exception:
            # A bug: the traceback is what a maintainer needs; the service still goes on.
            log.exception("run failed with an unexpected error (please report it); going on")
        finally:
            self.idle.set()
            if not self.stopping and self.scheduler is not None:
                log.info("next run at %s", _when(self.next_run()))

    # -- life cycle --

    def start(self) -> BackgroundScheduler:
        """Create and start the scheduler with the run job; returns it."""
        s = self.good.settings
        scheduler = BackgroundScheduler(
            timezone=ZoneInfo(s.timezone),
            # One worker: a second firing cannot even start a thread while one runs.
            executors={"default": ThreadPoolExecutor(max_workers=1)},
        )
        scheduler.add_job(
            self.fire,
            trigger_for(s, self.every),
            id=JOB_ID,
            name="monitor run",
            max_instances=1,  # a firing during a long run is skipped (and logged)...
            coalesce=True,  # ...and firings missed while suspended become one run
            misfire_grace_time=(
                max(1, int(self.every)) if self.every is not None else CRON_MISFIRE_GRACE_S
            ),
        )
        self.scheduler = scheduler
        scheduler.start()
        return scheduler

    def loop(self) -> None:
        """Until a stop signal: apply SIGHUP and watch-list edits between firings."""
        last_look = time.monotonic()
        while not self.signals:
            time.sleep(_TICK_S)
            if self.hup:
                self.hup = False
                log.info("SIGHUP: re-reading the watch list")
                self.reload()
            elif time.monotonic() - last_look >= WATCH_POLL_S:
                last_look = time.monotonic()
                if self.edited():
                    self.reload()

    def stop(self) -> None:
        """Stop firing; let the run in progress finish, or abandon it at a page boundary."""
        self.stopping = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.idle.is_set():
            return
        signals = len(self.signals)  # before the log line: any signal after it is a second one
        log.info(
            "waiting up to %.0f s for the run in progress to finish (signal again to stop it "
            "at the next page)",
            STOP_GRACE_S,
        )
        deadline = time.monotonic() + STOP_GRACE_S
        while not self.idle.wait(_TICK_S):
            again = len(self.signals) > signals
            if not self.cancel.is_set() and (again or time.monotonic() > deadline):
                log.info("stopping the run in progress at the next page boundary")
                self.cancel.set()

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        """Signal handler: only records the signal (see ``signals``)."""
        if signum == signal.SIGHUP:
            self.hup = True
        else:
            self.signals.append(signum)


@contextlib.contextmanager
def _handlers(service: Service) -> Iterator[None]:
    """Install the service's signal handlers for the duration, restoring the old ones."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; embedders stop us another way
        return
    wanted = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]
    old: dict[int, Any] = {sig: signal.signal(sig, service.on_signal) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def serve(config_path: Path, *, every: float | None = None, out: Path | None = None) -> int:
    """``monitor serve``: run on the schedule until SIGTERM/SIGINT; returns the exit code.

    Takes the watch list's path (re-read at every firing), an optional fixed interval
    in seconds replacing ``settings.schedule``, and an optional reports folder.
    Returns 0 after a clean stop, 2 for a bad ``--every``, 3 when another service
    already serves the same database or its folder is unusable. Raises ``ConfigError``
    when the watch list is broken at start (the CLI exits 2).
    """
    config_path = Path(config_path)
    if every is not None and not every > 0:
        log.error("monitor: --every must be a positive number of seconds, got %g", every)
        return 2
    config = load(config_path)
    try:
        trigger_for(config.settings, every)
    except ValueError as exc:  # config validation reads cron a little more loosely
        log.error("monitor: %s: settings.schedule: %s", config_path, exc)
        return 2
    database = config.settings.database

    def busy(holder: Holder | None, waited: float) -> str:
        who = holder.describe() if holder else "pid unknown"
        return (
            f"another `monitor serve` ({who}) already runs for {database}; stop it first "
            "(e.g. `systemctl stop partner-monitor`) — `monitor run` can still be used by hand"
        )

    try:
        service_lock = FileLock(serve_lock_path(database), busy=busy).acquire()
    except (LockBusy, StoreError) as exc:
        log.error("monitor: %s", exc)
        return 3

    service = Service(config_path, config, every=every, out=out)
    with service_lock, _handlers(service):
        service.start()
        log.info(
            "partner-monitor %s serving %s: %s, runs %s; next run at %s",
            __version__,
            config_path,
            _n(len(config.watch), "watched page"),
            describe_schedule(config.settings, every),
            _when(service.next_run()),
        )
        try:
            service.loop()
            name = signal.Signals(service.signals[0]).name
            log.info("%s received: stopping", name)
        finally:
            service.stop()
    log.info("stopped")
    return 0
