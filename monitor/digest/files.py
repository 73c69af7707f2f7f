"""The digest's files: dated names never overwritten, ``latest.html`` and ``index.html``
replaced atomically, and ``write``, which records a digest only once its files are on disk."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import html as htmlmod
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from monitor import atomic, wording
from monitor.config import Config
from monitor.digest.beside import write_pages
from monitor.digest.build import build, zone_of
from monitor.digest.model import Written
from monitor.digest.paths import CHANGES, HISTORY
from monitor.digest.render import render_html, render_text, template
from monitor.digest.text import Clock, clean
from monitor.errors import RunFailed
from monitor.store import Store


class DigestError(RunFailed):
    """The digest files could not be written; the message names the path and what to do."""


# -- files ------------------------------------------------------------------------------

_DIGEST_NAME = re.compile(r"^digest-(\d{4}-\d{2}-\d{2})(?:-(\d+))?\.html$")
# Only for digests written before the manifest (``_legacy_entry``).
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


def _write_temp(out_dir: Path, name: str, data: str) -> Path:
    """Write ``data`` completely (fsynced) to a hidden temp file; returns its path."""
    tmp = atomic.temp_beside(out_dir / name)
    try:
        atomic.write_fully(tmp, data)
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
                atomic.atomic_write(html_path, page)
                if txt_path is not None and plain is not None:
                    atomic.atomic_write(txt_path, plain)
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


MANIFEST = "digests.json"  # the digests of a reports folder, newest first: index.html's data


def index_entries(out_dir: Path, new: IndexEntry | None = None) -> list[IndexEntry]:
    """The digests in ``out_dir``, newest first (by day, then number), from its manifest
    (``digests.json``), with ``new`` added; the manifest is rewritten atomically.

    Digests whose file is gone are left out. Digests written before the manifest existed
    (older versions of partner-monitor) are read once from their files (``_legacy_entry``).
    Raises ``OSError`` when the manifest cannot be written.
    """
    known: dict[str, IndexEntry] = {}
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        for item in data.get("digests", []):
            entry = IndexEntry(**item)
            known[entry.name] = entry
    except (OSError, ValueError, TypeError, AttributeError):
        known = {}
    if new is not None:
        known[new.name] = new
    entries: list[IndexEntry] = []
    for path in out_dir.iterdir():
        if not _DIGEST_NAME.match(path.name):
            continue
        found = known.get(path.name) or _legacy_entry(path)
        if found is not None:
            entries.append(found)
    entries.sort(key=lambda e: (e.day, e.number), reverse=True)
    manifest = {"digests": [dataclasses.asdict(e) for e in entries]}
    atomic.atomic_write(out_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return entries


def _entry(path: Path, summary: str) -> IndexEntry:
    m = _DIGEST_NAME.match(path.name)
    assert m is not None
    txt = path.with_suffix(".txt")
    return IndexEntry(
        path.name, m.group(1), int(m.group(2) or 1), summary, txt.name if txt.exists() else None
    )


def _legacy_entry(path: Path) -> IndexEntry | None:
    """A digest from before the manifest: its summary as its own page states it (the
    ``digest-summary`` meta tag). None for an empty file (a name never finished)."""
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return None
    if not head:
        return None
    found = _SUMMARY_META.search(head)
    return _entry(path, clean(htmlmod.unescape(found.group(1))) if found else "")


def render_index(entries: Sequence[IndexEntry], *, generated_at: str = "") -> str:
    """``index.html``: every digest, newest first, with its one-line summary."""
    return template("index.html").render(entries=entries, generated_at=generated_at)


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
    Writes the change pages (``changes/``, each once) and history pages (``history/``)
    the digest links to, then ``digest-YYYY-MM-DD.html`` (``-2``, ``-3``… on the same
    day; never overwrites), refreshes ``latest.html`` and ``index.html``, each
    atomically, and only then records the digest (kind 'file') so its window advances.
    Returns a ``Written``.

    Raises ``DigestError`` (path and what to do) when the folder cannot be written or the
    disk is full; digest files this call created are removed and the window does not
    advance (change and history pages already written stay: they are the same next time).
    Raises ``StoreError`` when the database cannot be read or written.
    """
    now = now or datetime.now(UTC)
    out_dir = Path(out_dir)
    last = store.last_digest("file")
    after, upto = store.window(last.last_run if last else 0)
    d = build(store, after_run=after, upto_run=upto, config=config, notices=notices, now=now)
    page = render_html(d, index_href="index.html")
    plain = render_text(d) if text else None
    tz, _ = zone_of(config)
    day = now.astimezone(tz).strftime("%Y-%m-%d")

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(out_dir, exc) from None
    _remove_stale_temp_files(out_dir)
    try:
        # The pages the digest links to are there before the digest is.
        write_pages(store, out_dir, d, config=config, clock=Clock(now, tz))
        for sub in (CHANGES, HISTORY):
            _remove_stale_temp_files(out_dir / sub)
    except OSError as exc:
        raise _fail(Path(exc.filename) if exc.filename else out_dir, exc) from None
    try:
        html_path, txt_path = _publish(out_dir, day, page, plain)
    except OSError as exc:
        raise _fail(out_dir, exc) from None
    latest = out_dir / "latest.html"
    index = out_dir / "index.html"
    target = html_path
    try:
        target = latest
        atomic.atomic_write(latest, page)
        target = index
        entries = index_entries(out_dir, _entry(html_path, d.headline))
        atomic.atomic_write(index, render_index(entries, generated_at=d.generated))
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
