"""Watched pages: fetch, judge, read, compare with the stored versions (confirmed by a
second look), record. The text-rules version that fingerprints stored text lives here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from email.utils import parsedate_to_datetime

from monitor import compare, extract, media
from monitor.config import Watch
from monitor.extract import TEXT_RULES
from monitor.extract import counters as counting
from monitor.models import (
    Change,
    ContentState,
    Counter,
    FetchResult,
    Link,
    Note,
    NoteKind,
    Page,
    Status,
)
from monitor.pipeline.base import RunBase
from monitor.pipeline.report import CounterReport, PageReport, change_to_json, iso
from monitor.store import CounterPoint, PageRecord, Version


class Pages(RunBase):
    """The watched pages of a run."""

    async def page(self, run_id: int, watch: Watch) -> tuple[PageReport, tuple[Link, ...]]:
        s = self.settings
        page_id = self.store.page_id(watch.url, watch.name, watch.partner)
        recent = self.store.recent_versions(page_id, s.recent_versions) if watch.content else []
        rules = _rules(watch)
        headers: dict[str, str] = {}
        # A page that showed counters is always read in full: a petition's count moves
        # without its validators (Last-Modified is to the second, a cached ETag stays).
        counted = self.store.last_counters(page_id, run_id) if watch.counter_rules else {}
        # Not after an edit of the text rules: a 304 then would keep the old text as the
        # baseline, and the next real change would be taken as the new one, unreported.
        if recent and recent[0].rules == rules and not counted:
            if recent[0].etag:
                headers["If-None-Match"] = recent[0].etag
            if recent[0].last_modified:
                headers["If-Modified-Since"] = recent[0].last_modified

        result, looked = await self._look(watch, headers)
        checked_at = iso(self.now())
        if result.not_modified and recent:
            return self._not_modified(run_id, page_id, watch, result, recent[0], checked_at)

        # Its first look is trusted to land where the maintainer meant it to.
        landed = self.store.last_landing(page_id)
        verdict = await self.judge(
            result, watched=True, landed=result.final_url if landed == "" else landed
        )
        report = PageReport(
            watch.name,
            watch.url,
            watch.partner,
            verdict.status,
            verdict.http_status,
            verdict.final_url,
            ContentState.UNAVAILABLE,
            error=verdict.reason,
        )
        rec = PageRecord(
            page_id=page_id,
            checked_at=checked_at,
            status=verdict.status,
            http_status=verdict.http_status,
            final_url=verdict.final_url,
            error=verdict.reason,
            content=ContentState.UNAVAILABLE,
        )
        links: tuple[Link, ...] = ()
        usable = verdict.status in (Status.OK, Status.MOVED) and result.error is None
        if not usable:
            # An error page is a status change, not a content diff: the last good
            # version stays the baseline.
            if verdict.block is not None:
                report.notes.append(Note.of(NoteKind.BLOCKED, by=verdict.block))
                rec = dataclasses.replace(rec, notes=tuple(report.notes))
            self._record(run_id, rec, report)
            return report, ()

        report.notes.extend(looked)
        if _is_html(result):
            parsed = await self._extract(result, watch, want_links=watch.links)
            links = parsed.links if watch.links else ()
            lines = compared_lines(parsed, watch)
            title = parsed.title
            report.notes.extend(parsed.notes)
            self._counters(counted, parsed.counters, report)
            rec = dataclasses.replace(rec, counters=parsed.counters)
            if watch.selector and not parsed.selector_matched:
                if not parsed.notes:
                    report.notes.append(
                        Note.of(NoteKind.SELECTOR_MATCHED_NOTHING, selector=watch.selector)
                    )
                rec = dataclasses.replace(
                    rec, notes=tuple(report.notes), occurrences=occurrences_of(links)
                )
                self._record(run_id, rec, report)
                report.links_found = len(links)
                return report, links
        else:
            # Non-HTML (PDF, image): the bytes are the content; a change is reported
            # by hash, size and type, without a text diff.
            digest = _sha(result.body)
            lines = (
                f"{result.content_type or 'unknown type'}, {len(result.body)} bytes, "
                f"sha256 {digest}",
            )
            if recent and len(recent[0].lines) == 1 and recent[0].lines[0].endswith(digest):
                # The same bytes under another declared type (application/octet-stream
                # one day, application/pdf the next) are the same file.
                lines = recent[0].lines
            title = None

        if result.truncated:
            # Said on the page, not hidden: links and text past the cap go unchecked.
            report.notes.append(Note.of(NoteKind.TRUNCATED, mb=f"{s.max_page_mb:g}"))
        etag = result.headers.get("etag")
        last_modified = lasting_last_modified(
            result.headers.get("last-modified"), result.headers.get("date")
        )
        if not watch.content:
            report.notes.append(Note.of(NoteKind.CONTENT_OFF))
        if watch.content:
            ignores = compare.compile_ignores(watch.ignore)
            normal = compare.normalise(lines, ignores)
            if (
                not watch.in_browser
                and _is_html(result)
                and extract.drawn_by_script(_page_body(result), normal)
            ):
                # Advice instead of silence: the text is the scripts' to draw (not "no
                # text: check the selector", which would send the maintainer astray).
                report.notes[:] = [n for n in report.notes if n.kind is not NoteKind.NO_TEXT]
                report.notes.append(Note.of(NoteKind.DRAWN_BY_SCRIPT))
            if not normal:
                # An empty answer is an outage of the page, not "everything was removed":
                # the last good version stays the baseline.
                said = (NoteKind.NO_TEXT, NoteKind.DRAWN_BY_SCRIPT)
                if not any(n.kind in said for n in report.notes):
                    report.notes.append(Note.of(NoteKind.NO_TEXT))
                rec = dataclasses.replace(
                    rec, notes=tuple(report.notes), occurrences=occurrences_of(links)
                )
                self._record(run_id, rec, report)
                report.links_found = len(links)
                return report, links
            if recent and recent[0].rules != rules and normal != recent[0].lines:
                # Made by other rules (the selector, the ignore list, or this program's
                # own), the stored text differs from today's in ways nobody wrote: a
                # quiet new baseline, said on the page, rather than a false "changed".
                change = Change(ContentState.BASELINE)
                report.notes.append(Note.of(NoteKind.RULES_CHANGED))
            else:
                change = compare.change([v.lines for v in recent], normal, keywords=watch.keywords)
            if change.state is ContentState.CHANGED:
                change, normal, unstable = await self._confirm(
                    watch, recent, normal, change, ignores
                )
                if unstable:
                    # This answer's validators describe the text that was not kept: stored
                    # on the kept version, they would get a 304 for the new text next run.
                    etag = last_modified = None
                    report.notes.append(Note.of(NoteKind.UNSTABLE))
            report.content = change.state
            report.change = change
            seen = (
                recent[change.matched_recent]
                if change.matched_recent is not None and recent
                else None
            )
            if change.state is ContentState.UNCHANGED and seen is None and recent:
                seen = recent[0]
            rec = dataclasses.replace(
                rec,
                content=change.state,
                version_lines=None if seen else normal,
                seen_version_id=seen.id if seen else None,
                prev_version_id=recent[0].id if recent else None,
                change=change_to_json(change) if change.state is ContentState.CHANGED else None,
                title=title,
                content_type=result.content_type,
                size=len(result.body),
                etag=etag,
                last_modified=last_modified,
                rules=rules,
            )
        rec = dataclasses.replace(rec, notes=tuple(report.notes), occurrences=occurrences_of(links))
        self._record(run_id, rec, report)
        report.links_found = len(links)
        return report, links

    @staticmethod
    def _counters(
        before: Mapping[str, CounterPoint], counters: Sequence[Counter], report: PageReport
    ) -> None:
        """``report`` learns this run's counters, each with its last earlier value."""
        for c in counters:
            last = before.get(c.name)
            report.counters.append(
                CounterReport(c, last.value, last.checked_at) if last else CounterReport(c)
            )

    def _record(self, run_id: int, rec: PageRecord, report: PageReport) -> None:
        """Write a watched page's check; ``report`` learns when its failing streak began."""
        self.store.record_page(run_id, rec, keep_versions=self.settings.keep_versions)
        if report.status.is_problem:
            report.first_failed_at = self.store.page_first_failed(run_id, rec.page_id)
            report.watching = (
                report.status.is_transient and report.first_failed_at == rec.checked_at
            )

    async def _confirm(
        self,
        watch: Watch,
        recent: Sequence[Version],
        first: tuple[str, ...],
        change: Change,
        ignores: Sequence[re.Pattern[str]],
    ) -> tuple[Change, tuple[str, ...], bool]:
        """Fetch a changed page once more; believe the change only if it is there again.

        Returns the change to report, the text to store, and whether the two looks differed.
        """
        await asyncio.sleep(self.settings.confirm_delay_s)
        again, _ = await self._look(watch, {})
        if (
            again.error is not None
            or again.status_code is None
            or not 200 <= again.status_code < 300
        ):
            return change, first, False  # the second look failed; the first answer stands
        if _is_html(again):
            parsed = await self._extract(again, watch, want_links=False)
            lines = compare.normalise(compared_lines(parsed, watch), ignores)
        else:
            lines = first if _sha(again.body) in first[0] else ("(different bytes)",)
        if lines == first:
            return change, first, False
        # The page differed between two looks seconds apart: a rotating block, a live
        # counter or a page in mid-edit. Nothing is reported this run (the stored version
        # stays current); a real edit is seen again, and confirmed, by the next run.
        return Change(ContentState.UNCHANGED, matched_recent=0), recent[0].lines, True

    async def _look(
        self, watch: Watch, headers: dict[str, str]
    ) -> tuple[FetchResult, tuple[Note, ...]]:
        """The watched page's answer: fetched (``headers``: its validators), or read in the
        run's browser for ``render: browser`` (no validators: a 304 says nothing of what
        the scripts draw), with what the browser noted."""
        if not watch.in_browser or self.renderer is None:
            return await self.fetcher.get(watch.url, headers=headers or None), ()
        seen = await self.renderer.render(
            watch.url, wait_for=watch.wait_for, load_media=watch.load_media
        )
        notes: list[Note] = []
        if not seen.settled and seen.result.error is None:
            limit = f"{self.renderer.time_limit_s:g}"
            if watch.wait_for:  # what it waited for is what did not come
                notes.append(Note.of(NoteKind.RENDER_TIME_LIMIT, s=limit, wait_for=watch.wait_for))
            else:
                notes.append(Note.of(NoteKind.RENDER_TIME_LIMIT, s=limit))
        if seen.capped:
            notes.append(
                Note.of(NoteKind.RENDER_CAPPED, mb=f"{self.settings.browser.max_total_mb:g}")
            )
        if seen.refused:
            notes.append(
                Note.of(NoteKind.RENDER_REFUSED, count=len(seen.refused), host=seen.refused[0])
            )
        return seen.result, tuple(notes)

    async def _extract(self, result: FetchResult, watch: Watch, *, want_links: bool) -> Page:
        """``extract.page`` of a watched page's answer, on the parser thread (a big page
        must not hold the event loop), the first look and the confirming one alike."""
        return await asyncio.get_running_loop().run_in_executor(
            self.parser,
            functools.partial(
                extract.page,
                _page_body(result),
                result.final_url,
                charset=_charset(result),
                selector=watch.selector,
                want_links=want_links,
                want_text=watch.content,
                counters=watch.counter_rules,
            ),
        )

    def _not_modified(
        self, run_id: int, page_id: int, watch: Watch, result: FetchResult, seen: Version, at: str
    ) -> tuple[PageReport, tuple[Link, ...]]:
        occurrences = self.store.last_occurrences(page_id, run_id) if watch.links else ()
        # The same page as last time shows the same counters: each one's last value again.
        last = self.store.last_counters(page_id, run_id) if watch.counter_rules else {}
        counters = tuple(
            Counter(p.name, p.kind, p.label, p.value, p.goal, p.text) for p in last.values()
        )
        self.store.record_page(
            run_id,
            PageRecord(
                page_id=page_id,
                checked_at=at,
                status=Status.OK,
                http_status=304,
                final_url=result.final_url,
                error=None,
                content=ContentState.UNCHANGED,
                seen_version_id=seen.id,
                prev_version_id=seen.id,
                occurrences=occurrences,
                notes=(Note.of(NoteKind.NOT_MODIFIED),),
                counters=counters,
            ),
        )
        links = tuple(Link(u, t, tag) for u, t, tag in occurrences)
        report = PageReport(
            watch.name,
            watch.url,
            watch.partner,
            Status.OK,
            304,
            result.final_url,
            ContentState.UNCHANGED,
            notes=[Note.of(NoteKind.NOT_MODIFIED)],
            links_found=len(links),
            counters=[
                CounterReport(c, p.value, p.checked_at)
                for c, p in zip(counters, last.values(), strict=True)
            ],
        )
        return report, links


def lasting_last_modified(last_modified: str | None, date: str | None) -> str | None:
    """A page's ``Last-Modified`` worth sending back as ``If-Modified-Since``, or None.

    Times in HTTP have one-second steps: a page edited again within the second its answer
    names (a static server answering just after the file was written) would keep that
    Last-Modified, and a server comparing times would answer 304 for the new text. Such a
    validator is weak (RFC 9110, 8.8.2.2): kept only when it is at least a second older
    than the answer's ``Date`` (or when the answer has no readable ``Date``).
    """
    if not last_modified:
        return None
    if not date:
        return last_modified
    try:
        modified, sent = parsedate_to_datetime(last_modified), parsedate_to_datetime(date)
        too_recent = sent - modified < timedelta(seconds=1)
    except (TypeError, ValueError):
        return last_modified
    return None if too_recent else last_modified


def _rules(watch: Watch) -> str:
    """Fingerprint of what turns ``watch``'s page into its compared text: the program's
    rules (``TEXT_RULES``), the page's selector, its ignore rules, the counters it names
    (cut from the text) and, for a page read in a browser, that (what the scripts draw is
    other text: a quiet new baseline, not a change, when a watch starts or stops using the
    browser). The last two only when set, so every other page keeps its fingerprint."""
    made_by: list[object] = [TEXT_RULES, watch.selector, list(watch.ignore)]
    if isinstance(watch.counters, list):
        made_by.append([c.model_dump() for c in watch.counters])
    if watch.in_browser:
        made_by.append("render: browser")
    return _sha(json.dumps(made_by).encode())[:16]


def _is_html(result: FetchResult) -> bool:
    """True for an answer to read as a page (``media.is_html``)."""
    return media.is_html(result.headers.get("content-type", ""), result.body)


def _page_body(result: FetchResult) -> bytes:
    """The body to read a page from: all of it, or when the size cap cut it, up to the
    last closing tag. The cap cuts wherever the bytes end, so the text of the last element
    moved with any edit above it (a nonce in <head>): a change nobody made."""
    if not result.truncated:
        return result.body
    cut = result.body.rfind(b"</")
    return result.body[:cut] if cut > 0 else result.body


def compared_lines(parsed: Page, watch: Watch | None = None) -> tuple[str, ...]:
    """A watched page's text as compared, from the first look and the confirming one
    alike: ``parsed``'s lines, the page's headline first when extraction put it there
    (``extract``). The ``<title>`` itself is not compared: "Headline | Site name" added
    the site's name above every page (issue 17), and a changed headline shows in the
    ``<h1>``. The counters ``watch`` names are cut, as the noise rules cut the ones they
    know: a counter moving is never a content change. The seam the benchmarks score
    through."""
    if watch is not None and isinstance(watch.counters, list) and parsed.counters:
        return counting.cut(parsed.lines, parsed.counters)
    return parsed.lines


def occurrences_of(links: Iterable[Link]) -> tuple[tuple[str, str, str], ...]:
    """Where a page's links are, as the store keeps them: (URL, anchor text, tag)."""
    return tuple((li.url, li.text, li.tag) for li in links)


def _charset(result: FetchResult) -> str | None:
    return media.charset(result.headers.get("content-type", ""))


def _sha(body: bytes) -> str:
    import hashlib

    return hashlib.sha256(body).hexdigest()
