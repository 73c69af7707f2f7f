"""A watch's CSS ``selector``: validated once, matched on the page, its lines."""

from __future__ import annotations

import functools
import re
from typing import Any

from monitor.extract import noise as _noise
from monitor.extract.blocks import _BANNER_HINT, _FURNITURE_ROLES, _html_lines, _skip_never_text
from monitor.extract.parse import _parse
from monitor.extract.prune import _is_widget


@functools.lru_cache(maxsize=256)
def _compiled(selector: str) -> Any:
    import soupsieve  # on first use: see the module docstring

    return soupsieve.compile(selector)


def compile_selector(selector: str) -> None:
    """Check that ``selector`` is a CSS selector soupsieve can use.

    Returns nothing; raises ``ValueError`` whose message names the selector and says
    what is wrong with it (config validation calls this to report file:line:key).
    """
    if not selector or not selector.strip():
        raise ValueError("the CSS selector is empty")
    import soupsieve

    try:
        _compiled(selector)
    except soupsieve.SelectorSyntaxError as err:
        reason = str(err).splitlines()[0]
        raise ValueError(f"invalid CSS selector {selector!r}: {reason}") from err


def _selected_lines(text: str, selector: str, *, noise: bool = True) -> list[str] | None:
    """Block lines of every element matching ``selector``, in document order.

    Returns None when nothing matches.  Nested matches are counted once (the outer one).
    ``noise=False``: the lines as written (a counter's selector), not as compared.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    matched = _compiled(selector).select(soup)
    if not matched:
        return None
    lines: list[str] = []
    chosen: set[int] = set()
    for tag in matched:
        if any(id(p) in chosen for p in tag.parents):
            continue
        chosen.add(id(tag))
        part, _deep = _parse(f"<html><body>{tag}</body></html>")
        body = None if part is None else part.find("body")
        if body is not None and len(body):
            skip = functools.partial(_skip_in_selection, top=body[0])
            lines.extend(_html_lines(part, skip))
    # The selected part is what is watched, but its bylines, "read also" captions and
    # live counters move as they do anywhere: without this, a selector made a page noisy.
    return _noise.drop_noise(lines) if noise else lines


# Share bars by their class or id tokens ("share-buttons", "social-links", "addthis").
_SHARE_TOKEN = re.compile(r"^(?:share|sharing|social|addthis|sharethis|shariff)", re.I)


def _skip_in_selection(el: Any, top: Any) -> bool:
    """Furniture inside ``top``, a part chosen by a selector (never ``top`` itself):
    navigation, sidebars, banners, share bars and widgets (:func:`_is_widget`). Headers
    and footers stay: inside an article they hold its title and its notes."""
    if el is top:
        return False
    if _skip_never_text(el) or el.tag in ("nav", "aside"):
        return True
    if el.get("role") in _FURNITURE_ROLES:
        return True
    hint = f"{el.get('id') or ''} {el.get('class') or ''}"
    if _BANNER_HINT.search(hint) or any(_SHARE_TOKEN.match(t) for t in hint.split()):
        return True
    return _is_widget(el)
