"""Main content chosen per page between extractions of one pruned tree (trafilatura's
three modes, readability's article): the one the others agree with most (``_choose``).
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

import trafilatura

from monitor.extract.blocks import (
    _TF_BLOCKS,
    _TF_BREAKS,
    _TF_CELLS,
    _TF_HEADINGS,
    _block_lines,
    _clean_line,
    _html_lines,
    _skip_never_text,
    _skip_tf,
)
from monitor.extract.parse import _parse

# trafilatura logs "discarding data" at WARNING for every page where it finds no main
# content; that is an expected outcome here (we fall back and say so in Page.notes), not
# something to print into the campaigners' console on every run.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


# trafilatura's three modes, each a candidate (see _choose).
_TF_MODES: dict[str, dict[str, bool]] = {
    "balanced": {},
    "precision": {"favor_precision": True},
    "recall": {"favor_recall": True},
}


def _trafilatura(root: Any, url: str, mode: dict[str, bool], fast: bool) -> tuple[list[str], bool]:
    """trafilatura's main content of ``root`` in one mode, as block lines ([] for none),
    and whether that is its last-resort "baseline" (a page it cannot read: bare paragraphs
    of the whole text keeping the page's line breaks, which become lines here)."""
    try:
        doc = trafilatura.bare_extraction(
            root,
            url=url,
            # "xml" rather than the default "python": we read the body tree, and the
            # python format would also render it as text, for nothing.
            output_format="xml",
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            fast=fast,
            with_metadata=False,
            deduplicate=False,
            favor_precision=mode.get("favor_precision", False),
            favor_recall=mode.get("favor_recall", False),
        )
    except (RecursionError, ValueError, TypeError, AttributeError, IndexError, KeyError):
        # trafilatura raises an assortment of errors on malformed trees; for us that is
        # the same as "no main content found", which the caller handles.
        return [], False
    body = getattr(doc, "body", None)
    if body is None:
        return [], False
    if _is_baseline(body):
        text = "\n".join(p.text or "" for p in body)
        return [line for line in map(_clean_line, text.splitlines()) if line], True
    lines = _block_lines(
        body,
        blocks=_TF_BLOCKS,
        headings=_TF_HEADINGS,
        cells=_TF_CELLS,
        breaks=_TF_BREAKS,
        skip=_skip_tf,
    )
    return lines, False


def _is_baseline(body: Any) -> bool:
    """True when trafilatura gave up on finding main content and dumped the page's text:
    bare ``<p>`` elements whose text keeps the page's line breaks (its real extraction
    trims every text)."""
    children = list(body)
    return (
        bool(children)
        and all(c.tag == "p" and len(c) == 0 for c in children)
        and any("\n" in (c.text or "") for c in children)
    )


def _readability(root: Any) -> list[str]:
    """readability's article of ``root`` (which it leaves alone) as block lines.

    trafilatura's copy of readability-lxml (``trafilatura.readability_lxml``): the same
    algorithm, working on a tree we give it, and about four times faster than the
    package on big pages (it does not re-serialise and re-parse the page).
    """
    from trafilatura.readability_lxml import Document

    try:
        summary = Document(copy.deepcopy(root)).summary()
    except Exception:  # readability raises its own errors and lxml's alike
        return []
    part, _deep = _parse(f"<html><body>{summary}</body></html>")
    if part is None:
        return []
    return _html_lines(part, _skip_never_text)


def _candidates(root: Any, url: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The extractions of the pruned page ``root`` that :func:`_choose` picks from: those
    that found main content, and the last resorts (trafilatura's text dump of a page it
    could not read, readability-lxml's article of such a page).

    trafilatura's own extraction runs in its three modes, without its built-in second
    opinions (``fast``): readability-lxml's article is the second opinion here, and the
    choice between them is ours, made the same way on every page.
    """
    found: dict[str, list[str]] = {}
    last: dict[str, list[str]] = {}
    for name, mode in _TF_MODES.items():
        lines, dump = _trafilatura(root, url, mode, fast=True)
        if dump:
            last.setdefault("dump", lines)
        elif lines:
            found[name] = lines
    (found if found else last)["readability"] = _readability(root)
    return found, last


_TOKEN = re.compile(r"\w+")


# Agreement weighs precision over recall (F-beta with beta 1/2): a candidate is good when
# the others also have what it says; what only one of them keeps is usually boilerplate.
_BETA2 = 0.25


def _shingles(lines: list[str]) -> set[tuple[str, ...]]:
    """The distinct runs of four words in ``lines`` (fewer words: the words themselves)."""
    words = _TOKEN.findall("\n".join(lines))
    if len(words) < 4:
        return {(w,) for w in words}
    return set(zip(words, words[1:], words[2:], words[3:], strict=False))


def _agreement(own: set[tuple[str, ...]], other: set[tuple[str, ...]]) -> float:
    """How far another extraction bears ``own`` out: F-beta of ``own`` against ``other``."""
    common = len(own & other)
    if not common:
        return 0.0
    precision, recall = common / len(own), common / len(other)
    return (1 + _BETA2) * precision * recall / (_BETA2 * precision + recall)


def _choose(candidates: dict[str, list[str]]) -> str:
    """The name of the candidate (by its lines) the others agree with most; "" if none
    has text.

    Deterministic: the same candidates give the same choice, ties go to the earlier
    candidate. A change in boilerplate that one extractor keeps moves that extractor's
    agreement with the others a little; the choice moves only when it was close already,
    and then between texts that differ in that boilerplate alone.
    """
    texts = {name: lines for name, lines in candidates.items() if lines}
    if len(texts) <= 1:
        return next(iter(texts), "")
    shingles = {name: _shingles(lines) for name, lines in texts.items()}
    scores = {
        name: sum(_agreement(own, shingles[other]) for other in shingles if other != name)
        for name, own in shingles.items()
    }
    return max(scores, key=scores.__getitem__)
