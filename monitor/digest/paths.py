"""Where the pages beside the digest live in the reports folder, by a short stable key of
their URL: ``changes/<key>-v<N>-v<M>.html`` and ``history/<key>.html``. Pure.

A key is a readable slug of the address (host and path, lowercase ASCII letters and
digits joined by ``-``, at most 40 characters, ``www.`` dropped) and the first 10 hex
digits of the SHA-256 of the whole URL, so two addresses that read alike never share a
page: ``https://www.amnesty.org/en/petition?id=7`` → ``amnesty-org-en-petition-id-7-<hash>``.
The key of a URL never changes between versions of partner-monitor: links in old
digests and e-mails keep working.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

CHANGES = "changes"
HISTORY = "history"
_SLUG_MAX = 40
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def url_key(url: str) -> str:
    """The short stable key of ``url``: '<slug>-<10 hex digits>' (ASCII, no dots)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    folded = unicodedata.normalize("NFKD", f"{host} {rest}").encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", folded.lower()).strip("-")[:_SLUG_MAX].strip("-") or "page"
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{slug}-{digest}"


def change_path(url: str, before: int | None, after: int | None, run_id: int) -> str:
    """The change page of one recorded change, relative to the reports folder.

    Named by the version numbers (``changes/<key>-v3-v4.html``); a change whose versions
    retention no longer keeps is named by the run that recorded it (``-run12``).
    """
    if before is not None and after is not None:
        return f"{CHANGES}/{url_key(url)}-v{before}-v{after}.html"
    return f"{CHANGES}/{url_key(url)}-run{run_id}.html"


def history_path(url: str) -> str:
    """The history page of a watched page or a link, relative to the reports folder."""
    return f"{HISTORY}/{url_key(url)}.html"
