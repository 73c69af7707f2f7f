"""A history database built by hand, shared by the digest, mail and browser tests.

``World`` records check runs on chosen days (links with chosen statuses, found on the
watched pages of a small watch list) the way ``monitor check`` would, so a test can
write a digest or an e-mail from a history it knows exactly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from monitor import digest
from monitor.config import Config, loads
from monitor.digest import Digest, Written
from monitor.models import Note
from monitor.store import LinkRecord, PageRecord, Store
from monitor.store.schema import legacy_notes

FIXTURES = Path(__file__).parent.parent / "fixtures" / "digest"

PETITION = "https://amnesty.example/petition"
ARTICLE = "https://fidh.example/article"
NEWS = "https://spring96.example/news"

CONFIG = """
settings:
  timezone: UTC
watch:
  - name: Petition
    url: https://amnesty.example/petition
    partner: Amnesty International
    keywords: [gesloten]
  - name: Article
    url: https://fidh.example/article
    partner: FIDH
  - name: Viasna news
    url: https://spring96.example/news
"""

HTTP = {
    "ok": 200, "broken": 404, "soft_404": 200, "server_error": 503, "timeout": None,
    "unreachable": None, "tls_error": None, "moved": 301, "blocked": 403, "skipped": None,
}  # fmt: skip


def at(day: int, hour: int = 7) -> str:
    return f"2024-03-{day:02d}T{hour:02d}:00:00+00:00"


def fingerprint(content_type: str, size: int, seed: str = "") -> str:
    """The one line run stores for a file's bytes (PDF, image) instead of its text."""
    sha = hashlib.sha256(f"{content_type}{size}{seed}".encode()).hexdigest()
    return f"{content_type}, {size} bytes, sha256 {sha}"


def stored_notes(text: str | None, status: str, error: str | None) -> tuple[Note, ...]:
    """A check's notes as run stores them, written the way schema 4 worked them into a
    sentence (the tables of the tests read better so)."""
    return tuple(Note.from_json(n) for n in legacy_notes(text, status=status, error=error))


class World:
    """A history database built by hand: one call to ``run`` is one check run on one day."""

    def __init__(self, root: Path, config: str = CONFIG) -> None:
        self.root = root
        self.store = Store(root / "state" / "monitor.db")
        self.config: Config = loads(config)
        self.out = root / "reports"
        self.day = 10
        self.versions: dict[str, int] = {}  # page URL -> its last stored version's id
        self.keep_versions = 100  # settings.keep_versions

    def run(
        self,
        links: Mapping[str, str] = {},
        *,
        pages: Mapping[str, str] = {},
        changes: Mapping[str, dict[str, Any]] = {},
        found: Mapping[str, Sequence[tuple[str, str]]] = {},
        suggestions: Mapping[str, str] = {},
        errors: Mapping[str, str] = {},
        codes: Mapping[str, int] = {},
        texts: Mapping[str, str] = {},
        files: Mapping[str, tuple[str, int]] = {},
        notes: Mapping[str, str] = {},
        unread: Collection[str] = (),
        baseline: Collection[str] = (),
        state: str = "done",
        next_day: bool = True,
    ) -> int:
        """Record one run; links are found on the Petition page unless ``found`` says otherwise.

        ``files``: pages that answered with a file (content type, size), stored as run stores
        one; ``notes``: the check's note; ``unread``: pages that answered but whose text could
        not be compared (content "unavailable", no version); ``baseline``: pages whose text
        was stored without being compared (content "baseline").
        """
        if next_day:
            self.day += 1
        when = at(self.day)
        run = self.store.begin_run(when)
        for w in self.config.watch:
            page = self.store.page_id(w.url, w.name, w.partner)
            status = pages.get(w.url, "ok")
            occ = tuple(
                (url, text, "a")
                for url in links
                for page_url, text in found.get(url, [(PETITION, f"text of {url}")])
                if page_url == w.url and status == "ok"
            )
            change = changes.get(w.url)
            content_type, size = files.get(w.url, (None, None))
            text = texts.get(w.url) or (f"text of day {self.day}" if change else "text")
            if content_type is not None and "html" not in content_type:
                text = fingerprint(content_type, size or 0, text)
            read = status == "ok" and w.url not in unread
            version = self.store.record_page(
                run,
                PageRecord(
                    page, when, status, codes.get(w.url, HTTP.get(status)), w.url,
                    errors.get(w.url),
                    "changed" if change else "baseline" if read and w.url in baseline
                    else "unchanged" if read else "unavailable",
                    version_lines=(text,) if read else None,
                    content_type=content_type, size=size,
                    prev_version_id=self.versions.get(w.url) if read else None,
                    change=change, notes=stored_notes(notes.get(w.url), status, errors.get(w.url)),
                    occurrences=occ,
                ),
                keep_versions=self.keep_versions,
            )  # fmt: skip
            if version is not None:
                self.versions[w.url] = version
        self.store.record_links(
            run,
            [
                LinkRecord(url, when, status, HTTP.get(status), url, errors.get(url),
                           suggestions.get(url))
                for url, status in links.items()
            ],
        )  # fmt: skip
        self.store.finish_run(
            run, at(self.day, 8), pages=3, links=len(links), problems=0, changed=0, state=state,
            error=None if state == "done" else "the database was locked",
        )  # fmt: skip
        return run

    def now(self) -> datetime:
        return datetime.fromisoformat(at(self.day, 9))

    def write(self, **kw: Any) -> Written:
        return digest.write(self.store, self.out, config=self.config, now=self.now(), **kw)

    def digest(self, **kw: Any) -> Digest:
        return self.write(**kw).digest


LINK = "https://partner.example/report-2023"


def load_change(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data
