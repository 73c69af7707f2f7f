"""E-mail delivery against real SMTP servers on loopback (aiosmtpd), and servers that misbehave.

What a campaigner relies on: the e-mail arrives as text + HTML; a password comes only
from the environment and never shows up anywhere; when the server refuses, drops the
line or hangs, nothing is lost: the next e-mail covers everything since the last one
that arrived.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from support.history import CONFIG, LINK, World

from monitor import mail
from monitor.config import EmailSettings

PASSWORD = "pw-7Hq!x9-never-shown"
PASSWORD_ENV = "PM_TEST_SMTP_PASSWORD"
OTHER = "https://partner.example/second-report"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """aiosmtpd handler: keeps what it receives; can refuse a recipient."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted"


class Authenticator:
    """Accepts one user with one password (aiosmtpd's authenticator protocol)."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@dataclass
class Server:
    inbox: Inbox
    port: int


@pytest.fixture
def smtp() -> Iterator[Server]:
    """A plain SMTP server on 127.0.0.1 with login (allowed without TLS: loopback only)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port,
        authenticator=Authenticator("monitor", PASSWORD), auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    yield Server(inbox, port)
    controller.stop()


@pytest.fixture
def hanging() -> Iterator[int]:
    """A port that accepts connections (kernel backlog) and never says a word."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield int(s.getsockname()[1])


@pytest.fixture
def hanging_up() -> Iterator[int]:
    """A port that accepts each connection and closes it at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(sock.getsockname()[1])
    stop.set()
    thread.join()
    sock.close()


def mail_config(port: int, **email_settings: Any) -> str:
    settings = {
        "smtp_host": "127.0.0.1", "smtp_port": port, "from": "monitor@example.org",
        "to": ["campaigns@example.org", "desk@example.org"], "timeout_s": 0.5, **email_settings,
    }  # fmt: skip
    return CONFIG.replace("timezone: UTC", f"timezone: UTC\n  email: {json.dumps(settings)}")


def use(world: World, port: int, **email_settings: Any) -> None:
    world.config = World(world.root / "cfg", mail_config(port, **email_settings)).config


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.store.close()


def parts(msg: EmailMessage) -> dict[str, str]:
    out = {}
    for part in msg.iter_parts():
        assert isinstance(part, EmailMessage)
        out[part.get_content_type()] = str(part.get_content())
    return out


# -- sending ------------------------------------------------------------------------------


def test_the_digest_arrives_as_text_and_html_alternatives(world: World, smtp: Server) -> None:
    use(world, smtp.port)
    world.run({LINK: "broken"}, errors={LINK: "Page not found (404)"})
    outcome = mail.deliver(world.store, world.config, now=world.now())
    assert outcome == mail.MailOutcome(True, None, ("campaigns@example.org", "desk@example.org"))
    [msg] = smtp.inbox.messages
    assert msg.get_content_type() == "multipart/alternative"
    assert msg["Subject"] == "partner-monitor digest: 1 new problem"
    assert msg["To"] == "campaigns@example.org, desk@example.org"
    assert msg["Auto-Submitted"] == "auto-generated"
    body = parts(msg)
    assert set(body) == {"text/plain", "text/html"}
    assert "NEW PROBLEMS (1)" in body["text/plain"] and LINK in body["text/plain"]
    assert f'href="{LINK}"' in body["text/html"]
    assert 'href="index.html"' not in body["text/html"]  # no relative links in an e-mail
    last = world.store.last_digest("mail")
    assert last is not None and last.last_run == 1


def test_login_uses_the_password_from_the_environment_variable(
    world: World, smtp: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    use(world, smtp.port, username="monitor", password_env=PASSWORD_ENV)
    world.run({LINK: "ok"})
    outcome = mail.deliver(world.store, world.config, now=world.now())
    assert outcome.sent, outcome.error
    [msg] = smtp.inbox.messages
    assert msg["Subject"] == "partner-monitor digest: All clear"


def test_the_file_and_mail_windows_are_separate(world: World, smtp: Server) -> None:
    use(world, smtp.port)
    world.run({LINK: "broken"})
    world.write()  # the file digest does not make the e-mail skip this run
    world.run({LINK: "broken"})
    assert mail.deliver(world.store, world.config, now=world.now()).sent
    [msg] = smtp.inbox.messages
    assert "NEW PROBLEMS (1)" in parts(msg)["text/plain"]


def test_a_recipient_refused_does_not_stop_the_others(world: World, smtp: Server) -> None:
    use(world, smtp.port)
    smtp.inbox.refuse.add("desk@example.org")
    world.run({LINK: "ok"})
    outcome = mail.deliver(world.store, world.config, now=world.now())
    assert outcome.sent and outcome.recipients == ("campaigns@example.org",)
    assert outcome.error is not None and "desk@example.org" in outcome.error
    assert len(smtp.inbox.messages) == 1


@pytest.mark.parametrize(
    "mode",
    [pytest.param("starttls", id="starttls"), pytest.param("ssl", id="implicit-tls")],
)
def test_tls_with_a_trusted_certificate_and_login(mode: str) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    inbox = Inbox()
    port = free_port()
    tls: dict[str, Any] = (
        {"tls_context": server_ctx, "require_starttls": True}  # login only after STARTTLS
        # aiosmtpd does not count implicit TLS as TLS for AUTH; the socket is encrypted anyway.
        if mode == "starttls"
        else {"ssl_context": server_ctx, "auth_require_tls": False}
    )
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port,
        authenticator=Authenticator("monitor", PASSWORD), **tls,
    )  # fmt: skip
    controller.start()
    try:
        settings = EmailSettings.model_validate(
            {"smtp_host": "127.0.0.1", "smtp_port": port, mode: True, "username": "monitor",
             "password_env": PASSWORD_ENV, "to": ["a@example.org"], "timeout_s": 2}
        )  # fmt: skip
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(PASSWORD_ENV, PASSWORD)
            assert mail.send(settings, subject="s", html="<p>h</p>", text="t", context=client_ctx)
            # Without our CA the certificate is not trusted: a clear error, not a crash.
            with pytest.raises(mail.MailError, match="secure connection"):
                mail.send(settings, subject="s", html="<p>h</p>", text="t")
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


# -- when it goes wrong -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trouble", "reason"),
    [
        pytest.param("refused", "cannot reach", id="connection-refused"),
        pytest.param("hang-up", "closed the connection", id="server-hangs-up"),
        pytest.param("hang", "did not answer within 0.5 s", id="server-never-answers"),
        pytest.param("recipients", "refused every recipient", id="every-recipient-refused"),
        pytest.param("wrong-password", "refused the login of 'monitor'", id="wrong-password"),
        pytest.param("no-password", f"{PASSWORD_ENV} (settings.email.password_env) is not set",
                     id="password-variable-unset"),
    ],
)  # fmt: skip
def test_a_failed_e_mail_is_recorded_and_the_next_one_covers_the_missed_runs(
    world: World,
    smtp: Server,
    hanging: int,
    hanging_up: int,
    monkeypatch: pytest.MonkeyPatch,
    trouble: str,
    reason: str,
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    closed = free_port()
    port = {"refused": closed, "hang": hanging, "hang-up": hanging_up}.get(trouble, smtp.port)
    login = {"username": "monitor", "password_env": PASSWORD_ENV}
    if trouble == "recipients":
        smtp.inbox.refuse |= {"campaigns@example.org", "desk@example.org"}
    if trouble == "wrong-password":
        monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    if trouble == "no-password":
        monkeypatch.delenv(PASSWORD_ENV)
    use(world, port, **login)
    world.run({LINK: "broken"})

    failed = mail.deliver(world.store, world.config, now=world.now())

    assert (failed.sent, failed.recipients) == (
        False,
        ("campaigns@example.org", "desk@example.org"),
    )
    assert failed.error is not None and reason in failed.error
    assert world.store.last_digest("mail") is None  # the window did not move
    [attempt] = world.store.digest_failures("mail")
    assert attempt.error == failed.error

    # The next run's e-mail goes through and covers both runs, and says one was missed.
    smtp.inbox.refuse.clear()
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    use(world, smtp.port, **login)
    world.run({LINK: "broken", OTHER: "broken"})
    sent = mail.deliver(world.store, world.config, now=world.now())
    assert sent.sent, sent.error
    [msg] = smtp.inbox.messages
    text = parts(msg)["text/plain"]
    assert "NEW PROBLEMS (2)" in text and LINK in text and OTHER in text
    assert "The digest e-mail could not be sent (1 try" in text
    last = world.store.last_digest("mail")
    assert last is not None and (last.first_run, last.last_run) == (1, 2)
    assert world.store.digest_failures("mail") == []


def test_no_e_mail_configured_is_an_outcome_not_an_error(world: World) -> None:
    world.run()
    outcome = mail.deliver(world.store, world.config)
    assert outcome == mail.MailOutcome(False, "no e-mail is configured (settings.email)", ())


@pytest.mark.parametrize(
    "password",
    [
        pytest.param(PASSWORD, id="right-password"),
        pytest.param("wrong-" + PASSWORD, id="wrong-password"),
    ],
)
def test_the_password_never_appears_in_logs_output_errors_or_the_database(
    world: World,
    smtp: Server,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    password: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(PASSWORD_ENV, password)
    use(world, smtp.port, username="monitor", password_env=PASSWORD_ENV)
    world.run({LINK: "broken"})
    outcome = mail.deliver(world.store, world.config, now=world.now())
    assert outcome.sent is (password == PASSWORD)
    # The test server's own debug log ("mail.log") is not ours to police.
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    assert ours, "deliver logs what it did"
    out, err = capfd.readouterr()
    db = b"".join(
        p.read_bytes() for p in (world.root / "state").iterdir() if p.name.startswith("monitor.db")
    )
    for place in (*ours, out, err, str(outcome.error), db.decode("latin-1")):
        assert password not in place
