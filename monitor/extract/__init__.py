"""Pure extraction: the bytes of an HTML page -> ``Page`` (title, main-content lines, links).

This module owns everything between "the server sent these bytes" and "this is the text
a campaigner reads and these are the links a visitor can click":

* **decoding** (:func:`decode`): BOMs, the HTTP charset, a ``<meta charset>`` declared
  anywhere in the page, then UTF-8 with replacement; it never raises.
* **links** (:func:`links`): every user-facing link and embedded resource, resolved
  against ``<base href>`` and the page URL, normalised so one target is one URL string,
  with the anchor text of each occurrence; non-http(s) schemes come back with a
  ``skip_reason`` instead of being dropped silently.
* **text** (:func:`page`): the main content as a reader sees it, one block element per
  line, headings marked with ``"# "``.  Main content is chosen per page between
  extractions of the same pruned tree (trafilatura's balanced, precision and recall
  modes, readability's article, a JSON-LD ``articleBody``): the one the others agree
  with most (:func:`_choose`), so that one extractor's blind spot on a page is
  outvoted, and the same page always gives the same choice.  When trafilatura finds
  nothing (tiny pages, odd layouts) the page's text without furniture is weighed too,
  and ``Page.notes`` say when it wins.  A configured CSS selector replaces all of them.

Parsing stack (a deliberate choice, measured): the normal path parses once with
``lxml.html`` and hands that tree to trafilatura (which is lxml-based and copies it).
BeautifulSoup (with the lxml parser) plus soupsieve is used only for a watch's CSS
``selector``, so that selector validation (:func:`compile_selector`) and matching are
the same engine (bs4 parses a big page many times slower than lxml). Both are imported
on first use: their import (soupsieve compiles its grammar) is a noticeable part of a
run's start-up, and most watch lists have no selector.
libxml2 stops parsing at nesting depth 256; such documents are re-parsed through a
recursion-free SAX-style tree builder so no content after the deep part is lost, and
trafilatura (whose recursion can crash the interpreter on very deep trees) is skipped.

Nothing here touches the network, the clock or the database.

Modules: ``text`` (``page``, the entry point), ``decode``, ``parse``, ``hrefs`` (links),
``blocks`` (trees as lines), ``prune`` (furniture, widgets, the headline), ``choose``
(main content by agreement), ``selector``, ``noise`` (what moves in a line), ``scripts``
(a page its scripts draw), and ``version`` (``TEXT_RULES``, beside the rules it versions).
"""

from monitor.extract import noise
from monitor.extract.decode import decode
from monitor.extract.hrefs import links, normalise_url, resolve
from monitor.extract.scripts import drawn_by_script
from monitor.extract.selector import compile_selector
from monitor.extract.text import page
from monitor.extract.version import TEXT_RULES

__all__ = [
    "TEXT_RULES",
    "compile_selector",
    "decode",
    "drawn_by_script",
    "links",
    "noise",
    "normalise_url",
    "page",
    "resolve",
]
