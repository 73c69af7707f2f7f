"""``monitor serve``: APScheduler 3 around ``run_once``: cron (``settings.schedule`` in
``settings.timezone``) or a fixed interval, one run at a time, the watch list re-read at
every firing (a broken edit keeps the last good list and is reported at the top of the
next digest), rescheduling when the schedule is edited, clean stops on SIGTERM/SIGINT,
and a failed run logged without ending the service.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from monitor import __version__, wording
from monitor.config import Config, ConfigError, load
from monitor.service.cron import describe_schedule, trigger_for
from monitor.service.jobs import run_once
from monitor.service.lock import FileLock, Holder, LockBusy, RunCancelled, serve_lock_path
from monitor.service.publish import Publisher
from monitor.store import StoreError

if TYPE_CHECKING:
    pass

log = logging.getLogger("monitor.service")


JOB_ID = "monitor-run"


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


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if moment is not None else "never"


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
                log.info(
                    "watch list %s reloaded: %s",
                    self.config_path,
                    wording.plural(len(new.watch), "page"),
                )
            if new.settings.http != old.settings.http:
                log.warning(
                    "settings.http changed: the reports folder is published as before until "
                    "the service is restarted (e.g. `systemctl restart partner-monitor`)"
                )
            if self.every is None and (
                (new.settings.schedule, new.settings.timezone)
                != (old.settings.schedule, old.settings.timezone)
            ):
                self._reschedule()
            return []

    def _notice(self, exc: ConfigError) -> str:
        shown = exc.problems[:3]  # the digest keeps a notice short; the log has them all
        more = len(exc.problems) - len(shown)
        name = self.config_path.name  # as validate words it, but no path of this machine
        return (
            f"The watch list {name} has {wording.plural(len(exc.problems), 'error')}, so this run "
            f"used the last version that worked (loaded {self.good_at:%Y-%m-%d %H:%M}). "
            f"Fix: {'; '.join(str(replace(p, file=name)) for p in shown)}"
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


def _publisher(config: Config, out: Path | None) -> Publisher | None:
    """The reports folder's HTTP server when ``settings.http`` asks for one (not started)."""
    http = config.settings.http
    if http is None:
        return None
    return Publisher(out or config.settings.reports_dir, http.host, http.port)


def _bind_failure(config: Config, exc: OSError) -> str:
    """One line for an address ``settings.http.listen`` cannot have."""
    listen = config.settings.http.listen if config.settings.http else "?"
    if exc.errno == errno.EADDRINUSE:
        why = "the address is already in use (another program, or another `monitor serve`)"
    elif exc.errno == errno.EACCES:
        why = "permission denied (ports below 1024 need rights: use a port such as 8080)"
    elif exc.errno == errno.EADDRNOTAVAIL:
        why = "that is not an address of this machine"
    else:
        why = exc.strerror or str(exc)
    return (
        f"cannot publish the reports folder on {listen} (settings.http.listen): {why}; "
        "choose another address or port, or remove settings.http"
    )


@contextlib.contextmanager
def _stopping(publisher: Publisher | None) -> Iterator[None]:
    """Stop the reports folder's HTTP server when ``serve`` stops, however it stops."""
    try:
        yield
    finally:
        if publisher is not None:
            publisher.stop()


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

    publisher = _publisher(config, out)
    if publisher is not None:
        try:
            publisher.start()
        except OSError as exc:
            service_lock.release()
            log.error("monitor: %s", _bind_failure(config, exc))
            return 3
        log.info("publishing the reports folder %s at %s", publisher.root, publisher.url)

    service = Service(config_path, config, every=every, out=out)
    with service_lock, _handlers(service), _stopping(publisher):
        service.start()
        log.info(
            "partner-monitor %s serving %s: %s, runs %s; next run at %s",
            __version__,
            config_path,
            wording.plural(len(config.watch), "watched page"),
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
