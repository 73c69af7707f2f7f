"""Chat alerts (``settings.notify``): the digest's headline and its most urgent items,
sent through Apprise to Slack, Teams, Matrix, Telegram, e-mail... (no code per service).

It owns three things, mirroring ``monitor/mail.py``:

* ``message`` — the alert's words, from the typed ``Digest`` (pure): the headline, the
  new problems, the keywords that appeared and the counters' news (a milestone passed,
  the goal reached, a counter gone; a few of each), and where the digest is.
* ``send`` — fills each URL's ``{PLACEHOLDER}`` from the environment variable that
  ``settings.notify_env`` names, at send time only, and hands the message to Apprise.
  The filled URLs are secrets: while a send runs, every log record made anywhere in the
  process (Apprise's and urllib3's debug lines print URLs) has those values replaced
  by their ``{PLACEHOLDER}``, Apprise's own lines are kept out of the log (one line of
  ours says what happened), and a failure's reason is redacted the same way.
* ``deliver`` — the notify window: an alert covers every run since the last alert that
  was sent; it is recorded (digests kind 'notify') only once sent, a failure is recorded
  with its reason and leaves the window where it was, so the next run's alert covers
  the missed runs. Never raises for a chat service's trouble.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

from monitor import digest, wording
from monitor.config import Config, Settings
from monitor.config.model import NOTIFY_PLACEHOLDER
from monitor.store import Store

__all__ = ["Message", "NotifyError", "NotifyOutcome", "deliver", "message", "send"]

log = logging.getLogger(__name__)

# How many new problems and keywords an alert names; the digest has the rest.
MAX_ITEMS = 5


class NotifyError(Exception):
    """The alert was not sent (to at least one URL); the message says why, without secrets."""


@dataclass(frozen=True)
class Message:
    """One alert: a title (the digest's headline), a short body, and whether it is urgent."""

    title: str
    body: str
    urgent: bool


@dataclass(frozen=True)
class NotifyOutcome:
    """What ``deliver`` did: sent or not, why not, and to how many URLs."""

    sent: bool
    error: str | None
    targets: int


# -- the words --------------------------------------------------------------------------------


def digest_link(settings: Settings, digest_name: str) -> str:
    """Where the digest is: its address under ``settings.reports_url``, else its file name
    in the reports folder (never a path of this machine)."""
    if settings.reports_url:
        return settings.reports_url.rstrip("/") + "/" + quote(digest_name)
    return f"{digest_name} in the reports folder"


def message(d: digest.Digest, link: str) -> Message:
    """The alert for a digest: its headline, its most urgent items and ``link``."""
    lines: list[str] = []
    if d.detail:
        lines.append(d.detail)
    new = [item for group in d.new for item in group.items]
    if new:
        lines.append(f"New {'problem' if len(new) == 1 else 'problems'}:")
        for item in new[:MAX_ITEMS]:
            where = f" ({item.where})" if item.where else ""
            lines.append(f"- {item.badge}: {item.url}{where}")
        if len(new) > MAX_ITEMS:
            lines.append(f"- and {len(new) - MAX_ITEMS} more")
    appeared = [
        (change, flag)
        for change in d.changes
        if change.reverted is None
        for flag in change.keywords
        if flag.event == "appeared"
    ]
    if appeared:
        lines.append("Keywords that appeared:")
        for change, flag in appeared[:MAX_ITEMS]:
            lines.append(f'- "{flag.word}" on {change.name} ({change.url})')
        if len(appeared) > MAX_ITEMS:
            lines.append(f"- and {len(appeared) - MAX_ITEMS} more")
    # Milestones, a goal reached, a fall, a stall, a counter gone: the digest's counter news.
    counter_news = [(c, news) for c in d.counters for news in c.news]
    if counter_news:
        lines.append("Counters:")
        for c, news in counter_news[:MAX_ITEMS]:
            lines.append(f"- {c.page_name} ({c.label or c.name}): {news}")
        if len(counter_news) > MAX_ITEMS:
            lines.append(f"- and {len(counter_news) - MAX_ITEMS} more")
    if d.notices:
        lines.append(f"{wording.plural(len(d.notices), 'notice')} at the top of the digest.")
    lines.append(f"The digest: {link}")
    return Message(
        title=f"partner-monitor: {d.headline}",
        body="\n".join(lines),
        urgent=bool(new or appeared),
    )


# -- secrets ----------------------------------------------------------------------------------


class _Secrets:
    """The values filled into notify URLs, and how to take them out of any text."""

    def __init__(self, values: dict[str, str]) -> None:
        forms: dict[str, str] = {}
        for name, value in values.items():
            if not value:
                continue
            for form in (value, quote(value, safe=""), quote(value), quote_plus(value)):
                forms.setdefault(form, "{" + name + "}")
        # Longest first: a value that contains another is replaced whole.
        self.forms = sorted(forms.items(), key=lambda kv: -len(kv[0]))

    def redact(self, text: str) -> str:
        for value, placeholder in self.forms:
            text = text.replace(value, placeholder)
        return text


_active: list[_Secrets] = []  # the secrets of the sends in progress (normally one)
_active_lock = threading.Lock()
_factory_installed = False


def _redact_all(text: str) -> str:
    with _active_lock:
        active = list(_active)
    for secrets in active:
        text = secrets.redact(text)
    return text


def _install_factory() -> None:
    """Wrap the log-record factory once: while a send runs, every record (of any logger,
    in any thread: Apprise sends from worker threads) has the secrets taken out of its
    message and traceback before any handler sees it."""
    global _factory_installed
    with _active_lock:
        if _factory_installed:
            return
        _factory_installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if not _active:
            return record
        try:
            text = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format
            text = str(record.msg)
        record.msg, record.args = _redact_all(text), None
        if record.exc_info:
            formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_text, record.exc_info = _redact_all(formatted), None
        if record.stack_info:
            record.stack_info = _redact_all(record.stack_info)
        return record

    logging.setLogRecordFactory(factory)


@contextlib.contextmanager
def _redacting(secrets: _Secrets) -> Iterator[None]:
    _install_factory()
    with _active_lock:
        _active.append(secrets)
    try:
        yield
    finally:
        with _active_lock:
            _active.remove(secrets)


class _Collect(logging.Handler):
    """Keeps Apprise's warnings of one send (already redacted): the reason of a failure."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(" ".join(record.getMessage().split())[:300])


@contextlib.contextmanager
def _apprise_quiet() -> Iterator[_Collect]:
    """Apprise's log lines go to us, not to the process's log: one line of ours says it."""
    logger = logging.getLogger("apprise")
    collect = _Collect()
    propagate, level = logger.propagate, logger.level
    logger.addHandler(collect)
    logger.propagate = False
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield collect
    finally:
        logger.removeHandler(collect)
        logger.propagate, logger.level = propagate, level


# -- sending ----------------------------------------------------------------------------------


def describe(url: str) -> str:
    """A notify URL as logs and the database may show it: its scheme only (the rest of
    a chat URL is often a token, even where no placeholder is used)."""
    scheme = url.partition("://")[0].lower() if "://" in url else "?"
    return f"{scheme}://…"


def _fill(settings: Settings, url: str, index: int) -> tuple[str, dict[str, str]]:
    """The URL with its placeholders filled from the environment, and the values used."""
    values: dict[str, str] = {}
    for name in NOTIFY_PLACEHOLDER.findall(url):
        env = settings.notify_env[name]
        value = os.environ.get(env)
        if not value:
            state = "is not set" if value is None else "is empty"
            raise NotifyError(
                f"notify URL {index} ({describe(url)}): the environment variable {env} "
                f"(settings.notify_env.{name}) {state}: set it for the process that runs "
                "partner-monitor"
            )
        values[name] = value
    filled = NOTIFY_PLACEHOLDER.sub(lambda m: values[m.group(1)], url)
    return filled, values


def send(settings: Settings, msg: Message) -> int:
    """Send ``msg`` to every URL of ``settings.notify``; returns how many got it.

    Raises ``NotifyError`` when any URL did not (an unset variable, a URL Apprise
    cannot read with its secret filled in, a service that refused or did not answer);
    the others still get it. No secret is in the error, and none reaches the log.
    """
    import apprise

    failures: list[str] = []
    sent = 0
    for index, template in enumerate(settings.notify, start=1):
        try:
            url, values = _fill(settings, template, index)
        except NotifyError as exc:
            failures.append(str(exc))
            continue
        secrets = _Secrets(values)
        with _redacting(secrets), _apprise_quiet() as collected:
            try:
                ok = _send_one(apprise, url, msg)
                why = "" if ok else (collected.lines[-1] if collected.lines else "")
            except Exception as exc:  # Apprise or a plugin failed in a way of its own
                ok, why = False, f"{type(exc).__name__}: {exc}"
            why = secrets.redact(why)
        if ok:
            sent += 1
        else:
            failures.append(
                f"notify URL {index} ({describe(template)}): "
                + (why or "Apprise could not send it (no reason given)")
            )
    if failures:
        raise NotifyError("; ".join(failures))
    return sent


def _send_one(apprise: Any, url: str, msg: Message) -> bool:
    asset = apprise.AppriseAsset(storage_mode="memory", secure_logging=True)
    service = apprise.Apprise(asset=asset)
    if not service.add(url):
        logging.getLogger("apprise").warning(
            "Apprise cannot read this URL once its secrets are filled in: check the value "
            "of its environment variables"
        )
        return False
    return bool(
        service.notify(
            body=msg.body,
            title=msg.title,
            notify_type=apprise.NotifyType.WARNING if msg.urgent else apprise.NotifyType.INFO,
            body_format=apprise.NotifyFormat.TEXT,
        )
    )


# -- the window -------------------------------------------------------------------------------




def deliver(
    store: Store,
    config: Config,
    *,
    digest_name: str,
    now: datetime | None = None,
    notices: Sequence[str] = (),
) -> NotifyOutcome:
    """Alert the chat of every run since the last alert that was sent.

    Takes the store, the watch list (``settings.notify``, ``notify_env``,
    ``reports_url``), the file name of the digest just written (the alert links to it),
    the time (default: now) and the digest's notices. Builds the digest of the notify
    window, sends the alert, and only then records it (kind 'notify'); a failure is
    recorded with its reason and leaves the window where it was. Returns a
    ``NotifyOutcome``; raises only ``StoreError`` when the database itself fails.
    """
    now = now or datetime.now(UTC)
    settings = config.settings
    targets = len(settings.notify)
    if not targets:
        return NotifyOutcome(False, "no chat alerts are configured (settings.notify)", 0)
    after, upto = store.window(store.delivery_start('notify'))
    d = digest.build(store, after_run=after, upto_run=upto, config=config, notices=notices, now=now)
    where = "notify:" + ",".join(describe(url) for url in settings.notify)
    try:
        send(settings, message(d, digest_link(settings, digest_name)))
    except NotifyError as exc:
        reason = str(exc)
        store.record_digest(d.generated_at, where, d.first_run, upto, kind="notify", error=reason)
        log.warning("the chat alert was not sent: %s", reason)
        return NotifyOutcome(False, reason, targets)
    store.record_digest(d.generated_at, where, d.first_run, upto, kind="notify")
    log.info("chat alert sent to %s", wording.plural(targets, "notify URL"))
    return NotifyOutcome(True, None, targets)
