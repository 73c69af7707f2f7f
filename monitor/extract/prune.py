"""What is pruned before main content is looked for: furniture, widgets, cookie banners,
wrappers; the headline put first; ``<noscript>`` and JSON-LD read.
"""

from __future__ import annotations

import json
import re
from typing import Any

import lxml.etree as etree  # type: ignore[import-untyped, unused-ignore]

from monitor.extract.blocks import _BANNER_HINT, _clean_line, _text_len


def _demote_wrappers(root: Any, total: int) -> None:
    """Turn furniture elements that actually hold the page into plain ``div`` s.

    An ASP.NET page puts everything inside one ``<form>``; a template that forgets
    ``</aside>`` or ``</header>`` nests ``<main>`` inside it.  Both extractors drop such
    elements wholesale and would lose the article, so an element of that kind holding most
    of the page's ``total`` text, and not mostly link text like a mega-menu, becomes a
    container.
    """
    if total == 0:
        return
    # Not <nav>: a navigation holding most of a page's text is a long menu or site map,
    # and made a plain block it won as the page's "main content".
    for i, el in enumerate(root.iter("form", "header", "footer", "aside")):
        if i >= 200:  # bound the cost on pathological pages; real ones have a handful
            break
        own = _text_len(el)
        if own * 2 <= total:
            continue
        linked = sum(_text_len(a) for a in el.iter("a"))
        if linked * 2 < own:
            el.tag = "div"


# Elements trafilatura deletes in its own cleaning pass anyway (its MANUALLY_CLEANED list,
# minus the ones it treats specially: form, figure, math).  Removing them before the hand-
# over saves it time on big pages and keeps them out of its whole-page fallback too.
_PRE_STRIPPED = (
    "nav", "aside", "footer", "menu", "iframe", "object", "embed", "svg", "canvas",
    "audio", "video", "picture", "map", "select", "datalist", "button", "dialog",
)  # fmt: skip


def _strip_furniture(root: Any, total: int) -> None:
    """Delete navigation, sidebars, footers and widgets unless that would leave no text.

    ``total`` is the page's text length; a page whose only text is its menu keeps it, so
    the whole-page fallback still has something to show.
    """
    outer = [
        el
        for el in root.iter(*_PRE_STRIPPED)
        if not any(a.tag in _PRE_STRIPPED for a in el.iterancestors())
    ]
    if not outer or sum(_text_len(el) for el in outer) >= total:
        return
    for el in outer:
        _drop(el)


def _drop(el: Any) -> None:
    """Remove an element and its subtree but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


# Class/id vocabulary of campaign-page widgets that trafilatura's own boilerplate list
# (share, social, newsletter, cookie, tags, related, author, sidebar...) does not know,
# plus "teaser" anywhere in a class or id (see _is_widget).
# Compared per class token: against the token with "-"/"_" removed, or against its parts.
_WIDGET_TOKENS = frozenset(
    {
        "readalso", "alsoread", "seealso", "lireaussi", "voiraussi", "readmore", "reasons",
        "reasonsforsigning", "signaturecount", "signcount", "petitionprogress",
    }
)  # fmt: skip


_WIDGET_PARTS = frozenset(
    {"signers", "signatories", "signatures", "counter", "progress", "progressbar", "ticker"}
)


_TOKEN_SPLIT = re.compile(r"[-_]+")


_TEASER = frozenset({"teaser", "teasers", "teaserbox", "teaserlist"})


_TEASER_CONTENT = frozenset({"text", "lead", "body", "intro", "content"})


# A widget never holds this share of the page's text; larger matches are content that
# happens to carry such a class (e.g. "progress-report").
_WIDGET_MAX_SHARE = 0.4


def _is_widget(el: Any) -> bool:
    """True for a widget by its class or id: see _WIDGET_TOKENS, _TEASER, _BANNER_HINT."""
    hint = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    if _BANNER_HINT.search(hint):
        return True  # trafilatura kept such a banner on some pages
    for token in hint.split():
        parts = _TOKEN_SPLIT.split(token)
        if not _TEASER.isdisjoint(parts) and _TEASER_CONTENT.isdisjoint(parts):
            # Teasers of other articles or campaigns ("teaser", "teaser-list"); not an
            # article's own lead or body, which German sites call "teasertext" or
            # "teaser-text".
            return True
        if token.replace("-", "").replace("_", "") in _WIDGET_TOKENS:
            return True
        if not _WIDGET_PARTS.isdisjoint(parts):
            return True
    return False


_TEASER_HINT = etree.XPath(
    "//body//*[contains(translate(@class, 'TEASR', 'teasr'), 'teaser')"
    " or contains(translate(@id, 'TEASR', 'teasr'), 'teaser')]"
)


def _rename_leads(root: Any) -> None:
    """Rename "teaser" to "lead" in the class and id of an article's own lead or body
    (``teasertext``, ``article-teaser-text``: what German sites call them).

    trafilatura's balanced and precision modes delete every element with "teaser" in
    its class or id as another article's teaser; on such sites that was the article.
    Teaser widgets (``teaser``, ``teaser-list``) are gone already (:func:`_strip_widgets`).
    """
    for el in _TEASER_HINT(root):
        for attr in ("class", "id"):
            value = el.get(attr)
            if value and "teaser" in value.lower():
                el.set(attr, re.sub("teaser", "lead", value, flags=re.I))


def _strip_widgets(root: Any, total: int, h1: Any) -> None:
    """Delete signature counters, recent-signer lists, "read also" boxes and cookie
    banners (which trafilatura keeps on some pages: a banner appearing reads as a change).

    Never the element holding the page's heading ``h1``, nor one holding a large share of
    the page's ``total`` text.
    """
    body = root.find("body")
    if body is None or total == 0:
        return
    doomed = []
    for el in body.iter("div", "section", "ul", "ol", "p", "span", "aside", "li"):
        if not _is_widget(el):
            continue
        if h1 is not None and (el is h1 or any(a is el for a in h1.iterancestors())):
            continue
        if _text_len(el) > _WIDGET_MAX_SHARE * total:
            continue
        doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            _drop(el)


def _page_heading(root: Any) -> Any:
    """The page's own ``<h1>``: the first one outside navigation, sidebars and footers,
    and outside a site-wide ``<header>`` (an article's header does count)."""
    body = root.find("body")
    if body is None:
        return None
    for h1 in body.iter("h1"):
        ancestors = [a.tag for a in h1.iterancestors()]
        if any(t in ("nav", "aside", "footer") for t in ancestors):
            continue
        if "header" in ancestors:
            outer = ancestors[ancestors.index("header") + 1 :]
            if not any(t in ("article", "main") for t in outer):
                continue
        if _clean_line(h1.text_content()):
            return h1
    return None


# What separates a page title's parts: "Headline | Site", "Site - Headline", "A: B".
_TITLE_PARTS = re.compile(r"\s+[|–—:·•»/-]\s+|\s*[|–—·•»]\s*")


# Below this many characters of extracted text, the h1 is a large part of what the page
# says ("This campaign is closed"), wherever it sits.
_SHORT_TEXT = 500


def _is_content(el: Any) -> bool:
    """An element its authors marked as the content: ``<main>``, ``<article>``, or an
    element of class "article"."""
    return el.tag in ("main", "article") or "article" in (el.get("class") or "").split()


def _with_heading(lines: list[str], h1: Any, title: str) -> list[str]:
    """Put the page's ``<h1>`` first when the extraction left it out (trafilatura drops
    an article's ``<header>``), if it is the content's headline.

    A headline that changes ("Free X now" -> "X is free", "This campaign is closed") is
    the change campaigners most need to see, and the compared text carries it only here
    (the ``<title>`` is not compared: its site name would be boilerplate above every
    page). It is the content's headline when it sits inside ``<main>``, ``<article>`` or
    an element of class "article", or when the page says little else; an h1 outside
    them on a long page (a site header, a hero banner) is a site's name or a section's
    label as often, boilerplate then (issue 17). Never the site's name either: a short
    part of the page's ``title`` beside a longer one ("Belarus Forum" in "Trial of Maria
    Kalesnikava - Belarus Forum").
    """
    if h1 is None:
        return lines
    short = sum(len(line) for line in lines) < _SHORT_TEXT
    if not short and not any(_is_content(a) for a in h1.iterancestors()):
        return lines
    heading = _clean_line(h1.text_content())
    if not heading or any(line.removeprefix("# ") == heading for line in lines):
        return lines
    parts = [p.strip().casefold() for p in _TITLE_PARTS.split(title) if p.strip()]
    said = heading.casefold()
    if len(parts) > 1 and said in parts and len(said) < max(len(p) for p in parts):
        return lines
    return ["# " + heading, *lines]


def _json_ld_body(root: Any) -> list[str]:
    """The longest ``articleBody`` in the page's JSON-LD, as lines; [] when there is none."""
    best = ""
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                text = item.get("articleBody")
                if isinstance(text, str) and len(text) > len(best):
                    best = text
                stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return [line for line in map(_clean_line, best.splitlines()) if line]


# Elements that end a line of text; an empty one between two runs of text is often the
# only break there (Blogger's ``<div style="clear: both"></div>``).
_BLOCK_BREAKS = ("div", "p", "section", "article", "hr", "ul", "ol", "table", "blockquote")


def _keep_breaks(root: Any) -> None:
    """Start the tail of each empty block element on a new line.

    trafilatura drops empty elements and joins the text on both sides ("eight years.His
    lawyers said"): two sentences became one line with a made-up word, and a page
    changed between two extractions that broke it differently.
    """
    for el in root.iter(*_BLOCK_BREAKS):
        tail = el.tail
        if tail and not tail[0].isspace() and len(el) == 0 and not (el.text or "").strip():
            el.tail = "\n" + tail


def _open_noscript(root: Any) -> None:
    """Make ``<noscript>`` ordinary content when it holds most of the page's text.

    A page that builds its article with scripts often gives the whole article to readers
    without them in ``<noscript>``; anywhere else it holds a "please enable JavaScript"
    line or a tracking pixel, and goes with the scripts.
    """
    body = root.find("body")
    if body is None:
        return
    outer = [el for el in body.iter("noscript") if el.getparent().tag != "noscript"]
    if outer and 2 * sum(_text_len(el) for el in outer) > _text_len(body):
        for el in outer:
            el.tag = "div"


# Removed with their subtrees before any text is measured or extracted (tails kept).
_INERT = (
    "script", "style", "template", "noscript",
    "input", "select", "option", "optgroup", "datalist", "textarea",
)  # fmt: skip
