"""The public API: every name ``monitor`` exports resolves, and nothing is loaded for it
before it is asked for."""

from __future__ import annotations

import subprocess
import sys

import pytest

import monitor


@pytest.mark.parametrize("name", sorted(set(monitor.__all__)))
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(monitor, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        monitor.no_such_thing  # noqa: B018


def test_validating_a_watch_list_loads_neither_the_pipeline_nor_the_service() -> None:
    code = (
        "import sys, monitor.config as c; c.Settings(); "
        "print(sorted(m for m in sys.modules if m.startswith(('monitor.pipeline', "
        "'monitor.service.serve', 'httpx'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
