"""Links: each unique link checked once, skipped by rule, queued host by host, recorded
in batches with the start of its failing streak.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from monitor.models import (
    Link,
    Status,
)
from monitor.pipeline.base import RunBase
from monitor.pipeline.report import LinkReport, iso
from monitor.store import LinkRecord

# Links to files whose body says nothing about soft-404s are checked with HEAD
# (falling back to GET); pages get a short streamed GET so title and heading can be read.
_BINARY_SUFFIXES = re.compile(
    r"\.(pdf|jpe?g|png|gif|webp|svg|ico|zip|gz|tgz|rar|7z|docx?|xlsx?|pptx?|odt|ods|mp3|mp4|"
    r"m4a|mov|avi|webm|woff2?|ttf|otf|eot|css|js|json|xml|csv|txt)$",
    re.IGNORECASE,
)

_LINK_BATCH = 200  # link results per database transaction


class Links(RunBase):
    """The links of a run."""

    def skip_reason(self, link: Link) -> str | None:
        if link.skip_reason:
            return link.skip_reason
        for pattern in self.ignore_links:
            if pattern.search(link.url):
                return f"ignored by settings.ignore_links ({pattern.pattern})"
        return None

    async def link(self, url: str) -> LinkReport:
        method = "HEAD" if _BINARY_SUFFIXES.search(urlsplit(url).path) else "GET"
        result = await self.fetcher.probe(url, method=method, expect_slow=url in self.timed_out)
        verdict = await self.judge(result)
        suggestion = verdict.suggestion
        if verdict.status.is_problem and self.settings.archive_lookup and not suggestion:
            suggestion = await self.fetcher.archive_lookup(self.settings.archive_api, url)
        return LinkReport(
            url,
            verdict.status,
            verdict.http_status,
            verdict.final_url,
            verdict.reason,
            suggestion=suggestion,
        )

    def start_links(self, links: Iterable[Link]) -> None:
        """Queue the check of each link whose URL was not queued already, and start some.

        The skip reason depends only on the URL (its scheme, ``ignore_links``), so the
        page that happened to be parsed first may start it.
        """
        for link in links:
            if link.url in self.queued:
                continue
            self.queued.add(link.url)
            skip = self.skip_reason(link)
            if skip:
                self.queue.put(LinkReport(link.url, Status.SKIPPED, None, None, skip))
            else:
                self.queue.add(link.url, first=link.url in self.timed_out)
        self.queue.pump()

    async def links(self, run_id: int, found: dict[str, list[tuple[str, str]]]) -> list[LinkReport]:
        """Collect the checks queued by ``start_links`` as they end: one per link of ``found``.

        ``found``: link URL -> [(page URL, anchor text)]; each report takes its list as
        ``found_on``.
        """
        total = len(found)
        reports: list[LinkReport] = []
        batch: list[LinkReport] = []
        for done in range(1, total + 1):
            rep = await self.queue.result()
            batch.append(rep)
            if len(batch) >= _LINK_BATCH:
                self._write_links(run_id, batch)
                reports.extend(batch)
                batch = []
            self._tick("links", done, total)
        self._write_links(run_id, batch)
        reports.extend(batch)
        for rep in reports:
            rep.found_on = found[rep.url]
        reports.sort(key=lambda r: r.url)
        return reports

    def _write_links(self, run_id: int, batch: list[LinkReport]) -> None:
        at = iso(self.now())
        first = self.store.record_links(
            run_id,
            [
                LinkRecord(r.url, at, r.status, r.http_status, r.final_url, r.error, r.suggestion)
                for r in batch
            ],
        )
        for r in batch:
            r.first_failed_at = first.get(r.url)
            # Failed for the first time with a failure that may pass: watched, not yet told.
            r.watching = r.status.is_transient and r.first_failed_at == at
