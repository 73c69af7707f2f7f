"""Reading the YAML: every mistake at once, each with its file, line and key, and a hint
where the text shows what went wrong (a tab, a key out of line, a regex in double
quotes). ``load`` and ``loads`` are the entry points.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from monitor.config.model import (
    DEFAULT_PATH,
    BrowserSettings,
    Config,
    EmailSettings,
    Settings,
    Watch,
    _did_you_mean,
    _File,
)
from monitor.config.problems import ConfigError, Hint, Problem

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


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model whose fields live at ``loc`` (for did-you-mean on unknown keys)."""
    if loc == ():
        return _File
    if loc == ("settings",):
        return Settings
    if loc == ("settings", "email"):
        return EmailSettings
    if loc == ("settings", "browser"):
        return BrowserSettings
    if len(loc) == 2 and loc[0] == "watch" and isinstance(loc[1], int):
        return Watch
    return None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


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


# The tags of ``counters:``'s two forms (config.model.Counters): pydantic puts them in an
# error's location, where the watch list has no such key.
_FORM_TAGS = ("mode", "rules")


def _as_written(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """An error's location as the keys of the file: ``counters.rules (1st item)`` is
    ``counters (1st item)``, as written."""
    out: list[Any] = []
    for i, part in enumerate(loc):
        if part in _FORM_TAGS and i > 0 and loc[i - 1] == "counters":
            continue
        out.append(part)
    return tuple(out)


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
        loc = _as_written(tuple(err["loc"]))
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
            index = (err.get("ctx") or {}).get("index")
            if isinstance(index, int):  # an item of a list (a notify URL): its own line
                line = lines.get((*loc, index), line)
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
