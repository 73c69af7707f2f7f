"""What every part of a run shares: the watch list, the store, the fetcher, the clock,
host profiles for soft-404s, and the judgement of each answer (``classify``).
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from monitor import classify, media
from monitor.config import Config
from monitor.fetch import Fetcher
from monitor.fetch.render import Renderer
from monitor.models import FetchResult, HostProfile, LinkVerdict, host_key
from monitor.outage import HostTally, Outage
from monitor.pipeline.queue import LINKS_PER_HOST_SLOT, LINKS_PER_SLOT, LinkQueue
from monitor.pipeline.report import Clock, LinkReport, Progress
from monitor.store import Store


class RunBase:
    """State of one run: the fetcher, host profiles, the store, the clock."""

    def __init__(
        self, config: Config, store: Store, fetcher: Fetcher, now: Clock, progress: Progress | None
    ) -> None:
        self.config = config
        self.settings = config.settings
        self.store = store
        self.fetcher = fetcher
        self.now = now
        self.progress = progress
        self.profiles: dict[str, asyncio.Task[HostProfile]] = {}
        self.ignore_links = [re.compile(p) for p in self.settings.ignore_links]
        self.timed_out: set[str] = set()  # links whose last check timed out (go first)
        self.tally = HostTally()  # how each host answered, for the self-check
        self.queued: set[str] = set()  # link URLs handed to the queue
        self.outage: Outage | None = None  # set by run() when the run was ours to fail
        self.renderer: Renderer | None = None  # the run's browser, when a watch needs one
        s = self.settings
        self.queue = LinkQueue(
            self.link,
            fetcher,
            per_host=LINKS_PER_HOST_SLOT * s.per_host,
            limit=LINKS_PER_SLOT * s.concurrency,
        )
        # Watched pages are parsed on one worker thread, not on the event loop: index pages
        # of hundreds of links arriving together held the loop (and every link) for
        # seconds (bench/results/2026-12-04-design-notes.md). One thread, so the loop
        # still gets half of the interpreter.
        self.parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")

    async def profile(self, url: str) -> HostProfile:
        """The host's answer to a random missing path, asked once per host per run."""
        host = host_key(url)
        task = self.profiles.get(host)
        if task is None:
            task = asyncio.create_task(self._profile(url))
            self.profiles[host] = task
        return await task

    async def _profile(self, url: str) -> HostProfile:
        return classify.host_profile(await self.fetcher.missing_path(url))

    async def judge(
        self, result: FetchResult, *, watched: bool = False, landed: str | None = None
    ) -> LinkVerdict:
        """Status of a fetch; asks for the host profile only where it can matter (2xx HTML).

        ``watched``: judge it as a watched page (``classify.page_verdict``, with ``landed``,
        where its last readable check ended up), not as a link.
        """
        self.tally.observe(result)
        profile = None
        if (
            result.error is None
            and result.status_code is not None
            and 200 <= result.status_code < 300
            and media.may_be_html(result.headers.get("content-type", ""))
            and urlsplit(result.final_url).path not in ("", "/")
        ):
            profile = await self.profile(result.final_url)
        if watched:
            return classify.page_verdict(result, profile, landed=landed)
        return classify.classify(result, profile)

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)

    async def link(self, url: str) -> LinkReport:
        """Check one link (``links.Links``)."""
        raise NotImplementedError
