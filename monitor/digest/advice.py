"""Statuses, notes and blocked pages in plain words: what a campaigner can do."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.digest.text import clean
from monitor.models import BlockKind, Note, NoteKind, Status
from monitor.store import CheckRow, PageCheckRow

# -- statuses in plain words --------------------------------------------------------------

BADGES: dict[str, tuple[str, str]] = {
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


def status_of(value: str) -> Status | None:
    try:
        return Status(value)
    except ValueError:
        return None


def is_problem(value: str) -> bool:
    st = status_of(value)
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


def suggestion_label(suggestion: str, status: str) -> str | None:
    """What kind of replacement a suggestion is, said next to it (None: nothing to add).

    ``run`` stores the redirect target for a moved link and, for a problem, the archived
    copy its ``settings.archive_api`` found (any archive, not only archive.org).
    """
    host = (urlsplit(suggestion).hostname or "").lower()
    if status == "moved":
        return "new address"
    if is_problem(status) or host == "archive.org" or host.endswith(".archive.org"):
        return "archived copy"
    return None


def watch_badge(row: CheckRow | PageCheckRow) -> tuple[str, str]:
    """The badge of a failure seen once: the status word with the "watching" sign."""
    return "◔", BADGES.get(row.status, ("", row.status))[1]


# -- page-check notes in plain words ----------------------------------------------------


@dataclass(frozen=True)
class _NoteRule:
    """What a kind of page-check note means for a campaigner.

    ``advice`` is None for a harmless note, never shown; else a sentence saying what to do,
    formatted with the note's parameters and ``watchlist`` (the watch list's name).
    """

    badge: str
    advice: str | None
    repeated: bool = False  # shown only when the check before said it too


# In the order they are said (gravest first).
_NOTE_RULES: dict[NoteKind, _NoteRule] = {
    NoteKind.DRAWN_BY_SCRIPT: _NoteRule(
        "Not compared",
        "This page's text is drawn by JavaScript: add `render: browser` to its watch list "
        "entry in {watchlist}.",
    ),
    NoteKind.SELECTOR_MATCHED_NOTHING: _NoteRule(
        "Not compared",
        "The selector {selector!r} matched nothing, so this page's content is not watched: "
        "ask the maintainer to update it in {watchlist}.",
    ),
    NoteKind.NO_TEXT: _NoteRule(
        "Not compared",
        "The page came back without any text, so its content could not be compared: open it "
        "to check it still works; if it does, ask the maintainer to check its selector and "
        "ignore rules in {watchlist}.",
    ),
    # Once is a page caught mid-edit (the next run confirms a real edit); twice in a row is
    # a rotating block or a live counter that keeps every change of the page from showing.
    NoteKind.UNSTABLE: _NoteRule(
        "Not compared",
        "Its text differed between two looks seconds apart, two checks in a row (a rotating "
        "quote or a live counter?), so changes on this page are not reported: ask the "
        "maintainer to add an ignore rule for the part that moves in {watchlist}.",
        repeated=True,
    ),
    NoteKind.TRUNCATED: _NoteRule(
        "Partly read",
        "The page is larger than {mb} MB and only the first {mb} MB are read, so text and "
        "links further down are not checked: ask the maintainer to raise "
        "settings.max_page_mb in {watchlist}.",
    ),
    NoteKind.RENDER_TIME_LIMIT: _NoteRule(
        "Partly read",
        "The page never finished loading in the browser and was read as it was after {s} s: "
        "if its text is missing, ask the maintainer to give it a `wait_for` selector or to "
        "raise settings.browser.time_limit_s in {watchlist}.",
        repeated=True,
    ),
    NoteKind.RENDER_CAPPED: _NoteRule(
        "Partly read",
        "The page pulls more than {mb} MB in the browser and the rest was not loaded: ask "
        "the maintainer to raise settings.browser.max_total_mb in {watchlist} if text is "
        "missing.",
        repeated=True,
    ),
    NoteKind.RENDER_REFUSED: _NoteRule("", None),  # safety at work; the JSON report says it
    # The page is still compared, on its whole text: nothing goes unwatched. Navigation
    # that changes shows up in the diff itself, and the note would repeat every day.
    NoteKind.WHOLE_PAGE: _NoteRule("", None),
    NoteKind.NOT_MODIFIED: _NoteRule("", None),  # unchanged, said by the server
    NoteKind.CONTENT_OFF: _NoteRule("", None),  # `content: false` in the list
    NoteKind.RULES_CHANGED: _NoteRule("", None),  # said in the digest's notes
    NoteKind.BLOCKED: _NoteRule("", None),  # the page is listed as blocked instead
}


_BLOCKED_WHY: dict[BlockKind, str] = {
    BlockKind.LOGIN_REDIRECT: "Redirects to a login page",
    BlockKind.LOGIN_FORM: "Shows a login form instead of the page",
    BlockKind.CHALLENGE: "Bot challenge",
}
_REFUSED_WHY: dict[int, str] = {
    401: "Needs a login (401)",
    403: "Login or bot protection (403)",
    429: "Too many requests (429)",
    999: "Bot protection (999)",
}


def blocked_advice(http_status: int | None, block: BlockKind | None, *, watchlist: str) -> str:
    """What a campaigner can do about a watched page whose status is ``blocked``.

    A blocked link is only listed (the site keeps checkers out; not proof it is gone), but
    a blocked watched page is a page whose text is no longer compared. Takes the check's
    sentence (``classify.page_verdict``'s reason, or None for older rows), its HTTP status,
    what blocked it (``BlockKind``, None for older rows) and the watch list's name.
    Returns one sentence: why, then what to do.
    """
    # Why, by what happened (a 403's "login or bot protection" is no login request); a
    # check from before blocks had kinds says it in its own sentence.
    why = _BLOCKED_WHY.get(block) if block is not None else None
    if why is None and block is BlockKind.REFUSED and http_status is not None:
        why = _REFUSED_WHY.get(http_status)
    if why is None:
        why = "The site blocks automatic checks" + (f" ({http_status})" if http_status else "")
    if http_status == 401 or block in (BlockKind.LOGIN_REDIRECT, BlockKind.LOGIN_FORM):
        said = f"The page now asks for a login ({why}), so its text is not being watched"
    elif http_status == 429:
        said = "The site refused to answer so many requests (429), so its text was not read"
    else:
        said = f"The page cannot be read ({why}), so its text is not being watched"
    return (
        f"{said}: open it to check it by hand; if it stays so, ask the maintainer to watch "
        f"another URL in {watchlist}."
    )


def block_of(notes: Sequence[Note]) -> BlockKind | None:
    """What blocked a page, from its check's notes (None: not said, an older check)."""
    for note in notes:
        by = note.get("by")
        if note.kind is NoteKind.BLOCKED and by in set(BlockKind):
            return BlockKind(by)
    return None


def note_advice(
    notes: Sequence[Note], *, content: str, earlier: Sequence[Note], watchlist: str
) -> tuple[str, str] | None:
    """What a campaigner must do about a watched page's notes, or None when nothing.

    Takes the notes of the page's newest check, its ``content`` state, the notes of the
    check before it (``earlier``) and the watch list's name for the advice. Returns (badge,
    sentences): one sentence per note that needs doing, gravest first. A note from before
    notes had kinds (``OTHER``) is shown as it is when the content could not be compared.
    """
    kinds = {n.kind: n for n in notes}
    before = {n.kind for n in earlier}
    badge = ""
    said: list[str] = []
    for kind, rule in _NOTE_RULES.items():
        note = kinds.get(kind)
        if note is None or rule.advice is None or (rule.repeated and kind not in before):
            continue
        values = {k: clean(v) for k, v in note.params}
        said.append(rule.advice.format(watchlist=watchlist, **values))
        badge = badge or rule.badge
    other = kinds.get(NoteKind.OTHER)
    if other is not None and not said and content == "unavailable":
        said.append(
            f"Its content could not be compared ({clean(other.get('text'))}): ask the "
            f"maintainer to look at this page in {watchlist}."
        )
        badge = "Not compared"
    return (badge, " ".join(said)) if said else None
