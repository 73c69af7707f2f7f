"""A tree as text lines, one block element per line, headings marked ``# ``, hidden and
never-text elements skipped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import lxml.etree as etree  # type: ignore[import-untyped, unused-ignore]

# Invisible characters that editors and CMSs sprinkle into text and that would make two
# identical-looking sentences differ: zero-width spaces/joiners, word joiner, BOM, soft
# hyphen, directional marks.  No-break and other special spaces become plain spaces.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f"
             "\u202a\u202b\u202c\u202d\u202e"),
    None,
)  # fmt: skip


_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000"), " ")


_TRANSLATE: dict[int, str | None] = {**_INVISIBLE, **_SPACES}


def _clean_line(text: str) -> str:
    if not text.isascii():  # O(1) in CPython; ASCII has nothing to translate or normalise
        text = unicodedata.normalize("NFC", text.translate(_TRANSLATE))
    return " ".join(text.split())


class _Lines:
    """Accumulates inline text and turns each finished block into one clean line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._buf: list[str] = []
        self._cell_pending = False

    def add(self, text: str | None) -> None:
        if not text:
            return
        if self._cell_pending and not text.isspace():
            # Separate cells only once the next cell shows text: empty cells add nothing.
            self._buf.append(" | ")
            self._cell_pending = False
        self._buf.append(text)

    def new_cell(self) -> None:
        self._cell_pending = any(not s.isspace() for s in self._buf)

    def flush(self, heading: bool) -> None:
        self._cell_pending = False
        if not self._buf:
            return
        line = _clean_line("".join(self._buf))
        self._buf.clear()
        if line:
            self.lines.append("# " + line if heading else line)


def _block_lines(
    root: Any,
    *,
    blocks: frozenset[str],
    headings: frozenset[str],
    cells: frozenset[str],
    breaks: frozenset[str],
    skip: Callable[[Any], bool],
) -> list[str]:
    """Walk a tree without recursion and return one line per block element.

    ``blocks`` end and start lines, ``headings`` are blocks whose lines get ``"# "``,
    ``cells`` are table cells joined with ``" | "`` inside their row's line, ``breaks``
    (``<br>``) end a line, and elements for which ``skip`` is true are left out with their
    whole subtree (their tail text, which belongs to the parent, is kept).
    """
    out = _Lines()
    in_heading = 0
    walker = etree.iterwalk(root, events=("start", "end"))
    skipped: set[Any] = set()
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if not isinstance(tag, str) or skip(el):
                skipped.add(el)
                walker.skip_subtree()
                continue
            if tag in blocks or tag in breaks:
                out.flush(in_heading > 0)
            elif tag in cells:
                out.new_cell()
            if tag in headings:
                in_heading += 1
            out.add(el.text)
            continue
        if el in skipped:
            skipped.discard(el)
        else:
            if tag in blocks:
                out.flush(in_heading > 0)
            if tag in headings:
                in_heading -= 1
        if el is not root:
            out.add(el.tail)
    out.flush(in_heading > 0)
    return out.lines


_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


_HTML_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu",
        "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "tfoot", "thead",
        "tr", "ul",
    }
    | _HTML_HEADINGS
)  # fmt: skip


_HTML_CELLS = frozenset({"td", "th"})


_HTML_BREAKS = frozenset({"br", "hr"})


# Never text a reader sees as content, on any path.
_NEVER_TEXT = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "math", "head", "title", "meta",
        "link", "iframe", "object", "embed", "canvas", "select", "datalist", "option",
        "optgroup", "textarea", "input",
    }
)  # fmt: skip


# Page furniture dropped by the tag-dropping fallback.
_FURNITURE = frozenset({"nav", "header", "footer", "aside"})


_FURNITURE_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog"}
)


# Cookie/consent banners have no semantic tag; their ids and classes give them away.
_BANNER_HINT = re.compile(r"cookie|consent|gdpr|onetrust|cc-window", re.I)


def _hidden(el: Any) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style) and "display:none" in style.replace(" ", "").lower()


def _skip_never_text(el: Any) -> bool:
    return el.tag in _NEVER_TEXT or _hidden(el)


def _skip_furniture(el: Any) -> bool:
    if _skip_never_text(el) or el.tag in _FURNITURE:
        return True
    if el.get("role") in _FURNITURE_ROLES:
        return True
    hint = f"{el.get('id') or ''} {el.get('class') or ''}"
    return bool(_BANNER_HINT.search(hint)) and el.tag not in ("body", "html", "main")


def _html_lines(root: Any, skip: Callable[[Any], bool]) -> list[str]:
    return _block_lines(
        root,
        blocks=_HTML_BLOCKS,
        headings=_HTML_HEADINGS,
        cells=_HTML_CELLS,
        breaks=_HTML_BREAKS,
        skip=skip,
    )


# trafilatura's XML output: <head> headings, <p>, <list>/<item>, <quote>, <code>,
# <table>/<row>/<cell>, <lb/> line breaks, <graphic> images.
_TF_BLOCKS = frozenset({"p", "head", "list", "item", "quote", "code", "table", "row", "div"})


_TF_HEADINGS = frozenset({"head"})


_TF_CELLS = frozenset({"cell"})


_TF_BREAKS = frozenset({"lb"})


def _skip_tf(el: Any) -> bool:
    return bool(el.tag == "graphic")


# Length of an element's text with whitespace runs counted once, computed inside libxml2.
_TEXT_LEN = etree.XPath("string-length(normalize-space(.))")


def _text_len(el: Any) -> int:
    return int(_TEXT_LEN(el))
