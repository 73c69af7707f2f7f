"""The digest as data: what one digest says, section by section, for the renderers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from monitor import wording
from monitor.digest.counters import CounterCard
from monitor.models import Status

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
    history: str | None = None  # its history page, relative to the reports folder

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
        if self.page is None or not Status(self.status).is_problem:
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

    ``page`` is the change page that holds the whole change (``changes/<key>-v3-v4.html``,
    relative to the reports folder) and ``lines`` how many changed lines it shows;
    ``file`` says in one sentence how a watched file (PDF, image) changed, instead of a diff.
    """

    when: str
    blocks: tuple[DiffBlock, ...]
    hidden: int = 0
    page: str | None = None  # "changes/amnesty-org-petition-1a2b3c4d5e-v3-v4.html"
    lines: int = 0  # changed lines in the whole change
    file: str | None = None  # "The file changed: 152 KB → 160 KB (application/pdf)."
    run_id: int = 0  # the run that recorded it


@dataclass(frozen=True)
class PageChange:
    """What changed on one watched page over the window."""

    name: str
    url: str
    group: str
    keywords: tuple[KeywordFlag, ...]
    events: tuple[ChangeEvent, ...]
    reverted: str | None = None  # set when the page is back where the last digest left it
    history: str | None = None  # the page's history page, relative to the reports folder


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
    counters: tuple[CounterCard, ...] = ()  # signatures and the like, per page (issue 20)

    @property
    def new_count(self) -> int:
        """Number of new problems over all partners."""
        return sum(len(g.items) for g in self.new)

    @property
    def counts(self) -> tuple[tuple[str, int], ...]:
        """Every non-zero count, things to do first."""
        return self.todo + self.also


# -- the pages beside the digest -------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A stretch of consecutive checks with one status, for a history timeline."""

    status: Status
    symbol: str
    badge: str
    headline: str  # what the first check of the stretch said
    start: str  # "Tue 12 Mar 07:00"
    end: str
    checks: int
    problem: bool


@dataclass(frozen=True)
class VersionEntry:
    """A stored content version of a watched page."""

    number: int
    first_seen: str
    last_seen: str
    current: bool
    title: str


@dataclass(frozen=True)
class CounterReading:
    """One value of a counter in a history page: when it was read and as people write it."""

    when: str
    shown: str


@dataclass(frozen=True)
class CounterHistory:
    """A watched page's counter in its history page: its readings, newest first (a run
    that did not show it has no reading)."""

    name: str
    label: str
    readings: tuple[CounterReading, ...]


@dataclass(frozen=True)
class ChangeEntry:
    """A recorded change in a history page, linked to its change page."""

    when: str
    before: int | None
    after: int | None
    lines: int
    page: str  # relative to the reports folder
    file: str | None = None
    keywords: tuple[KeywordFlag, ...] = ()


@dataclass(frozen=True)
class ChangeView:
    """One change page: the whole change of a watched page between two versions."""

    name: str
    url: str
    group: str
    when: str  # when the change was recorded
    before: int | None  # version numbers (None: no longer kept when the page was written)
    after: int | None
    before_seen: str | None  # when the earlier version was first seen
    blocks: tuple[DiffBlock, ...]
    lines: int
    keywords: tuple[KeywordFlag, ...]
    file: str | None
    path: str  # its own place, relative to the reports folder
    history: str
    run_id: int
    generated: str
    timezone: str

    @property
    def title(self) -> str:
        if self.before is not None and self.after is not None:
            return f"{self.name}: version {self.before} → {self.after}"
        return f"{self.name}: change of {self.when}"


@dataclass(frozen=True)
class HistoryView:
    """One history page: a watched page's or a link's statuses over time, and a watched
    page's versions and changes, newest first."""

    kind: str  # "page" | "link"
    name: str  # the watched page's name; the URL for a link
    url: str
    group: str
    path: str
    spans: tuple[Span, ...]
    checks: int
    versions: tuple[VersionEntry, ...] = ()
    changes: tuple[ChangeEntry, ...] = ()
    dropped: str | None = None  # "Versions 1-3 are no longer kept (…)."
    places: tuple[Place, ...] = ()
    suggestion: str | None = None
    suggestion_label: str | None = None
    generated: str = ""
    timezone: str = "UTC"
    counters: tuple[CounterHistory, ...] = ()

    @property
    def title(self) -> str:
        return f"History of {self.name}" if self.kind == "page" else "History of a link"


@dataclass(frozen=True)
class Written:
    """What ``write`` produced: the files, the problem count and the digest itself."""

    html: Path
    text: Path | None
    latest: Path
    index: Path
    problems: int
    digest: Digest
