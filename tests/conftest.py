"""Fixtures shared by the whole test suite (keep them small and generic)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from monitor.demo.web import SimWeb

# Loopback addresses used as separate "hosts" (all of 127.0.0.0/8 works on Linux).
SIM_HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")


@pytest.fixture
def simweb() -> Iterator[SimWeb]:
    """A started ``SimWeb`` serving ``SIM_HOSTS``, each with a real 404 for unknown paths."""
    with SimWeb(hosts=SIM_HOSTS) as web:
        yield web


# Property tests: CI runs a fixed, reproducible set of examples (a red CI is a real
# regression, never bad luck); `pytest --hypothesis-profile=explore` searches fresh ones.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
_hypothesis_settings.register_profile("explore", max_examples=2000)
_hypothesis_settings.load_profile("ci")
