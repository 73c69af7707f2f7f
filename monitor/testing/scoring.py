"""Scoring main-content extraction on labelled pages: recall of content, rejection of
boilerplate. The fixture tests (tests/test_extract.py) and ``bench/content_score.py``
score with this one module.

Each page is an ``NAME.html`` file with a sidecar ``NAME.json`` (``url``, optional
``charset`` and ``selector``, the ``kept`` phrases of main content, the ``dropped``
phrases of boilerplate). A phrase counts as found when it occurs, whitespace-collapsed,
inside the text a run compares, lines joined by newlines.
"""

from __future__ import annotations

import json
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from monitor import extract
from monitor.pipeline.pages import compared_lines


@dataclass
class Score:
    """How one page (or a total) did: phrase counts and what went wrong."""

    name: str
    kept_total: int = 0
    kept_found: int = 0
    dropped_total: int = 0
    dropped_absent: int = 0
    seconds: float = 0.0
    note: str | None = None
    missing: list[str] = field(default_factory=list)
    leaked: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.kept_found / self.kept_total if self.kept_total else 1.0

    @property
    def rejection(self) -> float:
        return self.dropped_absent / self.dropped_total if self.dropped_total else 1.0


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def score_page(html_path: Path) -> Score:
    """Extract ``html_path`` as the monitor would and score it against its sidecar JSON."""
    meta = json.loads(html_path.with_suffix(".json").read_text(encoding="utf-8"))
    body = html_path.read_bytes()
    started = time.perf_counter()
    page = extract.page(
        body,
        meta["url"],
        charset=meta.get("charset"),
        selector=meta.get("selector"),
        want_links=False,
    )
    note = "; ".join(n.kind for n in page.notes) or None
    score = Score(html_path.stem, seconds=time.perf_counter() - started, note=note)
    # Scored as a run compares it (``pipeline.pages.compared_lines``).
    text = "\n".join(_norm(line) for line in compared_lines(page))
    for phrase in meta.get("kept", []):
        score.kept_total += 1
        if _norm(phrase) in text:
            score.kept_found += 1
        else:
            score.missing.append(phrase)
    for phrase in meta.get("dropped", []):
        score.dropped_total += 1
        if _norm(phrase) in text:
            score.leaked.append(phrase)
        else:
            score.dropped_absent += 1
    return score


def score_folders(folders: list[Path]) -> tuple[list[Score], Score]:
    """Score every labelled page in ``folders``; returns the per-page scores and the total."""
    pages = [
        score_page(html)
        for folder in folders
        for html in sorted(folder.glob("*.html"))
        if html.with_suffix(".json").exists()
    ]
    total = Score("TOTAL")
    for s in pages:
        total.kept_total += s.kept_total
        total.kept_found += s.kept_found
        total.dropped_total += s.dropped_total
        total.dropped_absent += s.dropped_absent
        total.seconds += s.seconds
    return pages, total


def score_folder(folder: Path) -> tuple[list[Score], Score]:
    """``score_folders`` of one folder."""
    return score_folders([folder])
