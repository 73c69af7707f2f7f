"""Which checks go in which section: the new / still / watching / fixed state machine,
content changes, and the digest's verdict (``build``). Reads the store; pure otherwise."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor import wording
from monitor.config import DEFAULT_PATH, Config, Watch
from monitor.digest.advice import (
    BADGES,
    block_of,
    blocked_advice,
    is_problem,
    note_advice,
    plain_words,
    status_of,
    suggestion_label,
    watch_badge,
)
from monitor.digest.changes import page_changes
from monitor.digest.counters import cards
from monitor.digest.model import Digest, Group, Item, PageChange, Place
from monitor.digest.paths import history_path
from monitor.digest.text import Clock, clean, is_http_url, without_paths
from monitor.models import Status
from monitor.outage import INCONCLUSIVE, Outage
from monitor.store import CheckRow, Occurrence, PageCheckRow, RunRow, Store

# -- build ----------------------------------------------------------------------------------


@dataclass
class _Tracked:
    """A link's or page's check state at one digest boundary."""

    last: CheckRow | PageCheckRow | None
    confirmed: bool  # in a problem status a campaigner has been (or is now) told about
    problem: bool


def _state(checks: Sequence[CheckRow | PageCheckRow] | None) -> _Tracked:
    """Problem state from the newest two checks (newest first).

    A definite failure (broken, soft_404, tls_error) is confirmed at once; a transient
    one (timeout, server_error, unreachable) only when the check before it failed too.
    """
    if not checks:
        return _Tracked(None, False, False)
    last = checks[0]
    st = status_of(last.status)
    if st is None or not st.is_problem:
        return _Tracked(last, False, False)
    confirmed = not st.is_transient or (len(checks) > 1 and is_problem(checks[1].status))
    return _Tracked(last, confirmed, True)


def _problem_section(now: _Tracked, then: _Tracked, told: bool) -> str:
    """Where a current problem goes: "watching" until a second run confirms a transient
    one, "still" when the last digest (``told``) showed this same failing streak, else "new".
    """
    if not now.confirmed:
        return "watching"
    assert now.last is not None
    same_streak = (
        told and then.last is not None and then.last.first_failed_at == now.last.first_failed_at
    )
    return "still" if same_streak else "new"


@dataclass
class _Lists:
    """Items by section, one per URL: a watched page and links to it become one item."""

    items: dict[tuple[str, str], Item] = field(default_factory=dict)  # (section, url)
    moved_before: int = 0
    blocked_before: int = 0
    skipped: int = 0

    def add(self, section: str, item: Item) -> None:
        key = (section, item.url)
        other = self.items.get(key)
        if other is None:
            self.items[key] = item
            return
        page, link = (other, item) if other.page is not None else (item, other)
        self.items[key] = replace(
            page,
            places=page.places + link.places,
            suggestion=page.suggestion or link.suggestion,
            suggestion_label=page.suggestion_label if page.suggestion else link.suggestion_label,
        )

    def section(self, name: str) -> list[Item]:
        return [item for (section, _), item in self.items.items() if section == name]


class Builder:
    def __init__(
        self,
        store: Store,
        after: int,
        upto: int,
        config: Config | None,
        clock: Clock,
    ) -> None:
        self.store = store
        self.after = after
        self.upto = upto
        self.clock = clock
        self._page_checks: dict[int, dict[str, list[PageCheckRow]]] = {}  # run -> checks
        self.watches: dict[str, Watch] | None = (
            {w.url: w for w in config.watch} if config is not None else None
        )
        # Named in the digest only when it is a real file (not a test's string).
        self.watchlist: Path | None = (
            config.path if config is not None and config.path.is_file() else None
        )

    def page_checks(self, run: int) -> dict[str, list[PageCheckRow]]:
        """The newest two checks of each watched page up to run ``run``; read once per
        digest for every section that needs them."""
        if run <= 0:
            return {}
        if run not in self._page_checks:
            self._page_checks[run] = self.store.recent_page_checks(run, 2)
        return self._page_checks[run]

    # where links are --------------------------------------------------------------

    def watched(self, page_url: str) -> bool:
        return self.watches is None or page_url in self.watches

    def group_of(self, page_url: str, name: str, partner: str | None) -> str:
        watch = self.watches.get(page_url) if self.watches is not None else None
        return clean(watch.group if watch is not None else partner or name)

    def page_name(self, page_url: str, name: str) -> str:
        watch = self.watches.get(page_url) if self.watches is not None else None
        return clean(watch.name if watch is not None else name)

    def occurrences(self, run: int) -> dict[str, list[Occurrence]]:
        if run <= 0:
            return {}
        found = self.store.latest_occurrences(run)
        out: dict[str, list[Occurrence]] = {}
        for url, occ in found.items():
            kept = [o for o in occ if self.watched(o.page_url)]
            if kept:
                out[url] = kept
        return out

    def places(self, occ: Sequence[Occurrence]) -> tuple[Place, ...]:
        """Where a link is, one place per page and anchor text, in watch-list order."""
        out: list[Place] = []
        seen: set[tuple[str, str]] = set()
        for o in occ:
            if (o.page_url, o.text) in seen:
                continue
            seen.add((o.page_url, o.text))
            out.append(
                Place(
                    self.page_name(o.page_url, o.page_name),
                    clean(o.page_url, limit=None),
                    clean(o.text) or "(no link text)",
                    self.group_of(o.page_url, o.page_name, o.partner),
                )
            )
        return tuple(out)

    # items -------------------------------------------------------------------------

    def item(
        self,
        row: CheckRow | PageCheckRow,
        *,
        places: tuple[Place, ...] = (),
        page: Place | None = None,
        note: str | None = None,
        badge: tuple[str, str] | None = None,
    ) -> Item:
        """An ``Item`` for a link (``places``) or a watched page (``page``) from its check."""
        symbol, word = badge or BADGES.get(row.status, ("•", row.status))
        suggestion = row.suggestion if isinstance(row, CheckRow) else None
        if not is_http_url(suggestion):
            suggestion = None  # not a replacement anyone can use (and never a javascript: link)
        headline = clean(row.error, limit=500) or plain_words(
            row.status, row.http_status, row.final_url, row.url
        )
        first = page or (places[0] if places else None)
        return Item(
            kind="page" if page is not None else "link",
            url=clean(row.url, limit=None),
            status=row.status,
            badge=word,
            symbol=symbol,
            headline=headline,
            group=first.group if first is not None else "",
            places=places,
            page=page,
            since=self.clock.since(row.first_failed_at),
            checked=self.clock.when(row.checked_at),
            suggestion=clean(suggestion, limit=None) or None,
            suggestion_label=suggestion_label(suggestion, row.status) if suggestion else None,
            note=note,
            history=history_path(row.url),
        )

    @staticmethod
    def _was(then: _Tracked, url: str) -> str:
        """What a reported problem was, in words, for the "fixed" line."""
        assert then.last is not None
        last = then.last
        return clean(last.error) or plain_words(last.status, last.http_status, last.final_url, url)

    # links -------------------------------------------------------------------------

    def links(self, out: _Lists) -> None:
        """File every link found on a watched page (now, or at the last digest) in a section."""
        occ_now = self.occurrences(self.upto)
        occ_then = self.occurrences(self.after)
        now_checks = self.store.recent_link_checks(self.upto, 2) if self.upto > 0 else {}
        then_checks = self.store.recent_link_checks(self.after, 2) if self.after > 0 else {}

        for url in sorted(set(occ_now) | set(occ_then)):
            now = _state(now_checks.get(url))
            then = _state(then_checks.get(url))
            row = now.last
            if row is None:
                continue
            assert isinstance(row, CheckRow)
            linked = url in occ_now
            # "Told": the last digest showed it as a confirmed problem.
            told = then.confirmed and url in occ_then
            places = self.places(occ_now.get(url) or occ_then.get(url) or [])
            if linked and now.problem:
                section = _problem_section(now, then, told)
                badge = watch_badge(row) if section == "watching" else None
                out.add(section, self.item(row, places=places, badge=badge))
            elif told and not (linked and row.status is Status.BLOCKED):
                if not linked:
                    note = "No longer linked: the link was removed or replaced"
                elif row.status is Status.MOVED:
                    note = "Answers again, through a permanent redirect: update the link"
                elif row.status is Status.SKIPPED:
                    note = "No longer checked (a rule now skips it)"
                else:
                    note = "Answers normally again"
                out.add(
                    "fixed",
                    self.item(
                        row,
                        places=places,
                        badge=BADGES["ok"],
                        note=f"{note} (was: {self._was(then, url)}).",
                    ),
                )
            elif linked and row.status in (Status.MOVED, Status.BLOCKED):
                prev = then.last
                seen_before = (
                    isinstance(prev, CheckRow)
                    and prev.status == row.status
                    and prev.suggestion == row.suggestion
                    and url in occ_then
                )
                if seen_before:
                    if row.status is Status.MOVED:
                        out.moved_before += 1
                    else:
                        out.blocked_before += 1
                    continue
                # A reported problem that now blocks checks is not known to be fixed.
                unverified = (
                    "It was reported broken before; now the site will not let it be checked."
                    if told
                    else None
                )
                out.add(row.status, self.item(row, places=places, note=unverified))
            elif linked and row.status is Status.SKIPPED:
                out.skipped += 1

    # watched pages -----------------------------------------------------------------

    def pages(self, out: _Lists) -> None:
        """File every watched page that is (or was, at the last digest) in a problem status."""
        now_checks = self.page_checks(self.upto)
        then_checks = self.page_checks(self.after)
        for url in sorted(set(now_checks) | set(then_checks)):
            if not self.watched(url):
                continue
            now = _state(now_checks.get(url))
            then = _state(then_checks.get(url))
            row = now.last
            if row is None:
                continue
            assert isinstance(row, PageCheckRow)
            page = Place(
                self.page_name(url, row.name),
                clean(url, limit=None),
                "",
                self.group_of(url, row.name, row.partner),
            )
            if now.problem:
                section = _problem_section(now, then, then.confirmed)
                badge = watch_badge(row) if section == "watching" else None
                out.add(section, self.item(row, page=page, badge=badge))
            elif then.confirmed and row.status is not Status.BLOCKED:
                # A blocked page is listed under Needs attention: its text still cannot be
                # read, so it is not "answering again".
                note = f"The watched page answers again (was: {self._was(then, url)})."
                out.add("fixed", self.item(row, page=page, badge=BADGES["ok"], note=note))

    def reading(self) -> tuple[int, int]:
        """(watched pages, those whose newest check did not read them): failed, blocked,
        or never checked."""
        checks = self.page_checks(self.upto)
        urls = set(self.watches) if self.watches is not None else set(checks)
        unread = 0
        for url in urls:
            rows = checks.get(url)
            if not rows or rows[0].status not in (Status.OK, Status.MOVED):
                unread += 1
        return len(urls), unread

    def attention(self) -> list[Item]:
        """Watched pages whose content is not (fully) compared, with advice: pages that
        answer with a note that says so, and pages that are ``blocked`` (a login page, a
        login form, bot protection), whose text cannot be read at all.

        Reads each page's newest check (and the one before, for notes that count only when
        repeated); a page in a problem status is listed with the problems instead.
        """
        checks = self.page_checks(self.upto)
        watchlist = (self.watchlist or DEFAULT_PATH).name  # never a path of this machine
        out: list[Item] = []
        for url, rows in sorted(checks.items()):
            row = rows[0]
            if not self.watched(url):
                continue
            advice: tuple[str, str] | None
            if row.status is Status.BLOCKED:
                # Not a problem for a link (only listed), but a watched page behind a login
                # is a page nobody watches any more: never an "all clear". A 429 ("too many
                # requests") passes by itself more often than not: listed when repeated.
                if row.http_status == 429 and not (
                    len(rows) > 1 and rows[1].status is Status.BLOCKED
                ):
                    continue
                advice = (
                    "Blocked",
                    blocked_advice(row.http_status, block_of(row.notes), watchlist=watchlist),
                )
            elif row.status in (Status.OK, Status.MOVED):
                earlier = rows[1].notes if len(rows) > 1 else ()
                advice = note_advice(
                    row.notes, content=row.content, earlier=earlier, watchlist=watchlist
                )
            else:
                continue
            if advice is None:
                continue
            badge, said = advice
            page = Place(
                self.page_name(url, row.name),
                clean(url, limit=None),
                "",
                self.group_of(url, row.name, row.partner),
            )
            item = self.item(row, page=page, badge=("⚠", badge))
            out.append(replace(item, headline=said))
        return out

    def changes(self) -> tuple[list[PageChange], list[str], list[str]]:
        """Content changes per page (``changes.page_changes``)."""
        return page_changes(self)


def _nonzero(*counts: tuple[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple((label, n) for label, n in counts if n)


def zone_of(config: Config | None) -> tuple[tzinfo, str]:
    name = config.settings.timezone if config is not None else "UTC"
    try:
        return ZoneInfo(name), name
    except (KeyError, ValueError):
        return UTC, "UTC"


def build(
    store: Store,
    *,
    after_run: int,
    upto_run: int,
    config: Config | None = None,
    notices: Sequence[str] = (),
    now: datetime | None = None,
) -> Digest:
    """What a digest of runs ``after_run < id <= upto_run`` says, as data.

    Takes the store, the window (``after_run`` is the previous digest's last run: the
    state a campaigner last saw), the watch list (names, partners, time zone; pages no
    longer on it are left out; None: everything in the store), notices for the top, and
    the time of writing. Returns a ``Digest``. Reads the store (and looks whether the
    watch list's path is a file, to name it); raises nothing of its own
    (``StoreError`` if the database fails).
    """
    now = now or datetime.now(UTC)
    tz, tz_name = zone_of(config)
    clock = Clock(now, tz)
    upto_run = max(upto_run, after_run)
    runs = store.runs(after_run, upto_run)
    b = Builder(store, after_run, upto_run, config, clock)

    lists = _Lists()
    b.pages(lists)
    b.links(lists)
    changes, started, rebased = b.changes()
    attention = b.attention()

    top = [clean(n, limit=1000) for n in notices if clean(n)]
    done = [r for r in runs if r.state == "done"]
    for r in runs:
        if r.state not in ("done", INCONCLUSIVE):
            # The run's own error may name files of this machine: never in a digest.
            why = without_paths(clean(r.error, limit=300)) or "it did not finish"
            state = "was interrupted" if r.state in ("aborted", "running") else "failed"
            top.append(
                f"The check started {clock.when(r.started_at)} {state} ({why}); what it "
                "recorded is included, the rest is checked again next time."
            )
    email_on = config is None or config.settings.email is not None
    failures = store.digest_failures("mail") if email_on else []
    if failures:
        failed = failures[-1]
        tries = wording.plural(len(failures), "try", "tries")
        top.append(
            f"The digest e-mail could not be sent ({tries}, the last "
            f"{clock.when(failed.created_at)}: {without_paths(clean(failed.error, limit=300))}). "
            "The next e-mail covers everything since the last one that was sent."
        )
    notify_on = config is not None and bool(config.settings.notify)
    failures = store.digest_failures("notify") if notify_on else []
    if failures:
        failed = failures[-1]
        tries = wording.plural(len(failures), "try", "tries")
        top.append(
            f"The chat alert could not be sent ({tries}, the last "
            f"{clock.when(failed.created_at)}: {clean(failed.error, limit=300)}). The next alert "
            "covers everything since the last one that was sent."
        )
    previous = store.last_digest("file")
    since_text = f" ({clock.when(previous.created_at)})" if previous else ""

    # Order: partner groups alphabetically; within a group the watched page first.
    groups: dict[str, list[Item]] = {}
    for it in lists.section("new"):
        groups.setdefault(it.group, []).append(it)
    new = tuple(
        Group(name, tuple(sorted(items, key=lambda i: (i.kind != "page", i.url))))
        for name, items in sorted(groups.items(), key=lambda kv: kv[0].lower())
    )
    by_group = lambda i: (i.group.lower(), i.kind != "page", i.url)  # noqa: E731
    still = tuple(sorted(lists.section("still"), key=by_group))
    watching = tuple(sorted(lists.section("watching"), key=by_group))
    fixed = tuple(sorted(lists.section("fixed"), key=by_group))
    moved = tuple(sorted(lists.section("moved"), key=by_group))
    blocked = tuple(sorted(lists.section("blocked"), key=by_group))
    attention_items = tuple(sorted(attention, key=by_group))
    real_changes = [c for c in changes if c.reverted is None]

    new_n = sum(len(g.items) for g in new)
    todo = _nonzero(
        ("new " + ("problem" if new_n == 1 else "problems"), new_n),
        ("still broken", len(still)),
        (
            "page needs attention" if len(attention_items) == 1 else "pages need attention",
            len(attention_items),
        ),
        (("page" if len(real_changes) == 1 else "pages") + " changed", len(real_changes)),
        (("link" if len(moved) == 1 else "links") + " to update", len(moved)),
    )
    also = _nonzero(("fixed", len(fixed)), ("watching", len(watching)), ("blocked", len(blocked)))
    verdict = _verdict(store, b, runs, done, todo, upto_run, clock)
    all_clear = verdict.kind is wording.VerdictKind.ALL_CLEAR
    headline = wording.headline(verdict, todo)

    notes: list[str] = []
    offline = [r for r in runs[:-1] if r.state == INCONCLUSIVE]
    if offline:
        notes.append(wording.offline_runs_note([clock.when(r.started_at) for r in offline]))
    if started:
        notes.append(f"First check (nothing to compare yet): {', '.join(sorted(set(started)))}.")
    if rebased:
        names = sorted(set(rebased))
        whose = "the page's" if len(names) == 1 else "the pages'"
        notes.append(
            f"New baseline for {', '.join(names)}: {whose} text rules were edited (selector, "
            "ignore) or partner-monitor's own changed, so nothing was compared this time."
        )
    if lists.moved_before:
        notes.append(
            f"{wording.plural(lists.moved_before, 'moved link')} reported earlier still "
            f"{'points' if lists.moved_before == 1 else 'point'} to the old address."
        )
    if lists.blocked_before:
        notes.append(
            f"{wording.plural(lists.blocked_before, 'link')} reported earlier as blocked still "
            "cannot be verified."
        )
    if lists.skipped:
        skipped = wording.plural(lists.skipped, "link")
        notes.append(f"{skipped} not checked by rule (ignored, private or not web).")

    if runs:
        first, last = runs[0], runs[-1]
        span = (
            f"the check of {clock.when(first.started_at)}"
            if len(runs) == 1
            else f"{len(runs)} checks, {clock.when(first.started_at)} "
            f"to {clock.when(last.started_at)}"
        )
        period = f"Covers {span}."
    else:
        period = f"Covers no checks: none ran since the last digest{since_text}."

    date_label = wording.day(now.astimezone(tz))
    unique_problems = {i.url for i in (*still, *watching, *(i for g in new for i in g.items))}
    return Digest(
        title=f"Partner pages digest — {date_label}",
        date=date_label,
        generated_at=now.astimezone(UTC).isoformat(timespec="seconds"),
        generated=clock.when(now.isoformat()),
        timezone=tz_name,
        period=period,
        after_run=after_run,
        upto_run=upto_run,
        first_run=runs[0].id if runs else None,
        runs=len(runs),
        notices=tuple(top),
        headline=headline,
        all_clear=all_clear,
        todo=todo,
        also=also,
        new=new,
        still=still,
        watching=watching,
        fixed=fixed,
        attention=attention_items,
        changes=tuple(changes),
        moved=moved,
        blocked=blocked,
        notes=tuple(notes),
        problems=len(unique_problems),
        verdict=verdict,
        detail=wording.verdict_detail(verdict),
        counters=cards(store, after=after_run, upto=upto_run, watches=b.watches, clock=clock),
    )


def _verdict(
    store: Store,
    b: Builder,
    runs: Sequence[RunRow],
    done: Sequence[RunRow],
    todo: Sequence[tuple[str, int]],
    upto: int,
    clock: Clock,
) -> wording.Verdict:
    """What the digest says first: whether its checks could look at all, then whether
    there is anything to do, and "all clear" only when every watched page was read."""
    kinds = wording.VerdictKind
    if not runs:
        return wording.Verdict(kinds.NO_RUN)
    if runs[-1].state == INCONCLUSIVE:
        streak = store.inconclusive_streak(upto)
        outage = Outage.from_json(json.loads(runs[-1].outage)) if runs[-1].outage else None
        return wording.Verdict(
            kinds.OFFLINE,
            in_a_row=len(streak),
            since=clock.when(streak[0].started_at),
            outage=outage,
        )
    if not done:
        return wording.Verdict(kinds.NOT_FINISHED)
    if todo:
        return wording.Verdict(kinds.TODO)
    watched, unread = b.reading()
    if unread:
        return wording.Verdict(kinds.UNREAD, unread=unread, watched=watched)
    return wording.Verdict(kinds.ALL_CLEAR)
