"""``keyvox toggle|press|release|pause|resume``: one word to the running keyvox over its control socket.

A bare word on its own takes the fast path in ``keyvox.cli.entry``; these parsers serve ``--help`` and a word
given with options (``keyvox --config PATH toggle``).
"""

from __future__ import annotations

import argparse

from keyvox.errors import ExitCode
from keyvox.vocabulary import Command


def register(commands) -> None:
    for command in Command:
        control = commands.add_parser(command.value, help=command.help)
        control.set_defaults(handler=cmd_control, command=command, mode=None)
        if command in (Command.TOGGLE, Command.PRESS):
            control.add_argument("--mode", help="dictate in this [[mode]] (see `keyvox modes`)")


def cmd_control(args: argparse.Namespace) -> int:
    from keyvox.desktop.hotkey.control import send_command

    send_command(args.command, mode=args.mode)
    return ExitCode.OK
