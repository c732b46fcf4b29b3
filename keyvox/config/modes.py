"""Modes: ``[[mode]]`` tables, each a name and what it changes for one key or one application.

A mode is chosen at key-down, in this order: by the key that started the recording (``key``), by the
focused application (``apps``, ``titles``: case-insensitive regular expressions), else none applies and
the top-level settings do (keyvox/config/mode_choice.py).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keyvox.config.cleanup import read_overrides
from keyvox.errors import ConfigError

STYLES = ("prose", "code", "raw")
SUBMIT_KEYS = ("enter", "ctrl+enter", "shift+enter")
OUTPUT_METHODS = ("auto", "type", "clipboard", "clipboard-restore")
TEXT_SWITCHES = ("spoken_punctuation", "capitalize", "remove_fillers", "trailing_space", "smart_spacing")


@dataclass
class ModeConfig:
    """One ``[[mode]]`` table; an empty or None field leaves the top-level setting as it is."""

    name: str
    key: str = ""
    """A second push-to-talk key that always dictates in this mode (e.g. ``alt_r``)."""
    command_key: str = ""
    """A command key whose commands run in this mode (its model for instructions), beside ``[commands] key``."""
    apps: list[str] = field(default_factory=list)
    """Applications this mode is for: X11 WM_CLASS, Wayland app_id (regular expressions, any case)."""
    titles: list[str] = field(default_factory=list)
    """Window titles this mode is for (a browser tab, a document), as regular expressions."""
    model: str = ""
    """Another model for this mode (e.g. base for a language tiny.en cannot speak), loaded at start and kept
    warm beside the main one, on the same engine thread."""
    language: str = ""
    languages: list[str] = field(default_factory=list)
    dictionary: dict[str, str] = field(default_factory=dict)
    """Added to the top-level ``[dictionary]`` (the mode's entry wins on the same spoken words)."""
    snippets: dict[str, str] = field(default_factory=dict)
    """Added to the top-level ``[snippets]``."""
    style: str = ""
    """prose (sentences), code (no capital at the start, no final period, fillers kept), raw (the engine's
    text untouched but for the hallucination guard)."""
    spoken_punctuation: bool | None = None
    capitalize: bool | None = None
    remove_fillers: bool | None = None
    trailing_space: bool | None = None
    smart_spacing: bool | None = None
    output: str = ""
    """The ``[output] method`` for this mode."""
    submit: str = ""
    """A key pressed after the text lands: enter, ctrl+enter or shift+enter."""
    cleanup: dict[str, Any] = field(default_factory=dict)
    """``[mode.cleanup]``: the ``[cleanup]`` keys this mode sets (keyvox/config/cleanup.py), over the top-level ones."""

    def matches_window(self, app: str, title: str) -> bool:
        return any(re.search(p, app, re.IGNORECASE) for p in self.apps if app) or any(
            re.search(p, title, re.IGNORECASE) for p in self.titles if title
        )


_FIELDS = {f.name: f for f in dataclasses.fields(ModeConfig)}
_LISTS = ("apps", "titles", "languages")
_TABLES = ("dictionary", "snippets")
_CHOICES = {"style": STYLES, "submit": SUBMIT_KEYS, "output": OUTPUT_METHODS}


def read_modes(tables: Any, path: Path) -> list[ModeConfig]:
    """``[[mode]]`` tables as ``ModeConfig``; every bad value is a one-line error naming the mode and key."""
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: mode must be a list of tables, written [[mode]] (double brackets)")
    modes: list[ModeConfig] = []
    for number, table in enumerate(tables, 1):
        name = table.get("name") if isinstance(table, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f'{path}: [[mode]] number {number} needs a name, e.g. name = "terminal"')
        where = f'{path}: [[mode]] "{name}"'
        if any(mode.name == name for mode in modes):
            raise ConfigError(f"{where} is defined twice (give each mode its own name)")
        values = {}
        for key, value in table.items():
            if key not in _FIELDS:
                known = ", ".join(f for f in _FIELDS if f != "name")
                raise ConfigError(f"{where}: unknown key {key} (a mode may set {known})")
            values[key] = _checked(where, key, value)
        modes.append(ModeConfig(**values))
    return modes


def read_snippets(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError(f'{where} must be a table of "trigger phrase" = "text"')
    for trigger, text in table.items():
        if not isinstance(text, str) or not text:
            raise ConfigError(f'{where}: "{trigger}" must be the text to type, in quotes')
    return dict(table)


def _checked(where: str, key: str, value: Any) -> Any:
    if key in _LISTS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f'{where}: {key} must be a list of text, e.g. {key} = ["xterm"]')
        if key != "languages":
            for pattern in value:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ConfigError(
                        f'{where}: {key} "{pattern}" is not a valid regular expression ({exc})'
                    ) from None
        return list(value)
    if key == "cleanup":
        return read_overrides(value, f"{where}: [mode.cleanup]")
    if key in _TABLES:
        return (
            read_snippets(value, f"{where}: {key}") if key == "snippets" else _text_table(where, key, value)
        )
    if key in TEXT_SWITCHES:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {key} must be true or false")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be text in quotes")
    choices = _CHOICES.get(key)
    if choices and value not in choices:
        raise ConfigError(f'{where}: {key} = "{value}" is not valid (choose {", ".join(choices)})')
    return value


def _text_table(where: str, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigError(f'{where}: {key} must be a table of spoken = "Written"')
    return dict(value)


def check_language(code: str, where: str, model_name: str) -> None:
    """One language code as the config may write it: an ISO code, "auto" or empty."""
    code = code.strip().lower()
    if code in ("", "auto"):
        return
    if not (code.isalpha() and 2 <= len(code) <= 3):
        raise ConfigError(f'{where} = "{code}" is not valid (use an ISO code such as en, fr, de, or "auto")')
    if model_name.endswith(".en") and code != "en":
        raise ConfigError(
            f'{where} = "{code}" cannot be used with the English-only model {model_name} '
            "(pick a multilingual model such as base)"
        )
