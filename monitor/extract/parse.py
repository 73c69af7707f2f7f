"""Text to an lxml tree, safely: a huge or deeply nested page, control characters,
an XML declaration; and the page's title.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import lxml.etree as etree  # type: ignore[import-untyped, unused-ignore]
import lxml.html  # type: ignore[import-untyped, unused-ignore]

from monitor.extract.blocks import _clean_line
from monitor.extract.decode import decode

# libxml2's default nesting limit; deeper documents take the SAX-built path below and
# skip trafilatura, whose recursion is quadratic-slow and can crash on very deep trees.
_MAX_DEPTH = 256


# Past this many elements trafilatura's passes cost seconds and hundreds of MB, while
# the linear walker reads such a page in a fraction of that. Real partner pages, long
# reports included, stay far below it.
_MAX_ELEMENTS = 100_000


# Every element is an ``lxml.html.HtmlElement`` (trafilatura accepts only those, and
# ``text_content()`` comes with it), but chosen by libxml2-side default lookup instead of
# lxml.html's Python ``lookup()`` method, which ran each time Python touched an element
# (millions of calls on a big page).  What that lookup adds, the form
# classes (``FormElement.inputs`` and so on), nothing here or in trafilatura uses.
_ELEMENT_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)


def _html_parser(**extra: Any) -> Any:
    """A new libxml2 HTML parser building ``HtmlElement`` trees; ``extra`` are parser options.

    One parser per call: lxml parser objects must not be shared between threads.
    """
    parser = etree.HTMLParser(
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        no_network=True,
        default_doctype=False,
        **extra,
    )
    parser.set_element_class_lookup(_ELEMENT_CLASSES)
    return parser


# What HTML allows in <head>. libxml2's HTML parser predates HTML5: with <body> omitted
# (valid HTML5, and what minifiers emit), it leaves <main>, <header>, <article>,
# <section>, <nav>... that follow the head content inside <head>, so the page seemed to
# have no visible text at all.
_HEAD_ELEMENTS = frozenset(
    {"title", "meta", "link", "script", "style", "base", "noscript", "template"}
)


def _unhead(root: Any) -> Any:
    """Move elements that cannot live in <head> (and all after them) into <body>."""
    if root is None:
        return root
    head = root.find("head")
    if head is None:
        return root
    children = list(head)
    first = next(
        (
            i
            for i, el in enumerate(children)
            if isinstance(el.tag, str) and el.tag.lower() not in _HEAD_ELEMENTS
        ),
        None,
    )
    if first is None:
        return root
    body = root.find("body")
    if body is None:
        body = etree.SubElement(root, "body")
    for el in reversed(children[first:]):
        body.insert(0, el)
    return root


_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _parse(text: str) -> tuple[Any, bool]:
    root, too_deep = _parse_raw(text)
    return _unhead(root), too_deep


def _parse_raw(text: str) -> tuple[Any, bool]:
    """Parse HTML text into an lxml.html document; returns (root or None, too_deep)."""
    # C0 control characters other than tab and line breaks are never text, and libxml2
    # truncates its input at a NUL; a stray BEL made trafilatura find nothing (its own
    # loader strips them, our tree is ours). Lone surrogates become "?".
    if _CONTROLS.search(text):
        text = _CONTROLS.sub("", text)
    data = text.encode("utf-8", "replace")
    if not data.strip():
        return None, False
    parser = _html_parser()
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    hit_limit = any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log)
    if not hit_limit:
        return root, False
    # libxml2 stops building the tree at the depth limit and drops the rest of the page.
    # Its SAX interface has no such limit, so build the tree from events instead.
    builder = etree.TreeBuilder(parser=_html_parser())
    sax = _html_parser(target=builder, huge_tree=True)
    try:
        deep_root = etree.fromstring(data, sax)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return root, True
    return (deep_root if deep_root is not None else root), True


def _root_of(html: Any) -> Any:
    """An lxml root for whatever the caller has: text, bytes, a bs4 soup/tag or lxml tree."""
    if isinstance(html, bytes):
        return _parse(decode(html))[0]
    if isinstance(html, str):
        return _parse(html)[0]
    if isinstance(html, etree._ElementTree):
        return html.getroot()
    if isinstance(html, etree._Element):
        return html
    bs4 = sys.modules.get("bs4")  # a caller holding a bs4 tag has imported bs4
    if bs4 is not None and isinstance(html, bs4.Tag):  # BeautifulSoup is a Tag too
        return _parse(str(html))[0]
    raise TypeError(f"cannot extract links from {type(html).__name__}")


def _title(root: Any) -> str:
    for title in root.iterfind("head/title"):
        text = _clean_line(title.text_content())
        if text:
            return text
    for meta in root.iter("meta"):
        if meta.get("property") == "og:title" or meta.get("name") == "og:title":
            text = _clean_line(meta.get("content") or "")
            if text:
                return text
    for title in root.iter("title"):  # a <title> the parser moved out of <head>
        text = _clean_line(title.text_content())
        if text:
            return text
    return ""


def _max_depth_ok(root: Any) -> bool:
    depth = 0
    for event, _el in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > _MAX_DEPTH:
            return False
    return True


_COUNT_ELEMENTS = etree.XPath("count(//*)")
