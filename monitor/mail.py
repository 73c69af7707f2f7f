"""E-mail delivery of the digest: the only module that speaks SMTP.

It owns two things:

* ``send`` — one multipart/alternative message (plain text + HTML) over ``smtplib``:
  implicit TLS when ``email.ssl``, STARTTLS when ``email.starttls``, login when a
  username is set, with the password read only from the environment variable that
  ``email.password_env`` names. Every failure becomes one ``MailError`` whose message
  says what to fix; the password is never logged, raised or stored.
* ``deliver`` — the mail window. The e-mail covers every run since the last digest that
  was actually mailed (separately from the file digests; the first e-mail covers what the
  file digest written with it covers), is recorded as sent only after the server accepted
  it, and a failure is recorded with its reason (so the next digest reports it) without
  moving the window: the next e-mail covers the missed runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from monitor import digest
from monitor.config import Config, EmailSettings
from monitor.store import Store

__all__ = ["MailError", "MailOutcome", "deliver", "send"]

log = logging.getLogger(__name__)


class MailError(Exception):
    """The digest e-mail was not sent; the message says why and what to check."""


@dataclass(frozen=True)
class MailOutcome:
    """What ``deliver`` did: sent or not, why not, and to whom."""

    sent: bool
    error: str | None
    recipients: tuple[str, ...]


class _ReplyTimeout(smtplib.SMTPServerDisconnected):
    """The server said nothing for ``timeout_s`` while we waited for its reply."""


def _one_line(text: str) -> str:
    # A header value must not carry CR/LF (header injection) and should stay short.
    return " ".join(text.split())[:200]


def _password(email: EmailSettings) -> str:
    if not email.password_env:
        raise MailError(
            "settings.email.username is set but settings.email.password_env is not: name the "
            "environment variable that holds the SMTP password"
        )
    value = os.environ.get(email.password_env)
    if value is None:
        raise MailError(
            f"the environment variable {email.password_env} (settings.email.password_env) is "
            "not set: set it to the SMTP password for the process that runs partner-monitor"
        )
    return value


def _reply_within(client: smtplib.SMTP, read: Callable[[], tuple[int, bytes]]) -> tuple[int, bytes]:
    """Read one SMTP reply, giving up when the whole reply takes longer than the timeout.

    Why: smtplib's timeout bounds each socket read, not a reply. A server that keeps
    sending a little (a greeting of endless ``220-`` continuation lines, a byte at a
    time) held ``monitor run``, and with it every later scheduled run, forever
    (tests/hostile/test_faults.py, greets-forever-a-line-at-a-time). A watchdog shuts the
    socket down when the reply is not complete in time; the read then fails as a timeout.
    """
    sock = client.sock
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        if sock is not None:
            with contextlib.suppress(OSError):
                # socket.socket's own shutdown: on a TLS socket, SSLSocket.shutdown would
                # also drop the TLS state under the reading thread.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    timer = threading.Timer(client.timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        return read()
    except smtplib.SMTPServerDisconnected:
        if expired.is_set():
            raise _ReplyTimeout("Connection unexpectedly closed: timed out") from None
        raise
    finally:
        timer.cancel()


class _SMTP(smtplib.SMTP):
    def getreply(self) -> tuple[int, bytes]:
        return _reply_within(self, super().getreply)


class _SMTP_SSL(smtplib.SMTP_SSL):
    def getreply(self) -> tuple[int, bytes]:
        return _reply_within(self, super().getreply)


def _message(email: EmailSettings, subject: str, html: str, text: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = _one_line(subject)
    msg["From"] = email.from_
    msg["To"] = ", ".join(email.to)
    msg["Date"] = format_datetime(datetime.now(UTC))
    domain = email.from_.rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=domain)
    # Tells auto-responders and out-of-office replies to stay quiet (RFC 3834).
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def send(
    email: EmailSettings,
    *,
    subject: str,
    html: str,
    text: str,
    context: ssl.SSLContext | None = None,
) -> tuple[str, ...]:
    """Send one multipart/alternative e-mail (text and HTML) to ``email.to``.

    Takes the e-mail settings, the subject and both bodies; ``context`` replaces the
    default TLS context (certificate checks on), e.g. to trust a private CA. Returns the
    recipients the server accepted. Raises ``MailError`` for anything that stops the
    message: an unset password variable, a refused or dropped connection, a timeout
    (``email.timeout_s``), a TLS or login failure, every recipient refused. When only
    some recipients are refused, the others get it and this raises nothing (they are
    logged).
    """
    password = _password(email) if email.username else None
    msg = _message(email, subject, html, text)
    tls = context or ssl.create_default_context()
    client: smtplib.SMTP | None = None
    try:
        if email.ssl:
            client = _SMTP_SSL(
                email.smtp_host, email.smtp_port, timeout=email.timeout_s, context=tls
            )
        else:
            client = _SMTP(email.smtp_host, email.smtp_port, timeout=email.timeout_s)
        client.ehlo_or_helo_if_needed()
        if email.starttls and not email.ssl:
            client.starttls(context=tls)
            client.ehlo()
        if email.username and password is not None:
            client.login(email.username, password)
        refused = client.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        if client is not None:
            client.close()  # no QUIT: a server that hung would make us wait once more
        raise MailError(_explain(exc, email)) from None
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()  # the message was accepted; a rude goodbye changes nothing
    accepted = tuple(a for a in email.to if a not in refused)
    if refused:
        log.warning("the SMTP server refused some recipients: %s", _refused(refused))
    return accepted


def _explain(exc: BaseException, email: EmailSettings) -> str:
    """A sentence for an SMTP or network failure: what happened and what to check.

    Built from the exception's type and the server's answer only, never from what we
    sent, so the password cannot end up in it.
    """
    where = f"the SMTP server {email.smtp_host}:{email.smtp_port}"
    retry = "it will be retried with the next run"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (
            f"{where} refused the login of {email.username!r} ({exc.smtp_code}): check the "
            f"username and the password in ${email.password_env}"
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return (
            f"{where} refused every recipient ({_refused(exc.recipients)}): check settings.email.to"
        )
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return (
            f"{where} refused the sender {email.from_!r} ({exc.smtp_code} "
            f"{_decode(exc.smtp_error)}): check settings.email.from"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        why = _one_line(str(exc)).rstrip(".")
        return f"{where}: {why}; check starttls, ssl and username in settings.email"
    if isinstance(exc, TimeoutError | _ReplyTimeout) or (
        # smtplib turns a read timeout into SMTPServerDisconnected, raised while handling it.
        isinstance(exc, smtplib.SMTPServerDisconnected)
        and isinstance(exc.__context__, TimeoutError)
    ):
        return f"{where} did not answer within {email.timeout_s:g} s; {retry}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection before the message was sent; {retry}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} answered {exc.smtp_code} {_decode(exc.smtp_error)}; {retry}"
    if isinstance(exc, ssl.SSLError):
        return (
            f"the secure connection to {where} failed ({_one_line(exc.reason or str(exc))}): "
            "check smtp_port and the starttls/ssl settings"
        )
    if isinstance(exc, OSError):
        why = exc.strerror or _one_line(str(exc)) or type(exc).__name__
        return f"cannot reach {where}: {why}; check smtp_host and smtp_port ({retry})"
    return f"{where} failed: {_one_line(str(exc)) or type(exc).__name__}; {retry}"


def _decode(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return _one_line(text)


def _refused(recipients: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{addr} ({code} {_decode(why)})" for addr, (code, why) in recipients.items())


def subject_for(email: EmailSettings, d: digest.Digest) -> str:
    """The subject line: ``email.subject`` with ``{summary}`` and ``{date}`` filled in."""
    # str.replace, not format(): a stray brace in the configured subject must not crash.
    return _one_line(email.subject.replace("{summary}", d.headline).replace("{date}", d.date))




def deliver(
    store: Store,
    config: Config,
    *,
    now: datetime | None = None,
    notices: Sequence[str] = (),
    context: ssl.SSLContext | None = None,
) -> MailOutcome:
    """E-mail the digest of every run since the last e-mail that was sent.

    Takes the store, the watch list (``settings.email``), the time (default: now),
    notices for the top of the e-mail and an optional TLS context (see ``send``). Builds
    the digest of the mail window, sends it, and only then records it (kind 'mail') so
    the window advances. A failure is recorded with its reason and leaves the window
    where it was, so the next delivery covers these runs again. Returns a
    ``MailOutcome``; never raises for SMTP or network trouble (only ``StoreError`` when
    the database itself fails).
    """
    now = now or datetime.now(UTC)
    email = config.settings.email
    if email is None:
        return MailOutcome(False, "no e-mail is configured (settings.email)", ())
    after, upto = store.window(store.delivery_start('mail'))
    d = digest.build(store, after_run=after, upto_run=upto, config=config, notices=notices, now=now)
    recipients = tuple(email.to)
    where = "mail:" + ",".join(recipients)
    try:
        accepted = send(
            email,
            subject=subject_for(email, d),
            # Links to change and history pages: absolute with settings.reports_url, else
            # the page's file name in words (never a path of this machine, never a command).
            html=digest.render_html(d, reports=config.settings.reports_url),
            text=digest.render_text(d, reports=config.settings.reports_url),
            context=context,
        )
    except MailError as exc:
        reason = str(exc)
        store.record_digest(d.generated_at, where, d.first_run, upto, kind="mail", error=reason)
        log.warning("the digest e-mail was not sent: %s", reason)
        return MailOutcome(False, reason, recipients)
    store.record_digest(d.generated_at, where, d.first_run, upto, kind="mail")
    log.info("digest e-mailed to %s", ", ".join(accepted))
    missing = [a for a in recipients if a not in accepted]
    error = f"refused by the server: {', '.join(missing)}" if missing else None
    return MailOutcome(True, error, accepted)
