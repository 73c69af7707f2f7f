"""One set of numbers for a run: the terminal, the JSON summary and the digest agree.

Pure. A problem is counted once per affected URL, watched pages and links together (a
closed petition that is watched and linked from two pages is one problem), and a
transient failure seen for the first time (a timeout, a 5xx, an unreachable host) is
counted as ``watching``: a problem the next check confirms or clears, as the digest
lists it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.models import Status


@dataclass(frozen=True)
class Counts:
    """What one run found, per URL."""

    problems: int  # URLs in a problem status, watching ones included
    watching: int  # of them, transient failures seen for the first time
    statuses: tuple[tuple[Status, int], ...]  # problem URLs by status, most first

    @property
    def to_act_on(self) -> int:
        return self.problems - self.watching


def count(items: Iterable[tuple[str, Status, bool]]) -> Counts:
    """Counts of ``(url, status, watching)`` items, pages and links of one run together.

    A URL that is both a watched page and a link counts once: by its worst entry (a
    confirmed problem over one being watched).
    """
    worst: dict[str, tuple[Status, bool]] = {}
    for url, status, watching in items:
        if not status.is_problem:
            continue
        seen = worst.get(url)
        if seen is None or (seen[1] and not watching):
            worst[url] = (status, watching)
    by_status = Counter(status for status, _ in worst.values())
    return Counts(
        problems=len(worst),
        watching=sum(watching for _, watching in worst.values()),
        statuses=tuple(sorted(by_status.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
