"""What a valid watch list is: ``Settings``, ``Watch`` and ``Config`` (pydantic models,
frozen), with their defaults and the rules of each key.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from monitor import PROJECT_URL, __version__
from monitor.config.problems import ConfigError, Problem
from monitor.models import CounterRule

DEFAULT_PATH = Path("config/watchlist.yaml")


DEFAULT_USER_AGENT = f"partner-monitor/{__version__} (+{PROJECT_URL})"


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


def _is_url(value: str) -> bool:
    try:
        _check_url(value)
    except ValueError:
        return False
    return True


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


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# ``{SLACK_TOKEN}`` in a notify URL: filled at send time from the environment variable
# that ``settings.notify_env`` names for it (monitor/notify.py).
NOTIFY_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class HttpSettings(_Strict):
    """``settings.http``: ``monitor serve`` also publishes the reports folder over HTTP."""

    listen: str = "127.0.0.1:8080"  # HOST:PORT, [IPv6]:PORT, or PORT alone (loopback)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        parse_listen(value)
        return value.strip()

    @property
    def host(self) -> str:
        """The address to bind (an IP address or a host name)."""
        return parse_listen(self.listen)[0]

    @property
    def port(self) -> int:
        """The TCP port to bind."""
        return parse_listen(self.listen)[1]


def parse_listen(value: str) -> tuple[str, int]:
    """``"127.0.0.1:8080"`` → ``("127.0.0.1", 8080)``; ``"8080"`` alone binds loopback;
    ``"[::1]:8080"`` for IPv6. Raises ``ValueError`` saying what is wrong."""
    text = value.strip()
    form = "write HOST:PORT, e.g. '127.0.0.1:8080' (or '[::1]:8080', or a port alone)"
    if text.isdigit():
        host, port_text = "127.0.0.1", text
    elif text.startswith("["):
        host, sep, port_text = text[1:].partition("]:")
        if not sep or ":" not in host:
            raise ValueError(f"{value!r} is not a listen address: {form}")
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep or not host or ":" in host:
            raise ValueError(f"{value!r} is not a listen address: {form}")
        if not re.fullmatch(r"[A-Za-z0-9.-]+", host):
            raise ValueError(f"{value!r}: {host!r} is not a host name or IP address; {form}")
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"{value!r}: the port must be a number from 1 to 65535; {form}")
    return host, int(port_text)


@functools.cache
def _apprise_schemes() -> frozenset[str]:
    """The URL schemes the installed Apprise knows (slack, matrix, mailto, json...)."""
    import apprise  # here: only a watch list with notify URLs loads Apprise

    schemes: set[str] = set()
    for service in apprise.Apprise().details().get("schemas", ()):
        for key in ("protocols", "secure_protocols"):
            names = service.get(key) or ()
            schemes.update(n.lower() for n in ((names,) if isinstance(names, str) else names))
    return frozenset(schemes)


def _notify_url(value: str) -> str:
    """One notify URL: a scheme Apprise knows; read whole by Apprise when it holds no
    ``{PLACEHOLDER}`` (with one, its secret is not there to read before sending)."""
    url = value.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or not rest or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        raise ValueError(
            "is not an Apprise URL (SCHEME://..., e.g. 'slack://...', 'json://host/path')"
        )
    if scheme.lower() not in _apprise_schemes():
        raise ValueError(
            f"Apprise knows no service {scheme + '://'!r} (see the Apprise documentation "
            "for the URL of each chat service)"
        )
    if not NOTIFY_PLACEHOLDER.search(url):
        import apprise

        service = apprise.Apprise.instantiate(url)
        if service is None:
            raise ValueError(
                f"Apprise cannot read this {scheme}:// URL: check it against its documentation"
            )
        if service.url(privacy=True) != service.url():  # type: ignore[no-untyped-call]
            # Apprise masks a URL's secret parts (tokens, passwords) when asked for privacy:
            # a difference is a secret written in the watch list itself.
            raise ValueError(
                f"this {scheme}:// URL holds a secret (a token or password): write "
                "{NAME} in its place and give settings.notify_env the environment "
                "variable to fill it from (NAME: VARIABLE)"
            )
    return url


NotifyUrl = Annotated[str, AfterValidator(_notify_url)]


class BrowserSettings(_Strict):
    """Limits of the pages read in a browser (``settings.browser``; watches with
    ``render: browser``)."""

    concurrency: int = Field(2, ge=1, le=16)  # pages open at once in the run's one browser
    time_limit_s: float = Field(30, gt=0, le=600)  # a whole page, every request included
    max_total_mb: float = Field(20, gt=0, le=500)  # bytes one page may pull, all requests


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
    # Where the reports folder is published (intranet, static host): makes the e-mail's
    # links to change and history pages absolute. Kept with one trailing slash.
    reports_url: str | None = None
    http: HttpSettings | None = None  # `monitor serve` also publishes the reports folder
    # Chat alerts (Apprise URLs); notify_env comes first so that notify can be checked
    # against it: {PLACEHOLDER} → the NAME of the environment variable holding the secret.
    notify_env: dict[str, str] = Field(default_factory=dict)
    notify: list[NotifyUrl] = Field(default_factory=list)
    browser: BrowserSettings = Field(default_factory=lambda: BrowserSettings())

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

    @field_validator("reports_url")
    @classmethod
    def _reports_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = _check_url(value)
        parts = urlsplit(url)
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(
                f"must be the plain address of the reports folder (no ?query, #fragment or "
                f"user:password@), got {value!r}"
            )
        if any(ch.isspace() for ch in url):
            raise ValueError(f"must not contain spaces, got {value!r}")
        return url.rstrip("/") + "/"

    @field_validator("connectivity_check")
    @classmethod
    def _probes(cls, value: list[str]) -> list[str]:
        bad = [url for url in value if not _is_url(url)]
        if bad:
            shown = ", ".join(repr(url) for url in bad)
            raise ValueError(f"each must be an http:// or https:// URL with a host, got {shown}")
        return [url.strip() for url in value]

    @field_validator("notify_env")
    @classmethod
    def _notify_env(cls, value: dict[str, str]) -> dict[str, str]:
        for placeholder, env in value.items():
            if not _ENV_NAME.fullmatch(placeholder):
                raise ValueError(
                    f"{placeholder!r}: a placeholder is a name of letters, digits and _ "
                    "(used as {NAME} in a notify URL)"
                )
            if not _ENV_NAME.fullmatch(env):
                raise ValueError(
                    f"{placeholder}: must be the NAME of an environment variable holding the "
                    "secret, never the secret itself"
                )
        return value

    @field_validator("notify")
    @classmethod
    def _notify(cls, value: list[str], info: ValidationInfo) -> list[str]:
        declared = info.data.get("notify_env")
        if declared is None:
            return value  # notify_env itself is wrong (reported); nothing to check against
        undeclared = [
            (i, name)
            for i, url in enumerate(value)
            for name in NOTIFY_PLACEHOLDER.findall(url)
            if name not in declared
        ]
        if undeclared:
            names = list(dict.fromkeys(name for _, name in undeclared))
            hint = _did_you_mean(names[0], list(declared)) if len(names) == 1 else ""
            raise PydanticCustomError(
                "notify_url",  # the reader points at the first such item's line
                "{names} not declared in settings.notify_env{hint}: add `NAME: "
                "ENVIRONMENT_VARIABLE` there for each placeholder",
                {
                    "index": undeclared[0][0],
                    "names": ", ".join("{" + n + "}" for n in names)
                    + (" is" if len(names) == 1 else " are"),
                    "hint": hint,
                },
            )
        return value


class CounterSpec(_Strict):
    """A counter a watch names (an item of ``counters:``): a ``name`` and either a CSS
    ``selector`` (its first number is the count) or a regex ``pattern`` with one group."""

    name: str = Field(min_length=1)
    selector: str | None = None
    pattern: str | None = None

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return _check_selector(value)

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            groups = re.compile(value).groups
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        if groups != 1:
            raise ValueError(
                f"must have exactly one group, (…), around the number; {value!r} has {groups}"
            )
        return value

    @model_validator(mode="after")
    def _one_way(self) -> CounterSpec:
        if (self.selector is None) == (self.pattern is None):
            raise ValueError("give either a selector or a pattern (one of them)")
        return self


def _check_selector(value: str | None) -> str | None:
    if value is None:
        return None
    import soupsieve

    try:
        soupsieve.compile(value)
    except Exception as exc:  # soupsieve raises SelectorSyntaxError and others
        first = str(exc).splitlines()[0]
        raise ValueError(f"{value!r} is not a valid CSS selector: {first}") from None
    return value


def _counters_form(value: object) -> str:
    return "rules" if isinstance(value, list) else "mode"


# `counters:` is `auto`, `false` or a list of named counters; the discriminator keeps a
# mistake in one named counter from being reported against `auto`/`false` as well.
Counters = Annotated[
    Annotated[Literal["auto", False], Tag("mode")] | Annotated[list[CounterSpec], Tag("rules")],
    Discriminator(_counters_form),
]


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
    # Counters (issue 20): found automatically, named here, or off.
    counters: Counters = "auto"
    milestones: list[int] | None = None  # numbers whose passing is news
    stalled_days: int = Field(3, ge=1, le=365)  # no growth this long is news
    # Pages drawn by script: read in headless Chromium (monitor/fetch/render.py).
    render: Literal["http", "browser"] = "http"
    wait_for: str | None = None  # with render: browser, a CSS selector to wait for
    load_media: bool = False  # with render: browser, fetch images, media and fonts too

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)

    @field_validator("ignore")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        return _check_regexes(value)

    @model_validator(mode="after")
    def _browser_only(self) -> Watch:
        if self.render != "browser":
            if self.wait_for is not None:
                raise ValueError("wait_for needs `render: browser` (it waits in the browser)")
            if self.load_media:
                raise ValueError("load_media needs `render: browser` (it is a browser setting)")
        return self

    @field_validator("selector", "wait_for")
    @classmethod
    def _selector(cls, value: str | None) -> str | None:
        return _check_selector(value)

    @field_validator("counters", mode="before")
    @classmethod
    def _counters(cls, value: object) -> object:
        return "auto" if value is True else value

    @field_validator("counters")
    @classmethod
    def _counter_names(cls, value: Counters) -> Counters:
        if isinstance(value, list):
            names = [c.name for c in value]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"each counter needs its own name; twice: {', '.join(twice)}")
        return value

    @field_validator("milestones")
    @classmethod
    def _milestones(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(n <= 0 for n in value):
            raise ValueError("milestones are counts above zero")
        return sorted(set(value)) if value is not None else None

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        for word in value:
            if not word.strip():
                raise ValueError("keywords must not be empty strings")
        return value

    @property
    def counter_rules(self) -> Literal["auto"] | tuple[CounterRule, ...] | None:
        """What ``extract.page`` reads as counters: "auto", the named ones, or None (off)."""
        if self.counters == "auto":
            return "auto"
        if self.counters is False:
            return None
        return tuple(CounterRule(c.name, c.selector, c.pattern) for c in self.counters)

    @property
    def group(self) -> str:
        """The digest group of this page: its partner, or its name when none is given."""
        return self.partner or self.name

    @property
    def in_browser(self) -> bool:
        """True when this page is read in a browser (``render: browser``)."""
        return self.render == "browser"


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


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
