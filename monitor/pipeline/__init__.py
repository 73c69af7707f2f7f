"""One check run (``monitor check``): the only place that combines the stages.

``check(config, store)`` fetches every watched page, extracts its text and links,
compares the text with the stored versions, checks every unique link once, records it
all in the store and returns a ``RunReport`` (the contract's ``--json`` report).

Modules: ``report`` (the report), ``base`` (what a run shares), ``pages`` (watched
pages), ``links`` (links), ``queue`` (link checks waiting their turn) and ``run`` (the
run as a whole, its judgement of itself, and ``check``).
"""

from monitor.extract import TEXT_RULES
from monitor.pipeline.report import (
    Clock,
    LinkReport,
    PageReport,
    Progress,
    RunReport,
    change_to_json,
    iso,
    utcnow,
)
from monitor.pipeline.run import check, check_async

__all__ = [
    "TEXT_RULES",
    "Clock",
    "LinkReport",
    "PageReport",
    "Progress",
    "RunReport",
    "change_to_json",
    "check",
    "check_async",
    "iso",
    "utcnow",
]
