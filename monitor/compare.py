"""Pure comparison: stored versions + new text + rules -> ``Change``.

This module owns the answer to "did this page's content change, and how?":

* :func:`compile_ignores` / :func:`normalise` apply a watch's ``ignore`` rules (regexes
  whose matches are removed: rotating timestamps, counters) and collapse whitespace, so
  that noise never reaches the comparison;
* :func:`change` decides BASELINE / UNCHANGED / CHANGED against the recent stored
  versions, with a flip-flop guard (a page alternating between versions it has shown
  before is not reported every run);
* :func:`diff` builds the line diff a campaigner reads: added and removed lines in page
  order, grouped under their nearest heading (``Hunk``), word-level highlights for lines
  that were edited rather than replaced (``WordDiff``), and keyword events;
* :func:`keyword_events` says which watched words appeared or disappeared (case- and
  accent-insensitive, ł = l, ø = o, æ = ae and the like; whole words);
* :func:`apply` replays a ``Change`` on the old lines (the diff's own correctness check).

Lines are the ``Page.lines`` of ``extract``: one block per line, headings start with
``"# "``.  Nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from monitor.models import Change, ContentState, Hunk, KeywordEvent, WordDiff
from monitor.textfold import fold

__all__ = [
    "apply",
    "change",
    "compile_ignores",
    "diff",
    "keyword_events",
    "normalise",
]

_HEADING = "# "
# Similarity (difflib ratio over words) from which a removed line and an added line are
# shown as one edited line with word highlights instead of two unrelated lines.
_SIMILAR = 0.5
# How far ahead in a replaced block to look for a line's edited counterpart, and how many
# full similarity computations one diff may spend on pairing: word highlights are for
# edits, and a page whose whole text was replaced must not take seconds to diff.
_PAIR_WINDOW = 20
_PAIR_BUDGET = 4000
# Below this many lines in the region that differs, difflib's "autojunk" heuristic (lines
# occurring in more than 1% of the text are ignored as anchors) is switched off: it can
# misalign short texts with repeated lines ("Read more") and is only needed for speed.
_AUTOJUNK_FROM = 5000
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]+")


# --------------------------------------------------------------------------- rules


def compile_ignores(patterns: Sequence[str]) -> tuple[re.Pattern[str], ...]:
    """Compile a watch's ``ignore`` regexes (Python syntax, matched within one line).

    Returns the compiled patterns in order.  Raises ``ValueError`` naming the first
    pattern that does not compile and why.
    """
    compiled: list[re.Pattern[str]] = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as err:
            raise ValueError(f"invalid ignore pattern {pattern!r}: {err}") from err
    return tuple(compiled)


def normalise(lines: Sequence[str], ignore: Sequence[re.Pattern[str]] = ()) -> tuple[str, ...]:
    """The lines as they are compared and stored.

    Takes text lines (headings marked ``"# "``) and compiled ``ignore`` patterns.  Removes
    every match of every pattern from each line (from a heading's text, not its marker),
    collapses runs of whitespace to one space, and drops lines left empty.  Idempotent.
    """
    out: list[str] = []
    for line in lines:
        heading = line.startswith(_HEADING)
        text = line[len(_HEADING) :] if heading else line
        for pattern in ignore:
            text = pattern.sub("", text)
        text = " ".join(text.split())
        if text:
            out.append(_HEADING + text if heading else text)
    return tuple(out)


# ---------------------------------------------------------------------------- change


def change(
    recent: Sequence[Sequence[str]], new: Sequence[str], *, keywords: Sequence[str] = ()
) -> Change:
    """How the new text relates to the page's recent stored versions.

    ``recent`` holds the normalised lines of stored versions, newest first; ``new`` the
    normalised lines of this fetch.  Returns ``BASELINE`` when there is no history;
    ``UNCHANGED`` when ``new`` equals ``recent[0]``; ``UNCHANGED`` with
    ``matched_recent=k`` when it equals an older version ``recent[k]`` (k >= 1: the page
    flip-flops between versions, e.g. A/B-tested or cached copies, and each was already
    reported once); otherwise ``CHANGED`` with the full diff against ``recent[0]`` and
    the keyword events.  Never raises.
    """
    if not recent:
        return Change(state=ContentState.BASELINE)
    new_t = tuple(new)
    for k, version in enumerate(recent):
        if tuple(version) == new_t:
            return Change(state=ContentState.UNCHANGED, matched_recent=k or None)
    return diff(recent[0], new_t, keywords=keywords)


def diff(old: Sequence[str], new: Sequence[str], *, keywords: Sequence[str] = ()) -> Change:
    """The complete difference between two versions' lines (``monitor diff`` uses it).

    Returns ``UNCHANGED`` (and nothing else) for equal inputs; otherwise ``CHANGED`` with
    ``added``/``removed`` lines in page order, ``hunks`` grouping them under the nearest
    preceding heading (heading text without ``"# "``; None before the first heading),
    ``words`` for each removed line replaced by a similar one, ``keywords`` events, and
    ``edits`` from which :func:`apply` rebuilds ``new``.  Never raises.
    """
    old_t, new_t = tuple(old), tuple(new)
    if old_t == new_t:
        return Change(state=ContentState.UNCHANGED)
    ops = _changed_blocks(old_t, new_t)
    old_heads = _headings(old_t)
    new_heads = _headings(new_t)

    added: list[str] = []
    removed: list[str] = []
    entries: list[tuple[str | None, bool, str]] = []  # (heading, is_added, line)
    words: list[WordDiff] = []
    edits: list[tuple[int, int, tuple[str, ...]]] = []
    budget = [_PAIR_BUDGET]
    for i1, i2, j1, j2 in ops:
        removed.extend(old_t[i1:i2])
        added.extend(new_t[j1:j2])
        entries.extend((old_heads[i], False, old_t[i]) for i in range(i1, i2))
        entries.extend((new_heads[j], True, new_t[j]) for j in range(j1, j2))
        edits.append((i1, i2, new_t[j1:j2]))
        if i1 < i2 and j1 < j2:
            for i, j in _pairs(old_t, new_t, (i1, i2, j1, j2), budget):
                words.append(
                    WordDiff(heading=new_heads[j], segments=_word_segments(old_t[i], new_t[j]))
                )

    return Change(
        state=ContentState.CHANGED,
        added=tuple(added),
        removed=tuple(removed),
        hunks=_hunks(entries),
        words=tuple(words),
        keywords=keyword_events(old_t, new_t, keywords),
        edits=tuple(edits),
    )


def apply(old: Sequence[str], change: Change) -> tuple[str, ...]:
    """Replay ``change`` on ``old`` and return the new lines.

    A change that is not ``CHANGED`` returns ``old`` unchanged.  Raises ``ValueError``
    when the change was not computed from these lines (its edits fall outside ``old``,
    overlap, or would remove other lines than ``change.removed``).
    """
    old_t = tuple(old)
    if change.state is not ContentState.CHANGED:
        return old_t
    out: list[str] = []
    taken: list[str] = []
    pos = 0
    for start, end, lines in change.edits:
        if not pos <= start <= end <= len(old_t):
            raise ValueError("the change's edits do not fit these lines")
        out.extend(old_t[pos:start])
        taken.extend(old_t[start:end])
        out.extend(lines)
        pos = end
    if tuple(taken) != change.removed:
        raise ValueError("the change removes lines that are not in these lines")
    out.extend(old_t[pos:])
    return tuple(out)


def _changed_blocks(old: tuple[str, ...], new: tuple[str, ...]) -> list[tuple[int, int, int, int]]:
    """(i1, i2, j1, j2) for each differing region: ``old[i1:i2]`` became ``new[j1:j2]``."""
    # Most changes touch a few lines of a long page: strip the common head and tail in
    # linear time so difflib only sees the region that differs.
    lo = 0
    limit = min(len(old), len(new))
    while lo < limit and old[lo] == new[lo]:
        lo += 1
    hi_old, hi_new = len(old), len(new)
    while hi_old > lo and hi_new > lo and old[hi_old - 1] == new[hi_new - 1]:
        hi_old -= 1
        hi_new -= 1
    a, b = old[lo:hi_old], new[lo:hi_new]
    if not a or not b:
        return [(lo, hi_old, lo, hi_new)]
    matcher = SequenceMatcher(None, a, b, autojunk=len(b) >= _AUTOJUNK_FROM)
    return [
        (lo + i1, lo + i2, lo + j1, lo + j2)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _headings(lines: tuple[str, ...]) -> list[str | None]:
    """For each line, the text of the nearest heading at or before it."""
    out: list[str | None] = []
    current: str | None = None
    for line in lines:
        if line.startswith(_HEADING):
            current = line[len(_HEADING) :]
        out.append(current)
    return out


def _hunks(entries: list[tuple[str | None, bool, str]]) -> tuple[Hunk, ...]:
    """Group consecutive changed lines that share a heading into one ``Hunk``."""
    hunks: list[Hunk] = []
    heading: str | None = None
    added: list[str] = []
    removed: list[str] = []
    for head, is_added, line in entries:
        if (added or removed) and head != heading:
            hunks.append(Hunk(heading=heading, added=tuple(added), removed=tuple(removed)))
            added, removed = [], []
        heading = head
        (added if is_added else removed).append(line)
    if added or removed:
        hunks.append(Hunk(heading=heading, added=tuple(added), removed=tuple(removed)))
    return tuple(hunks)


def _tokens(line: str) -> list[str]:
    return _TOKEN.findall(line)


def _pairs(
    old: tuple[str, ...],
    new: tuple[str, ...],
    block: tuple[int, int, int, int],
    budget: list[int],
) -> list[tuple[int, int]]:
    """Match removed lines to similar added lines in one replaced block, keeping order.

    ``block`` is (i1, i2, j1, j2) of the replacement; ``budget`` holds the number of full
    similarity ratios still allowed for this diff and is decremented in place.
    """
    i1, i2, j1, j2 = block
    pairs: list[tuple[int, int]] = []
    new_words = {j: new[j].split() for j in range(j1, min(j2, j1 + (i2 - i1) + _PAIR_WINDOW))}
    start = j1
    for i in range(i1, i2):
        if start >= j2 or budget[0] <= 0:
            break
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(old[i].split())
        best, best_j = _SIMILAR, -1
        for j in range(start, min(j2, start + _PAIR_WINDOW)):
            words = new_words.get(j)
            if words is None:
                words = new_words[j] = new[j].split()
            matcher.set_seq1(words)
            # Cheap upper bounds first: most candidates are rejected without the full ratio.
            if matcher.real_quick_ratio() < best or matcher.quick_ratio() < best:
                continue
            budget[0] -= 1
            ratio = matcher.ratio()
            if ratio > best or (ratio == best and best_j < 0):
                best, best_j = ratio, j
        if best_j >= 0:
            pairs.append((i, best_j))
            start = best_j + 1
    return pairs


def _word_segments(old_line: str, new_line: str) -> tuple[tuple[str, str], ...]:
    """Word-level segments ('=', '-', '+') turning ``old_line`` into ``new_line``.

    Joining the '=' and '-' texts gives the old line, '=' and '+' the new one.  A single
    space between two changed words is folded into the change, so "5 months" -> "10
    years" reads as one replacement rather than two.
    """
    a, b = _tokens(old_line), _tokens(new_line)
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    segments: list[tuple[str, str]] = []
    gone: list[str] = []
    came: list[str] = []

    def flush() -> None:
        if gone:
            segments.append(("-", "".join(gone)))
        if came:
            segments.append(("+", "".join(came)))
        gone.clear()
        came.clear()

    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            text = "".join(a[i1:i2])
            between_changes = gone and came and k + 1 < len(ops)
            if between_changes and text.isspace():
                gone.append(text)
                came.append(text)
                continue
            flush()
            segments.append(("=", text))
        else:
            gone.extend(a[i1:i2])
            came.extend(b[j1:j2])
    flush()
    return tuple(segments)


# -------------------------------------------------------------------------- keywords


def _keyword_pattern(keyword: str) -> re.Pattern[str] | None:
    words = fold(keyword).split()
    if not words:
        return None
    # Whole words: "closed" must not match "enclosed" or "closedown"; the words of a
    # multi-word keyword may be separated by any whitespace.
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)")


def keyword_events(
    old: Sequence[str], new: Sequence[str], keywords: Sequence[str]
) -> tuple[KeywordEvent, ...]:
    """Which watched words appeared on or disappeared from the page.

    Takes old and new lines and the watch's keywords.  A keyword "appeared" when no line
    of ``old`` contains it and some line of ``new`` does, "disappeared" for the reverse;
    matching is case- and accent-insensitive (letters with strokes and ligatures too:
    ł = l, ø = o, đ = d, ß = ss, æ = ae, œ = oe, ı = i, þ = th) and on whole words.
    Returns events in the keywords' order, one per keyword at most (blank or repeated
    keywords are ignored).
    """
    if not keywords:
        return ()
    # Joined by newlines so a multi-word keyword may span a line break, as a reader sees it.
    old_text = fold("\n".join(old))
    new_text = fold("\n".join(new))
    events: list[KeywordEvent] = []
    seen: set[str] = set()
    for keyword in keywords:
        pattern = _keyword_pattern(keyword)
        if pattern is None or pattern.pattern in seen:
            continue
        seen.add(pattern.pattern)
        before = pattern.search(old_text) is not None
        after = pattern.search(new_text) is not None
        if after and not before:
            events.append(KeywordEvent(word=keyword, event="appeared"))
        elif before and not after:
            events.append(KeywordEvent(word=keyword, event="disappeared"))
    return tuple(events)
