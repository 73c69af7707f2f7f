"""The digest campaigners read: what goes in it, its HTML and text forms, and its files.

This package owns three things:

* ``build`` — pure data. From the store's history over a window of runs (and the state
  at the previous digest's last run) it decides what a campaigner must see, most urgent
  first: new problems grouped by partner, links still broken (one line each), what was
  fixed, content changes (keywords first, then a word-level diff under its heading),
  moved and blocked links. A transient failure seen once is only "watching"; the next
  run confirms it or lets it go. Whatever a campaigner saw in full once is one line after.
* ``render_html`` / ``render_text`` — the Jinja2 page (autoescaped, self-contained, styles
  inlined on elements so mail clients keep them) and its plain-text twin.
* ``write`` — the files: ``digest-YYYY-MM-DD[-N].html`` (never overwritten), ``latest.html``,
  ``index.html`` and, on request, the ``.txt``; each written atomically; the digest is
  recorded in the store only after its files are on disk, so a failure loses nothing.
  Before them, the pages the digest links to: ``changes/<key>-v<N>-v<M>.html`` (the whole
  change, written once) and ``history/<key>.html`` (a page's or link's story, refreshed).

Text that comes from partner pages (titles, anchor text, diff lines, URLs) is untrusted:
control and bidi-override characters are removed here, HTML escaping is Jinja's, and
only ``http(s)`` URLs ever become links.

Modules: ``model`` (the data), ``text`` (untrusted text, times), ``advice`` (statuses and
notes in plain words), ``diffs`` (stored changes read back), ``build``, ``render`` (with
``monitor/templates/``), ``files`` (``write``, the index), ``paths`` (the pages' names, by
a stable key of the URL), ``views`` (change and history pages as data) and ``beside``
(their files).
"""

from monitor.digest.advice import blocked_advice, note_advice, plain_words
from monitor.digest.build import build
from monitor.digest.diffs import file_change
from monitor.digest.files import DigestError, IndexEntry, index_entries, render_index, write
from monitor.digest.model import (
    ChangeEntry,
    ChangeEvent,
    ChangeView,
    DiffBlock,
    DiffLine,
    Digest,
    Group,
    HistoryView,
    Item,
    KeywordFlag,
    PageChange,
    Place,
    Segment,
    Span,
    VersionEntry,
    Written,
)
from monitor.digest.paths import change_path, history_path, url_key
from monitor.digest.render import (
    STYLES,
    render_change,
    render_history,
    render_html,
    render_text,
)
from monitor.digest.text import MAX_DIFF_LINES, clean, is_http_url

__all__ = [
    "MAX_DIFF_LINES",
    "STYLES",
    "ChangeEntry",
    "ChangeEvent",
    "ChangeView",
    "DiffBlock",
    "DiffLine",
    "Digest",
    "DigestError",
    "Group",
    "HistoryView",
    "IndexEntry",
    "Item",
    "KeywordFlag",
    "PageChange",
    "Place",
    "Segment",
    "Span",
    "VersionEntry",
    "Written",
    "blocked_advice",
    "build",
    "change_path",
    "clean",
    "file_change",
    "history_path",
    "index_entries",
    "is_http_url",
    "note_advice",
    "plain_words",
    "render_change",
    "render_history",
    "render_html",
    "render_index",
    "render_text",
    "url_key",
    "write",
]
