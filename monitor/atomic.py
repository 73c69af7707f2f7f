"""Files that are there whole or not at all: the digests, ``latest.html``, ``index.html``
and the JSON report.

``write_fully`` writes and fsyncs; ``atomic_write`` goes through a temp file in the same
folder and ``os.replace``, so a crash or a full disk leaves the old file or the new one,
never half of one. Both raise ``OSError``; the caller says what it means.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path


def write_fully(path: Path, data: str | Iterable[str]) -> None:
    """Write ``data`` (text, or pieces of it) to ``path``, created or truncated, and fsync."""
    pieces = [data] if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for piece in pieces:
            view = memoryview(piece.encode("utf-8"))
            while view:
                view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_beside(path: Path) -> Path:
    """The hidden temp file ``path`` is written through (one per process)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def atomic_write(path: Path, data: str | Iterable[str]) -> None:
    """Replace ``path`` by ``data`` in one step (``os.replace`` of a fsynced temp file);
    the temp file is removed when anything fails."""
    tmp = temp_beside(path)
    try:
        write_fully(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
