"""``keyvox toggle|press|release|pause|resume``: one word to the running keyvox over its control socket.

A bare word on its own takes the fast path in ``keyvox.cli.entry``; these parsers serve ``--help`` and a word
given with options (``keyvox --config PATH toggle``).
"""

from __future__ import annotations

import argparse

from keyvox.errors import ExitCode


def register(commands) -> None:
    for word, text in (
        ("toggle", "start or stop dictation in the running keyvox (for a compositor key binding)"),
        ("press", "start dictation in the running keyvox (key-down binding)"),
        ("release", "stop dictation in the running keyvox (key-up binding)"),
        ("pause", "pause dictation in the running keyvox: the hotkey records nothing until resume"),
        ("resume", "resume dictation in the running keyvox after pause"),
    ):
        control = commands.add_parser(word, help=text)
        control.set_defaults(handler=cmd_control, word=word)


def cmd_control(args: argparse.Namespace) -> int:
    from keyvox.desktop.hotkey.control import send_command

    send_command(args.word)
    return ExitCode.OK
