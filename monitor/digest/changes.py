"""Content changes as the digest shows them: per page, keyword alarms first, each change
a diff under its headings (capped) or one sentence for a watched file, and pages that
went back to the text the last digest showed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from monitor.digest.diffs import diff_blocks, file_change
from monitor.digest.model import ChangeEvent, KeywordFlag, PageChange
from monitor.digest.paths import change_path, history_path
from monitor.digest.text import clean
from monitor.models import ContentState, NoteKind
from monitor.store import PageCheckRow, Version

if TYPE_CHECKING:
    from monitor.digest.build import Builder


def change_event(
    url: str,
    check: PageCheckRow,
    when: str,
    versions: Mapping[int, Version],
) -> ChangeEvent:
    """One recorded change as the digest shows it: a sentence for a watched file, else
    the diff, capped, and the change page that holds all of it (never a command).

    Takes the page's URL, the check that recorded the change, when it was (in words)
    and the page's stored versions by id.
    """
    before = versions.get(check.prev_version_id or -1)
    after = versions.get(check.version_id or -1)
    page = change_path(
        url, before.number if before else None, after.number if after else None, check.run_id
    )
    file = file_change(before, after)
    if file is not None:
        # Two fingerprints of a file's bytes would make an unreadable word diff.
        return ChangeEvent(when, (), file=file, page=page, run_id=check.run_id)
    blocks, hidden = diff_blocks(check.change or {})
    lines = sum(len(block.lines) for block in blocks) + hidden
    return ChangeEvent(when, blocks, hidden, page=page, lines=lines, run_id=check.run_id)


def page_changes(b: Builder) -> tuple[list[PageChange], list[str], list[str]]:
    """Content changes per page (keywords first), the names of newly watched pages, and
    the names of pages that took a new baseline because their text rules changed."""
    rows = b.store.page_checks(after=b.after, upto=b.upto) if b.upto > b.after else []
    by_page: dict[str, list[PageCheckRow]] = {}
    newest: dict[str, PageCheckRow] = {}  # the last check in the window that read the text
    started: list[str] = []
    rebased: list[str] = []
    for r in rows:
        if not b.watched(r.url):
            continue
        if r.version_id is not None:
            newest[r.url] = r
        if r.content is ContentState.BASELINE:
            # Not a first check: a page already watched whose selector or ignore rules
            # (or partner-monitor's own) were edited, so today's text was not compared.
            again = any(n.kind is NoteKind.RULES_CHANGED for n in r.notes)
            (rebased if again else started).append(b.page_name(r.url, r.name))
        if r.content is ContentState.CHANGED and r.change:
            by_page.setdefault(r.url, []).append(r)
    if not by_page:
        return [], started, rebased
    then_checks = b.page_checks(b.after)
    out: list[PageChange] = []
    for url, checks in by_page.items():
        first = checks[0]
        several = len(checks) > 1
        flags: list[KeywordFlag] = []
        events: list[ChangeEvent] = []
        versions = {v.id: v for v in b.store.versions(first.page_id)}
        for c in checks:
            change = c.change or {}
            when = b.clock.when(c.checked_at)
            for k in change.get("keywords") or []:
                if isinstance(k, Mapping):
                    flags.append(
                        KeywordFlag(
                            clean(str(k.get("word", ""))),
                            clean(str(k.get("event", ""))),
                            when if several else None,
                        )
                    )
            events.append(change_event(url, c, when, versions))
        # Back to the text the last digest showed (compare calls a return to a recent
        # version "unchanged", so the way back may not be a recorded change at all).
        reverted = None
        before = then_checks.get(url)
        then_version = before[0].version_id if before else first.prev_version_id
        last = newest.get(url)
        if last is not None and then_version is not None and last.version_id == then_version:
            reverted = (
                f"Changed {events[0].when} and back to the earlier text by "
                f"{b.clock.when(last.checked_at)}: nothing to read."
            )
            flags = []
        out.append(
            PageChange(
                name=b.page_name(url, first.name),
                url=clean(url, limit=None),
                group=b.group_of(url, first.name, first.partner),
                keywords=tuple(flags),
                events=tuple(events),
                reverted=reverted,
                history=history_path(url),
            )
        )
    # Keyword alarms first, then by partner and page name; reverted pages last.
    out.sort(
        key=lambda p: (p.reverted is not None, not p.keywords, p.group.lower(), p.name.lower())
    )
    return out, started, rebased
