"""Untrusted text made safe to show, and times in the watch list's time zone."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, tzinfo

# How much of one content change is shown before "… and N more lines": a page rewrite
# must not bury the rest of the digest (the full diff is one `monitor diff URL` away).
MAX_DIFF_LINES = 30
_MAX_TEXT = 300  # anchor texts and titles longer than this are cut (with "…")


# -- untrusted text ---------------------------------------------------------------------

# Bidi embeddings, overrides and isolates (and the marks) can make "gpj.exe" read as
# "exe.jpg"; they have no business in a digest line.
_BIDI = dict.fromkeys(
    [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)], None
)
_HTTP_URL = re.compile(r"(?i)https?://[^\s/?#\\]+")


def clean(text: str | None, *, limit: int | None = _MAX_TEXT) -> str:
    """Text from a partner page made safe to show: one line, no control/bidi characters.

    Takes any string (None gives ""). Returns it with whitespace runs collapsed, control
    characters (C0, C1, DEL: e.g. terminal escapes) and bidi controls removed, cut to
    ``limit`` characters with "…". HTML escaping is left to the renderer.
    """
    if not text:
        return ""
    text = text.translate(_BIDI)
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) != "Cc"
    )
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


# An absolute path of this machine inside a message ("… '/srv/monitor/state/monitor.db'"):
# a slash not inside a word or a URL, then at least two parts.
_LOCAL_PATH = re.compile(r"(?<![\w:/.~-])(?:/[\w.@+-]+)+/([\w.@+-]+)")


def without_paths(text: str) -> str:
    """A message of the monitor's own (a failed run's error) without the paths of this
    machine: each absolute path becomes its last part, '…/monitor.db'. URLs are kept."""
    return _LOCAL_PATH.sub(lambda m: f"…/{m.group(1)}", text)


def is_http_url(url: object) -> bool:
    """True when ``url`` may be an ``href``: it starts with http:// or https:// and a host.

    Anything else (``javascript:``, ``data:``, relative, or text with spaces or control
    characters a browser would strip) is shown as text, never linked.
    """
    if not isinstance(url, str) or not _HTTP_URL.match(url):
        return False
    return not any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in url)


# -- times --------------------------------------------------------------------------------


def _parse_stamp(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        dt = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class Clock:
    """Formats stored timestamps in the watch list's time zone, relative to ``now``."""

    def __init__(self, now: datetime, tz: tzinfo) -> None:
        self.tz = tz
        self.now = now.astimezone(tz)

    def day(self, d: datetime | date) -> str:
        local = d.astimezone(self.tz).date() if isinstance(d, datetime) else d
        text = f"{local:%a} {local.day} {local:%b}"
        return text if local.year == self.now.year else f"{text} {local.year}"

    def when(self, stamp: str | None) -> str:
        """'Tue 12 Mar 07:00' (year added when it is not this year); raw text if unparseable."""
        dt = _parse_stamp(stamp)
        if dt is None:
            return clean(stamp) or "an unknown time"
        return f"{self.day(dt)} {dt.astimezone(self.tz):%H:%M}"

    def since(self, stamp: str | None) -> str | None:
        """'Tue 12 Mar (3 days)' for the start of a failing streak (shown after "since")."""
        if not stamp:
            return None
        dt = _parse_stamp(stamp)
        if dt is None:
            return clean(stamp)
        days = (self.now.date() - dt.astimezone(self.tz).date()).days
        ago = "today" if days <= 0 else "1 day" if days == 1 else f"{days} days"
        return f"{self.day(dt)} ({ago})"
