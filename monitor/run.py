"""One check run: the only place that combines the stages.

``check(config)`` fetches every watched page, extracts its text and links, compares
the text with the stored versions, checks every unique link once, records it all in
the store and returns a ``RunReport`` (the contract's ``--json`` report).

Stages it drives, in order, for one run::

    Fetcher.get(page)  → check.classify → extract.page → compare.normalise/change
                       → (changed? wait, fetch again, confirm) → store.record_page
    unique links       → _LinkQueue (a bounded number under way, host by host)
                       → Fetcher.probe → check.classify (+ host profile for soft-404)
                       → (problem? archive lookup) → store.record_links in batches

Nothing here raises for a page or link that fails: that becomes a status. What does
raise is what stops a run: ``store.StoreError`` (database unusable).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from monitor import check as checker
from monitor import compare, extract, noise
from monitor.config import Config, Watch
from monitor.fetch import Fetcher
from monitor.models import (
    TEXT_RULES_CHANGED,
    Change,
    ContentState,
    FetchResult,
    HostProfile,
    Link,
    LinkVerdict,
    Page,
    Status,
    host_key,
)
from monitor.store import LinkRecord, PageRecord, Store, Version

Clock = Callable[[], datetime]
Progress = Callable[[str, int, int], None]  # (stage "pages"|"links", done, total)

# Links to files whose body says nothing about soft-404s are checked with HEAD
# (falling back to GET); pages get a short streamed GET so title and heading can be read.
_BINARY_SUFFIXES = re.compile(
    r"\.(pdf|jpe?g|png|gif|webp|svg|ico|zip|gz|tgz|rar|7z|docx?|xlsx?|pptx?|odt|ods|mp3|mp4|"
    r"m4a|mov|avi|webm|woff2?|ttf|otf|eot|css|js|json|xml|csv|txt)$",
    re.IGNORECASE,
)
_LINK_BATCH = 200  # link results per database transaction
# Link checks under way at once, per link host (times ``per_host``) and in all (times
# ``concurrency``: 1024 checks, ~5 MB, by default); the others wait as URLs in
# _LinkQueue. See there for the numbers.
_LINKS_PER_HOST_SLOT = 8
_LINKS_PER_SLOT = 16


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """The report's timestamp form: ISO-8601 in UTC, to the second."""
    return dt.astimezone(UTC).isoformat(timespec="seconds")


@dataclass
class PageReport:
    """The contract's ``pages[]`` item."""

    name: str
    url: str
    partner: str | None
    status: Status
    http_status: int | None
    final_url: str | None
    content: ContentState
    error: str | None = None
    note: str | None = None
    change: Change | None = None
    first_failed_at: str | None = None
    links_found: int = 0

    def to_json(self) -> dict[str, Any]:
        ch = self.change
        return {
            "name": self.name,
            "url": self.url,
            "partner": self.partner,
            "status": str(self.status),
            "http_status": self.http_status,
            "final_url": self.final_url,
            "error": self.error,
            "content": str(self.content),
            "diff": (
                {"added": list(ch.added), "removed": list(ch.removed)}
                if ch and self.content is ContentState.CHANGED
                else None
            ),
            "keywords": [{"word": k.word, "event": k.event} for k in ch.keywords] if ch else [],
            "note": self.note,
            "links_found": self.links_found,
        }


@dataclass(slots=True)
class LinkReport:
    """The contract's ``links[]`` item (one per link of a run: slots, no ``__dict__``)."""

    url: str
    status: Status
    http_status: int | None
    final_url: str | None
    error: str | None
    found_on: list[tuple[str, str]] = field(default_factory=list)  # (page url, anchor text)
    first_failed_at: str | None = None
    suggestion: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": str(self.status),
            "http_status": self.http_status,
            "final_url": self.final_url,
            "error": self.error,
            "found_on": [{"page": p, "text": t} for p, t in self.found_on],
            "first_failed_at": self.first_failed_at,
            "suggestion": self.suggestion,
        }


@dataclass
class RunReport:
    """What one ``monitor check`` found: the contract's JSON report."""

    run_id: int
    started_at: str
    finished_at: str
    pages: list[PageReport]
    links: list[LinkReport]
    requests: int = 0

    def __repr__(self) -> str:
        # Short on purpose: asyncio.run (3.11) formats its main task, result included, when
        # it restores the SIGINT handler (signal.getsignal -> a ValueError message). The
        # dataclass repr of every link was a 13 MB string at the end of a 10 000-link run
        # (tracemalloc), only to be cut to a few characters by reprlib.
        return (
            f"RunReport(run_id={self.run_id}, pages={len(self.pages)}, "
            f"links={len(self.links)}, requests={self.requests})"
        )

    @property
    def problems(self) -> int:
        return sum(p.status.is_problem for p in self.pages) + sum(
            link.status.is_problem for link in self.links
        )

    @property
    def changed(self) -> int:
        return sum(p.content is ContentState.CHANGED for p in self.pages)

    def _head(self) -> dict[str, Any]:
        return {
            "run": {
                "id": self.run_id,
                "started_at": self.started_at,
                "finished_at": self.finished_at,
            },
            "summary": {
                "pages": len(self.pages),
                "links": len(self.links),
                "problems": self.problems,
                "changed": self.changed,
            },
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self._head(),
            "pages": [p.to_json() for p in self.pages],
            "links": [link.to_json() for link in self.links],
        }

    def json_text(self) -> Iterator[str]:
        """``json.dumps(self.to_json(), indent=2, ensure_ascii=False)``, one item at a time.

        The report as one tree of dicts, then one string, took 35 MB at 10 000 links
        (tracemalloc), at the end of the run: the run's peak once the link checks had
        become small (see _LinkQueue). One item at a time it takes 0.2 MB. Nested items
        are indented by replacing newlines, which JSON escapes inside strings.
        """

        def dumps(value: Any, level: int) -> str:
            text = json.dumps(value, indent=2, ensure_ascii=False)
            return text.replace("\n", "\n" + "  " * level)

        yield "{"
        for key, value in self._head().items():
            yield f"\n  {json.dumps(key)}: {dumps(value, 1)},"
        items: tuple[tuple[str, Sequence[PageReport | LinkReport]], ...] = (
            ("pages", self.pages),
            ("links", self.links),
        )
        for key, rows in items:
            yield f"\n  {json.dumps(key)}: ["
            for i, row in enumerate(rows):
                yield f"{',' if i else ''}\n    {dumps(row.to_json(), 2)}"
            yield "\n  ]" if rows else "]"
            yield "," if key == "pages" else "\n}"


def change_to_json(ch: Change) -> dict[str, Any]:
    """A ``Change`` as stored in the database (and read back by the digest)."""
    return {
        "state": str(ch.state),
        "added": list(ch.added),
        "removed": list(ch.removed),
        "hunks": [
            {"heading": h.heading, "added": list(h.added), "removed": list(h.removed)}
            for h in ch.hunks
        ],
        "words": [
            {"heading": w.heading, "segments": [list(s) for s in w.segments]} for w in ch.words
        ],
        "keywords": [{"word": k.word, "event": k.event} for k in ch.keywords],
        "matched_recent": ch.matched_recent,
    }


class _LinkQueue:
    """Link checks waiting to start, started a bounded number at a time, host by host.

    Each link used to get its task as soon as its page was parsed, and that task's chain
    of coroutines down to the fetcher's slot queue (Task, seven frames, a context manager,
    a future) waited there: ~5 KB per link not yet checked, by tracemalloc, and a peak RSS
    of 159 MB at 10 000 links and 451 MB at 50 000 (bench/run.py). A link that waits here
    is a URL in a deque, and at most ``limit`` checks (a few MB) run at once.

    At most ``per_host`` checks run per link host, eight times the fetcher's per-host
    slots, so that checks asleep on a backoff, waiting for their host profile or hanging
    do not leave the host's slots idle: a 10 000-link daily run took 31.9 s with twice,
    30.9 s with four times, 29.2 s with eight times (29.5 s before this queue). A link
    whose host is at its limit is parked and started when a check of that host ends,
    ahead of the links queued after it.

    Links that timed out last run (``first``) start before the others, as the fetcher's
    SLOW lane serves them, but only while no SLOW request waits for a global slot: started
    at once, each waited for its share of the global slots on a slot of its host, and with
    ten such links per host no host slot was left for the other links (bench/run.py,
    50 000 links, daily run: 215 s, against 182 s before this queue and 140 s with this
    rule). The fetcher is told what is still to come (``Fetcher.expect``), so the SLOW
    lane's share is counted from all the work left, as when every link waited there.

    The fetcher is also told how many links each host has left (``Fetcher.prefer_hosts``)
    and serves the hosts furthest behind first: hosts whose slots hanging links and
    ``Retry-After`` pauses had kept busy no longer end the run alone (bench/run.py,
    50 000 links: first run 153.7 -> 143.9 s, daily run 138.7 -> 135.3 s; at 10 000
    links the daily run's 29.3 -> 28.7-29.1 s is within the half second two runs differ by).

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


class _Run:
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
        self.queued: set[str] = set()  # link URLs handed to the queue
        s = self.settings
        self.queue = _LinkQueue(
            self.link,
            fetcher,
            per_host=_LINKS_PER_HOST_SLOT * s.per_host,
            limit=_LINKS_PER_SLOT * s.concurrency,
        )
        # Watched pages are parsed on one worker thread, not on the event loop: 20 index
        # pages of 500 links arriving together held the loop (and every link) for ~2 s in
        # bench/run.py. One thread, so the loop still gets half of the interpreter.
        self.parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract")

    # -- helpers ----------------------------------------------------------------------

    async def profile(self, url: str) -> HostProfile:
        """The host's answer to a random missing path, asked once per host per run."""
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        task = self.profiles.get(host)
        if task is None:
            task = asyncio.create_task(self._profile(url))
            self.profiles[host] = task
        return await task

    async def _profile(self, url: str) -> HostProfile:
        return checker.host_profile(await self.fetcher.missing_path(url))

    async def classify(
        self, result: FetchResult, *, watched: bool = False, landed: str | None = None
    ) -> LinkVerdict:
        """Status of a fetch; asks for the host profile only where it can matter (2xx HTML).

        ``watched``: judge it as a watched page (``check.page_verdict``, with ``landed``,
        where its last readable check ended up), not as a link.
        """
        profile = None
        if (
            result.error is None
            and result.status_code is not None
            and 200 <= result.status_code < 300
            and "html" in result.content_type
            and urlsplit(result.final_url).path not in ("", "/")
        ):
            profile = await self.profile(result.final_url)
        if watched:
            return checker.page_verdict(result, profile, landed=landed)
        return checker.classify(result, profile)

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)

    # -- watched pages ----------------------------------------------------------------

    async def page(self, run_id: int, watch: Watch) -> tuple[PageReport, tuple[Link, ...]]:
        s = self.settings
        page_id = self.store.page_id(watch.url, watch.name, watch.partner)
        recent = self.store.recent_versions(page_id, s.recent_versions) if watch.content else []
        rules = _rules(watch)
        headers: dict[str, str] = {}
        # Not after an edit of the text rules: a 304 then would keep the old text as the
        # baseline, and the next real change would be taken as the new one, unreported.
        if recent and recent[0].rules == rules:
            if recent[0].etag:
                headers["If-None-Match"] = recent[0].etag
            if recent[0].last_modified:
                headers["If-Modified-Since"] = recent[0].last_modified

        result = await self.fetcher.get(watch.url, headers=headers or None)
        checked_at = iso(self.now())
        if result.not_modified and recent:
            return self._not_modified(run_id, page_id, watch, result, recent[0], checked_at)

        # Its first look is trusted to land where the maintainer meant it to.
        landed = self.store.last_landing(page_id)
        verdict = await self.classify(
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
        rec = dict(
            page_id=page_id,
            checked_at=checked_at,
            status=str(verdict.status),
            http_status=verdict.http_status,
            final_url=verdict.final_url,
            error=verdict.reason,
            content=str(ContentState.UNAVAILABLE),
        )
        links: tuple[Link, ...] = ()
        usable = verdict.status in (Status.OK, Status.MOVED) and result.error is None
        if not usable:
            # An error page is a status change, not a content diff: the last good
            # version stays the baseline.
            self.store.record_page(run_id, PageRecord(**rec))  # type: ignore[arg-type]
            return report, ()

        if _is_html(result):
            parsed = await self._parse(result, watch, want_links=watch.links)
            links = parsed.links if watch.links else ()
            lines = _compared_lines(parsed, watch)
            title = parsed.title
            report.note = parsed.note
            if watch.selector and not parsed.selector_matched:
                report.note = parsed.note or f"selector {watch.selector!r} matched nothing"
                rec.update(note=report.note, content=str(ContentState.UNAVAILABLE))
                rec["occurrences"] = tuple((li.url, li.text, li.tag) for li in links)
                self.store.record_page(run_id, PageRecord(**rec))  # type: ignore[arg-type]
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
            cap_mb = s.max_page_mb
            capped = (
                f"the page is larger than {cap_mb:g} MB; only the first {cap_mb:g} MB were "
                "read (raise settings.max_page_mb to read it all)"
            )
            report.note = _also(capped, report.note)
        etag = result.headers.get("etag")
        last_modified = result.headers.get("last-modified")
        if not watch.content:
            report.note = report.note or "content not watched (content: false)"
        if watch.content:
            ignores = compare.compile_ignores(watch.ignore)
            normal = compare.normalise(lines, ignores)
            if not normal:
                # An empty answer is an outage of the page, not "everything was removed":
                # the last good version stays the baseline.
                report.note = report.note or "the page answered with no text"
                rec.update(note=report.note)
                rec["occurrences"] = tuple((li.url, li.text, li.tag) for li in links)
                self.store.record_page(run_id, PageRecord(**rec))  # type: ignore[arg-type]
                report.links_found = len(links)
                return report, links
            if recent and recent[0].rules != rules and normal != recent[0].lines:
                # Made by other rules (the selector, the ignore list, or this program's
                # own), the stored text differs from today's in ways nobody wrote: a
                # quiet new baseline, said on the page, rather than a false "changed".
                change = Change(ContentState.BASELINE)
                report.note = _also(
                    f"{TEXT_RULES_CHANGED} since its last version (its selector or ignore "
                    "rules, or partner-monitor's own), so this version is a new baseline and "
                    "was not compared; `monitor diff` shows how the two differ",
                    report.note,
                )
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
                    report.note = _also(
                        "the text differed between two looks seconds apart, so no change is "
                        "reported; if this repeats, add an `ignore` rule for the part that moves",
                        report.note,
                    )
            report.content = change.state
            report.change = change
            seen = (
                recent[change.matched_recent]
                if change.matched_recent is not None and recent
                else None
            )
            if change.state is ContentState.UNCHANGED and seen is None and recent:
                seen = recent[0]
            rec.update(
                content=str(change.state),
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
        rec["note"] = report.note
        rec["occurrences"] = tuple((li.url, li.text, li.tag) for li in links)
        self.store.record_page(run_id, PageRecord(**rec), keep_versions=s.keep_versions)  # type: ignore[arg-type]
        report.links_found = len(links)
        return report, links

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
        again = await self.fetcher.get(watch.url)
        if (
            again.error is not None
            or again.status_code is None
            or not 200 <= again.status_code < 300
        ):
            return change, first, False  # the second look failed; the first answer stands
        if _is_html(again):
            parsed = await self._parse(again, watch, want_links=False)
            lines = compare.normalise(_compared_lines(parsed, watch), ignores)
        else:
            lines = first if _sha(again.body) in first[0] else ("(different bytes)",)
        if lines == first:
            return change, first, False
        # The page differed between two looks seconds apart: a rotating block, a live
        # counter or a page in mid-edit. Nothing is reported this run (the stored version
        # stays current); a real edit is seen again, and confirmed, by the next run.
        return Change(ContentState.UNCHANGED, matched_recent=0), recent[0].lines, True

    async def _parse(self, result: FetchResult, watch: Watch, *, want_links: bool) -> Page:
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
            ),
        )

    def _not_modified(
        self, run_id: int, page_id: int, watch: Watch, result: FetchResult, seen: Version, at: str
    ) -> tuple[PageReport, tuple[Link, ...]]:
        occurrences = self.store.last_occurrences(page_id, run_id) if watch.links else ()
        self.store.record_page(
            run_id,
            PageRecord(
                page_id=page_id,
                checked_at=at,
                status=str(Status.OK),
                http_status=304,
                final_url=result.final_url,
                error=None,
                content=str(ContentState.UNCHANGED),
                seen_version_id=seen.id,
                prev_version_id=seen.id,
                occurrences=occurrences,
                note="not modified (304)",
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
            note="not modified (304)",
            links_found=len(links),
        )
        return report, links

    # -- links ------------------------------------------------------------------------

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
        verdict = await self.classify(result)
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
                LinkRecord(
                    r.url, at, str(r.status), r.http_status, r.final_url, r.error, r.suggestion
                )
                for r in batch
            ],
        )
        for r in batch:
            r.first_failed_at = first.get(r.url)

    # -- the run ----------------------------------------------------------------------

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
            # links. In bench/run.py (20 index pages of 500 links) the first link went
            # out at 1.7 s instead of 2.5 s after start. Links that timed out last time
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
        except BaseException:
            # A run that stops (database error) leaves no page or link check behind.
            for task in pages:
                task.cancel()
            self.queue.cancel()
            raise
        finally:
            self.parser.shutdown(wait=False, cancel_futures=True)
        return page_reports, link_reports


# Bump when the same page would give other compared lines: extract's rules (noise, main
# content) or what _compared_lines adds. Versions stored under another value become a
# quiet new baseline on their next change instead of a false "changed" (see _rules).
# 2 (30 Nov 2026): the title line; live counts and relative times cut within lines.
# 3 (4 Dec 2026): main content chosen between trafilatura's modes and readability-lxml;
# the h1 first only when the title does not say it; fewer noise rules cutting real text.
_TEXT_RULES = 3


def _rules(watch: Watch) -> str:
    """Fingerprint of what turns ``watch``'s page into its compared text: the program's
    rules (``_TEXT_RULES``), the page's selector and its ignore rules."""
    return _sha(json.dumps([_TEXT_RULES, watch.selector, list(watch.ignore)]).encode())[:16]


def _is_html(result: FetchResult) -> bool:
    """True for an answer to read as a page: declared HTML, or undeclared and markup."""
    return "html" in result.content_type or (
        not result.content_type and result.body.lstrip()[:1] == b"<"
    )


def _page_body(result: FetchResult) -> bytes:
    """The body to read a page from: all of it, or when the size cap cut it, up to the
    last closing tag. The cap cuts wherever the bytes end, so the text of the last element
    moved with any edit above it (a nonce in <head>): a change nobody made."""
    if not result.truncated:
        return result.body
    cut = result.body.rfind(b"</")
    return result.body[:cut] if cut > 0 else result.body


def _compared_lines(parsed: Page, watch: Watch) -> tuple[str, ...]:
    """A watched page's text as compared, from the first look and the confirming one
    alike: ``parsed``'s lines, with its title first (a title that turns into "Petition
    closed" is news; its dates and counts are left out) unless a selector chose the part
    to watch, the title only repeats the first heading, or there is no text at all."""
    lines, title = parsed.lines, noise.steady_title(parsed.title)
    if watch.selector or not title or not lines or lines[0] == f"# {title}":
        return lines
    return (f"Title: {title}", *lines)


def _also(note: str, earlier: str | None) -> str:
    """``note`` first, then what was already noted (a page over the size cap, say)."""
    return f"{note}; {earlier}" if earlier else note


def _charset(result: FetchResult) -> str | None:
    m = re.search(r"charset=([\w.:-]+)", result.headers.get("content-type", ""), re.IGNORECASE)
    return m.group(1).strip("'\"") if m else None


def _sha(body: bytes) -> str:
    import hashlib

    return hashlib.sha256(body).hexdigest()


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
    try:
        if own:
            async with fetcher:
                pages, links = await _Run(config, store, fetcher, now, progress).run(run_id)
        else:
            pages, links = await _Run(config, store, fetcher, now, progress).run(run_id)
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
    report = RunReport(run_id, iso(started), iso(finished), pages, links)
    report.requests = fetcher.stats().requests if hasattr(fetcher, "stats") else 0
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
