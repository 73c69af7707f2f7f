"""Fixtures shared by the whole test suite (keep them small and generic)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from monitor.config import model as config_model
from monitor.testing.web import SimWeb

# Loopback addresses used as separate "hosts" (all of 127.0.0.0/8 works on Linux).
SIM_HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")


@pytest.fixture
def simweb() -> Iterator[SimWeb]:
    """A started ``SimWeb`` serving ``SIM_HOSTS``, each with a real 404 for unknown paths."""
    with SimWeb(hosts=SIM_HOSTS) as web:
        yield web


class _Up(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def internet_probe() -> Iterator[str]:
    """A control probe URL that always answers (the "internet" of the self-check)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Up)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _probes_on_loopback(internet_probe: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the internet: a watch list without ``connectivity_check`` gets
    a loopback probe that answers, so every run is judged as one with internet access."""
    monkeypatch.setattr(config_model, "DEFAULT_CONNECTIVITY_CHECK", (internet_probe,))


# Property tests: CI runs a fixed, reproducible set of examples (a red CI is a real
# regression, never bad luck); `pytest --hypothesis-profile=explore` searches fresh ones.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
_hypothesis_settings.register_profile("explore", max_examples=2000)
_hypothesis_settings.load_profile("ci")
