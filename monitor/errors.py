"""The exceptions that stop a command, and the exit code each one means.

A failed page or link is never an exception: it is a status with a reason, in the run's
report. What raises is what stops a run (or a command) as a whole, and the CLI turns
each into one line and the contract's exit code (``MonitorError.exit_code``)::

    MonitorError                    exit code
    ├── ConfigError                 2   the watch list has mistakes; nothing fetched or written
    │                                   (config; ``problems`` holds each, file:line:key)
    ├── BrowserUnavailable          2   `render: browser` asked, Playwright or Chromium missing
    └── RunFailed                   3   the run itself failed; the message says what to do
        ├── StoreError                  the database cannot be opened or written (store)
        ├── DigestError                 the digest files cannot be written (digest)
        ├── LockBusy                    another run holds the database (service.lock)
        └── CommandFailed               anything else the CLI cannot do (a JSON report's path)

``MailError`` (mail) never leaves ``mail.deliver``: a failed e-mail is an outcome, retried
by the next run. ``RunCancelled`` (service.lock) ends a run that ``serve`` was asked to stop.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Something that stops a command; ``exit_code`` is the contract's."""

    exit_code = 3


class RunFailed(MonitorError):
    """The run itself failed (exit 3); the message says what to do."""

    exit_code = 3


class CommandFailed(RunFailed):
    """A command could not do what was asked (a report's path not writable, say)."""


class BrowserUnavailable(MonitorError):
    """A watch asks for ``render: browser`` and Playwright or Chromium is missing or does
    not fit (exit 2, as a watch list this machine cannot serve; nothing fetched). The
    message names the command that installs what is missing (``fetch.render``)."""

    exit_code = 2
