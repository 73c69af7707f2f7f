"""One ``monitor run`` (``run_once``): take the run lock, open the store, check, write the
digest, e-mail it and alert the chat when configured; a ``RunOutcome`` whose ``line``
both ``run`` and ``serve`` print. The pipeline calls sit behind seams (``_check``,
``_write_digest``, ``_deliver``, ``_notify``) so tests can replace them.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from monitor import wording
from monitor.config import Config
from monitor.counts import Counts
from monitor.service.lock import RUN_LOCK_WAIT_S, RunCancelled, writer_lock
from monitor.store import Store

if TYPE_CHECKING:
    from monitor.outage import Outage
    from monitor.pipeline import RunReport

log = logging.getLogger("monitor.service")


@dataclass(frozen=True)
class RunOutcome:
    """What one ``run_once`` did, for the exit code and the one-line summary."""

    run_id: int
    pages: int
    links: int
    counts: Counts  # the check's problems per URL (``counts``; exit code 1 when any)
    changed: int
    digest: Path
    mail_to: tuple[str, ...]  # empty: no e-mail configured
    mail_error: str | None
    duration_s: float
    outage: Outage | None = None  # the check could not reach the network (exit 3)
    notify_to: int = 0  # notify URLs configured (0: no chat alerts)
    notify_error: str | None = None

    @property
    def problems(self) -> int:
        """URLs the check found in a problem status."""
        return self.counts.problems

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
        if self.notify_to and self.notify_error is None:
            mail += "; chat alert sent"
        elif self.notify_to:
            mail += f"; chat alert NOT sent: {self.notify_error}"
        if self.outage is not None:
            return (
                f"run {self.run_id}: could not reach the internet, no partner judged; "
                f"digest {self.digest}; {self.duration_s:.1f} s; {mail}"
            )
        said = wording.problems(self.counts)
        pages, links = wording.plural(self.pages, "page"), wording.plural(self.links, "link")
        return (
            f"run {self.run_id}: {pages}, {links}, {said}, {self.changed} changed; "
            f"digest {self.digest}; {self.duration_s:.1f} s; {mail}"
        )


def _check(config: Config, store: Store, progress: Callable[[str, int, int], None]) -> RunReport:
    from monitor import pipeline

    return pipeline.check(config, store, progress=progress)


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


def _notify(store: Store, config: Config, digest: Path, notices: Sequence[str]) -> str | None:
    """Alert the chat; returns None when sent, else why not (never raises for a service)."""
    from monitor import notify

    outcome = notify.deliver(store, config, digest_name=digest.name, notices=notices)
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
    """The body of ``monitor run``: lock, check, digest, e-mail, chat alert. Returns a
    ``RunOutcome``.

    ``out`` replaces ``settings.reports_dir``; ``text`` also writes the plain-text
    digest; ``progress`` prints sparse progress lines on stderr; ``notices`` go at the
    top of the digest. ``cancel`` (set by ``serve`` on shutdown) stops the run at the
    next page or link boundary with ``RunCancelled``; the store keeps whole pages.

    Raises ``LockBusy`` when another run holds the database longer than
    ``lock_wait_s``, ``StoreError`` when the database cannot be used, and whatever
    ``digest.write`` raises (``DigestError``). A failed e-mail or chat alert does not
    raise: it is in ``mail_error`` / ``notify_error``.
    """
    s = config.settings
    with writer_lock(s.database, wait_s=lock_wait_s, cancel=cancel):
        started = time.monotonic()
        tick = _ticker(progress, cancel)
        with Store(s.database) as store:
            report = _check(config, store, tick)
            digest = _write_digest(store, out or s.reports_dir, config, text, notices)
            mail_error = _deliver(store, config, notices) if s.email is not None else None
            notify_error = _notify(store, config, digest, notices) if s.notify else None
        return RunOutcome(
            run_id=report.run_id,
            pages=len(report.pages),
            links=len(report.links),
            counts=report.counts,
            changed=report.changed,
            digest=digest,
            mail_to=tuple(s.email.to) if s.email is not None else (),
            mail_error=mail_error,
            duration_s=time.monotonic() - started,
            outage=report.outage,
            notify_to=len(s.notify),
            notify_error=notify_error,
        )


def _ticker(progress: bool, cancel: threading.Event | None) -> Callable[[str, int, int], None]:
    """The progress callback given to ``pipeline.check``.

    ``pipeline.check`` calls it after each recorded page and each checked link, i.e. at
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
