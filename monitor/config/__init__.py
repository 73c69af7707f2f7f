"""The watch list: YAML file → validated, frozen ``Config`` (``Settings`` + ``Watch`` entries).

This package owns reading ``config/watchlist.yaml`` and every rule about what a valid
watch list is. It never touches the network or the database.

Every problem in a file is reported at once, each naming the file, the line and the
key (``config/watchlist.yaml:12: watch "FIDH special page" (3rd entry).url: must be an
http:// or https:// URL``), so a maintainer fixes the file in one go. ``load`` raises
``ConfigError`` for any of them; the CLI prints its lines and exits 2. The common
mistakes come with a hint (``use spaces, not tabs, to indent``).

Modules: ``model`` (the settings and their rules), ``problems`` (mistakes as data) and
``reader`` (YAML with line numbers, hints; ``load``).
"""

from monitor.config.model import (
    DEFAULT_CONNECTIVITY_CHECK,
    DEFAULT_PATH,
    DEFAULT_USER_AGENT,
    BrowserSettings,
    Config,
    EmailSettings,
    Settings,
    Watch,
)
from monitor.config.problems import ConfigError, Hint, Problem
from monitor.config.reader import load, loads

__all__ = [
    "DEFAULT_CONNECTIVITY_CHECK",
    "DEFAULT_PATH",
    "DEFAULT_USER_AGENT",
    "BrowserSettings",
    "Config",
    "ConfigError",
    "EmailSettings",
    "Hint",
    "Problem",
    "Settings",
    "Watch",
    "load",
    "loads",
]
