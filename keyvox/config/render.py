"""Writing config files: the commented default (``keyvox config init``), the effective config with its
sources (``keyvox config show``), and an older file rewritten in today's format (``keyvox config migrate``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from keyvox.config.load import load_config_file
from keyvox.config.mode_choice import render_modes
from keyvox.config.schema import CONFIG_VERSION, SECTIONS, Config, toml_key, toml_value
from keyvox.errors import ConfigError


def render_config(
    config: Config | None = None, *, commented: bool = True, sources: dict[str, str] | None = None
) -> str:
    """The config as TOML: with every option documented (``config init``) or with sources (``config show``)."""
    config = config or Config()
    lines: list[str] = []
    if commented:
        lines += [
            "# Keyvox configuration. Every option is listed with its default; see README.md.",
            "# Lookup order: keyvox --config PATH, ./config.toml, then the platform config folder.",
            "",
        ]
    lines += [f"version = {CONFIG_VERSION}", ""]
    for section, cls in SECTIONS.items():
        if commented and cls.__doc__:
            lines.append(f"# {cls.__doc__.strip()}")
        lines.append(f"[{section}]")
        for spec in dataclasses.fields(cls):
            value = getattr(getattr(config, section), spec.name)
            if commented:
                lines += [f"# {line}" for line in _wrap(spec.metadata["doc"])]
            suffix = f"  # {sources.get(f'{section}.{spec.name}', 'default')}" if sources else ""
            lines.append(f"{spec.name} = {toml_value(value)}{suffix}")
        lines.append("")
    lines.append(
        "# Words keyvox should know: spoken (case-insensitive) = written. Also used to bias recognition."
    )
    lines.append("[dictionary]")
    if config.dictionary:
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in config.dictionary.items()]
    elif commented:
        lines += ['# github = "GitHub"', '# "node js" = "Node.js"', '# kubernetes = "Kubernetes"']
    if sources and config.dictionary:
        lines.append(f"# dictionary from {sources.get('dictionary', 'default')}")
    lines += ["", '# Say exactly the phrase (or "insert" and the phrase) to type the text instead.']
    lines.append("[snippets]")
    if config.snippets:
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in config.snippets.items()]
    elif commented:
        lines.append('# "my address" = "1 Main Street\\nSpringfield"')
    if commented and not config.modes:
        lines += ["", *MODE_EXAMPLE]
    return "\n".join(lines + render_modes(config.modes)) + "\n"


MODE_EXAMPLE = [
    "# Modes: settings for one application or one key; the first that matches applies (see docs/modes.md).",
    "# [[mode]]",
    '# name = "terminal"',
    '# apps = ["xterm", "kitty", "org.gnome.Terminal"]',
    '# style = "code"',
    "# [[mode]]",
    '# name = "spanish"',
    '# key = "alt_r"',
    '# language = "es"',
    "# A mode's own [cleanup] keys, over the top-level ones (see docs/cleanup.md):",
    "# [mode.cleanup]",
    '# prompt = "message"',
]


def write_default_config(path: Path, *, force: bool = False) -> None:
    if path.exists() and not force:
        raise ConfigError(f"{path}: already exists (use --force to overwrite it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_config(commented=True), encoding="utf-8")


def migrate_file(path: Path) -> Path:
    """Rewrite an older config file in the current format; the original is kept beside it as ``.bak``."""
    loaded = load_config_file(path)
    backup = path.with_name(path.name + ".bak")
    backup.write_bytes(path.read_bytes())
    path.write_text(render_config(loaded.config, commented=True), encoding="utf-8")
    return backup


def _wrap(text: str, width: int = 96) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]
