"""Hot reload: notice edits to the config file and hand over the new settings, without a restart.

Checked before each utterance, and cheaply: at most one ``stat`` every ``interval_s``. A broken edit
keeps the last good settings and is reported in one line, once per edit.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from keyvox.config.load import load_config_file
from keyvox.config.schema import Config, LoadedConfig
from keyvox.errors import KeyvoxError, error_line, warning_line

# Sections a running TextProcessor can take over; the rest need a restart.
LIVE_SECTIONS = ("text", "dictionary", "snippets", "modes")


def print_line(line: str) -> None:
    """Where a watcher's lines go without a daemon's status line: stderr."""
    print(line, file=sys.stderr, flush=True)


class ConfigWatcher:
    """Re-reads ``path`` when its modification time or size changes."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        interval_s: float = 0.25,
        report: Callable[[str], None] = print_line,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self.interval_s = interval_s
        self.report = report
        self._clock = clock
        self._stamp = self._stat()
        self._next_check = 0.0

    def poll(self) -> LoadedConfig | None:
        """The newly loaded config if the file changed and is valid; otherwise ``None``."""
        now = self._clock()
        if now < self._next_check:
            return None
        self._next_check = now + self.interval_s
        stamp = self._stat()
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        if stamp is None:
            self.report(error_line(f"{self.path}: config file is gone; keeping the current settings"))
            return None
        try:
            loaded = load_config_file(self.path)
        except KeyvoxError as exc:
            self.report(error_line(f"{exc} (keeping the previous settings until the file is fixed)"))
            return None
        for warning in loaded.warnings:
            self.report(warning_line(warning))
        return loaded

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size, info.st_ino


def restart_needed(old: Config, new: Config) -> list[str]:
    """Sections whose changes a running keyvox cannot apply (``[model]``, ``[audio]``, ...)."""
    return [
        f.name
        for f in dataclasses.fields(Config)
        if f.name not in LIVE_SECTIONS and getattr(old, f.name) != getattr(new, f.name)
    ]
