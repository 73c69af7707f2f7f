"""Score main-content extraction of a labelled page against its sidecar JSON.

Each ``NAME.html`` in tests/fixtures/extract has a ``NAME.json`` listing phrases of main
content the text must keep ("kept") and of boilerplate it must drop ("dropped"). A phrase
counts as found when it occurs, whitespace-collapsed, inside the text a run compares
(``pipeline.pages.compared_lines``), lines joined by newlines. (bench/content_score.py
scores the same way and adds timings and a CLI.)
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from monitor import extract
from monitor.config import Watch
from monitor.pipeline.pages import compared_lines


@dataclass
class Score:
    """How one page (or a total) did: phrase counts and what went wrong."""

    name: str
    kept_total: int = 0
    kept_found: int = 0
    dropped_total: int = 0
    dropped_absent: int = 0
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
    page = extract.page(
        html_path.read_bytes(),
        meta["url"],
        charset=meta.get("charset"),
        selector=meta.get("selector"),
        want_links=False,
    )
    score = Score(html_path.stem)
    # Scored as a run compares it: the steady title first unless the text starts with it.
    watch = Watch(name=html_path.stem, url=meta["url"], selector=meta.get("selector"))
    text = "\n".join(_norm(line) for line in compared_lines(page, watch))
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


def score_folder(folder: Path) -> tuple[list[Score], Score]:
    """Score every labelled page in ``folder``; returns the per-page scores and the total."""
    pages = [
        score_page(html)
        for html in sorted(folder.glob("*.html"))
        if html.with_suffix(".json").exists()
    ]
    total = Score("TOTAL")
    for s in pages:
        total.kept_total += s.kept_total
        total.kept_found += s.kept_found
        total.dropped_total += s.dropped_total
        total.dropped_absent += s.dropped_absent
    return pages, total
