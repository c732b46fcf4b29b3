"""What several commands share: the model flags, and loading the config with them applied."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from keyvox.errors import report_warning

if TYPE_CHECKING:
    from keyvox.config.schema import LoadedConfig


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Flags that override ``[model]`` for one run."""
    group = parser.add_argument_group("model (overrides config.toml)")
    group.add_argument("--backend", dest="model.backend", metavar="BACKEND")
    group.add_argument("--model", dest="model.name", metavar="MODEL")
    group.add_argument("--device", dest="model.device", metavar="DEVICE")
    group.add_argument("--compute-type", dest="model.compute_type", metavar="COMPUTE_TYPE")
    group.add_argument("--language", dest="model.language", metavar="LANGUAGE")
    group.add_argument("--beam-size", dest="model.beam_size", type=int, metavar="N")
    group.add_argument(
        "--live-decoding",
        dest="model.live_decoding",
        action=argparse.BooleanOptionalAction,
        help="transcribe while the key is held (default: on)",
    )
    group.add_argument("--cpu-threads", dest="model.cpu_threads", type=int, metavar="N")


def add_mode_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--mode", metavar="NAME", help="apply this [[mode]]'s language and text settings (see `keyvox modes`)"
    )


def load(args: argparse.Namespace) -> LoadedConfig:
    """Load the config, print its warnings, and apply any model flags and ``--mode``."""
    # Imported here, not above: the config schema pulls in numpy, and `keyvox --help` needs no config.
    from keyvox.config.load import apply_overrides, load_config
    from keyvox.config.mode_choice import apply_mode, find_mode

    loaded = load_config(args.config)
    for warning in loaded.warnings:
        report_warning(warning)
    mode = vars(args).get("mode")  # only the commands that add_mode_option have it
    if mode:
        loaded.config = apply_mode(loaded.config, find_mode(loaded.config, mode))
    overrides = {k: v for k, v in vars(args).items() if k.startswith("model.")}
    if overrides:
        apply_overrides(loaded, overrides)
    return loaded
