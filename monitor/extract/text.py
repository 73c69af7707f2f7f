"""A watched page's text and links (``page``): the entry point of the package."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Literal

import lxml.etree as etree  # type: ignore[import-untyped, unused-ignore]

from monitor.extract import counters as counting
from monitor.extract import noise
from monitor.extract.blocks import _html_lines, _skip_furniture, _skip_never_text, _text_len
from monitor.extract.choose import _TF_MODES, _candidates, _choose
from monitor.extract.decode import decode
from monitor.extract.hrefs import _links_from_root
from monitor.extract.parse import _COUNT_ELEMENTS, _MAX_ELEMENTS, _max_depth_ok, _parse, _title
from monitor.extract.prune import (
    _INERT,
    _demote_wrappers,
    _json_ld_body,
    _keep_breaks,
    _open_noscript,
    _page_heading,
    _rename_leads,
    _strip_furniture,
    _strip_widgets,
    _with_heading,
)
from monitor.extract.selector import _selected_lines, compile_selector
from monitor.models import Counter, CounterRule, Note, NoteKind, Page


def page(
    body: bytes | str,
    url: str,
    *,
    charset: str | None = None,
    selector: str | None = None,
    want_links: bool = True,
    want_text: bool = True,
    counters: Literal["auto"] | Sequence[CounterRule] | None = None,
) -> Page:
    """Extract title, main-content lines and links from one fetched HTML document.

    Takes the body (bytes are decoded with :func:`decode` using the HTTP ``charset``), the
    page's final URL (base for relative links), an optional CSS ``selector`` limiting the
    text to the matched elements, and flags to skip link or text extraction.  Returns a
    ``Page``: ``lines`` are one block element per line, headings prefixed with ``"# "``,
    whitespace collapsed, NFC-normalised, never empty for a page that has visible text;
    ``notes`` say when the text came from a fallback, and ``selector_matched`` is False
    (with empty ``lines``) when the selector matches nothing.  Raises ``ValueError`` only
    for an invalid selector (validated at config load, so not expected at run time).

    ``counters``: "auto" reads the page's live counts (``extract.counters.find``), rules
    read the counters a watch names, None reads none. They are read from the whole page,
    before the noise rules and main-content extraction, into ``Page.counters``.
    """
    text = decode(body, charset) if isinstance(body, bytes) else body
    if selector is not None:
        compile_selector(selector)
    root, too_deep = _parse(text)
    if root is None:
        empty = Page(url=url, title="", lines=(), links=(), notes=(Note.of(NoteKind.NO_TEXT),))
        return empty if selector is None else replace(empty, selector_matched=False)
    title = _title(root)
    found = _links_from_root(root, url) if want_links else ()
    read = _counters(root, text, counters) if counters is not None else ()
    if not want_text:
        return Page(url=url, title=title, lines=(), links=found, counters=read)
    if selector is not None:
        selected = _selected_lines(text, selector)
        if selected is None:
            return Page(
                url=url,
                title=title,
                lines=(),
                links=found,
                notes=(Note.of(NoteKind.SELECTOR_MATCHED_NOTHING, selector=selector),),
                selector_matched=False,
                counters=read,
            )
        return Page(url=url, title=title, lines=tuple(selected), links=found, counters=read)

    lines, note = _page_lines(root, url, too_deep)
    notes = (note,) if note is not None else ()
    return Page(url=url, title=title, lines=tuple(lines), links=found, notes=notes, counters=read)


def _counters(
    root: Any, text: str, spec: Literal["auto"] | Sequence[CounterRule]
) -> tuple[Counter, ...]:
    """The page's counters, from its whole visible text (before any pruning: ``root`` is
    not changed) or, for a rule with a ``selector``, the selected elements as written."""
    whole = _html_lines(root, _skip_never_text)
    if spec == "auto":
        return counting.find(whole)
    out = []
    for rule in spec:
        if rule.selector is not None:
            selected = _selected_lines(text, rule.selector, noise=False)
            shown = "\n".join(selected) if selected else ""
        else:
            shown = "\n".join(whole)
        counter = counting.read_named(rule, shown) if shown else None
        if counter is not None:
            out.append(counter)
    return tuple(out)


def _page_lines(root: Any, url: str, too_deep: bool) -> tuple[list[str], Note | None]:
    """Main-content lines of a parsed page and a note when a fallback produced them.

    Prunes ``root`` in place (scripts, furniture, widgets), so links must be read first.
    """
    # Read before scripts go: a page may carry its article only in its JSON-LD.
    article_body = _json_ld_body(root)
    _open_noscript(root)
    # Scripts, styles, templates and form controls are never content on any path (the
    # controls are _NEVER_TEXT, and trafilatura deletes them too); removing them first
    # keeps their text out of the size comparisons below and saves trafilatura the work:
    # each element costs it several microseconds, removal here a fraction of one.
    etree.strip_elements(root, *_INERT, with_tail=False)
    _keep_breaks(root)
    # Only the recursion-free, linear walker is safe on a very deep tree, and fast enough
    # on a huge one.
    why = None
    if too_deep and not _max_depth_ok(root):
        why = "too_deep"
    elif int(_COUNT_ELEMENTS(root)) > _MAX_ELEMENTS:
        why = "too_large"
    if why is not None:
        lines = noise.drop_noise(_html_lines(root, _skip_furniture))
        return lines or _html_lines(root, _skip_never_text), Note.of(NoteKind.WHOLE_PAGE, why=why)
    body = root.find("body")
    total = _text_len(body if body is not None else root)
    _demote_wrappers(root, total)
    _strip_furniture(root, total)
    h1 = _page_heading(root)
    _strip_widgets(root, total, h1)
    _rename_leads(root)
    found, last = _candidates(root, url)
    if article_body:
        found["article_body"] = article_body
    note: Note | None = None
    if not found.keys() & _TF_MODES.keys():
        # trafilatura found no main content: a tiny page, or one it cannot read. Its text
        # dump and readability's article are then weighed against the page's whole text
        # without furniture; on a tiny page they all agree and the whole text, which keeps
        # its headings, wins the tie.
        whole = _html_lines(root, _skip_furniture)
        found = {"page": whole, **last, **found} if whole else {"article_body": article_body}
    chosen = _choose(found)
    if chosen == "page":
        note = Note.of(NoteKind.WHOLE_PAGE, why="not_found")
    # The headline first, then the noise rules: they take the first heading for the
    # page's title, and the headings after it for labels of what follows.
    main = found.get(chosen, [])
    lines = noise.drop_noise(_with_heading(main, h1, _title(root)) if chosen != "page" else main)
    if lines:
        return lines, note
    # Everything visible sits in navigation/header/footer: that is the content then.
    lines = _html_lines(root, _skip_never_text)
    if not lines:
        return [], Note.of(NoteKind.NO_TEXT)
    return lines, Note.of(NoteKind.WHOLE_PAGE, why="not_found")
