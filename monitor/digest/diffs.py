"""A stored change read back as blocks of changed sentences under their headings,
and a watched file's change in one sentence."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from monitor import wording
from monitor.digest.model import DiffBlock, DiffLine, Segment
from monitor.digest.text import MAX_DIFF_LINES, clean
from monitor.store import Version


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


def diff_blocks(
    change: Mapping[str, Any], *, limit: int | None = MAX_DIFF_LINES
) -> tuple[tuple[DiffBlock, ...], int]:
    """The stored change (``pipeline.change_to_json``) as blocks under headings, capped.

    A sentence replaced by a similar one is in the hunk twice (removed and added) and once
    in ``words``; it is shown once, word by word. Returns the blocks and the number of
    lines left out by ``limit`` (``MAX_DIFF_LINES`` in the digest; None: the whole change,
    for its change page).
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

    if limit is None:
        return tuple(blocks), 0
    shown: list[DiffBlock] = []
    budget = limit
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
        return wording.plural(n, "byte")
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
