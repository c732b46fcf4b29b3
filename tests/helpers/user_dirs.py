"""Keeping the test suite away from the real user's keyvox folders.

``isolate`` points every XDG folder at a temporary one for the whole session (before any fixture or
subprocess starts, so nothing escapes); ``snapshot`` records the real folders so the session can prove at
its end that nothing in them was read into existence, written or deleted.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

XDG_FOLDERS = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_DATA_HOME": ".local/share",
    "XDG_CACHE_HOME": ".cache",
    "XDG_STATE_HOME": ".local/state",
}
"""Each XDG variable and its default under HOME (the XDG Base Directory specification)."""


def real_keyvox_dirs(environ: dict[str, str] | os._Environ = os.environ) -> list[Path]:
    """The user's keyvox config, data and cache folders, as keyvox would resolve them in ``environ``."""
    home = Path(environ.get("HOME") or Path.home())
    folders = []
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        base = environ.get(variable) or str(home / XDG_FOLDERS[variable])
        folders.append(Path(base) / "keyvox")
    return folders


def snapshot(folders: list[Path]) -> dict[str, tuple[int, int] | None]:
    """Every file and folder under ``folders`` with its size and modification time; None for a missing folder."""
    seen: dict[str, tuple[int, int] | None] = {}
    for folder in folders:
        if not folder.exists():
            seen[str(folder)] = None
            continue
        for path in [folder, *sorted(folder.rglob("*"))]:
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue
            seen[str(path)] = (info.st_size, info.st_mtime_ns)
    return seen


def changes(before: dict, after: dict) -> list[str]:
    """What differs between two snapshots, one line per path."""
    lines = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path, "absent"), after.get(path, "absent")
        if old != new:
            lines.append(f"{path}: {describe(old)} -> {describe(new)}")
    return lines


def describe(state) -> str:
    if state in (None, "absent"):
        return "absent"
    return f"{state[0]} bytes, modified {state[1]}"


def isolate(environ: dict[str, str] | os._Environ = os.environ) -> Path:
    """Point every XDG folder in ``environ`` into a new temporary folder; returns that folder."""
    root = Path(tempfile.mkdtemp(prefix="keyvox-tests-xdg-"))
    for variable, default in XDG_FOLDERS.items():
        folder = root / default.replace("/", "-").lstrip(".")
        folder.mkdir()
        environ[variable] = str(folder)
    return root
