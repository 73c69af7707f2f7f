"""Slots and lanes: how many requests are in flight, in all and per host, and who goes next.

Limits. Every HTTP request holds a slot of its host (``scheme://netloc``, ``per_host``
slots) and then a global slot (``concurrency`` slots) from sending the request until the
body is read or abandoned. The host slot is taken first so a task queuing for a busy
host never sits on a global slot; no slot is held while sleeping for a backoff or a
host's ``Retry-After``. Waiters get slots in three lanes (``Lane``): watched pages and
host profiles first, then the retries of timed-out attempts and the links that timed out
the day before, then the rest, first come, first served, except that a caller who
declares how many links each host has left (``prefer_hosts``) has the rest served host
by host, the host with the most left first. ``timeout_s`` is one ``asyncio.timeout``
around each attempt (connect, headers and body), so a server that trickles bytes forever
still times out.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import heapq
import itertools
from collections import deque
from collections.abc import Callable, Mapping
from typing import Protocol


class Lane(enum.IntEnum):
    """Which queue a request waits in for its slots; a lower lane is served first.

    ``FIRST``: watched pages and host profiles. A page unlocks hundreds of links, and a
    host profile is asked when the host's first 2xx HTML answer comes in, when every
    other link to that host is already queued; behind them it came last, and every answer
    waiting for it (body included) was held until the host's queue had drained, which
    more than doubled a large run's peak memory.

    ``SLOW``: the retry of a timed-out attempt, and a link whose last check (the day
    before) timed out. Each costs a slot for ``timeout_s`` per attempt, so it is the
    longest job and goes first: at the back of the queue a retry of a timed-out link ran
    after thousands of links, at the end of the run, and a link that hangs, started last,
    is what the whole run waits for. A retry of a link first found slow in this run
    enters it only once the links not yet tried stop waiting, or when too many such
    retries wait (``Fetcher._defer_retry``).

    ``NORMAL``: everything else: new links, redirect hops and the other retries. Short
    jobs stay behind the links queued before them on purpose: served first, they pushed
    back the first attempt of every link not yet tried, hanging ones included. First
    come, first served, or by host (``prefer_hosts``).

    Measurements behind each lane: bench/results/2026-12-04-design-notes.md.
    """

    FIRST = 0
    SLOW = 1
    NORMAL = 2


class _Waiters(Protocol):
    """The waiters of one lane of ``Slots``: who asked, and whose turn is next."""

    def __len__(self) -> int: ...

    def add(self, waiter: asyncio.Future[None], key: str) -> None: ...

    def drop(self, waiter: asyncio.Future[None], key: str) -> None:
        """Forget a waiter that gave up; ValueError when it is not waiting."""

    def take(self) -> asyncio.Future[None]:
        """The next waiter to serve, removed (the lane is not empty)."""


class _Fifo(deque[asyncio.Future[None]]):
    """Waiters served in arrival order, whatever their host."""

    def add(self, waiter: asyncio.Future[None], key: str) -> None:
        self.append(waiter)

    def drop(self, waiter: asyncio.Future[None], key: str) -> None:
        self.remove(waiter)

    def take(self) -> asyncio.Future[None]:
        return self.popleft()


class _ByBacklog:
    """Waiters served host by host, the host with the most links left first.

    With first come, first served, a host got global slots in proportion to its own
    slots that were free to ask for them, so the hosts whose slots were held by hanging
    links or idle through ``Retry-After`` pauses fell behind and ended the run alone, a
    handful of hosts working through their queues in its last seconds. Served by links
    left, the hosts end together.

    ``backlog`` maps a host key to the links it has left (the caller keeps it current).
    Each host with waiters has one heap entry, under the count read when it was pushed;
    a host at the top whose count changed goes back in under its new count. A count that
    grew while the host sat lower (its links were still being found) would leave it
    there, starved, until every other host fell below it, as all its slots already wait
    here and no new request of it comes: so the heap is rebuilt from the counts once per
    round of the hosts waiting (O(hosts) every hosts + 1 requests).
    """

    def __init__(self, backlog: Mapping[str, int]) -> None:
        self._backlog = backlog
        self._waiting: dict[str, deque[asyncio.Future[None]]] = {}
        self._heap: list[tuple[int, int, str]] = []  # (-links left when pushed, order, host)
        self._in_heap: set[str] = set()  # hosts with their entry (waiters or not)
        self._order = itertools.count()  # among equal counts, the host pushed first
        self._len = 0
        self._takes = 0  # since the heap was last rebuilt

    def __len__(self) -> int:
        return self._len

    def add(self, waiter: asyncio.Future[None], key: str) -> None:
        queue = self._waiting.get(key)
        if queue is None:
            queue = self._waiting[key] = deque()
        queue.append(waiter)
        self._len += 1
        if key not in self._in_heap:
            self._in_heap.add(key)
            heapq.heappush(self._heap, (-self._backlog.get(key, 0), next(self._order), key))

    def drop(self, waiter: asyncio.Future[None], key: str) -> None:
        queue = self._waiting.get(key)
        if queue is None:
            raise ValueError("not waiting")
        queue.remove(waiter)
        self._len -= 1
        if not queue:
            del self._waiting[key]  # its heap entry is dropped when it comes to the top

    def take(self) -> asyncio.Future[None]:
        self._takes += 1
        if self._takes > len(self._waiting):
            self._rebuild()
        heap = self._heap
        while True:
            pushed, _, key = heap[0]
            queue = self._waiting.get(key)
            if queue is None:  # nobody of this host waits any more
                heapq.heappop(heap)
                self._in_heap.discard(key)
                continue
            left = self._backlog.get(key, 0)
            if left != -pushed:  # its count changed since: back in under the new one
                heapq.heapreplace(heap, (-left, next(self._order), key))
                continue
            waiter = queue.popleft()
            self._len -= 1
            if not queue:
                del self._waiting[key]
            return waiter

    def _rebuild(self) -> None:
        backlog, order = self._backlog, self._order
        self._heap = [(-backlog.get(key, 0), next(order), key) for key in self._waiting]
        heapq.heapify(self._heap)
        self._in_heap = set(self._waiting)
        self._takes = 0


class Slots:
    """A counting semaphore with one queue per ``Lane``; lower lanes are served first.

    Within each lane waiters are served in arrival order (like ``asyncio.Semaphore``), or
    for the ``NORMAL`` lane by host (``serve_by_backlog``); a released slot is handed
    straight to the next waiter. The limit is the same for all lanes, and ``slow_cap``
    (when given) bounds how many slots the ``SLOW`` lane may hold at once: past it, a
    slot goes to the next lane instead (see ``Fetcher._slow_cap``).
    """

    def __init__(
        self,
        value: int,
        slow_cap: Callable[[], int] | None = None,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self._free = value
        self._lanes: list[_Waiters] = [_Fifo() for _ in Lane]
        self._slow_cap = slow_cap
        self._slow_held = 0
        # Told when a slot was released (and handed on) or a waiter left its queue.
        self._on_change = on_change or (lambda: None)

    def serve_by_backlog(self, backlog: Mapping[str, int]) -> None:
        """From now on serve the ``NORMAL`` lane host by host (``_ByBacklog``)."""
        if len(self._lanes[Lane.NORMAL]):
            raise RuntimeError("serve_by_backlog while requests wait")
        self._lanes[Lane.NORMAL] = _ByBacklog(backlog)

    def waiting(self, lane: Lane) -> int:
        """How many wait for a slot in ``lane``."""
        return len(self._lanes[lane])

    def _may_take(self, lane: Lane) -> bool:
        return lane is not Lane.SLOW or self._slow_cap is None or self._slow_held < self._slow_cap()

    async def acquire(self, lane: Lane = Lane.NORMAL, key: str = "") -> None:
        """Wait for a slot in ``lane``; ``key``: the host the request counts for."""
        if self._free > 0 and not any(self._lanes) and self._may_take(lane):
            self._take(lane)
            return
        queue = self._lanes[lane]
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.add(waiter, key)
        self._dispatch()  # a slot may be free for this lane although others wait
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release(lane)  # handed a slot while being cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    queue.drop(waiter, key)
                self._on_change()  # one waiter fewer: what waited behind it may go
            raise

    def release(self, lane: Lane = Lane.NORMAL) -> None:
        self._free += 1
        if lane is Lane.SLOW:
            self._slow_held -= 1
        self._dispatch()
        self._on_change()

    def _take(self, lane: Lane) -> None:
        self._free -= 1
        if lane is Lane.SLOW:
            self._slow_held += 1

    def _dispatch(self) -> None:
        """Hand free slots to waiters, lowest lane first, within the SLOW lane's cap."""
        while self._free > 0:
            for lane, queue in zip(Lane, self._lanes, strict=True):
                if not queue or not self._may_take(lane):
                    continue
                waiter = queue.take()
                if not waiter.done():
                    self._take(lane)
                    waiter.set_result(None)
                break  # look again from the first lane
            else:
                return
