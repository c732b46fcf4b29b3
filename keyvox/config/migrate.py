"""Reading config files written by older releases: their keys mapped onto today's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from keyvox.config.schema import CONFIG_VERSION, toml_value
from keyvox.errors import ConfigError

# The first Keyvox releases wrote files without a version; their keys map onto ours like this.
_V0_RENAMES = {
    ("hotkey", "push_to_talk"): ("hotkey", "key"),
    ("audio", "input_device"): ("audio", "device"),
    ("output", "paste_method"): ("output", "method"),
    ("text_insertion", "smart_capitalization"): ("text", "capitalize"),
    ("text_insertion", "smart_spacing"): ("text", "smart_spacing"),
    ("text_insertion", "add_trailing_space"): ("text", "trailing_space"),
    ("output", "double_tap_timeout"): ("hotkey", "double_tap_s"),
}
# Keys of those releases that have no meaning now (audio is always captured at 16 kHz).
_V0_DROPPED = {
    ("audio", "sample_rate"),
    ("output", "auto_paste"),
    ("output", "double_tap_to_clipboard"),
    ("text_insertion", "enabled"),
    ("text_insertion", "normalize_urls"),
    ("text_insertion", "context_max_chars"),
    ("text_insertion", "sentence_enders"),
    ("text_insertion", "punctuation_starters"),
}


def migrate(data: dict, path: Path, warnings: list[str]) -> dict:
    """Bring an older file's data up to ``CONFIG_VERSION`` (the file itself is left alone)."""
    version = data.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ConfigError(
            f"{path}: version = {toml_value(version)} is not valid (expected a whole number such as "
            f"{CONFIG_VERSION})"
        )
    if version > CONFIG_VERSION:
        raise ConfigError(
            f"{path}: version = {version} is newer than this keyvox understands "
            f"({CONFIG_VERSION}); upgrade keyvox or lower the version"
        )
    if version == CONFIG_VERSION:
        return data
    if "version" not in data and not _has_original_keys(data):
        return data  # written by hand for this keyvox, just without the version line: nothing to migrate
    migrated: dict[str, Any] = {"version": CONFIG_VERSION}
    for section, table in data.items():
        if section == "version":
            continue
        if not isinstance(table, dict):
            migrated[section] = table  # reported as a misplaced value by the loader
            continue
        for key, value in table.items():
            if (section, key) in _V0_DROPPED:
                continue
            new_section, new_key = _V0_RENAMES.get((section, key), (section, key))
            if section == "audio" and key == "input_device" and value == "default":
                value = ""
            migrated.setdefault(new_section, {})[new_key] = value
    if version == 0 and set(data) - {"version"}:
        warnings.append(
            f"{path}: this file has no version, so it was read as a version 0 (original Keyvox) "
            f"config; run `keyvox config migrate` to update it"
        )
    return migrated


def _has_original_keys(data: dict) -> bool:
    """Whether a file without ``version`` uses any key name only the original Keyvox knew."""
    original = set(_V0_RENAMES) | _V0_DROPPED
    return any(
        (section, key) in original
        for section, table in data.items()
        if isinstance(table, dict)
        for key in table
    )
