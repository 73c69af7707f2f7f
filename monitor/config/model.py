"""What a valid watch list is: ``Settings``, ``Watch`` and ``Config`` (pydantic models,
frozen), with their defaults and the rules of each key.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from monitor import PROJECT_URL, __version__
from monitor.config.problems import ConfigError, Problem

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

    @field_validator("connectivity_check")
    @classmethod
    def _probes(cls, value: list[str]) -> list[str]:
        bad = [url for url in value if not _is_url(url)]
        if bad:
            shown = ", ".join(repr(url) for url in bad)
            raise ValueError(f"each must be an http:// or https:// URL with a host, got {shown}")
        return [url.strip() for url in value]


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
