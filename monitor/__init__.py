"""partner-monitor: watches campaign partner pages for broken links and content changes.

The pipeline, stage by stage (each a module or package of its own)::

    config       watch list (YAML) -> Config              validated, every mistake at once
    fetch        URL -> FetchResult                       the only network code
    classify     FetchResult -> status and reason         pure
    extract      HTML -> text lines and links             pure (noise: what moves in a line)
    compare      stored versions + text -> Change         pure
    outage       the run's judgement of itself            pure
    pipeline     one run: all of the above -> RunReport   ``monitor check``
    store        SQLite history                           the only database code
    digest       history -> Digest -> HTML / text files   ``monitor digest``
    mail         the digest by e-mail
    service      cron, the run lock, ``monitor run``, ``monitor serve``
    cli          the command line (thin)

The public API below is imported on first use, so ``monitor validate`` loads no more
than it needs.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/partner-monitor/partner-monitor"

_PUBLIC = {
    "Config": "monitor.config",
    "ConfigError": "monitor.config",
    "load": "monitor.config",
    "check": "monitor.pipeline",
    "RunReport": "monitor.pipeline",
    "Store": "monitor.store",
    "StoreError": "monitor.store",
    "Digest": "monitor.digest",
    "write_digest": "monitor.digest:write",
    "MonitorError": "monitor.errors",
    "Status": "monitor.models",
    "ContentState": "monitor.models",
}
__all__ = ["PROJECT_URL", "__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    where = _PUBLIC.get(name)
    if where is None:
        raise AttributeError(f"module 'monitor' has no attribute {name!r}")
    module, _, attr = where.partition(":")
    return getattr(importlib.import_module(module), attr or name)
