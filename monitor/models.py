"""Shared data types of the pipeline: the contract's statuses and the values stages pass on.

This module owns the vocabulary every stage speaks and imports nothing of ours.
Everything here is a plain frozen dataclass or an enum so that the pure stages
(``extract``, ``classify``, ``compare``, ``digest.build``) take and return data that
tests can build by hand.

Flow of values through one run::

    fetch.Fetcher.get(url)   -> FetchResult   (what the network said, never raises)
    extract.page(...)        -> Page          (title, text lines, links, counters)
    classify.classify(...)      -> LinkVerdict   (Status + human reason + suggestion)
    compare.change(...)      -> Change        (baseline / unchanged / changed + diff)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from urllib.parse import urlsplit


class Status(enum.StrEnum):
    """One word per link or watched page, exactly the contract's table."""

    OK = "ok"
    MOVED = "moved"
    SOFT_404 = "soft_404"
    BROKEN = "broken"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    TLS_ERROR = "tls_error"
    BLOCKED = "blocked"
    SKIPPED = "skipped"

    @property
    def is_problem(self) -> bool:
        """True for the statuses the contract marks "a problem" (exit code 1)."""
        return self in _PROBLEMS

    @property
    def is_transient(self) -> bool:
        """True for failures that may pass by themselves and want a second run to confirm."""
        return self in _TRANSIENT


_PROBLEMS = frozenset(
    {
        Status.SOFT_404,
        Status.BROKEN,
        Status.SERVER_ERROR,
        Status.TIMEOUT,
        Status.UNREACHABLE,
        Status.TLS_ERROR,
    }
)
_TRANSIENT = frozenset({Status.TIMEOUT, Status.SERVER_ERROR, Status.UNREACHABLE})


class FetchError(enum.StrEnum):
    """Why a fetch produced no usable final response.

    ``fetch`` reports these as data (``FetchResult.error``); ``classify`` maps each to a
    ``Status`` and a sentence a campaigner understands.
    """

    TIMEOUT = "timeout"  # no complete answer within timeout_s
    DNS = "dns"  # name does not resolve
    REFUSED = "refused"  # connection refused
    RESET = "reset"  # connection reset / closed mid-answer
    NO_ROUTE = "no_route"  # network or host unreachable (no route, network down)
    TLS = "tls"  # certificate or handshake failure
    REDIRECT_LOOP = "redirect_loop"  # a redirect came back to a URL already in the chain
    TOO_MANY_REDIRECTS = "too_many_redirects"  # more than 10 hops
    BAD_REDIRECT = "bad_redirect"  # Location missing, garbage, or a non-http(s) scheme
    PRIVATE_REDIRECT = "private_redirect"  # redirect or DNS answer to a private address
    PROTOCOL = "protocol"  # malformed HTTP (bad headers, huge headers, ...)
    INVALID_URL = "invalid_url"  # not an absolute http(s) address with a usable host
    OTHER = "other"  # anything else the transport raised


@dataclass(frozen=True, slots=True)
class Hop:
    """One answer in a redirect chain: the URL asked and what it said."""

    url: str
    status_code: int
    location: str | None = None  # absolute URL of the Location header, if any


@dataclass(frozen=True, slots=True)
class FetchResult:
    """Everything the network said about one URL, after redirects and retries.

    ``hops`` holds every redirect answer in order (empty when the first answer was
    final); ``status_code``/``headers``/``body`` describe the final answer, or are
    ``None``/empty when ``error`` is set and no final answer came.
    """

    url: str  # the URL that was asked for (fragment stripped)
    final_url: str  # the URL of the last answer (== url without redirects)
    status_code: int | None
    hops: tuple[Hop, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""  # capped; may be empty for HEAD
    truncated: bool = False  # body was cut at the cap
    method: str = "GET"  # method of the final request (HEAD or GET)
    error: FetchError | None = None
    error_detail: str | None = None  # short technical detail for logs / reason
    attempts: int = 1
    elapsed_s: float = 0.0
    not_modified: bool = False  # a conditional GET was answered 304
    timeout_s: float | None = None  # with error TIMEOUT: the limit that ran out

    @property
    def content_type(self) -> str:
        """The media type of the final answer, lower case, without parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass(frozen=True, slots=True)
class HostProfile:
    """How one host answers a random path that cannot exist (probed once per run).

    Used by ``classify`` to recognise a soft-404: a link whose answer looks like this
    one is "the same page the host serves for a random missing path".
    """

    host: str  # host_key() of the links it stands for
    status_code: int | None
    final_url: str | None
    title: str = ""
    fingerprint: frozenset[str] = frozenset()  # word shingles of the page's text
    length: int = 0


@dataclass(frozen=True, slots=True)
class Link:
    """One occurrence of a link on a page, as found in the HTML."""

    url: str  # absolute, normalised, fragment stripped
    text: str  # anchor text, or alt/title text, "" when none
    tag: str = "a"  # a, img, link, script, iframe, source, video, audio, ...
    skip_reason: str | None = None  # e.g. "mailto: link" for non-http schemes


class CounterKind(enum.StrEnum):
    """What a counter counts. Found automatically, a counter's name is its kind."""

    SIGNATURES = "signatures"
    SUPPORTERS = "supporters"
    PARTICIPANTS = "participants"  # "have taken action"
    REMAINING = "remaining"  # "7,655 to go": goes down as the petition grows
    PROGRESS = "progress"  # "62% of the goal", in per cent (goal 100)
    COUNTRIES = "countries"  # "12,345 signatures · 37 countries": where signers come from
    NAMED = "named"  # a counter the watch names itself, of no known kind

    @property
    def grows(self) -> bool:
        """True when the count is expected to go up (a fall is then news)."""
        return self is not CounterKind.REMAINING

    @property
    def stalls(self) -> bool:
        """True when no growth for days is news (not for countries: they seldom move)."""
        return self.grows and self is not CounterKind.COUNTRIES


@dataclass(frozen=True, slots=True)
class CounterRule:
    """A counter a watch names (``counters:``): a CSS ``selector`` or a regex ``pattern``
    with one group (exactly one of them is set)."""

    name: str
    selector: str | None = None
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class Counter:
    """One counter as a page showed it: ``value`` read from ``text`` ("12,665 people have
    signed"), ``label`` the words that say what it counts, ``goal`` when the page gives
    one. ``name`` is the configured name, or the kind when found automatically."""

    name: str
    kind: CounterKind
    label: str
    value: int
    goal: int | None
    text: str


@dataclass(frozen=True, slots=True)
class Page:
    """What ``extract.page`` makes of one HTML document.

    ``lines`` is the normalised main-content text, one block element per line;
    lines that are headings start with ``"# "`` so that ``compare`` can attach a
    change to its nearest heading.
    """

    url: str
    title: str
    lines: tuple[str, ...]
    links: tuple[Link, ...]
    notes: tuple[Note, ...] = ()  # e.g. the selector matched nothing, the page is empty
    selector_matched: bool = True
    counters: tuple[Counter, ...] = ()  # read from the whole page (extract.counters)


@dataclass(frozen=True, slots=True)
class LinkVerdict:
    """``classify.classify``'s answer for one fetch: a status with a human reason."""

    status: Status
    http_status: int | None
    final_url: str | None
    reason: str | None  # None only for plain ``ok``
    suggestion: str | None = None  # redirect target for ``moved``
    block: BlockKind | None = None  # with ``blocked``: what kept it out


class BlockKind(enum.StrEnum):
    """Why a watched page (or link) is ``blocked``: what happened, not a sentence."""

    LOGIN_REDIRECT = "login_redirect"  # sent to a login page
    LOGIN_FORM = "login_form"  # answered with a login form instead of the page
    REFUSED = "refused"  # 401, 403, 429 or 999 (``http_status`` says which)
    CHALLENGE = "challenge"  # a bot challenge (e.g. cf-mitigated: challenge)


class NoteKind(enum.StrEnum):
    """What a check of a watched page noted, beyond its status (``Note``)."""

    SELECTOR_MATCHED_NOTHING = "selector_matched_nothing"  # params: selector
    NO_TEXT = "no_text"  # the page (or its selected part) has no text
    UNSTABLE = "unstable"  # the text differed between two looks seconds apart
    TRUNCATED = "truncated"  # over max_page_mb; params: mb
    RULES_CHANGED = "rules_changed"  # a quiet new baseline: the text rules changed
    NOT_MODIFIED = "not_modified"  # answered 304
    WHOLE_PAGE = "whole_page"  # main content not found, the whole page compared; params: why
    CONTENT_OFF = "content_off"  # `content: false` in the watch list
    BLOCKED = "blocked"  # params: by (a BlockKind)
    # Pages drawn by script (issue 21):
    DRAWN_BY_SCRIPT = "drawn_by_script"  # read over HTTP, (almost) no text, but scripts
    RENDER_TIME_LIMIT = "render_time_limit"  # never settled: read at the limit; s, [wait_for]
    RENDER_CAPPED = "render_capped"  # the page pulled over max_total_mb; params: mb
    RENDER_REFUSED = "render_refused"  # its script asked private addresses; params: count, host
    OTHER = "other"  # params: text (a note from before notes had kinds)


@dataclass(frozen=True, slots=True)
class Note:
    """One thing a check noted, as data: a kind and its parameters; words are the edge's."""

    kind: NoteKind
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, kind: NoteKind, **params: object) -> Note:
        return cls(kind, tuple(sorted((k, str(v)) for k, v in params.items())))

    def get(self, key: str) -> str | None:
        return dict(self.params).get(key)

    def to_json(self) -> dict[str, str]:
        return {"kind": str(self.kind), **dict(self.params)}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Note:
        params = {k: v for k, v in data.items() if k != "kind"}
        try:
            kind = NoteKind(data.get("kind", ""))
        except ValueError:
            return cls.of(NoteKind.OTHER, text=str(data))
        return cls.of(kind, **params)


class ContentState(enum.StrEnum):
    """The contract's ``content`` field of a watched page."""

    BASELINE = "baseline"
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class WordDiff:
    """A line replaced by a similar one: segments tagged ``=``, ``+`` or ``-``."""

    heading: str | None
    segments: tuple[tuple[str, str], ...]  # (op, text)


@dataclass(frozen=True, slots=True)
class KeywordEvent:
    word: str
    event: str  # "appeared" | "disappeared"


@dataclass(frozen=True, slots=True)
class Hunk:
    """Added and removed lines under one heading, in page order."""

    heading: str | None
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """``compare.change``'s answer: how the new text relates to the stored versions."""

    state: ContentState
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    hunks: tuple[Hunk, ...] = ()
    words: tuple[WordDiff, ...] = ()
    keywords: tuple[KeywordEvent, ...] = ()
    matched_recent: int | None = None  # index of the recent version it equals (flip-flop)
    # The edit script behind the diff: (start, end, lines) means old[start:end] became
    # lines; in order, non-overlapping.  compare.apply() replays it; a renderer can use
    # the positions for context.  Empty unless state is CHANGED.
    edits: tuple[tuple[int, int, tuple[str, ...]], ...] = ()


# How much of a link's answer is read (and judged, for a soft-404): its head, title and
# first heading sit well inside it.
LINK_WINDOW_BYTES = 65_536


def host_key(url: str) -> str:
    """``scheme://netloc`` of ``url`` in lower case: the unit of ``per_host`` and of
    ``HostProfile.host``; "" for a URL that cannot be split (its fetch reports it)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"
