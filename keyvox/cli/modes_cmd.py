"""``keyvox modes``: the configured modes, and which one a window would get (no microphone needed)."""

from __future__ import annotations

import argparse
import dataclasses

from keyvox.cli.options import load
from keyvox.errors import ExitCode

WHEN_FIELDS = ("name", "key", "apps", "titles")


def register(commands) -> None:
    modes = commands.add_parser(
        "modes", help="list the [[mode]] tables: their keys, apps and what they change"
    )
    modes.set_defaults(handler=cmd_modes)
    actions = modes.add_subparsers(dest="modes_action", metavar="ACTION")
    which = actions.add_parser("which", help="say which mode a window would get")
    which.add_argument("--app", default="", help="the application: X11 WM_CLASS or Wayland app_id")
    which.add_argument("--title", default="", help="the window title")
    which.set_defaults(handler=cmd_which)


def describe(mode) -> str:
    """One line per mode: when it applies, then what it changes."""
    when = []
    if mode.key:
        when.append(f"key {mode.key}")
    if mode.apps:
        when.append(f"apps {', '.join(mode.apps)}")
    if mode.titles:
        when.append(f"titles {', '.join(mode.titles)}")
    changes = [
        f"{f.name}={getattr(mode, f.name)}"
        for f in dataclasses.fields(mode)
        if f.name not in WHEN_FIELDS and getattr(mode, f.name) not in (None, "", [], {})
    ]
    return f"{mode.name}: {'; '.join(when) or 'only with --mode or the tray'} -> {', '.join(changes) or 'nothing'}"


def cmd_modes(args: argparse.Namespace) -> int:
    loaded = load(args)
    if not loaded.config.modes:
        print(f"no modes in {loaded.label} (add [[mode]] tables, see docs/modes.md)")
    for mode in loaded.config.modes:
        print(describe(mode))
    return ExitCode.OK


def cmd_which(args: argparse.Namespace) -> int:
    from keyvox.config.mode_choice import choose_mode

    mode = choose_mode(load(args).config.modes, app=args.app, title=args.title)
    print(mode.name if mode else "none: the main settings apply")
    return ExitCode.OK
