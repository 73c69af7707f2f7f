"""Words for people about the run's own state: the one place that phrases these values.

Stages pass typed values (``outage.Outage``, ``tally.Tally``, a digest's ``Verdict``);
the CLI, the JSON report's ``reason``, the digest and the e-mail subject all take their
sentences from here, so the terminal, the report and the digest say the same thing in
the same words.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from monitor.counts import Counts
from monitor.models import BlockKind, Note, NoteKind
from monitor.outage import NetFailure, Outage


def day(d: date | datetime) -> str:
    """A date as every output writes it: 'Sun 1 Mar 2026' (no leading zero)."""
    return f"{d:%a} {d.day} {d:%b %Y}"


def moment(stamp: str, tz: tzinfo) -> str:
    """A stored ISO-8601 time in the watch list's time zone: 'Sun 1 Mar 2026 08:00'
    (the text as stored when it is not a time)."""
    try:
        dt = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    local = (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(tz)
    return f"{day(local)} {local:%H:%M}"


def plural(count: int, one: str, many: str | None = None) -> str:
    """``"1 page"``, ``"3 pages"``; ``many`` for irregular plurals."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def problems(counts: Counts) -> str:
    """'4 problems (1 watching)', 'no problems': the same words on the terminal and in
    the summary lines of ``classify``, ``run`` and ``demo``."""
    if not counts.problems:
        return "no problems"
    watching = f" ({counts.watching} watching)" if counts.watching else ""
    return plural(counts.problems, "problem") + watching


def statuses(counts: Counts) -> str:
    """'2 soft_404, 1 broken, 1 timeout': problem URLs by status."""
    return ", ".join(f"{n} {status}" for status, n in counts.statuses)


_FAILED: dict[NetFailure, str] = {
    NetFailure.DNS: "DNS lookups failed for {n}",
    NetFailure.REFUSED: "connections were refused by {n}",
    NetFailure.RESET: "connections were cut off by {n}",
    NetFailure.NO_ROUTE: "there was no network route to {n}",
    NetFailure.TLS: "secure connections failed with {n}",
    NetFailure.TIMEOUT: "no answer came from {n}",
}


def outage_cause(outage: Outage) -> str:
    """Why the run counts as our outage: 'DNS lookups failed for 7 of 7 hosts and for the
    control probes'."""
    hosts = f"{outage.failed} of {plural(outage.hosts, 'host')}"
    return _FAILED[outage.kind].format(n=hosts) + " and for the control probes"


def outage_reason(outage: Outage) -> str:
    """The one line that says what happened and what to do (CLI, JSON ``run.reason``)."""
    return (
        f"this machine could not reach the internet ({outage_cause(outage)}): check its "
        "network, DNS or proxy; no partner was judged"
    )


class VerdictKind(enum.StrEnum):
    """What a digest (and its e-mail subject, and its index entry) says first."""

    NO_RUN = "no_run"  # no check ran in its window
    NOT_FINISHED = "not_finished"  # every check in it failed or was interrupted
    OFFLINE = "offline"  # its newest check could not reach the internet
    TODO = "todo"  # there is something to do
    UNREAD = "unread"  # nothing to do, but some watched pages could not be read
    ALL_CLEAR = "all_clear"  # every watched page read, nothing to do


@dataclass(frozen=True)
class Verdict:
    """A digest's verdict as data; ``headline`` and ``verdict_detail`` say it."""

    kind: VerdictKind = VerdictKind.NO_RUN
    in_a_row: int = 0  # OFFLINE: runs in a row that could not reach the internet
    since: str | None = None  # OFFLINE: when the first of them started, in words
    outage: Outage | None = None  # OFFLINE: the newest one's cause
    unread: int = 0  # UNREAD: watched pages not read
    watched: int = 0  # UNREAD: watched pages in all


def headline(verdict: Verdict, todo: Sequence[tuple[str, int]]) -> str:
    """The digest's first line, its e-mail subject's ``{summary}`` and its index entry."""
    match verdict.kind:
        case VerdictKind.NO_RUN:
            return "No check ran since the last digest"
        case VerdictKind.NOT_FINISHED:
            return "The check did not finish"
        case VerdictKind.OFFLINE:
            runs = f"{verdict.in_a_row} runs in a row, " if verdict.in_a_row > 1 else ""
            return (
                "Could not check: the monitor could not reach the internet "
                f"({runs}since {verdict.since})"
            )
        case VerdictKind.TODO:
            return ", ".join(f"{n} {label}" for label, n in todo)
        case VerdictKind.UNREAD:
            pages = plural(verdict.watched, "watched page")
            verb = "was" if verdict.unread == 1 else "were"
            return f"Not all clear: {verdict.unread} of {pages} {verb} not read"
        case VerdictKind.ALL_CLEAR:
            return "All clear"


def verdict_detail(verdict: Verdict) -> str | None:
    """A sentence under the headline, where the headline alone would leave a question."""
    if verdict.kind is VerdictKind.OFFLINE:
        cause = f" ({outage_cause(verdict.outage)})" if verdict.outage else ""
        return (
            f"No partner was judged: the monitor's own connection failed{cause}. Check the "
            "network, DNS or proxy of the machine it runs on. Problems found by earlier "
            "checks are listed as they were, with their dates."
        )
    if verdict.kind is VerdictKind.UNREAD:
        return (
            "Nothing needs doing yet, but not every watched page could be read at its last "
            "check (see Watching), so its text was not compared. The next check confirms "
            "the failure or clears it."
        )
    return None


def offline_runs_note(times: Sequence[str]) -> str:
    """The note of a digest some of whose checks (not the newest) could not look."""
    if len(times) == 1:
        return f"The check of {times[0]} could not reach the internet; no partner was judged in it."
    return (
        f"{len(times)} checks ({times[0]} to {times[-1]}) could not reach the internet; no "
        "partner was judged in them."
    )


_WHOLE_PAGE = {
    "too_deep": "page nested too deeply for main-content detection",
    "too_large": "page too large for main-content detection",
    "not_found": "main content not found",
}
_BLOCKED_BY: dict[str, str] = {
    BlockKind.LOGIN_REDIRECT: "sent to a login page",
    BlockKind.LOGIN_FORM: "answered with a login form",
    BlockKind.REFUSED: "the site refused to answer",
    BlockKind.CHALLENGE: "a bot challenge",
}


def note_text(note: Note) -> str:
    """One note of a page check in words (the JSON report's ``note``, ``monitor history``)."""
    match note.kind:
        case NoteKind.SELECTOR_MATCHED_NOTHING:
            return f"selector {note.get('selector')!r} matched nothing on the page"
        case NoteKind.NO_TEXT:
            return "the page has no visible text"
        case NoteKind.UNSTABLE:
            return (
                "the text differed between two looks seconds apart, so no change is reported; "
                "if this repeats, add an `ignore` rule for the part that moves"
            )
        case NoteKind.TRUNCATED:
            mb = note.get("mb")
            return (
                f"the page is larger than {mb} MB; only the first {mb} MB were read "
                "(raise settings.max_page_mb to read it all)"
            )
        case NoteKind.RULES_CHANGED:
            return (
                "the rules that turn this page into text changed since its last version (its "
                "selector or ignore rules, or partner-monitor's own), so this version is a new "
                "baseline and was not compared; `monitor diff` shows how the two differ"
            )
        case NoteKind.NOT_MODIFIED:
            return "not modified (304)"
        case NoteKind.CONTENT_OFF:
            return "content not watched (content: false)"
        case NoteKind.WHOLE_PAGE:
            why = _WHOLE_PAGE.get(note.get("why") or "", "main content not found")
            return f"{why}; whole page text used"
        case NoteKind.BLOCKED:
            by = note.get("by") or ""
            return f"blocked: {_BLOCKED_BY.get(by, by)}"
        case NoteKind.DRAWN_BY_SCRIPT:
            return (
                "this page's text is drawn by JavaScript: add `render: browser` to its watch "
                "list entry"
            )
        case NoteKind.RENDER_TIME_LIMIT if note.get("wait_for"):
            return (
                f"{note.get('wait_for')!r} did not appear in the browser; read as the page was "
                f"after {note.get('s')} s (settings.browser.time_limit_s)"
            )
        case NoteKind.RENDER_TIME_LIMIT:
            return (
                f"the page never settled in the browser; read as it was after {note.get('s')} s "
                "(settings.browser.time_limit_s)"
            )
        case NoteKind.RENDER_CAPPED:
            return (
                f"the page pulled more than {note.get('mb')} MB in the browser; the rest was "
                "not loaded (settings.browser.max_total_mb)"
            )
        case NoteKind.RENDER_REFUSED:
            return (
                f"the page's scripts asked for {note.get('count')} private or local "
                f"address(es) ({note.get('host')}); refused"
            )
        case NoteKind.OTHER:
            return note.get("text") or ""


def notes_text(notes: Sequence[Note]) -> str | None:
    """A check's notes in words, newest first, joined by "; "; None for none."""
    return "; ".join(note_text(n) for n in reversed(notes)) or None


# -- counters (issue 20): a page's signatures and the like, in the digest ------------------


def count(n: int) -> str:
    """A count as the digest writes it: '12,665'."""
    return f"{n:,}"


def share(percent: int) -> str:
    """A share of a goal as the digest writes it: '62%'."""
    return f"{percent}%"


def counter_since_digest(when: str) -> str:
    return f"since the last digest ({when})"


def counter_since_first(when: str) -> str:
    return f"since the first reading ({when})"


def counter_change(delta: int, since: str) -> str:
    """'+320 since the last digest (Tue 3 Dec 07:00)', '−5 …', 'no change …'."""
    if delta == 0:
        return f"no change {since}"
    sign = "+" if delta > 0 else "−"
    return f"{sign}{count(abs(delta))} {since}"


def counter_rate(per_day: float) -> str:
    """'about 300 a day this week' (rounded as people say it)."""
    n = round(per_day)
    if n >= 1000:
        n = round(n, -2)
    elif n >= 100:
        n = round(n, -1)
    return f"about {count(n)} a day this week" if n else "less than one a day this week"


def counter_goal_reached(goal: int) -> str:
    return f"Goal reached: {count(goal)}."


def counter_milestone(mark: int) -> str:
    return f"Passed {count(mark)}."


def counter_fell(before: int, after: int, when: str) -> str:
    return (
        f"The counter went down, from {count(before)} to {count(after)} ({when}). Odd for a "
        "petition: have a look at the page."
    )


def counter_stalled(days: int, since: str) -> str:
    return f"No growth for {plural(days, 'day')} (the same number since {since})."


def counter_gone(when: str, *, with_page: bool = False) -> str:
    """A counter no longer shown; ``with_page``: the page itself is gone (listed with the
    problems), so its counter went with it."""
    if with_page:
        return (
            f"The counter disappeared ({when}) with the page itself, which is gone (listed "
            "with the problems): the petition may have closed or moved. The last number seen "
            "is shown."
        )
    return (
        f"The counter disappeared ({when}): the petition may have closed. The last number "
        "seen is shown."
    )


def counter_chart_alt(label: str, days: int, values: Sequence[tuple[str, int]]) -> str:
    """The chart in words, for screen readers and mail clients that show no bars."""
    if not values:
        return f"Chart of the last {days} days: no values read."
    (first_day, first), (last_day, last) = values[0], values[-1]
    if len(values) == 1:
        return f"Chart of the last {days} days, {label}: {count(last)} on {last_day}."
    low, high = min(v for _, v in values), max(v for _, v in values)
    scale = (
        f" The bars go from the lowest, {count(low)}, to the highest, {count(high)}."
        if high > low
        else ""
    )
    return (
        f"Chart of the last {days} days, {label}: from {count(first)} on {first_day} to "
        f"{count(last)} on {last_day} ({plural(len(values), 'day')} with a reading).{scale}"
    )
