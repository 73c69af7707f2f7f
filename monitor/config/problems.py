"""A watch list's mistakes as data: where (file, line, key), what, and a hint for the
common ones; their words live in ``_HINTS`` and ``Problem.__str__``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from monitor.errors import MonitorError


class ConfigError(MonitorError):
    """The watch list cannot be used. ``problems`` holds one ``Problem`` per mistake."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Hint(enum.Enum):
    """What a maintainer can do about a common mistake. The words are in ``_HINTS``."""

    SPACES_NOT_TABS = "spaces-not-tabs"
    LINE_UP = "line-up"  # args: the key, the key to line it up under, that key's line
    SINGLE_QUOTES = "single-quotes"  # args: the value as it would be written in single quotes
    REGEX_SINGLE_QUOTES = "regex-single-quotes"  # args: the same, for a regex


_HINTS = {
    Hint.SPACES_NOT_TABS: "use spaces, not tabs, to indent",
    Hint.LINE_UP: "line up `{0}:` under `{1}:` (line {2})",
    Hint.SINGLE_QUOTES: "write it in single quotes: {0}",
    Hint.REGEX_SINGLE_QUOTES: "write regexes in single quotes: {0}",
}


@dataclass(frozen=True)
class Problem:
    """One mistake in the watch list: where it is, what is wrong, and what to do.

    ``hint`` names a common mistake's remedy and ``hint_args`` fills it in; ``str()``
    writes the one line a person reads (the CLI and the digest both use it).
    """

    file: str
    line: int | None
    key: str
    message: str
    hint: Hint | None = None
    hint_args: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        if self.hint is not None:
            text += "; " + _HINTS[self.hint].format(*self.hint_args)
        # One problem, one line: a key or value with a newline or control character
        # (YAML allows them quoted) is shown escaped, as Python would write it.
        return "".join(ch if ch.isprintable() or ch == " " else ascii(ch)[1:-1] for ch in text)
