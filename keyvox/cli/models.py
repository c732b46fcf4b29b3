"""``keyvox models``: the known models, and which of them are on this machine."""

from __future__ import annotations

import argparse

from keyvox.cli.options import load
from keyvox.errors import ExitCode


def register(commands) -> None:
    models = commands.add_parser("models", help="list known models and which are on this machine")
    models.set_defaults(handler=cmd_models)


def cmd_models(args: argparse.Namespace) -> int:
    from keyvox.engines.models import cache_root, local_status

    loaded = load(args)
    cache = loaded.config.paths.model_cache
    print(f"model cache: {cache_root(cache)}")
    print(f"{'model':<20} {'backend':<15} {'download':>9}  on this machine")
    for row in local_status(cache):
        where = f"{row.source}: {row.path}" if row.path else "no"
        print(f"{row.model.name:<20} {row.model.backend:<15} {row.model.size_mb:>6} MB  {where}")
    return ExitCode.OK
