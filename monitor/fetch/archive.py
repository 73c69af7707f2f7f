"""Wayback-style availability APIs: where to ask for an archived copy, and what it said.

Pure; ``Fetcher.archive_lookup`` sends the request. ``GET {api}?url=<url>`` answers
``{"archived_snapshots": {"closest": {"available": true, "url": ..., "status": "200"}}}``.
"""

from __future__ import annotations

import json

import httpx


def request_url(api: str, url: str) -> str:
    """The availability API's address for ``url``."""
    return str(httpx.URL(api, params={"url": url}))


def snapshot(body: bytes) -> str | None:
    """The snapshot's URL from the API's answer; None when it offers none that answered
    2xx. Raises ``ValueError``/``KeyError``/``TypeError`` on an answer of another shape."""
    closest = json.loads(body)["archived_snapshots"]["closest"]
    found = closest.get("url")
    if (
        closest.get("available") is True
        and str(closest.get("status", "200")).startswith("2")
        and isinstance(found, str)
        and found.startswith(("http://", "https://"))
    ):
        # The real API answers http:// links although the archive serves https.
        return found.replace("http://web.archive.org/", "https://web.archive.org/", 1)
    return None
