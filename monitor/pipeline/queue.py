"""Link checks waiting to start, a bounded number at a time, host by host."""

from __future__ import annotations

import asyncio
import functools
from collections import Counter, deque
from collections.abc import Callable, Coroutine
from typing import Any

from monitor.fetch import Fetcher
from monitor.models import (
    host_key,
)
from monitor.pipeline.report import LinkReport

# Link checks under way at once, per link host (times ``per_host``) and in all (times
# ``concurrency``: 1024 checks by default); the others wait as URLs in LinkQueue. See
# there for why.
LINKS_PER_HOST_SLOT = 8

LINKS_PER_SLOT = 16


class LinkQueue:
    """Link checks waiting to start, started a bounded number at a time, host by host.

    Links wait as URLs in a deque rather than as tasks: a task started for each link as
    soon as its page was parsed kept its chain of coroutines down to the fetcher's slot
    queue (Task, seven frames, a context manager, a future) alive while it waited, a few
    KB per link not yet checked, and those set the run's peak memory. At most ``limit``
    checks run at once.

    At most ``per_host`` checks run per link host, eight times the fetcher's per-host
    slots, so that checks asleep on a backoff, waiting for their host profile or hanging
    do not leave the host's slots idle. A link whose host is at its limit is parked and
    started when a check of that host ends, ahead of the links queued after it.

    Links that timed out last run (``first``) start before the others, as the fetcher's
    SLOW lane serves them, but only while no SLOW request waits for a global slot: started
    at once, each waited for its share of the global slots on a slot of its host, and with
    ten such links per host no host slot was left for the other links. The fetcher is
    told what is still to come (``Fetcher.expect``), so the SLOW lane's share is counted
    from all the work left, as when every link waited there.

    The fetcher is also told how many links each host has left (``Fetcher.prefer_hosts``)
    and serves the hosts furthest behind first, so hosts whose slots hanging links and
    ``Retry-After`` pauses had kept busy no longer end the run alone.

    Measurements behind each rule: bench/results/2026-12-04-design-notes.md.

    Results, in the order they finish, come out of ``result()``; a check that raised
    raises there.
    """

    def __init__(
        self,
        check: Callable[[str], Coroutine[Any, Any, LinkReport]],
        fetcher: Fetcher,
        *,
        per_host: int,
        limit: int,
    ) -> None:
        self._check = check
        self._fetcher = fetcher
        self._per_host = per_host
        self._limit = limit
        # Lanes: [0] links that timed out last run, [1] the others; (host, URL) in arrival
        # order.
        self._pending: tuple[deque[tuple[str, str]], ...] = (deque(), deque())
        self._parked: dict[str, tuple[deque[str], deque[str]]] = {}  # host -> its waiting
        self._running: Counter[str] = Counter()  # host -> checks under way
        self._left: Counter[str] = Counter()  # host -> links queued or under way
        fetcher.prefer_hosts(self._left)
        self._tasks: set[asyncio.Task[LinkReport]] = set()  # strong references: asyncio's are weak
        self._results: asyncio.Queue[LinkReport | BaseException] = asyncio.Queue()

    def add(self, url: str, *, first: bool) -> None:
        """Check ``url`` when its turn comes (``first``: ahead of the others); see ``pump``."""
        host = host_key(url)
        self._pending[not first].append((host, url))
        self._left[host] += 1
        self._fetcher.expect(1, slow=first)

    def put(self, report: LinkReport) -> None:
        """A result that needed no check (a skipped link)."""
        self._results.put_nowait(report)

    async def result(self) -> LinkReport:
        """The next result to finish; raises what a check raised."""
        item = await self._results.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def cancel(self) -> None:
        """Drop the waiting links and cancel the checks under way."""
        for lane in self._pending:
            lane.clear()
        self._parked.clear()
        for task in list(self._tasks):
            task.cancel()

    def pump(self) -> None:
        """Start waiting links while there is room.

        Called after ``add`` for all of one page's links, so the ``first`` ones among
        them start before the others, and whenever a check ends.
        """
        while len(self._tasks) < self._limit:
            if self._pending[0] and not self._fetcher.slow_waiting():
                lane = 0
            elif self._pending[1]:
                lane = 1
            else:
                return
            host, url = self._pending[lane].popleft()
            if self._running[host] < self._per_host:
                self._start(host, url, lane)
            else:
                self._parked.setdefault(host, (deque(), deque()))[lane].append(url)

    def _start(self, host: str, url: str, lane: int) -> None:
        self._fetcher.expect(-1, slow=lane == 0)
        self._running[host] += 1
        task = asyncio.create_task(self._check(url))
        self._tasks.add(task)
        task.add_done_callback(functools.partial(self._finished, host))

    def _finished(self, host: str, task: asyncio.Task[LinkReport]) -> None:
        self._tasks.discard(task)
        self._running[host] -= 1
        if not self._running[host]:
            del self._running[host]  # no entry left behind per host
        self._left[host] -= 1
        if not self._left[host]:
            del self._left[host]
        parked = self._parked.get(host)
        if parked is not None:
            # Parked links came to the front of the queue before any still pending; one
            # expected slow goes back to the front of its lane, to start when it may.
            if parked[0]:
                self._pending[0].appendleft((host, parked[0].popleft()))
            else:
                self._start(host, parked[1].popleft(), 1)
            if not (parked[0] or parked[1]):
                del self._parked[host]
        self.pump()
        if not task.cancelled():
            error = task.exception()
            self._results.put_nowait(task.result() if error is None else error)
