"""Which mode one utterance runs in, and the settings that gives it (modes are read in keyvox/config/modes.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from keyvox.config.cleanup import check_cleanup, with_overrides
from keyvox.config.keys import parse_key_spec
from keyvox.config.modes import TEXT_SWITCHES, ModeConfig, check_language
from keyvox.config.schema import Config, toml_key, toml_value
from keyvox.errors import ConfigError


def validate_modes(config: Config, path: Path, *, main_keys: tuple[str, ...]) -> None:
    """Checks across modes and the rest of the config: keys used twice, languages an English-only model
    cannot speak. ``main_keys`` are the canonical names of the main hotkey (and cancel key)."""
    taken: dict[str, str] = {}
    check_cleanup(config.cleanup, f"{path}: [cleanup]")
    for mode in config.modes:
        where = f'{path}: [[mode]] "{mode.name}"'
        check_cleanup(with_overrides(config.cleanup, mode.cleanup), f"{where}: [mode.cleanup]")
        for code in [mode.language, *mode.languages]:
            check_language(code, f"{where}: language", mode.model or config.model.name)
        for setting in ("key", "command_key"):
            value = getattr(mode, setting)
            if not value:
                continue
            spec = parse_key_spec(value, setting=f"{where}: {setting}")
            if spec.human in main_keys:
                raise ConfigError(
                    f'{where}: {setting} = "{value}" is already the main hotkey, the cancel key or the '
                    "command key"
                )
            if spec.human in taken:
                raise ConfigError(
                    f'{where}: {setting} = "{value}" is already the key of mode "{taken[spec.human]}"'
                )
            taken[spec.human] = mode.name


def find_mode(config: Config, name: str) -> ModeConfig:
    for mode in config.modes:
        if mode.name == name:
            return mode
    known = ", ".join(m.name for m in config.modes) or "none is configured"
    raise ConfigError(f'no mode named "{name}" (modes: {known})')


def choose_mode(
    modes: list[ModeConfig], *, key_mode: str | None = None, app: str = "", title: str = ""
) -> ModeConfig | None:
    """The mode for one utterance: the key's mode, else the first mode for the focused window, else None."""
    if key_mode is not None:
        return next((m for m in modes if m.name == key_mode), None)
    return next((m for m in modes if m.matches_window(app, title)), None)


def apply_mode(config: Config, mode: ModeConfig | None) -> Config:
    """The settings one utterance runs with: ``config`` with ``mode``'s changes on top."""
    if mode is None:
        return config
    text = dataclasses.replace(config.text)
    if mode.style:
        text.style = mode.style
    for switch in TEXT_SWITCHES:
        if getattr(mode, switch) is not None:
            setattr(text, switch, getattr(mode, switch))
    model = dataclasses.replace(config.model, name=mode.model or config.model.name)
    if mode.language or mode.languages:
        model.language = mode.language or "auto"
        model.languages = list(mode.languages)
    output = dataclasses.replace(config.output, method=mode.output or config.output.method)
    return dataclasses.replace(
        config,
        text=text,
        model=model,
        output=output,
        dictionary={**config.dictionary, **mode.dictionary},
        snippets={**config.snippets, **mode.snippets},
        cleanup=with_overrides(config.cleanup, mode.cleanup),
    )


def render_modes(modes: list[ModeConfig]) -> list[str]:
    """``[[mode]]`` tables as TOML lines (``keyvox config migrate`` and ``show`` keep them)."""
    lines: list[str] = []
    for mode in modes:
        lines += ["", "[[mode]]"]
        for spec in dataclasses.fields(ModeConfig):
            value = getattr(mode, spec.name)
            if value in (None, "", [], {}):
                continue
            if isinstance(value, list):
                lines.append(f"{spec.name} = [{', '.join(toml_value(v) for v in value)}]")
            elif isinstance(value, dict):
                pairs = ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items())
                lines.append(f"{spec.name} = {{ {pairs} }}")
            else:
                lines.append(f"{spec.name} = {toml_value(value)}")
    return lines
