"""``keyvox config init|show|path|migrate``: create, show or locate the config file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from keyvox.cli.options import load
from keyvox.errors import ExitCode, KeyvoxError


def register(commands) -> None:
    config = commands.add_parser("config", help="create, show or locate the config file")
    config_commands = config.add_subparsers(title="config commands", metavar="ACTION", required=True)
    init = config_commands.add_parser("init", help="write a fully commented config file")
    init.add_argument("path", nargs="?", help="where to write it (default: the platform config folder)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(handler=cmd_config_init)
    show = config_commands.add_parser(
        "show", help="print the effective config and where each value came from"
    )
    show.set_defaults(handler=cmd_config_show)
    path = config_commands.add_parser("path", help="print which config file is used")
    path.set_defaults(handler=cmd_config_path)
    migrate = config_commands.add_parser("migrate", help="rewrite an older config file in the current format")
    migrate.set_defaults(handler=cmd_config_migrate)


def cmd_config_init(args: argparse.Namespace) -> int:
    from keyvox.config.load import find_config
    from keyvox.config.render import write_default_config
    from keyvox.config.schema import CONFIG_NAME
    from keyvox.platform.dirs import user_config_dir

    target = Path(args.path) if args.path else user_config_dir() / CONFIG_NAME
    write_default_config(target, force=args.force)
    print(f"Wrote {target}")
    used = find_config(None)  # where keyvox will look from here: say so when it is not the new file
    if used is None:
        print(
            f"keyvox: note: keyvox does not look there by itself; run it as `keyvox --config {target}`",
            file=sys.stderr,
        )
    elif used.resolve() != target.resolve():
        print(
            f"keyvox: note: {used} is read first; run `keyvox --config {target}` to use the new file",
            file=sys.stderr,
        )
    return ExitCode.OK


def cmd_config_show(args: argparse.Namespace) -> int:
    from keyvox.config.render import render_config

    loaded = load(args)
    print(f"# effective config; file: {loaded.label}")
    print(render_config(loaded.config, commented=False, sources=loaded.sources), end="")
    return ExitCode.OK


def cmd_config_path(args: argparse.Namespace) -> int:
    from keyvox.config.load import candidate_paths, find_config

    path = find_config(args.config)
    if path is None:
        searched = ", ".join(str(p) for p in candidate_paths())
        print(f"no config file (defaults in use); searched: {searched}")
    else:
        print(path.resolve())
    return ExitCode.OK


def cmd_config_migrate(args: argparse.Namespace) -> int:
    from keyvox.config.load import find_config
    from keyvox.config.render import migrate_file

    path = find_config(args.config)
    if path is None:
        raise KeyvoxError("no config file to migrate (create one with: keyvox config init)")
    backup = migrate_file(path)
    print(f"Updated {path}; the old file is {backup}")
    return ExitCode.OK
