"""Finding ``config.toml``, reading it into typed dataclasses, and checking every value.

Errors are ``ConfigError`` with one line that names the file, the key and the fix.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from pathlib import Path
from typing import Any

from keyvox.config.migrate import migrate
from keyvox.config.mode_choice import validate_modes
from keyvox.config.modes import check_language, read_modes, read_snippets
from keyvox.config.schema import (
    CONFIG_NAME,
    FREEFORM_SECTIONS,
    SECTIONS,
    Config,
    LoadedConfig,
    all_keys,
    format_number,
    toml_value,
)
from keyvox.errors import ConfigError
from keyvox.platform.dirs import user_config_dir

_TYPE_WORDS = {
    str: "text in quotes",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    dict: "a table",
    list: "a list",
}


def candidate_paths() -> list[Path]:
    """Where keyvox looks, in order, when no ``--config`` is given."""
    return [Path(CONFIG_NAME), user_config_dir() / CONFIG_NAME]


def find_config(explicit: str | os.PathLike | None = None) -> Path | None:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found (create one with: keyvox config init {path})")
        return path
    for path in candidate_paths():
        if path.is_file():
            return path
    return None


# --- loading ----------------------------------------------------------------------------------


def load_config(explicit: str | os.PathLike | None = None) -> LoadedConfig:
    """Find, read, migrate and validate the config. Raises ``ConfigError`` with a one-line message."""
    path = find_config(explicit)
    if path is None:
        loaded = LoadedConfig(Config(), None)
        loaded.sources = {key: "default" for key in all_keys()}
        return loaded
    return load_config_file(path)


def load_config_file(path: Path) -> LoadedConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc})") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> LoadedConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None
    warnings: list[str] = []
    data = migrate(data, path, warnings)
    config = Config()
    sources = {key: "default" for key in all_keys()}
    origin = str(path)

    for section, table in data.items():
        if section == "version":
            continue
        if section not in SECTIONS and section not in FREEFORM_SECTIONS:
            warnings.append(
                f"{path}: unknown section [{section}] ignored{_did_you_mean(section, [*SECTIONS, *FREEFORM_SECTIONS])}"
            )
            continue
        if section == "mode":
            config.modes = read_modes(table, path)
            sources["mode"] = origin
            continue
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {section} must be a section ([{section}]), not a single value")
        if section == "dictionary":
            config.dictionary = _read_dictionary(table, path)
            sources["dictionary"] = origin
            continue
        if section == "snippets":
            config.snippets = read_snippets(table, f"{path}: [snippets]")
            sources["snippets"] = origin
            continue
        target = getattr(config, section)
        known = {f.name: f for f in dataclasses.fields(target)}
        for key, value in table.items():
            if key not in known:
                warnings.append(
                    f"{path}: unknown key [{section}] {key} ignored{_did_you_mean(key, list(known))}"
                )
                continue
            setattr(target, key, _check_value(path, section, known[key], value))
            sources[f"{section}.{key}"] = origin

    if config.model.languages and sources["model.language"] == "default":
        config.model.language = "auto"  # a list of languages to choose among asks for detection
    validate(config, path)
    return LoadedConfig(config, path, sources, warnings)


def apply_overrides(loaded: LoadedConfig, overrides: dict[str, Any], origin: str = "command line") -> None:
    """Set ``section.key`` values (e.g. from command-line flags), validated like the file's."""
    label = Path(origin)
    for dotted, value in overrides.items():
        if value is None:
            continue
        section, key = dotted.split(".", 1)
        target = getattr(loaded.config, section)
        spec = {f.name: f for f in dataclasses.fields(target)}[key]
        setattr(target, key, _check_value(label, section, spec, value))
        loaded.sources[dotted] = origin
    validate(loaded.config, label)


def _read_dictionary(table: dict, path: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for spoken, written in table.items():
        if not isinstance(written, str):
            raise ConfigError(
                f'{path}: [dictionary] {spoken} = {toml_value(written)} must be text, e.g. {spoken} = "{spoken}"'
            )
        entries[spoken] = written
    return entries


def _check_value(path: Path, section: str, spec: dataclasses.Field, value: Any) -> Any:
    meta = spec.metadata
    where = f"{path}: [{section}] {spec.name} = {toml_value(value)}"
    expected = meta.get("types") or (type(spec.default),)
    if float in expected and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if (isinstance(value, bool) and bool not in expected) or not isinstance(value, expected):
        kinds = " or ".join(_TYPE_WORDS[t] for t in expected)
        raise ConfigError(f"{where} is not valid (expected {kinds})")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(f"{where} is not valid (choose {', '.join(choices)})")
    low, high = meta.get("minimum"), meta.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConfigError(f"{where} is out of range (choose {format_number(low)} to {format_number(high)})")
    return value


def validate(config: Config, path: Path) -> None:
    """Checks that span several keys or depend on the chosen backend."""
    from keyvox.engines.registry import BACKENDS, backend_names

    model = config.model
    if model.backend not in backend_names():
        raise ConfigError(
            f"{path}: [model] backend = {toml_value(model.backend)} is not valid "
            f"(choose {', '.join(backend_names())})"
        )
    specs = [BACKENDS[model.backend]] if model.backend in BACKENDS else list(BACKENDS.values())
    label = model.backend if model.backend in BACKENDS else "any backend"
    compute_types = _union(s.compute_types for s in specs)
    if model.compute_type not in compute_types:
        raise ConfigError(
            f"{path}: [model] compute_type = {toml_value(model.compute_type)} is not valid for {label} "
            f"(choose {', '.join(compute_types)})"
        )
    devices = _union(s.devices for s in specs)
    if model.device not in devices and not _is_indexed_device(model.device, devices):
        raise ConfigError(
            f"{path}: [model] device = {toml_value(model.device)} is not valid for {label} "
            f"(choose {', '.join(devices)})"
        )
    if not all(isinstance(code, str) for code in model.languages):
        raise ConfigError(f'{path}: [model] languages must be a list of ISO codes, e.g. ["en", "es"]')
    for code in model.languages:
        check_language(code, f"{path}: [model] languages", model.name)
    language = model.language.strip().lower()
    if language not in ("", "auto") and not (language.isalpha() and 2 <= len(language) <= 3):
        raise ConfigError(
            f"{path}: [model] language = {toml_value(model.language)} is not valid "
            '(use an ISO code such as en, fr, de, or "auto")'
        )
    if model.name.endswith(".en") and language not in ("en",):
        raise ConfigError(
            f"{path}: [model] language = {toml_value(model.language)} cannot be used with the English-only "
            f'model {model.name} (set language = "en", or pick a multilingual model such as base)'
        )
    if model.languages and language not in ("", "auto") and language not in model.languages:
        raise ConfigError(
            f"{path}: [model] language = {toml_value(model.language)} is not among languages "
            f'{model.languages} (set language = "auto" to detect among them)'
        )
    if model.backend == "remote" and not config.remote.url.strip():
        raise ConfigError(
            f'{path}: [model] backend = "remote" needs [remote] url (e.g. url = "http://gpu-box:8765/v1")'
        )
    from keyvox.config.keys import parse_key_spec

    main = parse_key_spec(config.hotkey.key, setting=f"{path}: [hotkey] key")
    cancel = parse_key_spec(config.hotkey.cancel_key, setting=f"{path}: [hotkey] cancel_key")
    main_keys = (main.human, cancel.human)
    if config.commands.key:
        command = parse_key_spec(config.commands.key, setting=f"{path}: [commands] key")
        if command.human in main_keys:
            raise ConfigError(
                f'{path}: [commands] key = "{config.commands.key}" is already the hotkey or the cancel '
                "key (choose another, e.g. alt_r)"
            )
        main_keys += (command.human,)
    validate_modes(config, path, main_keys=main_keys)
    if config.audio.min_duration_s >= config.audio.max_duration_s:
        raise ConfigError(
            f"{path}: [audio] min_duration_s = {format_number(config.audio.min_duration_s)} must be below "
            f"max_duration_s = {format_number(config.audio.max_duration_s)}"
        )


def _is_indexed_device(device: str, devices: tuple[str, ...]) -> bool:
    """``cuda:1`` style device strings select one of several GPUs."""
    base, _, index = device.partition(":")
    return base in devices and base not in ("auto", "cpu") and index.isdigit()


def _union(groups) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        seen.update(dict.fromkeys(group))
    return tuple(seen)


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""
