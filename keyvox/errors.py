"""Errors that reach the user as one line, never as a traceback; the one way those lines are written; and the
exit codes every command returns."""

from __future__ import annotations

import sys
from enum import IntEnum
from typing import TextIO


class ExitCode(IntEnum):
    """What ``keyvox`` exits with; documented in README.md's command table."""

    OK = 0
    FAILED = 1
    """The command ran but its work did not succeed (a file failed to transcribe, doctor found problems)."""
    USER_ERROR = 2
    """Bad input the user can fix (config, arguments, a daemon that is not running): one line says how."""
    INTERRUPTED = 130
    """Ctrl+C, as shells report SIGINT."""


class KeyvoxError(Exception):
    """A problem the user can fix; its message is the whole story, printed as one line."""


class ConfigError(KeyvoxError):
    """The config file is unreadable or holds a value keyvox cannot use."""


class BackendUnavailable(KeyvoxError):
    """A backend cannot run here: its package is missing or the platform cannot host it."""


class ModelNotFound(KeyvoxError):
    """A model is neither on disk nor downloadable right now."""


def error_line(message: object) -> str:
    """``keyvox: error: …``: how every user-facing error reads, in the terminal, the log and the tray."""
    return f"keyvox: error: {message}"


def warning_line(message: object) -> str:
    return f"keyvox: warning: {message}"


def report_error(message: object, stream: TextIO | None = None) -> None:
    """Print one error line on stderr (or ``stream``)."""
    print(error_line(message), file=stream or sys.stderr, flush=True)


def report_warning(message: object, stream: TextIO | None = None) -> None:
    print(warning_line(message), file=stream or sys.stderr, flush=True)
