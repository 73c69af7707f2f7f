"""The pages beside a digest in the reports folder: ``changes/…`` (one per recorded content
change, written once, never rewritten) and ``history/…`` (one per watched page and per
link the digest lists, replaced atomically). Reads the store; the pages are built by
``views`` and rendered by ``render``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from monitor import atomic
from monitor.config import Config, Watch
from monitor.digest.model import Digest, Item, Place
from monitor.digest.paths import CHANGES, HISTORY, history_path, url_key
from monitor.digest.render import render_change, render_history
from monitor.digest.text import Clock, clean
from monitor.digest.views import change_view, is_change, link_history, numbers, own_change_path
from monitor.digest.views import page_history as page_history_view
from monitor.store import PageCheckRow, Store, Version

_RUN_META = re.compile(r'<meta name="change-run" content="(\d+)">')


def write_once(path: Path, data: str) -> bool:
    """Give ``path`` the text ``data`` unless it exists: a change page is never rewritten.

    The text is written in full to a temp file first and hard-linked to its name, which
    fails when the name exists (even when another process writes it at the same moment);
    where there are no hard links, the name is claimed with O_EXCL. Returns whether it
    wrote the file; raises ``OSError``.
    """
    if path.exists():
        return False
    tmp = atomic.temp_beside(path)
    try:
        atomic.write_fully(tmp, data)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            except FileExistsError:
                return False
            os.replace(tmp, path)
        return True
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _runs_of_written(folder: Path, url: str) -> dict[int, str]:
    """The change pages of ``url`` already in ``folder``, by the run that recorded them
    (from each page's ``change-run`` tag): a page named by version numbers keeps its name
    after retention removed those versions."""
    out: dict[int, str] = {}
    for path in folder.glob(f"{url_key(url)}-*.html"):
        try:
            with path.open(encoding="utf-8", errors="replace") as f:
                head = f.read(2000)
        except OSError:
            continue
        found = _RUN_META.search(head)
        if found:
            out[int(found.group(1))] = f"{CHANGES}/{path.name}"
    return out


@dataclass
class _Pages:
    """What one digest writes beside itself: watched pages and links by their raw URL."""

    pages: dict[str, tuple[str, str]] = field(default_factory=dict)  # url -> (name, group)
    links: dict[str, tuple[tuple[Place, ...], str]] = field(default_factory=dict)
    listed: dict[str, Item] = field(default_factory=dict)  # history path -> a page's item


def _items(d: Digest) -> Iterator[Item]:
    for g in d.new:
        yield from g.items
    for section in (d.still, d.watching, d.fixed, d.attention, d.moved, d.blocked):
        yield from section


def _wanted(store: Store, d: Digest, config: Config | None) -> _Pages:
    """Every watched page (the watch list's, or the store's without one) and every link
    the digest lists, each under the URL the store knows it by."""
    out = _Pages()
    watches: dict[str, Watch] = {w.url: w for w in config.watch} if config is not None else {}
    if config is not None:
        for w in config.watch:
            out.pages[w.url] = (clean(w.name), clean(w.group))
    else:
        for url, rows in store.recent_page_checks(d.upto_run, 1).items():
            out.pages[url] = (clean(rows[0].name), clean(rows[0].partner or rows[0].name))
    by_path = {history_path(url): url for url in out.pages}
    for it in _items(d):
        if it.history in by_path and (it.places or it.suggestion):
            out.listed.setdefault(it.history, it)
    link_items = [it for it in _items(d) if it.page is None and it.history not in by_path]
    if not link_items:
        return out
    # Items show URLs cleaned for people; the store knows links by their raw URL.
    raw = {history_path(url): url for url in store.latest_link_checks(d.upto_run)}
    for it in link_items:
        found = raw.get(it.history or "")
        if found is not None and found not in watches:
            url = found
            places, _ = out.links.get(url, ((), ""))
            out.links[url] = (places or it.places, it.group)
    return out


def write_pages(
    store: Store, out_dir: Path, d: Digest, *, config: Config | None, clock: Clock
) -> None:
    """Write the change and history pages a digest links to (and every watched page's).

    Change pages that exist are left as they are; history pages are replaced atomically.
    Raises ``OSError`` when the folder cannot be written (the caller says what it means),
    ``StoreError`` when the database cannot be read.
    """
    changes_dir, history_dir = out_dir / CHANGES, out_dir / HISTORY
    changes_dir.mkdir(parents=True, exist_ok=True)
    history_dir.mkdir(parents=True, exist_ok=True)
    timezone = d.timezone
    keep = config.settings.keep_versions if config is not None else None
    wanted = _wanted(store, d, config)
    # The digest names each of its changes' pages itself: those names must exist too.
    linked = {
        (c.history, e.run_id): e.page for c in d.changes for e in c.events if e.page is not None
    }
    for url, (name, group) in wanted.pages.items():
        found = store.find_page(url)
        if found is None:
            continue
        page_id = found[0]
        rows = store.page_history(url)
        versions = store.version_heads(page_id)
        by_id = {v.id: v for v in versions}
        paths = _change_pages(changes_dir, url, rows, by_id)
        for row in rows:
            if not is_change(row):
                continue
            named = {paths[row.run_id], linked.get((history_path(url), row.run_id))}
            for path in sorted(p for p in named if p is not None and not (out_dir / p).exists()):
                view = change_view(
                    row,
                    by_id,
                    name=name,
                    group=group,
                    clock=clock,
                    path=path,
                    timezone=timezone,
                )
                write_once(out_dir / path, render_change(view))
        item = wanted.listed.get(history_path(url))
        view_h = page_history_view(
            url,
            rows,
            versions,
            last_number=store.last_version_number(page_id),
            change_pages=paths,
            name=name,
            group=group,
            clock=clock,
            keep_versions=keep,
            timezone=timezone,
            places=item.places if item is not None else (),
            suggestion=item.suggestion if item is not None else None,
            suggestion_label=item.suggestion_label if item is not None else None,
            counters=store.counter_series(url, upto=d.upto_run),
        )
        atomic.atomic_write(out_dir / view_h.path, render_history(view_h))
    for url, (places, group) in wanted.links.items():
        view_l = link_history(
            url, store.link_history(url), places=places, group=group, clock=clock, timezone=timezone
        )
        atomic.atomic_write(out_dir / view_l.path, render_history(view_l))


def _change_pages(
    folder: Path, url: str, rows: list[PageCheckRow], versions: dict[int, Version]
) -> dict[int, str]:
    """The change page of each recorded change by run id: named by its version numbers
    when the store still keeps both, else the page written when it did, else by run."""
    out: dict[int, str] = {}
    written: dict[int, str] | None = None
    for row in rows:
        if not is_change(row):
            continue
        if None in numbers(row, versions):
            if written is None:
                written = _runs_of_written(folder, url)
            if row.run_id in written:
                out[row.run_id] = written[row.run_id]
                continue
        out[row.run_id] = own_change_path(row, versions)
    return out
