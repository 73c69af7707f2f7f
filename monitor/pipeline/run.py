"""One check run: the only place that combines the stages.

``check(config)`` fetches every watched page, extracts its text and links, compares
the text with the stored versions, checks every unique link once, records it all in
the store and returns a ``RunReport`` (the contract's ``--json`` report).

Stages it drives, in order, for one run::

    Fetcher.get(page)  → classify.classify → extract.page → compare.normalise/change
                       → (changed? wait, fetch again, confirm) → store.record_page
    unique links       → LinkQueue (a bounded number under way, host by host)
                       → Fetcher.probe → classify.classify (+ host profile for soft-404)
                       → (problem? archive lookup) → store.record_links in batches

Nothing here raises for a page or link that fails: that becomes a status. What does
raise is what stops a run: ``store.StoreError`` (database unusable).
"""

from __future__ import annotations

import asyncio
import contextlib

from monitor.config import Config, Watch
from monitor.fetch import Fetcher
from monitor.fetch.render import Renderer
from monitor.models import (
    Link,
)
from monitor.outage import Outage, judge, needs_probes
from monitor.pipeline.links import Links
from monitor.pipeline.pages import Pages
from monitor.pipeline.report import Clock, LinkReport, PageReport, Progress, RunReport, iso, utcnow
from monitor.store import Store


class _Run(Pages, Links):
    """One run: its watched pages, then its links, then its judgement of itself."""

    async def self_check(self) -> Outage | None:
        """Ask the control probes when most hosts failed at the network level; the outage
        when they fail too (``outage.judge``), else None. A normal run asks nothing."""
        probes = self.settings.connectivity_check
        if not probes or not needs_probes(self.tally):
            return None
        answers = await asyncio.gather(*(self.fetcher.get(url) for url in probes))
        return judge(self.tally, answers)

    async def run(self, run_id: int) -> tuple[list[PageReport], list[LinkReport]]:
        watches = self.config.watch
        self.timed_out = self.store.timed_out_links(run_id)
        done = 0

        page_links: list[tuple[Link, ...]] = [() for _ in watches]

        async def one(i: int, w: Watch) -> PageReport:
            nonlocal done
            out = await self.page(run_id, w)
            page_links[i] = out[1]
            done += 1
            self._tick("pages", done, len(watches))
            # A page's links are started as soon as it is parsed, not after the slowest
            # page: parsing the other pages then overlaps the network wait of these
            # links, and the first links go out sooner (see
            # bench/results/2026-12-04-design-notes.md). Links that timed out last time
            # go first (the queue's first lane).
            self.start_links(out[1])
            return out[0]

        pages = [asyncio.create_task(one(i, w)) for i, w in enumerate(watches)]
        try:
            page_reports = await asyncio.gather(*pages)
            # Where each link was found, in watch order as the report lists the pages; the
            # lists become the reports' found_on, and the pages' Link tuples are let go.
            found: dict[str, list[tuple[str, str]]] = {}
            for report, links in zip(page_reports, page_links, strict=True):
                for link in links:
                    found.setdefault(link.url, []).append((report.url, link.text))
            page_links.clear()
            link_reports = await self.links(run_id, found)
            self.outage = await self.self_check()
        except BaseException:
            # A run that stops (database error) leaves no page or link check behind.
            for task in pages:
                task.cancel()
            self.queue.cancel()
            raise
        finally:
            self.parser.shutdown(wait=False, cancel_futures=True)
        return page_reports, link_reports


async def check_async(
    config: Config,
    store: Store,
    *,
    now: Clock = utcnow,
    progress: Progress | None = None,
    fetcher: Fetcher | None = None,
) -> RunReport:
    """One pass over the watch list (see the module docstring). Returns the report.

    Raises ``store.StoreError`` when the database cannot be written; the run row then
    stays open and is marked aborted the next time the database is opened.
    """
    s = config.settings
    started = now()
    run_id = store.begin_run(iso(started), str(config.path))
    own = fetcher is None
    if fetcher is None:
        fetcher = Fetcher(
            user_agent=s.user_agent,
            timeout_s=s.timeout_s,
            concurrency=s.concurrency,
            per_host=s.per_host,
            retries=s.retries,
            allow_private_links=s.allow_private_links,
            max_page_bytes=int(s.max_page_mb * 1_000_000),
        )
    the_run = _Run(config, store, fetcher, now, progress)
    if any(w.in_browser for w in config.watch):
        # One browser for the run, started by the first page that needs it, closed below
        # whatever happens (a failure, a cancellation).
        the_run.renderer = Renderer(
            fetcher,
            user_agent=s.user_agent,
            concurrency=s.browser.concurrency,
            time_limit_s=s.browser.time_limit_s,
            max_total_bytes=int(s.browser.max_total_mb * 1_000_000),
            max_page_bytes=int(s.max_page_mb * 1_000_000),
            allow_private_links=s.allow_private_links,
        )
    try:
        async with contextlib.AsyncExitStack() as stack:
            if own:
                await stack.enter_async_context(fetcher)
            if the_run.renderer is not None:
                await stack.enter_async_context(the_run.renderer)
            pages, links = await the_run.run(run_id)
    except BaseException as exc:
        # Record why the run stopped when the database still takes writes; a kill
        # (SIGKILL) never gets here and is marked 'aborted' at the next open.
        with contextlib.suppress(Exception):  # the original error is the one to report
            store.finish_run(
                run_id,
                iso(now()),
                pages=0,
                links=0,
                problems=0,
                changed=0,
                state="failed",
                error=f"{type(exc).__name__}: {exc}"[:500],
            )
        raise
    finished = now()
    requests = fetcher.stats().requests if hasattr(fetcher, "stats") else 0
    if the_run.outage is not None:
        # Our outage, not the partners': nothing this run saw is kept against anyone.
        store.void_run(run_id, iso(finished), the_run.outage.to_json())
        return RunReport(
            run_id, iso(started), iso(finished), [], [], requests, outage=the_run.outage
        )
    report = RunReport(run_id, iso(started), iso(finished), pages, links, requests)
    store.finish_run(
        run_id,
        report.finished_at,
        pages=len(pages),
        links=len(links),
        problems=report.problems,
        changed=report.changed,
    )
    return report


def check(
    config: Config, store: Store, *, now: Clock = utcnow, progress: Progress | None = None
) -> RunReport:
    """Synchronous wrapper of ``check_async`` for the CLI and the scheduler."""
    return asyncio.run(check_async(config, store, now=now, progress=progress))
