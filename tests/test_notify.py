"""Chat alerts through Apprise, against a real JSON/form webhook receiver on loopback.

What a campaign team relies on: after each digest its chat gets the headline, the new
problems and the keywords that appeared, with a link to the digest; the secret in the
notify URL comes only from the environment and never shows up anywhere; a failed alert
never fails the run and the next one covers the runs it missed.
"""

from __future__ import annotations

import http.server
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from support.history import ARTICLE, CONFIG, LINK, PETITION, World, load_change

from monitor import cli, notify
from monitor.config import ConfigError, loads
from monitor.digest.counters import CounterCard
from monitor.service import jobs
from monitor.testing.web import Route, SimWeb

SECRET = "xoxb-7Hq9-s3cr3t+tok3n"  # a plus: filled into the URL as is
SECRET_ENV = "PM_TEST_HOOK_TOKEN"
OTHER = "https://partner.example/second-report"


@dataclass
class Receiver:
    """A webhook on 127.0.0.1: keeps each POST (path and body); answers ``status``."""

    port: int = 0
    status: int = 200
    posts: list[tuple[str, bytes]] = field(default_factory=list)

    def json_url(self, path: str = "hook/{HOOK}") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def messages(self) -> list[dict[str, str]]:
        return [json.loads(body) for _, body in self.posts]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.posts.append((self.path, body))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


def notify_config(*urls: str, reports_url: str | None = None) -> str:
    settings = f"  notify_env: {{HOOK: {SECRET_ENV}}}\n  notify: {json.dumps(list(urls))}\n"
    if reports_url:
        settings += f"  reports_url: {reports_url}\n"
    return CONFIG.replace("  timezone: UTC\n", "  timezone: UTC\n" + settings)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    w = World(tmp_path)
    yield w
    w.store.close()


def use(world: World, *urls: str, reports_url: str | None = None) -> None:
    world.config = loads(notify_config(*urls, reports_url=reports_url))


def deliver(world: World, name: str = "digest-2024-03-11.html") -> notify.NotifyOutcome:
    return notify.deliver(world.store, world.config, digest_name=name, now=world.now())


# -- the message -----------------------------------------------------------------------------


def test_the_alert_has_the_headline_the_new_problems_the_keywords_and_the_digest_link(
    world: World, receiver: Receiver
) -> None:
    use(world, receiver.json_url(), reports_url="https://intranet.example/reports/")
    world.run()
    world.run(
        {LINK: "broken"},
        changes={PETITION: load_change("petition_closed.json")},
        errors={LINK: "Page not found (404)"},
    )
    assert deliver(world, "digest-2024-03-12.html") == notify.NotifyOutcome(True, None, 1)
    [sent] = receiver.messages()
    assert sent["title"] == "partner-monitor: 1 new problem, 1 page changed"
    assert sent["message"] == (
        "New problem:\n"
        f"- Broken: {LINK} (on Petition)\n"
        "Keywords that appeared:\n"
        f'- "gesloten" on Petition ({PETITION})\n'
        "The digest: https://intranet.example/reports/digest-2024-03-12.html"
    )


def test_an_urgent_alert_is_sent_as_a_warning_and_an_all_clear_as_info(
    world: World, receiver: Receiver
) -> None:
    use(world, receiver.json_url())
    world.run({LINK: "ok"})
    deliver(world)
    world.run({LINK: "broken"})
    deliver(world)
    assert [m["type"] for m in receiver.messages()] == ["info", "warning"]


def test_without_reports_url_the_alert_names_the_digest_file_only(
    world: World, receiver: Receiver
) -> None:
    use(world, receiver.json_url())
    world.run({LINK: "ok"})
    deliver(world, "digest-2024-03-11.html")
    [sent] = receiver.messages()
    assert sent["message"].endswith("The digest: digest-2024-03-11.html in the reports folder")
    assert str(world.root) not in sent["message"]


def test_an_alert_names_a_few_new_problems_and_counts_the_rest(
    world: World, receiver: Receiver
) -> None:
    use(world, receiver.json_url())
    world.run({f"https://partner.example/r{i}": "broken" for i in range(8)})
    deliver(world)
    [sent] = receiver.messages()
    lines = sent["message"].splitlines()
    assert sum(line.startswith("- Broken: ") for line in lines) == notify.MAX_ITEMS
    assert "- and 3 more" in lines


def test_an_alert_names_the_counters_milestones(world: World) -> None:
    world.run({LINK: "ok"})
    passed = CounterCard(
        page_name="Petition", page_url=PETITION, group="Amnesty", name="signatures",
        label="people have signed", value=10150, shown="10,150", change=None, rate=None,
        goal=None, goal_shown=None, percent=None, bars=(), chart_alt="",
        news=("Passed 10,000.",),
    )  # fmt: skip
    msg = notify.message(replace(world.digest(), counters=(passed,)), "digest.html")
    assert "Counters:\n- Petition (people have signed): Passed 10,000.\n" in msg.body


def test_a_form_target_gets_the_same_alert(world: World, receiver: Receiver) -> None:
    use(world, f"form://127.0.0.1:{receiver.port}/form/{{HOOK}}")
    world.run({LINK: "broken"})
    deliver(world)
    [(path, body)] = receiver.posts
    fields = parse_qs(body.decode())
    assert fields["title"] == ["partner-monitor: 1 new problem"]
    assert path.startswith("/form/xoxb-7Hq9-s3cr3t")  # the secret reached the service only


# -- failures, the window --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trouble", "reason"),
    [
        pytest.param("server-error", "notify URL 1 (json://…): Failed to send JSON", id="500"),
        pytest.param("refused", "notify URL 1 (json://…): A Connection error", id="refused"),
        pytest.param(
            "no-variable",
            f"notify URL 1 (json://…): the environment variable {SECRET_ENV} "
            "(settings.notify_env.HOOK) is not set",
            id="variable-not-set",
        ),
    ],
)
def test_a_failed_alert_is_recorded_and_the_next_one_covers_the_missed_runs(
    world: World,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    trouble: str,
    reason: str,
) -> None:
    closed = Receiver(port=1)  # nothing listens on port 1 of loopback
    use(world, (closed if trouble == "refused" else receiver).json_url())
    if trouble == "server-error":
        receiver.status = 500
    if trouble == "no-variable":
        monkeypatch.delenv(SECRET_ENV)
    world.run({LINK: "broken"})

    failed = deliver(world)

    assert not failed.sent and failed.error is not None and failed.error.startswith(reason)
    assert world.store.last_digest("notify") is None  # the window did not move
    [attempt] = world.store.digest_failures("notify")
    assert attempt.error == failed.error

    receiver.status, receiver.posts = 200, []
    monkeypatch.setenv(SECRET_ENV, SECRET)
    use(world, receiver.json_url())
    world.run({LINK: "broken", OTHER: "broken"})
    assert deliver(world).sent
    [sent] = receiver.messages()
    assert sent["title"] == "partner-monitor: 2 new problems"
    last = world.store.last_digest("notify")
    assert last is not None and (last.first_run, last.last_run) == (1, 2)


def test_the_next_digest_says_the_alert_could_not_be_sent(world: World, receiver: Receiver) -> None:
    use(world, receiver.json_url())
    receiver.status = 500
    world.run({LINK: "broken"})
    deliver(world)
    world.run({LINK: "broken"})
    [notice] = [n for n in world.digest().notices if "chat alert" in n]
    assert notice.startswith("The chat alert could not be sent (1 try, the last ")


def test_a_failed_alert_leaves_the_run_s_exit_code_and_says_so_in_one_line(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    receiver.status = 500
    config_path = tmp_path / "w.yaml"
    config_path.write_text(
        notify_config(receiver.json_url()).replace(
            "settings:\n",
            f"settings:\n  database: {tmp_path / 'db.sqlite'}\n  reports_dir: {tmp_path / 'r'}\n",
        ),
        encoding="utf-8",
    )
    report = type("Report", (), {"run_id": 1, "pages": [], "links": [], "changed": 0,
                                 "outage": None, "counts": jobs.Counts(0, 0, ())})()  # fmt: skip

    def check(config: object, store: object, progress: object) -> object:
        return report

    def write(store: object, out: Path, *args: object) -> Path:
        out.mkdir(parents=True, exist_ok=True)
        (out / "digest-2024-03-11.html").write_text("d", encoding="utf-8")
        return out / "digest-2024-03-11.html"

    monkeypatch.setattr(jobs, "_check", check)
    monkeypatch.setattr(jobs, "_write_digest", write)
    outcome = jobs.run_once(loads(config_path.read_text(), path=config_path))
    assert outcome.problems == 0 and outcome.notify_error is not None
    assert "; chat alert NOT sent: notify URL 1 (json://…): Failed to send" in outcome.line


# -- the secret ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "port"),
    [
        pytest.param(200, None, id="sent"),
        pytest.param(500, None, id="refused-by-the-service"),
        pytest.param(200, 1, id="connection-refused"),
    ],
)
def test_the_secret_never_appears_in_logs_output_errors_the_database_or_the_digest(
    world: World,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    status: int,
    port: int | None,
) -> None:
    caplog.set_level(logging.DEBUG)  # Apprise and urllib3 print URLs at debug level
    receiver.status = status
    target = Receiver(port=port) if port else receiver
    use(
        world,
        target.json_url("hook/{HOOK}?token={HOOK}"),
        f"json://user:{{HOOK}}@127.0.0.1:{target.port}/basic",
    )
    world.run({LINK: "broken"})
    outcome = deliver(world)
    world.run({LINK: "broken"})
    written = world.write(text=True)
    assert outcome.sent is (status == 200 and port is None)
    assert caplog.records, "the send logs what it did"
    out, err = capfd.readouterr()
    db = b"".join(
        p.read_bytes() for p in (world.root / "state").iterdir() if p.name.startswith("monitor.db")
    )
    files = "".join(p.read_text(encoding="utf-8") for p in world.out.rglob("*") if p.is_file())
    logged = [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    for place in (*logged, caplog.text, out, err, str(outcome.error), files, str(written)):
        for form in (SECRET, "s3cr3t", "s3cr3t%2Btok3n"):
            assert form not in place
    assert b"s3cr3t" not in db


# -- the watch list --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        pytest.param(
            "  notify_env: {HOOK: PM_HOOK}\n  notify:\n    - 'slack://{HOK}'\n",
            "w.yaml:6: settings.notify: {HOK} is not declared in settings.notify_env "
            "(did you mean 'HOOK'?)",
            id="undeclared-placeholder",
        ),
        pytest.param(
            "  notify:\n    - 'json://127.0.0.1/x'\n    - 'slak://T/B/C'\n",
            "w.yaml:6: settings.notify (2nd item): Apprise knows no service 'slak://'",
            id="unknown-service",
        ),
        pytest.param(
            "  notify:\n    - 'json://user:hunter2@hooks.example/x'\n",
            "w.yaml:5: settings.notify (1st item): this json:// URL holds a secret",
            id="a-password-written-in-the-url",
        ),
        pytest.param(
            "  notify:\n    - 'slack://TokenA/TokenB/TokenC'\n",
            "w.yaml:5: settings.notify (1st item): this slack:// URL holds a secret",
            id="a-token-written-in-the-url",
        ),
        pytest.param(
            "  notify:\n    - 'hooks.example/x'\n",
            "w.yaml:5: settings.notify (1st item): is not an Apprise URL",
            id="not-a-url",
        ),
        pytest.param(
            "  notify_env: {HOOK: 'xoxb-the-token-itself'}\n",
            "w.yaml:4: settings.notify_env: HOOK: must be the NAME of an environment variable",
            id="a-secret-instead-of-a-variable-name",
        ),
    ],
)
def test_a_wrong_notify_setting_names_the_file_line_and_key(settings: str, problem: str) -> None:
    text = CONFIG.replace("  timezone: UTC\n", "  timezone: UTC\n" + settings)
    with pytest.raises(ConfigError) as caught:
        loads(text, file="w.yaml")
    assert str(caught.value.problems[0]).startswith(problem)


def test_notify_urls_validate_without_their_variables_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    config = loads(notify_config("slack://{HOOK}", "matrix://bot@matrix.example/{HOOK}"))
    assert config.settings.notify == ["slack://{HOOK}", "matrix://bot@matrix.example/{HOOK}"]


def test_no_notify_configured_is_an_outcome_not_an_error(world: World) -> None:
    world.run()
    outcome = deliver(world)
    assert outcome == notify.NotifyOutcome(
        False, "no chat alerts are configured (settings.notify)", 0
    )


# -- end to end ------------------------------------------------------------------------------


@pytest.mark.slow
def test_monitor_serve_alerts_the_chat_with_a_link_that_its_own_http_server_answers(
    tmp_path: Path, receiver: Receiver
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    with SimWeb(hosts=["127.0.0.2"]) as web:
        gone = web.route("127.0.0.2", "/gone", Route(status=404))
        url = web.route("127.0.0.2", "/campaign", Route.page("Campaign", "Sign.", links=[gone]))
        path = tmp_path / "watchlist.yaml"
        path.write_text(
            "settings:\n"
            f"  database: {tmp_path / 'state' / 'monitor.db'}\n"
            f"  reports_dir: {tmp_path / 'reports'}\n"
            "  confirm_delay_s: 0\n  archive_lookup: false\n  allow_private_links: true\n"
            "  connectivity_check: []\n"
            f"  http: {{listen: '127.0.0.1:{port}'}}\n"
            f"  reports_url: http://127.0.0.1:{port}/\n"
            f"  notify_env: {{HOOK: {SECRET_ENV}}}\n"
            f"  notify: ['{receiver.json_url()}']\n"
            f"watch:\n  - {{name: Campaign, url: '{url}'}}\n",
            encoding="utf-8",
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "serve", "--every", "1", "--config", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env={**os.environ, SECRET_ENV: SECRET},
        )
        try:
            assert wait_for(lambda: bool(receiver.posts), 60)
            sent = receiver.messages()[0]  # the first run's; later runs may follow
            link = sent["message"].splitlines()[-1].removeprefix("The digest: ")
            with urllib.request.urlopen(link, timeout=10) as answer:  # served by `serve`
                page = answer.read().decode("utf-8")
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert sent["title"] == "partner-monitor: 1 new problem"
    assert link.startswith(f"http://127.0.0.1:{port}/digest-") and "1 new problem" in page
    assert "chat alert sent" in err and SECRET not in out + err


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


# -- the docs --------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "serve.md"


def test_the_alert_shown_in_the_docs_is_the_one_sent(world: World) -> None:
    shown = re.search(r"each gets a short message.*?\n```\n(.*?)```", DOCS.read_text(), re.S)
    assert shown is not None
    world.config = loads(
        CONFIG.replace(
            "  timezone: UTC\n",
            "  timezone: UTC\n  reports_url: https://monitor.example.org/reports/\n",
        )
    )
    world.run()
    world.digest()
    world.run(
        {LINK: "broken"},
        pages={ARTICLE: "broken"},
        changes={PETITION: load_change("petition_closed.json")},
    )
    msg = notify.message(
        world.digest(), notify.digest_link(world.config.settings, "digest-2024-03-12.html")
    )
    assert f"{msg.title}\n{msg.body}\n" == shown.group(1)


@pytest.mark.parametrize(
    "block",
    re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S),
    ids=lambda b: b.splitlines()[1].strip()[:40],
)
def test_every_watch_list_in_docs_serve_loads(block: str) -> None:
    loads(block, file="docs/serve.md")


def test_validate_says_the_alerts_and_the_published_folder_are_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)  # not needed to validate
    path = tmp_path / "w.yaml"
    path.write_text(
        notify_config("slack://{HOOK}").replace(
            "  timezone: UTC\n", "  timezone: UTC\n  http: {listen: '127.0.0.1:8080'}\n"
        ),
        encoding="utf-8",
    )
    assert cli.main(["validate", "--config", str(path)]) == 0
    assert (
        capsys.readouterr()
        .out.rstrip()
        .endswith(", chat alerts to 1 notify URL, reports published on 127.0.0.1:8080 by serve")
    )


@pytest.mark.slow
def test_a_chat_service_that_never_answers_is_a_failed_alert_not_a_hung_run(
    world: World,
) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        use(world, Receiver(port=int(silent.getsockname()[1])).json_url())
        world.run({LINK: "broken"})
        outcome = deliver(world)  # Apprise's own time limits (4 s) end the wait
    assert not outcome.sent and world.store.last_digest("notify") is None
