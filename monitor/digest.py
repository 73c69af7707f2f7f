"""The digest campaigners read: what goes in it, its HTML and text forms, and its files.

This module owns three things:

* ``build`` — pure data. From the store's history over a window of runs (and the state
  at the previous digest's last run) it decides what a campaigner must see, most urgent
  first: new problems grouped by partner, links still broken (one line each), what was
  fixed, content changes (keywords first, then a word-level diff under its heading),
  moved and blocked links. A transient failure seen once is only "watching"; the next
  run confirms it or lets it go. Whatever a campaigner saw in full once is one line after.
* ``render_html`` / ``render_text`` — the Jinja2 page (autoescaped, self-contained, styles
  inlined on elements so mail clients keep them) and its plain-text twin.
* ``write`` — the files: ``digest-YYYY-MM-DD[-N].html`` (never overwritten), ``latest.html``,
  ``index.html`` and, on request, the ``.txt``; each written atomically; the digest is
  recorded in the store only after its files are on disk, so a failure loses nothing.

Text that comes from partner pages (titles, anchor text, diff lines, URLs) is untrusted:
control and bidi-override characters are removed here, HTML escaping is Jinja's, and
only ``http(s)`` URLs ever become links.
"""

from __future__ import annotations

import contextlib
import errno
import html as htmlmod
import json
import os
import re
import shlex
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2

from monitor import __version__, wording
from monitor.config import DEFAULT_PATH, Config, Watch
from monitor.models import TEXT_RULES_CHANGED, ContentState, Status
from monitor.outage import INCONCLUSIVE, Outage
from monitor.store import CheckRow, Occurrence, PageCheckRow, RunRow, Store, Version

__all__ = [
    "Digest",
    "DigestError",
    "Written",
    "build",
    "render_html",
    "render_text",
    "write",
]

# How much of one content change is shown before "… and N more lines": a page rewrite
# must not bury the rest of the digest (the full diff is one `monitor diff URL` away).
MAX_DIFF_LINES = 30
_MAX_TEXT = 300  # anchor texts and titles longer than this are cut (with "…")


class DigestError(Exception):
    """The digest files could not be written; the message names the path and what to do."""


# -- the data of a digest -----------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a link was found: a watched page (name, URL, partner) and the link's anchor text."""

    page_name: str
    page_url: str
    text: str
    group: str = ""


@dataclass(frozen=True)
class Item:
    """One URL in a list: new, still broken, watching, fixed, moved, blocked.

    A URL is listed once per section: when it is a watched page, ``page`` is set (and
    ``kind`` is "page"); ``places`` are the watched pages that link to it, on any
    partner's site. ``group`` is the partner it is filed under (the watched page's, else
    the first linking page's). ``badge`` and ``symbol`` say the status in one word and
    one sign (so colour is never the only signal); ``headline`` says it in a sentence;
    ``note`` adds what changed (e.g. why it counts as fixed).
    """

    kind: str  # "link" | "page"
    url: str
    status: Status
    badge: str
    symbol: str
    headline: str
    group: str
    places: tuple[Place, ...] = ()
    page: Place | None = None
    since: str | None = None  # start of the failing streak: "Tue 12 Mar (3 days)"
    checked: str | None = None  # when it was last checked, for watching items
    suggestion: str | None = None
    suggestion_label: str | None = None  # "Archived copy" | "New address" | ...
    note: str | None = None

    @property
    def suggestion_title(self) -> str:
        """What the suggested address is to a campaigner: an archived copy of a watched
        page (a closed petition) is what it last said, not a replacement for it."""
        if self.page is not None and self.suggestion_label == "archived copy":
            return "Last archived version"
        return "Suggested replacement"

    @property
    def action(self) -> str | None:
        """What to do about a watched page in trouble (a link's advice is the section's)."""
        if self.page is None or not _is_problem(self.status):
            return None
        if self.status in (Status.SOFT_404, Status.BROKEN):
            return (
                "This is a page you watch, and it is gone: find the partner's new page "
                "(search their site or ask them), then put its address in the watch list "
                "and in the links to it."
            )
        return (
            "This is a page you watch, and the partner's site is not answering properly: "
            "if it lasts, let the partner know; nothing to change yet."
        )

    @property
    def other_pages(self) -> int:
        """How many more watched pages link to it than the first one named."""
        return max(0, len({p.page_url for p in self.places}) - 1)

    @property
    def where(self) -> str:
        """Where it is, in a few words, for one-line lists: 'on Petition and 2 more'."""
        if self.page is not None:
            return f"the watched page {self.page.page_name}"
        if not self.places:
            return ""
        more = f" and {self.other_pages} more" if self.other_pages else ""
        return f"on {self.places[0].page_name}{more}"


@dataclass(frozen=True)
class Group:
    """New problems of one partner."""

    name: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Segment:
    """A piece of a changed sentence: ``=`` kept, ``+`` added, ``-`` removed."""

    op: str
    text: str


@dataclass(frozen=True)
class DiffLine:
    """One sentence of a content change: added, removed, or changed word by word."""

    op: str  # "added" | "removed" | "changed"
    text: str = ""
    segments: tuple[Segment, ...] = ()
    heading: bool = False  # the line is itself a heading of the page


@dataclass(frozen=True)
class DiffBlock:
    """The changed sentences under one heading of the page (None: before any heading)."""

    heading: str | None
    lines: tuple[DiffLine, ...]


@dataclass(frozen=True)
class KeywordFlag:
    """A watched keyword that appeared or disappeared (``when``: set if the page changed twice)."""

    word: str
    event: str  # "appeared" | "disappeared"
    when: str | None = None


@dataclass(frozen=True)
class ChangeEvent:
    """One recorded change of a page: when, and its diff (``hidden`` lines not shown).

    ``diff_command`` is the command that shows the whole diff (set when lines are hidden);
    ``file`` says in one sentence how a watched file (PDF, image) changed, instead of a diff.
    """

    when: str
    blocks: tuple[DiffBlock, ...]
    hidden: int = 0
    diff_command: str | None = None  # "monitor diff URL --from 3 --to 4"
    file: str | None = None  # "The file changed: 152 KB → 160 KB (application/pdf)."


@dataclass(frozen=True)
class PageChange:
    """What changed on one watched page over the window."""

    name: str
    url: str
    group: str
    keywords: tuple[KeywordFlag, ...]
    events: tuple[ChangeEvent, ...]
    reverted: str | None = None  # set when the page is back where the last digest left it


@dataclass(frozen=True)
class Digest:
    """Everything one digest says, as plain data; ``render_html``/``render_text`` show it."""

    title: str
    date: str  # "Tue 12 Mar 2024"
    generated_at: str  # ISO-8601, UTC
    generated: str  # the same, in words and the watch list's time zone
    timezone: str
    period: str  # which checks it covers, in words
    after_run: int
    upto_run: int
    first_run: int | None
    runs: int
    notices: tuple[str, ...]
    headline: str  # "All clear" or the counts; also the e-mail subject's {summary}
    all_clear: bool
    todo: tuple[tuple[str, int], ...]  # (label, n), non-zero only: what needs doing
    also: tuple[tuple[str, int], ...]  # (label, n), non-zero only: fixed, watching, blocked
    new: tuple[Group, ...] = ()
    still: tuple[Item, ...] = ()
    watching: tuple[Item, ...] = ()
    fixed: tuple[Item, ...] = ()
    attention: tuple[Item, ...] = ()  # watched pages not (fully) compared: notes, blocked
    changes: tuple[PageChange, ...] = ()
    moved: tuple[Item, ...] = ()
    blocked: tuple[Item, ...] = ()
    notes: tuple[str, ...] = ()
    problems: int = 0  # links and pages in a problem status now (new + still + watching)
    verdict: wording.Verdict = field(default_factory=wording.Verdict)
    detail: str | None = None  # a sentence under the headline (what could not be done, why)

    @property
    def new_count(self) -> int:
        """Number of new problems over all partners."""
        return sum(len(g.items) for g in self.new)

    @property
    def counts(self) -> tuple[tuple[str, int], ...]:
        """Every non-zero count, things to do first."""
        return self.todo + self.also


@dataclass(frozen=True)
class Written:
    """What ``write`` produced: the files, the problem count and the digest itself."""

    html: Path
    text: Path | None
    latest: Path
    index: Path
    problems: int
    digest: Digest


# -- untrusted text ---------------------------------------------------------------------

# Bidi embeddings, overrides and isolates (and the marks) can make "gpj.exe" read as
# "exe.jpg"; they have no business in a digest line.
_BIDI = dict.fromkeys(
    [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)], None
)
_HTTP_URL = re.compile(r"(?i)https?://[^\s/?#\\]+")


def clean(text: str | None, *, limit: int | None = _MAX_TEXT) -> str:
    """Text from a partner page made safe to show: one line, no control/bidi characters.

    Takes any string (None gives ""). Returns it with whitespace runs collapsed, control
    characters (C0, C1, DEL: e.g. terminal escapes) and bidi controls removed, cut to
    ``limit`` characters with "…". HTML escaping is left to the renderer.
    """
    if not text:
        return ""
    text = text.translate(_BIDI)
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) != "Cc"
    )
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def is_http_url(url: object) -> bool:
    """True when ``url`` may be an ``href``: it starts with http:// or https:// and a host.

    Anything else (``javascript:``, ``data:``, relative, or text with spaces or control
    characters a browser would strip) is shown as text, never linked.
    """
    if not isinstance(url, str) or not _HTTP_URL.match(url):
        return False
    return not any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url)


# -- times --------------------------------------------------------------------------------


def _parse(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        dt = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class _Clock:
    """Formats stored timestamps in the watch list's time zone, relative to ``now``."""

    def __init__(self, now: datetime, tz: tzinfo) -> None:
        self.tz = tz
        self.now = now.astimezone(tz)

    def day(self, d: datetime | date) -> str:
        local = d.astimezone(self.tz).date() if isinstance(d, datetime) else d
        text = f"{local:%a} {local.day} {local:%b}"
        return text if local.year == self.now.year else f"{text} {local.year}"

    def when(self, stamp: str | None) -> str:
        """'Tue 12 Mar 07:00' (year added when it is not this year); raw text if unparseable."""
        dt = _parse(stamp)
        if dt is None:
            return clean(stamp) or "an unknown time"
        return f"{self.day(dt)} {dt.astimezone(self.tz):%H:%M}"

    def since(self, stamp: str | None) -> str | None:
        """'Tue 12 Mar (3 days)' for the start of a failing streak (shown after "since")."""
        if not stamp:
            return None
        dt = _parse(stamp)
        if dt is None:
            return clean(stamp)
        days = (self.now.date() - dt.astimezone(self.tz).date()).days
        ago = "today" if days <= 0 else "1 day" if days == 1 else f"{days} days"
        return f"{self.day(dt)} ({ago})"


# -- statuses in plain words --------------------------------------------------------------

_BADGES: dict[str, tuple[str, str]] = {
    # status: (symbol, one-word badge); symbols are words' companions, never alone
    "broken": ("✖", "Broken"),
    "soft_404": ("✖", "Gone"),
    "server_error": ("✖", "Server error"),
    "timeout": ("✖", "No answer"),
    "unreachable": ("✖", "Unreachable"),
    "tls_error": ("✖", "Certificate"),
    "moved": ("↪", "Moved"),
    "blocked": ("⊘", "Blocked"),
    "ok": ("✔", "Fixed"),
    "skipped": ("✔", "Not checked"),
}


def _status(value: str) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None


def _is_problem(value: str) -> bool:
    st = _status(value)
    return st is not None and st.is_problem


def plain_words(status: str, http_status: int | None, final_url: str | None, url: str) -> str:
    """A sentence for a status when check stored none (older rows, hand-made stores)."""
    if status == "broken":
        if http_status == 404:
            return "Page not found (404)"
        if http_status == 410:
            return "The page was removed (410 Gone)"
        return f"The site refused the page ({http_status})" if http_status else "Broken link"
    if status == "soft_404":
        if (
            final_url
            and urlsplit(final_url).path in ("", "/")
            and urlsplit(url).path not in ("", "/")
        ):
            return "Sends readers to the home page: the page was probably removed"
        return "Shows a “page not found” message: the page is probably gone"
    if status == "server_error":
        return f"The site's server had an error ({http_status or '5xx'})"
    if status == "timeout":
        return "The server did not answer (timeout)"
    if status == "unreachable":
        return "The site could not be reached (no such address, or connection refused)"
    if status == "tls_error":
        return "The site's security certificate is not valid: browsers warn readers away"
    if status == "moved":
        return "Moved permanently: update the link"
    if status == "blocked":
        code = f" ({http_status})" if http_status else ""
        return f"The site blocks automatic checks{code}: could not verify, not proof it is gone"
    if status == "skipped":
        return "Not checked by rule"
    return "Answers normally"


def _suggestion_label(suggestion: str, status: str) -> str | None:
    """What kind of replacement a suggestion is, said next to it (None: nothing to add).

    ``run`` stores the redirect target for a moved link and, for a problem, the archived
    copy its ``settings.archive_api`` found (any archive, not only archive.org).
    """
    host = (urlsplit(suggestion).hostname or "").lower()
    if status == "moved":
        return "new address"
    if _is_problem(status) or host == "archive.org" or host.endswith(".archive.org"):
        return "archived copy"
    return None


def _watch(row: CheckRow | PageCheckRow) -> tuple[str, str]:
    """The badge of a failure seen once: the status word with the "watching" sign."""
    return "◔", _BADGES.get(row.status, ("", row.status))[1]


# -- page-check notes in plain words ----------------------------------------------------


@dataclass(frozen=True)
class _NoteRule:
    """What a kind of page-check note (``run``/``extract`` wording) means for a campaigner.

    ``advice`` is None for a harmless note, never shown; else a sentence saying what to do,
    formatted with the pattern's named groups and ``watchlist`` (the watch list's path).
    """

    pattern: re.Pattern[str]
    badge: str
    advice: str | None
    repeated: bool = False  # shown only when the check before said it too


# In the order they are said (gravest first); a note may match several.
_NOTE_RULES: tuple[_NoteRule, ...] = (
    _NoteRule(
        re.compile(r"selector (?P<selector>.+?) matched nothing"),
        "Not compared",
        "The selector {selector} matched nothing, so this page's content is not watched: "
        "ask the maintainer to update it in {watchlist}.",
    ),
    _NoteRule(
        re.compile(r"page has no visible text|page is empty|page answered with no text"),
        "Not compared",
        "The page came back without any text, so its content could not be compared: open it "
        "to check it still works; if it does, ask the maintainer to check its selector and "
        "ignore rules in {watchlist}.",
    ),
    # Once is a page caught mid-edit (the next run confirms a real edit); twice in a row is
    # a rotating block or a live counter that keeps every change of the page from showing.
    _NoteRule(
        re.compile(r"differed between two looks"),
        "Not compared",
        "Its text differed between two looks seconds apart, two checks in a row (a rotating "
        "quote or a live counter?), so changes on this page are not reported: ask the "
        "maintainer to add an ignore rule for the part that moves in {watchlist}.",
        repeated=True,
    ),
    _NoteRule(
        re.compile(r"larger than (?P<mb>[\d.]+) MB"),
        "Partly read",
        "The page is larger than {mb} MB and only the first {mb} MB are read, so text and "
        "links further down are not checked: ask the maintainer to raise "
        "settings.max_page_mb in {watchlist}.",
    ),
    # The page is still compared, on its whole text: nothing goes unwatched. Navigation
    # that changes shows up in the diff itself, and the note would repeat every day.
    _NoteRule(re.compile(r"whole page text used"), "", None),
    _NoteRule(re.compile(r"not modified \(304\)"), "", None),  # unchanged, said by the server
    _NoteRule(re.compile(r"content not watched"), "", None),  # `content: false` in the list
)


def blocked_advice(reason: str | None, http_status: int | None, *, watchlist: str) -> str:
    """What a campaigner can do about a watched page whose status is ``blocked``.

    A blocked link is only listed (the site keeps checkers out; not proof it is gone), but
    a blocked watched page is a page whose text is no longer compared. Takes the check's
    sentence (``check.page_verdict``'s reason, or None for older rows), its HTTP status and
    the watch list's path. Returns one sentence: why, then what to do.
    """
    why = clean(reason) or plain_words("blocked", http_status, None, "")
    # "Redirects to a login page: the page's text could not be checked": the part before
    # the colon says why; the rest is said below in other words.
    why = why.split(": ", 1)[0].rstrip(".")
    # By what happened, not by a word in the sentence: a 403's "Login or bot protection"
    # says "login" too, and a bot wall is not a login.
    asked_login = http_status == 401 or why.startswith(("Redirects to a login", "Shows a login"))
    if asked_login:
        said = f"The page now asks for a login ({why}), so its text is not being watched"
    elif http_status == 429:
        said = f"The site refused to answer so many requests ({why}), so its text was not read"
    else:
        said = f"The page cannot be read ({why}), so its text is not being watched"
    return (
        f"{said}: open it to check it by hand; if it stays so, ask the maintainer to watch "
        f"another URL in {watchlist}."
    )


def note_advice(
    note: str | None, *, content: str, earlier: str | None, watchlist: str
) -> tuple[str, str] | None:
    """What a campaigner must do about a watched page's note, or None when nothing.

    Takes the note of the page's newest check, its ``content`` state, the note of the check
    before it (``earlier``) and the watch list's path for the advice. Returns (badge,
    sentences): one sentence per problem the note names (a note may name two: "the page
    is larger than 5 MB…; page has no visible text"). A note no rule knows is shown as it
    is when the content could not be compared (``unavailable``), and left out otherwise.
    """
    if not note:
        return None
    badge = ""
    said: list[str] = []
    known = False
    for rule in _NOTE_RULES:
        found = rule.pattern.search(note)
        if found is None:
            continue
        known = True
        if rule.advice is None or (
            rule.repeated and not (earlier and rule.pattern.search(earlier))
        ):
            continue
        values = {k: clean(v) for k, v in found.groupdict().items()}
        said.append(rule.advice.format(watchlist=watchlist, **values))
        badge = badge or rule.badge
    if not known and content == "unavailable":
        said.append(
            f"Its content could not be compared ({clean(note)}): ask the maintainer to look at "
            f"this page in {watchlist}."
        )
        badge = "Not compared"
    return (badge, " ".join(said)) if said else None


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
    st = _status(last.status)
    if st is None or not st.is_problem:
        return _Tracked(last, False, False)
    confirmed = not st.is_transient or (len(checks) > 1 and _is_problem(checks[1].status))
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


class _Builder:
    def __init__(
        self,
        store: Store,
        after: int,
        upto: int,
        config: Config | None,
        clock: _Clock,
    ) -> None:
        self.store = store
        self.after = after
        self.upto = upto
        self.clock = clock
        self.watches: dict[str, Watch] | None = (
            {w.url: w for w in config.watch} if config is not None else None
        )
        # Named in the digest only when it is a real file (not a test's string).
        self.watchlist: Path | None = (
            config.path if config is not None and config.path.is_file() else None
        )

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
        symbol, word = badge or _BADGES.get(row.status, ("•", row.status))
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
            suggestion_label=_suggestion_label(suggestion, row.status) if suggestion else None,
            note=note,
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
                badge = _watch(row) if section == "watching" else None
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
                        badge=_BADGES["ok"],
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
        now_checks = self.store.recent_page_checks(self.upto, 2) if self.upto > 0 else {}
        then_checks = self.store.recent_page_checks(self.after, 2) if self.after > 0 else {}
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
                badge = _watch(row) if section == "watching" else None
                out.add(section, self.item(row, page=page, badge=badge))
            elif then.confirmed and row.status is not Status.BLOCKED:
                # A blocked page is listed under Needs attention: its text still cannot be
                # read, so it is not "answering again".
                note = f"The watched page answers again (was: {self._was(then, url)})."
                out.add("fixed", self.item(row, page=page, badge=_BADGES["ok"], note=note))

    def reading(self) -> tuple[int, int]:
        """(watched pages, those whose newest check did not read them): failed, blocked,
        or never checked."""
        checks = self.store.recent_page_checks(self.upto, 1) if self.upto > 0 else {}
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
        checks = self.store.recent_page_checks(self.upto, 2) if self.upto > 0 else {}
        watchlist = str(self.watchlist or DEFAULT_PATH)
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
                    blocked_advice(row.error, row.http_status, watchlist=watchlist),
                )
            elif row.status in (Status.OK, Status.MOVED):
                earlier = rows[1].note if len(rows) > 1 else None
                advice = note_advice(
                    row.note, content=row.content, earlier=earlier, watchlist=watchlist
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

    # content -----------------------------------------------------------------------

    def event(
        self,
        url: str,
        check: PageCheckRow,
        when: str,
        versions: Mapping[int, Version],
    ) -> ChangeEvent:
        """One recorded change as the digest shows it: a sentence for a watched file, else
        the diff, capped, with the ``monitor diff`` command for the rest.

        Takes the page's URL, the check that recorded the change, when it was (in words)
        and the page's stored versions by id.
        """
        before = versions.get(check.prev_version_id or -1)
        after = versions.get(check.version_id or -1)
        file = file_change(before, after)
        if file is not None:
            # Two fingerprints of a file's bytes would make an unreadable word diff.
            return ChangeEvent(when, (), file=file)
        blocks, hidden = _diff_blocks(check.change or {})
        command = None
        if hidden:
            command = diff_command(
                clean(url, limit=None),
                before.number if before else None,
                after.number if after else None,
                self.watchlist,
            )
        return ChangeEvent(when, blocks, hidden, diff_command=command)

    def changes(self) -> tuple[list[PageChange], list[str], list[str]]:
        """Content changes per page (keywords first), the names of newly watched pages, and
        the names of pages that took a new baseline because their text rules changed."""
        rows = (
            self.store.page_checks(after=self.after, upto=self.upto)
            if self.upto > self.after
            else []
        )
        by_page: dict[str, list[PageCheckRow]] = {}
        newest: dict[str, PageCheckRow] = {}  # the last check in the window that read the text
        started: list[str] = []
        rebased: list[str] = []
        for r in rows:
            if not self.watched(r.url):
                continue
            if r.version_id is not None:
                newest[r.url] = r
            if r.content is ContentState.BASELINE:
                # Not a first check: a page already watched whose selector or ignore rules
                # (or partner-monitor's own) were edited, so today's text was not compared.
                again = r.note is not None and TEXT_RULES_CHANGED in r.note
                (rebased if again else started).append(self.page_name(r.url, r.name))
            if r.content is ContentState.CHANGED and r.change:
                by_page.setdefault(r.url, []).append(r)
        if not by_page:
            return [], started, rebased
        then_checks = self.store.recent_page_checks(self.after, 1) if self.after > 0 else {}
        out: list[PageChange] = []
        for url, checks in by_page.items():
            first = checks[0]
            several = len(checks) > 1
            flags: list[KeywordFlag] = []
            events: list[ChangeEvent] = []
            versions = {v.id: v for v in self.store.versions(first.page_id)}
            for c in checks:
                change = c.change or {}
                when = self.clock.when(c.checked_at)
                for k in change.get("keywords") or []:
                    if isinstance(k, Mapping):
                        flags.append(
                            KeywordFlag(
                                clean(str(k.get("word", ""))),
                                clean(str(k.get("event", ""))),
                                when if several else None,
                            )
                        )
                events.append(self.event(url, c, when, versions))
            # Back to the text the last digest showed (compare calls a return to a recent
            # version "unchanged", so the way back may not be a recorded change at all).
            reverted = None
            before = then_checks.get(url)
            then_version = before[0].version_id if before else first.prev_version_id
            last = newest.get(url)
            if last is not None and then_version is not None and last.version_id == then_version:
                reverted = (
                    f"Changed {events[0].when} and back to the earlier text by "
                    f"{self.clock.when(last.checked_at)}: nothing to read."
                )
                flags = []
            out.append(
                PageChange(
                    name=self.page_name(url, first.name),
                    url=clean(url, limit=None),
                    group=self.group_of(url, first.name, first.partner),
                    keywords=tuple(flags),
                    events=tuple(events),
                    reverted=reverted,
                )
            )
        # Keyword alarms first, then by partner and page name; reverted pages last.
        out.sort(
            key=lambda p: (p.reverted is not None, not p.keywords, p.group.lower(), p.name.lower())
        )
        return out, started, rebased


def _heading(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    value = clean(text.lstrip("#").strip())
    return value or None


def _squash(text: str) -> str:
    return "".join(text.split())


def _keep_edges(text: str) -> str:
    """``clean`` for a diff segment, keeping one space at either edge (words are joined)."""
    core = clean(text, limit=2000)
    if not core:
        return " " if text and text.isspace() else ""
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
    return lead + core + trail


def _segments(raw: object) -> tuple[Segment, ...]:
    """Stored ``words`` segments as ``Segment``s; their texts join to the old/new line."""
    if not isinstance(raw, list):
        return ()
    out = [
        Segment(str(s[0]), _keep_edges(str(s[1])))
        for s in raw
        if isinstance(s, list | tuple) and len(s) == 2 and s[0] in ("=", "+", "-")
    ]
    return tuple(s for s in out if s.text)


def _line(op: str, text: str) -> DiffLine:
    is_heading = text.startswith("#")
    return DiffLine(
        op, clean(text.lstrip("#").strip() if is_heading else text, limit=2000), heading=is_heading
    )


def _diff_blocks(change: Mapping[str, Any]) -> tuple[tuple[DiffBlock, ...], int]:
    """The stored change (``run.change_to_json``) as blocks under headings, capped.

    A sentence replaced by a similar one is in the hunk twice (removed and added) and once
    in ``words``; it is shown once, word by word. Returns the blocks and the number of
    lines left out by ``MAX_DIFF_LINES``.
    """
    words: list[tuple[str | None, tuple[Segment, ...], str, str]] = []
    for w in change.get("words") or []:
        if not isinstance(w, Mapping):
            continue
        segs = _segments(w.get("segments"))
        if not segs:
            continue
        old = _squash("".join(s.text for s in segs if s.op in "=-"))
        new = _squash("".join(s.text for s in segs if s.op in "=+"))
        words.append((_heading(w.get("heading")), segs, old, new))

    hunks = [h for h in change.get("hunks") or [] if isinstance(h, Mapping)]
    if not hunks and (change.get("added") or change.get("removed")):
        hunks = [
            {
                "heading": None,
                "added": change.get("added") or [],
                "removed": change.get("removed") or [],
            }
        ]

    used: set[int] = set()
    blocks: list[DiffBlock] = []
    for h in hunks:
        heading = _heading(h.get("heading"))
        removed = [str(x) for x in h.get("removed") or []]
        added = [str(x) for x in h.get("added") or []]
        lines: list[DiffLine] = []
        for i, (_, segs, old, new) in enumerate(words):
            if i in used:
                continue
            r = next(
                (j for j, t in enumerate(removed) if _squash(clean(t, limit=None)) == old), None
            )
            a = next((j for j, t in enumerate(added) if _squash(clean(t, limit=None)) == new), None)
            if r is None and a is None:
                continue
            used.add(i)
            if r is not None:
                removed.pop(r)
            if a is not None:
                added.pop(a)
            lines.append(DiffLine("changed", segments=segs))
        lines += [_line("removed", t) for t in removed]
        lines += [_line("added", t) for t in added]
        if lines:
            blocks.append(DiffBlock(heading, tuple(lines)))
    # Word diffs whose sentences are in no hunk still say something: show them by heading.
    for i, (w_heading, segs, _, _) in enumerate(words):
        if i not in used:
            blocks.append(DiffBlock(w_heading, (DiffLine("changed", segments=segs),)))

    shown: list[DiffBlock] = []
    budget = MAX_DIFF_LINES
    hidden = 0
    for b in blocks:
        if budget <= 0:
            hidden += len(b.lines)
            continue
        shown.append(DiffBlock(b.heading, b.lines[:budget]))
        hidden += max(0, len(b.lines) - budget)
        budget -= len(b.lines)
    return tuple(shown), hidden


# How run stands in for a non-HTML answer's bytes: one line, "type, N bytes, sha256 HEX".
_FILE_LINE = re.compile(r", \d+ bytes, sha256 [0-9a-f]{64}$")


def _file_type(v: Version) -> str | None:
    """The media type of a version that is a file's bytes (PDF, image), None for a page's text.

    As ``run`` decides: an answer whose type names HTML is a page; one with no type is a
    file when run stored it as its one fingerprint line.
    """
    kind = (v.content_type or "").strip().lower()
    if "html" in kind:
        return None
    if not kind and not (len(v.lines) == 1 and _FILE_LINE.search(v.lines[0])):
        return None
    return clean(kind) or "an unknown type"


def _size(n: int | None) -> str | None:
    """A file size as people read it: '812 bytes', '152 KB', '1.4 MB' (None: unknown)."""
    if n is None:
        return None
    if n < 1024:
        return _n(n, "byte")
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def file_change(old: Version | None, new: Version | None) -> str | None:
    """How a watched file changed, in one sentence; None when neither version is a file.

    Takes the stored versions before and after the change (None: no longer stored).
    E.g. "The file changed: 152 KB → 160 KB (application/pdf)." or, when a PDF was
    replaced by a web page, "The file is now text/html (was application/pdf): …".
    """
    if old is None or new is None:
        return None
    was, now = _file_type(old), _file_type(new)
    if was is None and now is None:
        return None
    if now is None:
        page = clean(new.content_type) or "a web page"
        return f"The file is now {page} (was {was}): open it to check the file is still there."
    if was is None:
        size = _size(new.size)
        page = clean(old.content_type) or "a web page"
        return f"The page is now a file: {now}{', ' + size if size else ''} (was {page})."
    before, after = _size(old.size), _size(new.size)
    sizes = f"{before} → {after}" if before != after else f"still {after}"
    if now != was:
        return f"The file is now {now} (was {was})" + (f": {sizes}." if before and after else ".")
    if not (before and after):
        return f"The file changed ({now})."
    return f"The file changed: {sizes} ({now})."


def diff_command(url: str, frm: int | None, to: int | None, watchlist: Path | None) -> str:
    """The ``monitor diff`` command that shows a whole change, ready to paste in a shell.

    Takes the page's URL, the lasting numbers of the versions before and after (those
    ``monitor history`` shows; None: unknown, the command then shows the page's latest
    change) and the watch list's path (named when it is not the default one).
    """
    words = ["monitor", "diff", shlex.quote(url)]
    if frm is not None and to is not None:
        words += ["--from", str(frm), "--to", str(to)]
    if watchlist is not None and watchlist != DEFAULT_PATH:
        words += ["--config", shlex.quote(str(watchlist))]
    return " ".join(words)


def _nonzero(*counts: tuple[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple((label, n) for label, n in counts if n)


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _tz(config: Config | None) -> tuple[tzinfo, str]:
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
    tz, tz_name = _tz(config)
    clock = _Clock(now, tz)
    upto_run = max(upto_run, after_run)
    runs = store.runs(after_run, upto_run)
    b = _Builder(store, after_run, upto_run, config, clock)

    lists = _Lists()
    b.pages(lists)
    b.links(lists)
    changes, started, rebased = b.changes()
    attention = b.attention()

    top = [clean(n, limit=1000) for n in notices if clean(n)]
    done = [r for r in runs if r.state == "done"]
    for r in runs:
        if r.state not in ("done", INCONCLUSIVE):
            why = clean(r.error, limit=300) or "it did not finish"
            state = "was interrupted" if r.state in ("aborted", "running") else "failed"
            top.append(
                f"The check started {clock.when(r.started_at)} {state} ({why}); what it "
                "recorded is included, the rest is checked again next time."
            )
    email_on = config is None or config.settings.email is not None
    failures = store.digest_failures("mail") if email_on else []
    if failures:
        failed = failures[-1]
        top.append(
            f"The digest e-mail could not be sent ({_n(len(failures), 'try', 'tries')}, the last "
            f"{clock.when(failed.created_at)}: {clean(failed.error, limit=300)}). The next e-mail "
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
            f"{_n(lists.moved_before, 'moved link')} reported earlier still "
            f"{'points' if lists.moved_before == 1 else 'point'} to the old address."
        )
    if lists.blocked_before:
        notes.append(
            f"{_n(lists.blocked_before, 'link')} reported earlier as blocked still "
            "cannot be verified."
        )
    if lists.skipped:
        notes.append(
            f"{_n(lists.skipped, 'link')} not checked by rule (ignored, private or not web)."
        )

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
    )


def _verdict(
    store: Store,
    b: _Builder,
    runs: Sequence[RunRow],
    done: Sequence[RunRow],
    todo: Sequence[tuple[str, int]],
    upto: int,
    clock: _Clock,
) -> wording.Verdict:
    """What the digest says first: whether its checks could look at all, then whether
    there is anything to do, and "all clear" only when every watched page was read."""
    kinds = wording.VerdictKind
    if not runs:
        return wording.Verdict(kinds.NO_RUN)
    if runs[-1].state == INCONCLUSIVE:
        streak = []
        for r in store.recent_runs(upto):
            if r.state != INCONCLUSIVE:
                break
            streak.append(r)
        outage = Outage.from_json(json.loads(runs[-1].outage)) if runs[-1].outage else None
        return wording.Verdict(
            kinds.OFFLINE,
            in_a_row=len(streak),
            since=clock.when(streak[-1].started_at),
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


# -- rendering ------------------------------------------------------------------------------

# Styles live on the elements (mail clients drop <style>); one table keeps them consistent.
# Colours pass WCAG AA on their backgrounds, and every coloured thing also has a word or sign.
_FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif"
STYLES: dict[str, str] = {
    "body": "margin:0;padding:0;background:#f3f4f6;",
    "wrap": (
        f"max-width:720px;margin:0 auto;padding:24px 16px 40px;font-family:{_FONT};"
        "font-size:16px;line-height:1.5;color:#1f2933;background:#f3f4f6;"
    ),
    "kicker": "margin:0 0 4px;font-size:13px;color:#52606d;letter-spacing:.02em;",
    "h1": "margin:0 0 4px;font-size:26px;line-height:1.25;color:#111827;",
    "period": "margin:0 0 20px;font-size:14px;color:#52606d;",
    "notice": (
        "margin:0 0 12px;padding:10px 14px;background:#fffaeb;border:1px solid #fedf89;"
        "border-left:5px solid #dc6803;border-radius:6px;color:#7a2e0e;font-size:15px;"
    ),
    "summary": (
        "margin:0 0 28px;padding:16px 18px;background:#ffffff;border:1px solid #d9dee3;"
        "border-radius:8px;"
    ),
    "clear": (
        "margin:0 0 28px;padding:18px;background:#ecfdf3;border:1px solid #abefc6;"
        "border-left:6px solid #079455;border-radius:8px;color:#054f31;"
    ),
    "clear_big": "margin:0;font-size:24px;font-weight:700;line-height:1.3;",
    "headline": "margin:0 0 10px;font-size:20px;font-weight:700;line-height:1.3;color:#111827;",
    "pill": (
        "display:inline-block;margin:0 6px 6px 0;padding:2px 10px;border-radius:999px;"
        "font-size:14px;font-weight:600;border:1px solid #d0d5dd;background:#f9fafb;color:#344054;"
    ),
    "h2": (
        "margin:32px 0 12px;padding-bottom:6px;font-size:20px;line-height:1.3;color:#111827;"
        "border-bottom:2px solid #d9dee3;"
    ),
    "h3": "margin:20px 0 8px;font-size:17px;line-height:1.3;color:#111827;",
    "intro": "margin:-4px 0 12px;font-size:14px;color:#52606d;",
    "card_red": (
        "margin:0 0 12px;padding:12px 16px;background:#ffffff;border:1px solid #d9dee3;"
        "border-left:5px solid #d92d20;border-radius:6px;"
    ),
    "card": (
        "margin:0 0 14px;padding:12px 16px;background:#ffffff;border:1px solid #d9dee3;"
        "border-left:5px solid #2e90fa;border-radius:6px;"
    ),
    "badge_red": (
        "display:inline-block;padding:1px 8px;margin-right:6px;border-radius:4px;font-size:13px;"
        "font-weight:700;background:#fee4e2;color:#912018;border:1px solid #fda29b;"
    ),
    "badge_amber": (
        "display:inline-block;padding:1px 8px;margin-right:6px;border-radius:4px;font-size:13px;"
        "font-weight:700;background:#fef0c7;color:#7a2e0e;border:1px solid #fec84b;"
    ),
    "badge_green": (
        "display:inline-block;padding:1px 8px;margin-right:6px;border-radius:4px;font-size:13px;"
        "font-weight:700;background:#dcfae6;color:#074d31;border:1px solid #75e0a7;"
    ),
    "badge_grey": (
        "display:inline-block;padding:1px 8px;margin-right:6px;border-radius:4px;font-size:13px;"
        "font-weight:700;background:#f2f4f7;color:#344054;border:1px solid #d0d5dd;"
    ),
    "p": "margin:6px 0 0;",
    "headtext": "margin:0;font-weight:600;color:#111827;",
    "url": (
        "margin:4px 0 0;font-size:14px;word-break:break-all;overflow-wrap:anywhere;"
        "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#344054;"
    ),
    "label": "font-weight:600;color:#344054;",
    "a": "color:#175cd3;text-decoration:underline;",
    "ul": "margin:0;padding:0;list-style:none;",
    "li": (
        "margin:0 0 8px;padding:8px 12px;background:#ffffff;border:1px solid #e4e7ec;"
        "border-radius:6px;font-size:15px;overflow-wrap:anywhere;"
    ),
    "small": "font-size:14px;color:#52606d;",
    "keyword": (
        "display:inline-block;margin:4px 6px 4px 0;padding:3px 10px;border-radius:4px;"
        "background:#fef0c7;color:#7a2e0e;border:1px solid #fec84b;font-weight:700;font-size:15px;"
    ),
    "when": "margin:10px 0 4px;font-size:14px;font-weight:600;color:#344054;",
    "under": (
        "margin:10px 0 4px;font-size:13px;font-weight:700;color:#52606d;text-transform:uppercase;"
        "letter-spacing:.03em;"
    ),
    "added": (
        "margin:4px 0;padding:6px 10px;background:#ecfdf3;border-left:4px solid #17b26a;"
        "border-radius:3px;color:#1f2933;overflow-wrap:anywhere;"
    ),
    "removed": (
        "margin:4px 0;padding:6px 10px;background:#fef3f2;border-left:4px solid #f04438;"
        "border-radius:3px;color:#1f2933;overflow-wrap:anywhere;"
    ),
    "changed": (
        "margin:4px 0;padding:6px 10px;background:#f8f9fc;border-left:4px solid #717bbc;"
        "border-radius:3px;color:#1f2933;overflow-wrap:anywhere;"
    ),
    "op": "font-size:13px;font-weight:700;color:#344054;margin-right:4px;",
    "ins": (
        "background:#abefc6;color:#053321;text-decoration:underline;font-weight:600;"
        "padding:0 2px;border-radius:2px;"
    ),
    "del": (
        "background:#fecdca;color:#55160c;text-decoration:line-through;padding:0 2px;"
        "border-radius:2px;"
    ),
    "more": "margin:6px 0 0;font-size:14px;color:#52606d;font-style:italic;",
    "code": (
        "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-style:normal;"
        "font-size:13px;padding:0 4px;border-radius:3px;background:#f2f4f7;color:#1f2933;"
        "overflow-wrap:anywhere;"
    ),
    "notes": "margin:0;padding-left:20px;font-size:14px;color:#52606d;",
    "footer": (
        "margin:36px 0 0;padding-top:12px;border-top:1px solid #d9dee3;font-size:13px;"
        "color:#52606d;"
    ),
    "table": "width:100%;border-collapse:collapse;font-size:15px;",
    "th": "text-align:left;padding:8px 10px;border-bottom:2px solid #d9dee3;color:#344054;",
    "td": "padding:8px 10px;border-bottom:1px solid #e4e7ec;vertical-align:top;",
}

_BADGE_STYLE = {"✖": "badge_red", "✔": "badge_green", "↪": "badge_grey", "⊘": "badge_grey"}


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor", "templates"),
        autoescape=True,  # every template is HTML; partner text must never become markup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.tests["http_url"] = is_http_url
    # A namespace, not the dict: `s.clear` on a dict would be dict.clear, not the style.
    env.globals.update(s=SimpleNamespace(**STYLES), badge_style=_BADGE_STYLE, version=__version__)
    return env


_ENV: jinja2.Environment | None = None


def _template(name: str) -> jinja2.Template:
    global _ENV
    if _ENV is None:
        _ENV = _env()
    return _ENV.get_template(name)


def render_html(d: Digest, *, index_href: str | None = None) -> str:
    """The digest as one self-contained HTML page (inline styles, no scripts, no fetches).

    Takes a ``Digest``; ``index_href`` adds a link to the list of all digests (the files
    have one, the e-mail has none). Returns the HTML text. Everything shown is escaped by
    Jinja's autoescape; only http(s) URLs become links.
    """
    return _template("digest.html").render(d=d, index_href=index_href)


def _wdiff(segments: Sequence[Segment]) -> str:
    """A changed sentence in wdiff notation: ``The petition is [-open-]{+closed+}.``"""
    parts = []
    for seg in segments:
        core, tail = seg.text.strip(), " " if seg.text.endswith(" ") else ""
        lead = " " if seg.text.startswith(" ") else ""
        if seg.op == "=":
            parts.append(seg.text)
        elif seg.op == "-":
            parts.append(f"{lead}[-{core}-]{tail}")
        else:
            parts.append(f"{lead}{{+{core}+}}{tail}")
    return "".join(parts).strip()


def render_text(d: Digest) -> str:
    """The digest as plain text with the same sections (e-mail text part and ``--text``).

    Takes a ``Digest``; returns the text. Partner text was cleaned by ``build`` (no control
    or bidi characters), so it cannot drive a terminal or reorder a line.
    """
    out: list[str] = []
    add = out.append

    def section(title: str) -> None:
        add("")
        add(title.upper())
        add("=" * len(title))

    def places(item: Item, indent: str = "    ") -> None:
        also = ""
        if item.page is not None:
            add(f"{indent}This is a watched page: {item.page.page_name} <{item.page.page_url}>")
            also = "Also linked"
        for p in item.places:
            partner = f" ({p.group})" if p.group != item.group else ""
            where = f"{p.page_name}{partner} <{p.page_url}>"
            add(f"{indent}{also or 'Linked'} from: {where} as “{p.text}”")

    add(d.title)
    add(d.period)
    for n in d.notices:
        add("")
        add(f"!! NOTICE: {n}")
    add("")
    if d.all_clear:
        add("*** ALL CLEAR: nothing needs doing. ***")
    elif d.verdict.kind is wording.VerdictKind.TODO:
        add(f"*** TO DO: {d.headline} ***")
    else:
        add(f"*** {d.headline} ***")
    if d.detail:
        add(d.detail)
    if d.also:
        add("Also: " + ", ".join(f"{n} {label}" for label, n in d.also))

    if d.new:
        section(f"New problems ({d.new_count})")
        for g in d.new:
            add("")
            add(g.name)
            add("-" * min(len(g.name), 72))
            for it in g.items:
                add(f"[{it.symbol} {it.badge}] {it.url}")
                add(f"    {it.headline}")
                places(it)
                if it.since:
                    add(f"    Failing since {it.since}")
                if it.action:
                    add(f"    What to do: {it.action}")
                if it.suggestion:
                    kind = f" ({it.suggestion_label})" if it.suggestion_label else ""
                    add(f"    {it.suggestion_title}{kind}: {it.suggestion}")
    if d.still:
        section(f"Still broken ({len(d.still)})")
        for it in d.still:
            add(f"[{it.symbol}] {it.url} — {it.badge}, since {it.since} · {it.where} ({it.group})")
    if d.attention:
        section(f"Needs attention ({len(d.attention)})")
        add("Changes on these watched pages can go unnoticed: each says what to do.")
        for it in d.attention:
            add(f"[{it.symbol} {it.badge}] {it.url} · {it.where} ({it.group})")
            add(f"    {it.headline}")
    if d.fixed:
        section(f"Fixed ({len(d.fixed)})")
        for it in d.fixed:
            new = (
                f" New address: {it.suggestion}"
                if it.status == Status.MOVED and it.suggestion
                else ""
            )
            add(f"[✔] {it.url} — {it.note}{new} · {it.where} ({it.group})")
    if d.watching:
        section(f"Watching ({len(d.watching)})")
        add("Failed once; the next check confirms it as a problem or clears it.")
        for it in d.watching:
            add(f"[?] {it.url} — {it.headline} ({it.checked}) · {it.where} ({it.group})")
    if d.changes:
        section(f"Content changes ({len(d.changes)})")
        for c in d.changes:
            add("")
            add(f"{c.name} ({c.group}) <{c.url}>")
            if c.reverted:
                add(f"    {c.reverted}")
                continue
            for k in c.keywords:
                add(f"    !! KEYWORD: “{k.word}” {k.event}" + (f" ({k.when})" if k.when else ""))
            for e in c.events:
                if len(c.events) > 1:
                    add(f"    Changed {e.when}:")
                if e.file:
                    add(f"      {e.file}")
                for b in e.blocks:
                    if b.heading:
                        add(f"    Under “{b.heading}”:")
                    for line in b.lines:
                        if line.op == "changed":
                            add(f"      ~ {_wdiff(line.segments)}")
                        else:
                            sign = "+" if line.op == "added" else "-"
                            add(f"      {sign} {line.text}")
                if e.hidden:
                    more = _n(e.hidden, "more changed line")
                    add(f"      … and {more}: run `{e.diff_command}` to see them all")
    if d.moved:
        section(f"Moved: update the link ({len(d.moved)})")
        for it in d.moved:
            add(f"[↪] {it.url}")
            add(f"    -> {it.suggestion or '(no new address known)'} · {it.where} ({it.group})")
    if d.blocked:
        section(f"Blocked: could not verify ({len(d.blocked)})")
        for it in d.blocked:
            note = f" {it.note}" if it.note else ""
            add(f"[⊘] {it.url} — {it.headline}{note} · {it.where} ({it.group})")
    if d.notes:
        section("Notes")
        for note in d.notes:
            add(f"- {note}")
    add("")
    add(f"Times are in {d.timezone}. Written {d.generated} by partner-monitor {__version__}.")
    return "\n".join(out) + "\n"


# -- files ------------------------------------------------------------------------------

_DIGEST_NAME = re.compile(r"^digest-(\d{4}-\d{2}-\d{2})(?:-(\d+))?\.html$")
_SUMMARY_META = re.compile(r'<meta name="digest-summary" content="([^"]*)"')


@dataclass(frozen=True)
class IndexEntry:
    """One digest file in ``index.html``."""

    name: str
    day: str  # YYYY-MM-DD, from the file name
    number: int
    summary: str
    text_name: str | None

    @property
    def label(self) -> str:
        """'Tue 12 Mar 2024', with '(2)' for the second digest of a day."""
        try:
            d = date.fromisoformat(self.day)
        except ValueError:
            return self.day
        text = wording.day(d)
        return f"{text} ({self.number})" if self.number > 1 else text


def _fail(path: Path, exc: OSError) -> DigestError:
    why = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        what = "the disk is full: free some space"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "the folder is not writable: fix its permissions"
    else:
        what = "check the folder"
    return DigestError(
        f"cannot write the digest to {path}: {why}. {what.capitalize()}, or choose another folder "
        "with --out or settings.reports_dir. Earlier digests are untouched, and the next digest "
        "covers these checks too."
    )


def _write_fully(path: Path, data: str) -> None:
    """Write ``data`` to ``path`` (created or truncated) and fsync it; raises ``OSError``."""
    raw = data.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: str) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder and ``os.replace``.

    A crash or a full disk leaves either the old file or the new one, never half of one.
    Raises ``OSError``; the temp file is removed.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        _write_fully(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_temp(out_dir: Path, name: str, data: str) -> Path:
    """Write ``data`` completely (fsynced) to a hidden temp file; returns its path."""
    tmp = out_dir / f".{name}.{os.getpid()}.tmp"
    try:
        _write_fully(tmp, data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _publish(out_dir: Path, day: str, page: str, plain: str | None) -> tuple[Path, Path | None]:
    """Give the finished digest the next free ``digest-DAY[-N].html`` (and ``.txt``) name.

    The files are written in full first and then hard-linked to their names: a link
    fails when the name exists (an earlier digest is never overwritten, even by another
    process at the same moment), and a kill at any point leaves either no digest file or
    a complete one, never an empty one. Where the filesystem has no hard links, falls
    back to claiming the names with O_EXCL and writing through ``os.replace``.
    Returns the paths; raises ``OSError``.
    """
    temps = [_write_temp(out_dir, f"digest-{day}.html", page)]
    try:
        if plain is not None:
            temps.append(_write_temp(out_dir, f"digest-{day}.txt", plain))
        n = 1
        while True:
            stem = f"digest-{day}" if n == 1 else f"digest-{day}-{n}"
            finals = [out_dir / f"{stem}.html", out_dir / f"{stem}.txt"][: len(temps)]
            linked: list[Path] = []
            try:
                for tmp, final in zip(temps, finals, strict=True):
                    os.link(tmp, final)
                    linked.append(final)
            except FileExistsError:
                for final in linked:  # keep the pair's names together: try the next number
                    os.unlink(final)
                n += 1
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                    raise
                for final in linked:
                    os.unlink(final)
                html_path, txt_path = _claim(out_dir, day, plain is not None)
                _atomic_write(html_path, page)
                if txt_path is not None and plain is not None:
                    _atomic_write(txt_path, plain)
                return html_path, txt_path
            return finals[0], finals[1] if len(finals) > 1 else None
    finally:
        for tmp in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _remove_stale_temp_files(out_dir: Path) -> None:
    """Remove ``.NAME.PID.tmp`` files left by a writer that was killed (its PID is gone)."""
    with contextlib.suppress(OSError):
        for tmp in out_dir.glob(".*.tmp"):
            pid = tmp.name.rsplit(".", 2)[-2]
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                with contextlib.suppress(OSError):
                    tmp.unlink()
            except OSError:
                pass  # alive, owned by someone else: not ours to remove


def _claim(out_dir: Path, day: str, text: bool) -> tuple[Path, Path | None]:
    """Create the next free ``digest-DAY[-N].html`` (and ``.txt``) with O_EXCL.

    O_EXCL makes the name ours even if another process writes a digest at the same
    moment: an earlier digest is never overwritten. Returns the claimed (empty) paths.
    """
    n = 1
    while True:
        stem = f"digest-{day}" if n == 1 else f"digest-{day}-{n}"
        html_path = out_dir / f"{stem}.html"
        try:
            os.close(os.open(html_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            n += 1
            continue
        if not text:
            return html_path, None
        txt_path = out_dir / f"{stem}.txt"
        try:
            os.close(os.open(txt_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            # A stray .txt of that name: keep the pair's names together, try the next number.
            os.unlink(html_path)
            n += 1
            continue
        except OSError:
            os.unlink(html_path)
            raise
        return html_path, txt_path


def index_entries(out_dir: Path) -> list[IndexEntry]:
    """The digests in ``out_dir``, newest first (by day, then number); empty files are skipped."""
    entries: list[IndexEntry] = []
    for path in out_dir.iterdir():
        m = _DIGEST_NAME.match(path.name)
        if not m:
            continue
        try:
            head = path.read_text(encoding="utf-8", errors="replace")[:4000]
        except OSError:
            continue
        if not head:
            continue  # a name claimed by a digest that was never finished
        found = _SUMMARY_META.search(head)
        summary = clean(htmlmod.unescape(found.group(1))) if found else ""
        txt = path.with_suffix(".txt")
        entries.append(
            IndexEntry(
                path.name,
                m.group(1),
                int(m.group(2) or 1),
                summary,
                txt.name if txt.exists() else None,
            )
        )
    entries.sort(key=lambda e: (e.day, e.number), reverse=True)
    return entries


def render_index(entries: Sequence[IndexEntry], *, generated_at: str = "") -> str:
    """``index.html``: every digest, newest first, with its one-line summary."""
    return _template("index.html").render(entries=entries, generated_at=generated_at)


def write(
    store: Store,
    out_dir: Path,
    *,
    config: Config | None = None,
    text: bool = False,
    notices: Sequence[str] = (),
    now: datetime | None = None,
) -> Written:
    """Write the digest of every run since the last file digest, and record it.

    Takes the store, the reports folder (created if needed), the watch list, whether to
    write the ``.txt`` too, notices for the top, and the time of writing (default: now).
    Writes ``digest-YYYY-MM-DD.html`` (``-2``, ``-3``… on the same day; never overwrites),
    refreshes ``latest.html`` and ``index.html``, each atomically, and only then records
    the digest (kind 'file') so its window advances. Returns a ``Written``.

    Raises ``DigestError`` (path and what to do) when the folder cannot be written or the
    disk is full; files this call created are removed and the window does not advance.
    Raises ``StoreError`` when the database cannot be read or written.
    """
    now = now or datetime.now(UTC)
    out_dir = Path(out_dir)
    last = store.last_digest("file")
    after = last.last_run if last else 0
    upto = max(store.settled_run_id(), after)
    d = build(store, after_run=after, upto_run=upto, config=config, notices=notices, now=now)
    page = render_html(d, index_href="index.html")
    plain = render_text(d) if text else None
    tz, _ = _tz(config)
    day = now.astimezone(tz).strftime("%Y-%m-%d")

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(out_dir, exc) from None
    _remove_stale_temp_files(out_dir)
    try:
        html_path, txt_path = _publish(out_dir, day, page, plain)
    except OSError as exc:
        raise _fail(out_dir, exc) from None
    latest = out_dir / "latest.html"
    index = out_dir / "index.html"
    target = html_path
    try:
        target = latest
        _atomic_write(latest, page)
        target = index
        entries = index_entries(out_dir)
        _atomic_write(index, render_index(entries, generated_at=d.generated))
    except OSError as exc:
        # Leave the folder as it was: the next digest covers these runs under a fresh name.
        for claimed in (html_path, txt_path):
            if claimed is not None:
                with contextlib.suppress(OSError):
                    os.unlink(claimed)
        raise _fail(target, exc) from None
    with contextlib.suppress(OSError):
        # The directory entry itself must survive a power cut (best effort: not everywhere).
        dir_fd = os.open(out_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    store.record_digest(d.generated_at, str(html_path), d.first_run, upto, kind="file")
    return Written(html_path, txt_path, latest, index, d.problems, d)
