"""Faults lose nothing: a run killed at any point, and an SMTP server that misbehaves.

Two kinds of fault, each through the real ``monitor run`` as a subprocess on loopback:

* **SIGKILL.** After one complete run, ``monitor run`` is killed 20 times, each at a
  chosen point of the run where it holds until the kill (``_monitor_as_public``: before
  the store opens, inside and after each batch of link checks, half-way through each
  digest file...; ``KILL_POINTS``). After every kill the SQLite file passes ``PRAGMA
  integrity_check``, every row recorded before the kill is still there unchanged, and
  every digest file written before is byte-identical. A normal run afterwards finishes,
  marks each killed run as interrupted, and its digest still reports the broken links.
* **SMTP.** A server that refuses (554 at the greeting, to MAIL FROM, to RCPT TO), one
  that drops the line at DATA, one that never says a word, one that swallows the message
  and never answers, and a tarpit whose greeting never ends. Each ``monitor run`` still
  ends (in bounded time: the perf test, ``pytest -m perf``) with exit 0/1, writes its
  digest file, and says, logs and records why the e-mail failed; two such runs later, a
  run against a working server e-mails one digest covering all three runs and saying the
  e-mail had failed twice.

The SMTP password comes from an environment variable and is checked never to show up
in output, logs or the database.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from monitor.testing.web import Route, SimWeb

from .harness import Proc, figure, run_monitor, write_config

PARTNER, TARGETS, OTHER, SLOW = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"
PASSWORD = "fault-pw-Zx81!-never-shown"
PASSWORD_ENV = "PM_FAULT_SMTP_PASSWORD"
RECIPIENTS = ["campaigns@example.org", "desk@example.org"]

# Tables whose rows, once written, no later run may change or drop (runs: once closed).
HISTORY = {
    "runs": "SELECT * FROM runs WHERE state != 'running'",
    "run_ids": "SELECT id, started_at FROM runs",
    "pages": "SELECT * FROM pages",
    "versions": "SELECT id, page_id, hash, text, first_seen, first_run FROM versions",
    "page_checks": "SELECT * FROM page_checks",
    "links": "SELECT * FROM links",
    "occurrences": "SELECT * FROM occurrences",
    "link_checks": "SELECT * FROM link_checks",
    "digests": "SELECT * FROM digests",
}


def _digest_path(p: Proc) -> Path:
    found = re.search(r"; digest (\S+\.html); ", p.stdout)
    assert found, f"no digest in the summary line\n{p.stdout}\n{p.stderr[-2000:]}"
    return Path(found.group(1))


def _ran(p: Proc) -> None:
    """The run itself did not fail (0: no problems, 1: problems found)."""
    assert p.returncode in (0, 1), f"exit {p.returncode}\n{p.stdout}\n{p.stderr[-3000:]}"


# -- SIGKILL ------------------------------------------------------------------------------


@dataclass
class Site:
    watch: list[dict[str, Any]]
    broken: list[str]
    links: int


def partner_site(web: SimWeb, rng: random.Random, pages: int = 3, per_page: int = 70) -> Site:
    """``pages`` watched pages, ``per_page`` links each: about 1 in 4 slow, 1 in 10 gone.

    Four links on a host of their own answer after 1.2 s, so the last ones in: the first
    200 checks are written as one batch (pipeline.links._LINK_BATCH = 200), the rest as a second one
    (``KILL_POINTS`` kills inside and after each).
    """
    watch: list[dict[str, Any]] = []
    broken: list[str] = []
    n = 0
    for p in range(pages):
        hrefs = []
        for i in range(per_page):
            host = (TARGETS, OTHER)[n % 2]
            roll = rng.random()
            if p == pages - 1 and i >= per_page - 4:
                route = Route.page(f"Slow resource {n}", "Slow to answer.")
                url = web.route(SLOW, f"/slow/{n}", dataclasses.replace(route, delay_s=1.2))
            elif roll < 0.1:
                url = web.url(host, f"/gone/{n}")  # nothing routed: a real 404
                broken.append(url)
            else:
                route = Route.page(f"Partner resource {n}", f"Resource number {n} is here.")
                if roll < 0.35:
                    route = dataclasses.replace(route, delay_s=rng.uniform(0.05, 0.2))
                url = web.route(host, f"/resource/{n}", route)
            hrefs.append(url)
            n += 1
        text = f"Campaign partner {p}.\n\nThe links below are our partners' pages."
        page = web.route(PARTNER, f"/partner/{p}", Route.page(f"Partner {p}", text, links=hrefs))
        watch.append({"name": f"Partner {p}", "url": page, "partner": f"Partner {p}"})
    return Site(watch, broken, n)


def history(db: Path) -> tuple[dict[str, set[tuple[Any, ...]]], dict[str, int], set[int]]:
    """Every history row by table, counts by run state, the ids of runs left open.

    Asserts ``PRAGMA integrity_check`` says ok first.
    """
    con = sqlite3.connect(db, timeout=30)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = {name: set(con.execute(sql).fetchall()) for name, sql in HISTORY.items()}
        counts = {
            state: con.execute("SELECT COUNT(*) FROM runs WHERE state=?", (state,)).fetchone()[0]
            for state in ("done", "running", "aborted", "failed")
        }
        open_runs = {r[0] for r in con.execute("SELECT id FROM runs WHERE state='running'")}
        counts["partial_link_checks"] = con.execute(
            "SELECT COUNT(*) FROM link_checks lc JOIN runs r ON r.id = lc.run_id "
            "WHERE r.state IN ('running', 'aborted')"
        ).fetchone()[0]
    finally:
        con.close()
    return rows, counts, open_runs


def digest_files(reports: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(reports.glob("digest-*"))}


# Where each kill lands, as (hold point, arrival, stage), in this order. The stage says
# what the kill interrupts: "before_check" (start-up, config, lock, opening the store: no
# run row yet), "mid_check" (the run's row is open) or "in_digest" (the check was closed;
# the digest is being written). The site has 210 links: a batch of 200, then 10.
KILL_POINTS = [
    ("store_open", 1, "before_check"),
    ("begin_run", 1, "before_check"),
    ("record_page", 1, "mid_check"),
    ("record_page", 2, "mid_check"),
    ("record_page", 3, "mid_check"),
    ("link_insert", 1, "mid_check"),  # inside the first batch's transaction
    ("link_insert", 100, "mid_check"),
    ("link_insert", 150, "mid_check"),
    ("link_insert", 200, "mid_check"),  # its last row, not committed
    ("record_links", 1, "mid_check"),  # the first batch committed, the rest not written
    ("link_insert", 201, "mid_check"),  # inside the second batch's transaction
    ("link_insert", 205, "mid_check"),
    ("link_insert", 210, "mid_check"),
    ("record_links", 2, "mid_check"),  # every link check committed
    ("finish_run", 1, "mid_check"),
    ("write_fully", 1, "in_digest"),  # half of the dated .html written
    ("write_fully", 2, "in_digest"),  # half of its .txt
    ("write_fully", 3, "in_digest"),  # half of the new latest.html
    ("write_fully", 4, "in_digest"),  # half of the new index.html
    ("record_digest", 1, "in_digest"),  # every file in place, the digest not recorded
]


def test_a_run_killed_at_chosen_points_loses_no_history(tmp_path: Path) -> None:
    rng = random.Random(20240611)
    with SimWeb(hosts=(PARTNER, TARGETS, OTHER, SLOW)) as web:
        site = partner_site(web, rng)
        cfg = write_config(tmp_path, site.watch, allow_private_links=True, timeout_s=5)
        db, reports = tmp_path / "monitor.db", tmp_path / "reports"
        run = ["run", "--config", str(cfg), "--text"]

        first = run_monitor(run, cwd=tmp_path, timeout_s=60)
        _ran(first)
        assert first.returncode == 1  # the 404s are problems
        rows, counts, _ = history(db)
        assert counts["done"] == 1 and rows["link_checks"], counts
        files = digest_files(reports)
        assert files, "the complete run wrote no digest"

        killed_mid_check: set[int] = set()  # runs whose row was left open by the kill
        stages: list[str] = []  # where each kill landed
        started = time.monotonic()
        for i, (point, n, _) in enumerate(KILL_POINTS):
            got = run_monitor(run, cwd=tmp_path, timeout_s=60, hold_at=f"{point}:{n}")
            assert got.killed, f"kill {i}: the run ended before {point} #{n}\n{got.stdout}"
            now_rows, now_counts, open_runs = history(db)  # integrity_check == ok
            for table, before in rows.items():
                lost = before - now_rows[table]
                assert not lost, f"kill {i} at {point} #{n} lost {len(lost)} {table} rows"
            assert now_counts["done"] >= counts["done"]
            new_runs = {r[0] for r in now_rows["run_ids"] - rows["run_ids"]}
            if not new_runs:
                stages.append("before_check")
            elif new_runs & open_runs:
                stages.append("mid_check")
            else:
                stages.append("in_digest")
            killed_mid_check |= open_runs
            for name, data in files.items():
                assert (reports / name).read_bytes() == data, f"kill {i} changed {name}"
            for whole in ("latest.html", "index.html"):
                assert (reports / whole).read_text("utf-8").rstrip().endswith("</html>"), whole
            rows, counts, files = now_rows, now_counts, digest_files(reports)
        kills_s = time.monotonic() - started

        last = run_monitor(run, cwd=tmp_path, timeout_s=60)
        _ran(last)
        assert last.returncode == 1
        final_rows, final_counts, open_runs = history(db)
        for table, before in rows.items():
            assert before <= final_rows[table], f"the final run dropped {table} rows"
        # Every run killed mid-check is in history, marked interrupted; none is left open.
        assert not open_runs
        assert final_counts["aborted"] == len(killed_mid_check), final_counts
        html_path = _digest_path(last)
        text = html_path.with_suffix(".txt").read_text("utf-8")
        page = html_path.read_text("utf-8")
        assert html_path.read_bytes() == (reports / "latest.html").read_bytes()
        for url in site.broken:
            assert url in page and url in text, f"{url} is missing from the last digest"
        # The last kills left runs interrupted mid-check since the last digest recorded:
        # the last digest covers them and says that a check was interrupted.
        assert "was interrupted" in text, text[:2000]
        leftovers = [p.name for p in reports.iterdir() if p.name.startswith(".")]
        empty = [n for n, data in digest_files(reports).items() if not data]

    figure(
        "sigkill",
        kills=len(stages),
        before_check=stages.count("before_check"),
        mid_check=stages.count("mid_check"),
        in_digest=stages.count("in_digest"),
        partial_link_checks_kept=final_counts["partial_link_checks"],
        links=site.links,
        broken=len(site.broken),
        run_s=round(first.elapsed_s, 2),
        kills_s=round(kills_s, 1),
        last_run_s=round(last.elapsed_s, 2),
        empty_digest_files=len(empty),
        temp_files_left=len(leftovers),
    )
    assert stages == [stage for _, _, stage in KILL_POINTS]
    assert final_counts["partial_link_checks"] > 0, "no kill landed after a batch of links"


# -- SMTP ---------------------------------------------------------------------------------


@dataclass
class Inbox:
    """aiosmtpd handler: keeps what it receives; refuses MAIL or RCPT when told to."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: str | None = None  # "MAIL" or "RCPT"

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse == "MAIL":
            return "554 5.7.1 sender rejected by policy"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse == "RCPT":
            return "554 5.7.1 relay access denied"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted"


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"monitor"
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def smtp_server(inbox: Inbox) -> Iterator[int]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 with login; yields its port."""
    port = _free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port,
        authenticator=_authenticator, auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


class RawSMTP:
    """A scripted, misbehaving SMTP server on a thread (one thread per connection).

    ``greet-554``: answers the connection with 554 and nothing else. ``silent``: accepts
    the connection and never sends a byte. ``tarpit``: a greeting that never ends, one
    ``220-`` continuation line every half second (each read is quick, the reply endless).
    ``drop-at-data``: a normal conversation (login included) until DATA, then closes the
    connection. ``hang-after-message``: takes the whole message and never answers the
    final dot.
    """

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = int(self.sock.getsockname()[1])
        self.messages = 0  # whole messages received (and never acknowledged)
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> RawSMTP:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self.sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            self._conversation(conn)

    @staticmethod
    def _drain(conn: socket.socket) -> None:
        """Say nothing more; wait for the client to leave."""
        while conn.recv(65_536):
            pass

    def _conversation(self, conn: socket.socket) -> None:
        def say(*lines: str) -> None:
            conn.sendall("".join(f"{line}\r\n" for line in lines).encode())

        if self.mode == "silent":
            return self._drain(conn)
        if self.mode == "tarpit":
            while not self._stop.is_set():
                say("220-fault.example still greeting, please wait")
                time.sleep(0.5)
            return None
        if self.mode == "greet-554":
            say("554 5.3.2 fault.example: no SMTP service here")
            return self._drain(conn)
        say("220 fault.example ESMTP")
        lines = conn.makefile("rb")
        for raw in lines:
            verb = raw.decode("latin-1").strip().split(" ", 1)[0].upper()
            if verb == "EHLO":
                say("250-fault.example", "250-AUTH PLAIN LOGIN", "250 8BITMIME")
            elif verb == "AUTH":
                say("235 2.7.0 Authentication successful")
            elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                say("250 OK")
            elif verb == "DATA":
                if self.mode == "drop-at-data":
                    conn.shutdown(socket.SHUT_RDWR)
                    return None
                say("354 End data with <CR><LF>.<CR><LF>")
                for line in lines:
                    if line == b".\r\n":
                        break
                self.messages += 1
                return self._drain(conn)  # hang-after-message: never acknowledge it
            elif verb == "QUIT":
                say("221 Bye")
                return None
            else:
                say("502 5.5.2 command not recognised")
        return None


@contextlib.contextmanager
def faulty_smtp(fault: str, runs: int = 2) -> Iterator[int]:
    """A port with an SMTP server that has ``fault`` for ``runs`` runs; yields the port."""
    if fault in ("MAIL", "RCPT"):
        refusing = Inbox(refuse=fault)
        with smtp_server(refusing) as port:
            yield port
        assert refusing.messages == []
    else:
        with RawSMTP(fault) as raw:
            yield raw.port
        # Never acknowledged, so not counted as sent: the covering e-mail goes out later.
        assert raw.messages == (runs if fault == "hang-after-message" else 0)


def mail_rows(db: Path) -> list[tuple[int | None, int, str | None]]:
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute(
            "SELECT first_run, last_run, error FROM digests WHERE kind='mail' ORDER BY id"
        ).fetchall()
    finally:
        con.close()


def _text_part(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None and isinstance(part, EmailMessage)
    return str(part.get_content())


EMAIL_TIMEOUT_S = 2
RUN_BOUND_S = 12  # a ~1 s run + one SMTP timeout + start-up (the perf test's budget)
HANG_GUARD_S = 35  # only against a hang: three runs must fit in the test's 120 s

FAULTS = [
    pytest.param("greet-554", "answered 554", id="refused-at-the-greeting"),
    pytest.param("MAIL", "refused the sender", id="sender-refused-554"),
    pytest.param("RCPT", "refused every recipient", id="recipients-refused-554"),
    pytest.param("drop-at-data", "closed the connection", id="drops-the-line-at-data"),
    pytest.param("silent", "did not answer within 2 s", id="accepts-and-never-answers"),
    pytest.param(
        "hang-after-message", "did not answer within 2 s", id="never-acknowledges-the-message"
    ),
    pytest.param("tarpit", "did not answer within 2 s", id="greets-forever-a-line-at-a-time"),
]


@pytest.mark.perf
@pytest.mark.parametrize(("fault", "reason"), FAULTS)
def test_an_smtp_fault_ends_the_run_within_its_bound(
    fault: str, reason: str, tmp_path: Path
) -> None:
    with SimWeb(hosts=(PARTNER, TARGETS)) as web:
        page = web.route(PARTNER, "/campaign", Route.page("Campaign", "Our partners."))
        watch = [{"name": "Campaign", "url": page, "partner": "Our campaign"}]
        with faulty_smtp(fault, runs=1) as port:
            email = {
                "smtp_host": "127.0.0.1", "smtp_port": port, "username": "monitor",
                "password_env": PASSWORD_ENV, "from": "monitor@example.org",
                "to": RECIPIENTS, "timeout_s": EMAIL_TIMEOUT_S,
            }  # fmt: skip
            cfg = write_config(tmp_path, watch, allow_private_links=True, email=email)
            got = run_monitor(
                ["run", "--config", str(cfg), "--text"],
                cwd=tmp_path,
                env={PASSWORD_ENV: PASSWORD},
                timeout_s=RUN_BOUND_S + 10,
            )
    assert got.elapsed_s < RUN_BOUND_S, f"run took {got.elapsed_s:.1f} s"


@pytest.mark.parametrize(("fault", "reason"), FAULTS)
def test_an_smtp_fault_costs_the_e_mail_not_the_run_and_the_next_e_mail_covers_it(
    fault: str, reason: str, tmp_path: Path
) -> None:
    env = {PASSWORD_ENV: PASSWORD}
    with SimWeb(hosts=(PARTNER, TARGETS)) as web:
        fine = web.route(TARGETS, "/resource", Route.page("Resource", "A fine partner page."))
        gone = web.url(TARGETS, "/gone")  # a real 404
        page = web.route(
            PARTNER, "/campaign", Route.page("Campaign", "Our partners.", links=[fine, gone])
        )
        watch = [{"name": "Campaign", "url": page, "partner": "Our campaign"}]

        def config(port: int) -> list[str]:
            email = {
                "smtp_host": "127.0.0.1", "smtp_port": port, "username": "monitor",
                "password_env": PASSWORD_ENV, "from": "monitor@example.org",
                "to": RECIPIENTS, "timeout_s": EMAIL_TIMEOUT_S,
            }  # fmt: skip
            cfg = write_config(tmp_path, watch, allow_private_links=True, email=email)
            return ["run", "--config", str(cfg), "--text"]

        db = tmp_path / "monitor.db"
        seconds = []
        with faulty_smtp(fault) as port:
            for attempt in (1, 2):
                got = run_monitor(config(port), cwd=tmp_path, env=env, timeout_s=HANG_GUARD_S)
                seconds.append(got.elapsed_s)
                _ran(got)
                assert got.returncode == 1  # the 404 is a problem; the run itself went fine
                # The digest file is written all the same, and says what the check found.
                html_path = _digest_path(got)
                assert gone in html_path.read_text("utf-8")
                text = html_path.with_suffix(".txt").read_text("utf-8")
                assert gone in text
                if attempt == 2:  # the file digest tells the campaigner the e-mail failed
                    assert "The digest e-mail could not be sent (1 try" in text, text
                # Said on the summary line, logged, and recorded with its reason.
                assert f"e-mail NOT sent: the SMTP server 127.0.0.1:{port}" in got.stdout
                assert reason in got.stdout, got.stdout
                assert "the digest e-mail was not sent" in got.stderr, got.stderr[-2000:]
                rows = mail_rows(db)
                assert len(rows) == attempt
                assert all(r[0] == 1 and r[2] is not None and reason in r[2] for r in rows), rows
                assert rows[-1][1] == attempt  # this attempt covered runs 1..attempt
                state = b"".join(p.read_bytes() for p in tmp_path.glob("monitor.db*"))
                for place in (got.stdout, got.stderr, state.decode("latin-1")):
                    assert PASSWORD not in place

        inbox = Inbox()
        with smtp_server(inbox) as port:
            ok = run_monitor(config(port), cwd=tmp_path, env=env, timeout_s=HANG_GUARD_S)
        _ran(ok)
        assert f"e-mailed to {', '.join(RECIPIENTS)}" in ok.stdout, ok.stdout + ok.stderr[-2000:]

    # One e-mail covers the two runs whose e-mail failed and this one, and says so.
    [msg] = inbox.messages
    text = _text_part(msg)
    assert "Covers 3 checks" in text, text
    assert "The digest e-mail could not be sent (2 tries" in text, text
    assert gone in text
    first_run, last_run, error = mail_rows(db)[-1]
    assert (first_run, last_run, error) == (1, 3, None)
    figure(
        f"smtp_{fault}",
        failed_run_s=round(max(seconds), 2),
        recovered_run_s=round(ok.elapsed_s, 2),
        email_timeout_s=EMAIL_TIMEOUT_S,
    )
