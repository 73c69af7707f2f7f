"""The watch list: YAML file → validated, frozen ``Config`` (``Settings`` + ``Watch`` entries).

This module owns reading ``config/watchlist.yaml`` and every rule about what a valid
watch list is. It never touches the network or the database.

Every problem in a file is reported at once, each naming the file, the line and the
key (``config/watchlist.yaml:12: watch "FIDH special page" (3rd entry).url: must be an
http:// or https:// URL``), so a maintainer fixes the file in one go. ``load`` raises
``ConfigError`` for any of them; the CLI prints its lines and exits 2. The common
mistakes come with a hint (``use spaces, not tabs, to indent``).
"""

from __future__ import annotations

import difflib
import enum
import re
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from monitor import PROJECT_URL, __version__
from monitor.errors import MonitorError

DEFAULT_PATH = Path("config/watchlist.yaml")
DEFAULT_USER_AGENT = f"partner-monitor/{__version__} (+{PROJECT_URL})"


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


# Three unrelated operators, each built to stay up; `[]` in the watch list turns it off.
DEFAULT_CONNECTIVITY_CHECK: tuple[str, ...] = (
    "https://www.wikipedia.org/",
    "https://one.one.one.one/",
    "https://www.debian.org/",
)


def _check_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// URL with a host, got {value!r}")
    try:
        parts.port  # noqa: B018 -- raises ValueError on a non-numeric port
    except ValueError:
        raise ValueError(f"has an invalid port: {value!r}") from None
    return value


def _check_regexes(patterns: list[str]) -> list[str]:
    for i, pattern in enumerate(patterns):
        try:
            re.compile(pattern)
        except re.error as exc:
            # A typed error: ``_problems`` points at the item's own line and shows the
            # pattern as written in the file.
            raise PydanticCustomError(
                "regex",
                "item {index}: not a valid regular expression: {error}",
                {"index": i, "error": str(exc)},
            ) from None
    return patterns


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EmailSettings(_Strict):
    """Where and how the digest is e-mailed (``settings.email``)."""

    smtp_host: str = "localhost"
    smtp_port: int = Field(25, ge=1, le=65535)
    starttls: bool = False
    ssl: bool = False  # implicit TLS (port 465)
    username: str | None = None
    password_env: str | None = None  # name of an environment variable, never the password
    from_: str = Field("monitor@example.org", alias="from")
    to: list[str] = Field(default_factory=lambda: ["campaigns@example.org"], min_length=1)
    subject: str = "partner-monitor digest: {summary}"
    timeout_s: float = Field(30, gt=0)

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address:
                raise ValueError(f"{address!r} is not an e-mail address")
        return value

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(
                "must be the NAME of an environment variable holding the password, "
                "never the password itself"
            )
        return value


class Settings(_Strict):
    """The ``settings:`` block; every key optional, defaults as in the contract."""

    database: Path = Path("state/monitor.db")
    reports_dir: Path = Path("reports")
    schedule: str = "0 7 * * *"
    timezone: str = "UTC"
    user_agent: str = DEFAULT_USER_AGENT
    timeout_s: float = Field(20, gt=0, le=600)
    concurrency: int = Field(64, ge=1, le=1024)
    per_host: int = Field(4, ge=1, le=64)
    retries: int = Field(2, ge=0, le=10)
    ignore_links: list[str] = Field(default_factory=list)
    allow_private_links: bool = False
    archive_lookup: bool = True
    archive_api: str = "https://archive.org/wayback/available"
    email: EmailSettings | None = None
    # Extensions beyond the contract (documented in the README):
    confirm_delay_s: float = Field(3.0, ge=0, le=300)  # re-fetch delay before a change is believed
    recent_versions: int = Field(3, ge=1, le=50)  # flip-flop guard: versions a page may return to
    keep_versions: int = Field(100, ge=2, le=100_000)  # content versions kept per page
    max_page_mb: float = Field(5, gt=0, le=200)  # body cap for watched pages
    # Control URLs on unrelated, highly available hosts, asked only when most hosts of a
    # run failed at the network level: if they fail too, the outage is ours (see outage).
    connectivity_check: list[str] = Field(
        default_factory=lambda: list(DEFAULT_CONNECTIVITY_CHECK), max_length=10
    )

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(f"must be a cron expression of 5 fields, got {value!r}")
        from monitor.service.cron import (
            cron_trigger,  # here: validating loads APScheduler only then
        )

        try:
            cron_trigger(value, "UTC")
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid cron expression: {exc}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (e.g. 'Europe/Amsterdam', 'UTC')"
            ) from None
        return value

    @field_validator("ignore_links")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        return _check_regexes(value)

    @field_validator("archive_api")
    @classmethod
    def _api(cls, value: str) -> str:
        return _check_url(value)

    @field_validator("connectivity_check")
    @classmethod
    def _probes(cls, value: list[str]) -> list[str]:
        return [_check_url(url) for url in value]


class Watch(_Strict):
    """One watched page (an item of ``watch:``)."""

    name: str = Field(min_length=1)
    url: str
    partner: str | None = None
    links: bool = True
    content: bool = True
    selector: str | None = None
    ignore: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)

    @field_validator("ignore")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        return _check_regexes(value)

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        if value is None:
            return None
        import soupsieve

        try:
            soupsieve.compile(value)
        except Exception as exc:  # soupsieve raises SelectorSyntaxError and others
            first = str(exc).splitlines()[0]
            raise ValueError(f"{value!r} is not a valid CSS selector: {first}") from None
        return value

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        for word in value:
            if not word.strip():
                raise ValueError("keywords must not be empty strings")
        return value

    @property
    def group(self) -> str:
        """The digest group of this page: its partner, or its name when none is given."""
        return self.partner or self.name


class _File(_Strict):
    settings: Settings = Field(default_factory=lambda: Settings())
    watch: list[Watch] = Field(min_length=1)


@dataclass(frozen=True)
class Config:
    """A loaded watch list: where it came from, its settings and its watched pages."""

    path: Path
    settings: Settings
    watch: tuple[Watch, ...]

    def only(self, names: list[str]) -> Config:
        """Return a copy that watches only the named pages.

        Raises ``ConfigError`` naming any unknown name (with a did-you-mean).
        """
        known = {w.name: w for w in self.watch}
        problems = []
        for name in names:
            if name not in known:
                hint = _did_you_mean(name, list(known))
                problems.append(
                    Problem("--only", None, name, f"no watched page has this name{hint}")
                )
        if problems:
            raise ConfigError(problems)
        chosen = tuple(w for w in self.watch if w.name in names)
        return Config(self.path, self.settings, chosen)


# --- YAML with line numbers --------------------------------------------------------------

_REGEX_KEYS = ("ignore", "ignore_links")  # the keys whose list items are regular expressions


def _nodes(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], yaml.Node]) -> None:
    """Record the node of every key's value and list item under ``node``, by its path."""
    out.setdefault(path, node)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            out[(*path, key)] = value_node
            _nodes(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _nodes(item, (*path, i), out)


def _lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    """Record the 1-based line of every key and list item under ``node``."""
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            out[(*path, key)] = key_node.start_mark.line + 1
            _lines(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), out)


def _line_of(lines: Mapping[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _ordinal(n: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _entry(i: int, items: list[Any]) -> str:
    """A watch entry as a person finds it: by its name, and where it is in the list."""
    item = items[i] if 0 <= i < len(items) else None
    name = item.get("name") if isinstance(item, dict) else None
    if isinstance(name, str) and name.strip():
        return f'watch "{name}" ({_ordinal(i + 1)} entry)'
    return f"watch ({_ordinal(i + 1)} entry)"


def _key(loc: tuple[Any, ...], items: list[Any] | None = None) -> str:
    """``watch "Petition" (2nd entry).url`` for ``("watch", 1, "url")``; other list
    positions as ``(2nd item)``."""
    if len(loc) >= 2 and loc[0] == "watch" and isinstance(loc[1], int):
        out, rest = _entry(loc[1], items or []), loc[2:]
    else:
        out, rest = "", loc
    for part in rest:
        if isinstance(part, int):
            out += f" ({_ordinal(part + 1)} item)"
        else:
            out += f".{part}" if out else str(part)
    return out


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model whose fields live at ``loc`` (for did-you-mean on unknown keys)."""
    if loc == ():
        return _File
    if loc == ("settings",):
        return Settings
    if loc == ("settings", "email"):
        return EmailSettings
    if len(loc) == 2 and loc[0] == "watch" and isinstance(loc[1], int):
        return Watch
    return None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


# --- reading the text of the file, for hints -----------------------------------------------

# A line holding a simple key (the watch list's keys are all plain words), maybe after
# list dashes: ``  - name: A`` has the key ``name`` in column 4.
_KEY_LINE = re.compile(r"^(?P<lead>[ \t]*(?:-[ \t]+)*)(?P<key>[A-Za-z_][\w.-]*)[ \t]*:(?=\s|$)")


@dataclass(frozen=True)
class _KeyLine:
    column: int
    key: str
    starts_item: bool  # ``- key:``: the first key of a list item
    opens_block: bool  # ``key:`` with nothing after it (a nested block follows)


def _key_line(line: str) -> _KeyLine | None:
    m = _KEY_LINE.match(line)
    if m is None:
        return None
    after = line[m.end() :].split("#", 1)[0].strip()
    return _KeyLine(len(m["lead"]), m["key"], "-" in m["lead"], not after)


def _text_lines(text: str) -> list[str]:
    """The lines of ``text`` as YAML counts them (so a mark's line indexes them)."""
    return re.split(r"\r\n|[\r\n\x85\u2028\u2029]", text)


def _is_blank(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t-"))


def _line_up(text_lines: list[str], n: int) -> tuple[str, str, int] | None:
    """For the key on line ``n`` (0-based): the key to line it up under and that key's line.

    Returns ``(key, under, line)``, ``under`` being the first key of the block just above
    (``name`` for a watch entry), or None when the line holds no key or is lined up with
    that block already.
    """
    here = _key_line(text_lines[n]) if 0 <= n < len(text_lines) else None
    if here is None:
        return None
    above_at = next((m for m in range(n - 1, -1, -1) if _key_line(text_lines[m]) is not None), None)
    if above_at is None:
        return None
    above = _key_line(text_lines[above_at])
    assert above is not None
    first_child = above.opens_block and all(
        _is_blank(line) for line in text_lines[above_at + 1 : n]
    )
    if above.column == here.column or (first_child and above.column < here.column):
        return None  # lined up, or the first key of the block the line above opens
    first = above_at
    for m in range(above_at, -1, -1):
        line = text_lines[m]
        found = _key_line(line)
        if found is None:
            if _is_blank(line) or _indent(line) > above.column:
                continue
            break
        if found.column < above.column:
            break
        if found.column == above.column:
            first = m
            if found.starts_item:
                break
    under = _key_line(text_lines[first])
    assert under is not None
    return here.key, under.key, first + 1


def _single_quoted(text: str, start: int) -> str | None:
    r"""The double-quoted scalar starting at ``text[start]``, written in single quotes
    with its backslashes kept (``"\d+"`` → ``'\d+'``); None when it does not end on its line."""
    i = start + 1
    raw: list[str] = []
    while i < len(text) and text[i] not in "\r\n":
        ch = text[i]
        if ch == '"':
            return "'" + "".join(raw).replace("'", "''") + "'"
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            ch, i = text[i + 1], i + 1  # \" and \\ meant a quote and a backslash
        raw.append(ch)
        i += 1
    return None


def _key_above(text_lines: list[str], n: int, column: int) -> str | None:
    """The key of line ``n`` if the value at ``column`` follows it, else of the nearest
    line above that is less indented (the list the value is an item of)."""
    here = _key_line(text_lines[n])
    if here is not None and here.column < column:
        return here.key
    for m in range(n - 1, -1, -1):
        above = _key_line(text_lines[m])
        if above is not None and above.column < column:
            return above.key
    return None


def _yaml_problems(exc: yaml.YAMLError, text: str, file: str) -> list[Problem]:
    """The problem a YAML syntax error stands for, in plain words where it is a common one."""
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    text_lines = _text_lines(text)
    if isinstance(exc, yaml.reader.ReaderError):
        # A control character or bad byte: no problem_mark, only a character offset.
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character
        shown = f"U+{char:04X}" if isinstance(char, int) else f"U+{ord(char[:1] or ' '):04X}"
        problem = f"character {shown} is not allowed in YAML ({exc.reason})"
        return [Problem(file, line, "", f"not valid YAML: {problem}")]
    problem = str(getattr(exc, "problem", None) or exc)
    if "'\\t'" in problem and mark is not None:
        # Every line indented with a tab, so that they are all fixed at once.
        tabbed = {
            n + 1 for n, text_line in enumerate(text_lines)
            if "\t" in text_line[: _indent(text_line)]
        } | {mark.line + 1}  # fmt: skip
        return [
            Problem(file, n, "", "indented with a tab", Hint.SPACES_NOT_TABS)
            for n in sorted(tabbed)
        ]
    context = getattr(exc, "context", None) or ""
    start = getattr(exc, "context_mark", None)
    if (
        mark is not None
        and start is not None
        and context.startswith("while scanning a double-quoted scalar")
        and problem.startswith(("found unknown escape character", "expected escape sequence"))
    ):
        quoted = _single_quoted(text, start.index)
        backslash = text.rfind("\\", start.index, mark.index + 1)
        if quoted is not None and backslash >= 0:
            escape = text[backslash : backslash + 2]
            key = _key_above(text_lines, start.line, start.column)
            hint = Hint.REGEX_SINGLE_QUOTES if key in _REGEX_KEYS else Hint.SINGLE_QUOTES
            return [
                Problem(
                    file,
                    line,
                    key or "",
                    f"in double quotes YAML reads {escape} as an escape and refuses it",
                    hint,
                    (quoted,),
                )
            ]
    if mark is not None:
        up = _line_up(text_lines, mark.line)
        here = _key_line(text_lines[mark.line]) if mark.line < len(text_lines) else None
        key_colon = text_lines[mark.line].find(":", here.column) if here else -1
        if up is not None and here is not None and mark.column in (here.column, key_colon):
            # The parser stopped at the key itself (not inside its value): it is indented
            # unlike the keys it belongs with.
            key, under, at = up
            return [
                Problem(
                    file, line, "", "the indentation is wrong", Hint.LINE_UP, (key, under, str(at))
                )
            ]
    problem = " ".join(problem.split())  # one line, whatever the parser said
    return [Problem(file, line, "", f"not valid YAML: {problem}")]


def _problems(
    exc: ValidationError,
    file: str,
    lines: Mapping[tuple[Any, ...], int],
    nodes: Mapping[tuple[Any, ...], yaml.Node],
    text: str,
    items: list[Any],
) -> Iterator[Problem]:
    text_lines = _text_lines(text)
    for err in exc.errors():
        loc = tuple(err["loc"])
        kind = err["type"]
        line = _line_of(lines, loc)
        hint: Hint | None = None
        hint_args: tuple[str, ...] = ()
        if kind == "extra_forbidden":
            model = _model_at(loc[:-1])
            up = _line_up(text_lines, line - 1) if line else None
            if up is not None and _belongs(up, loc[-1], lines):
                # Valid YAML, wrong structure: a key indented unlike the block it belongs
                # to lands one level out (``url:`` under ``- name:`` at the list's column).
                message, hint = "is not a key at this level", Hint.LINE_UP
                hint_args = (str(loc[-1]), up[1], str(up[2]))
            else:
                hint_text = _did_you_mean(str(loc[-1]), _field_names(model)) if model else ""
                message = f"unknown key{hint_text}"
        elif kind == "missing":
            message = "is required"
        elif kind == "regex":
            ctx = err.get("ctx") or {}
            index = ctx.get("index", 0)
            item = nodes.get((*loc, index))
            written = (  # as in the file: quotes kept, backslashes not doubled
                text[item.start_mark.index : item.end_mark.index]
                if isinstance(item, yaml.ScalarNode)
                else repr(err["input"][index])
            )
            line = lines.get((*loc, index), line)
            message = f"{written} is not a valid regular expression: {ctx.get('error')}"
        else:
            message = err["msg"].removeprefix("Value error, ")
            if kind in (
                "string_type",
                "int_type",
                "float_type",
                "bool_type",
                "list_type",
                "dict_type",
                "model_type",
                "int_parsing",
                "float_parsing",
                "bool_parsing",
            ):
                message += f" (got {err['input']!r})"
        yield Problem(file, line, _key(loc, items), message, hint, hint_args)


def _belongs(up: tuple[str, str, int], key: Any, lines: Mapping[tuple[Any, ...], int]) -> bool:
    """True when ``key`` is a key of the block it should be lined up with (``url`` of a
    watch entry), so indenting it like that block's first key puts it where it belongs."""
    _key_name, under, at = up
    for loc, line in lines.items():
        if line == at and loc and loc[-1] == under:
            model = _model_at(loc[:-1])
            return model is not None and str(key) in _field_names(model)
    return False


def _backspaces(
    file: str, text: str, lines: Mapping[tuple[Any, ...], int],
    nodes: Mapping[tuple[Any, ...], yaml.Node], items: list[Any],
) -> Iterator[Problem]:  # fmt: skip
    r"""Regexes whose ``\b`` YAML read as a backspace: written in double quotes."""
    for loc, node in nodes.items():
        if (
            len(loc) >= 2
            and loc[-2] in _REGEX_KEYS
            and isinstance(loc[-1], int)
            and isinstance(node, yaml.ScalarNode)
            and node.style == '"'
            and "\b" in node.value
        ):
            quoted = _single_quoted(text, node.start_mark.index)
            yield Problem(
                file,
                lines.get(loc),
                _key(loc[:-1], items),
                "in double quotes YAML reads \\b as a backspace, not a word boundary",
                Hint.REGEX_SINGLE_QUOTES,
                (quoted or "'...'",),
            )


def load(path: Path | str = DEFAULT_PATH) -> Config:
    """Read and validate a watch list.

    Takes the path of a YAML file. Returns a ``Config``. Raises ``ConfigError`` listing
    every problem (unreadable file, YAML syntax, unknown or missing keys, wrong types,
    bad URLs, regexes, cron, time zone, CSS selectors, duplicate names and URLs), each
    with the file, line and key, and a hint for the common mistakes (tabs, indentation,
    regexes in double quotes).
    """
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [Problem(file, None, "", "file not found (give another with --config PATH)")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(file, None, "", f"cannot be read: {exc}")]) from None
    return loads(text, file=file, path=path)


def loads(text: str, *, file: str = "<string>", path: Path | None = None) -> Config:
    """Validate a watch list given as YAML text; as ``load``, for tests and docs."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_problems(exc, text, file)) from None
    if node is None or data is None:
        raise ConfigError([Problem(file, None, "", "the file is empty: it needs a 'watch:' list")])
    lines: dict[tuple[Any, ...], int] = {}
    _lines(node, (), lines)
    nodes: dict[tuple[Any, ...], yaml.Node] = {}
    _nodes(node, (), nodes)
    if not isinstance(data, dict):
        raise ConfigError([Problem(file, 1, "", "must be a mapping with 'settings:' and 'watch:'")])
    raw_watch = data.get("watch")
    items: list[Any] = raw_watch if isinstance(raw_watch, list) else []

    problems: list[Problem] = list(_backspaces(file, text, lines, nodes, items))
    parsed: _File | None = None
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        problems.extend(_problems(exc, file, lines, nodes, text, items))

    # Duplicate names and URLs are checked on the raw data so they are reported with other
    # mistakes.
    seen: dict[str, int] = {}
    seen_urls: dict[str, int] = {}
    for i, item in enumerate(items):
        url = item.get("url") if isinstance(item, dict) else None
        if isinstance(url, str) and url.strip():
            # The database keeps one history per URL, as ``Watch.url`` gives it (stripped,
            # as ``_check_url`` does): two entries for one URL (say, one with a selector,
            # one without) would share it, and one of them would be a new baseline every run.
            key = url.strip()
            if key in seen_urls:
                problems.append(
                    Problem(
                        file,
                        lines.get(("watch", i, "url")),
                        _key(("watch", i, "url"), items),
                        f"the same URL as {_entry(seen_urls[key], items)}: list a page once",
                    )
                )
            else:
                seen_urls[key] = i
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            problems.append(
                Problem(
                    file,
                    lines.get(("watch", i, "name")),
                    _key(("watch", i, "name"), items),
                    f"the {_ordinal(seen[name] + 1)} entry has this name too; names must be unique",
                )
            )
        else:
            seen[name] = i
    if problems or parsed is None:
        problems.sort(key=lambda p: p.line or 0)
        raise ConfigError(problems)
    return Config(path or Path(file), parsed.settings, tuple(parsed.watch))
