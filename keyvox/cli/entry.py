"""The ``keyvox`` command's entry point: control words skip the full command line.

A compositor binding runs ``keyvox press`` on key-down and ``keyvox release`` on key-up (Wayland), so
the time this process takes to start is added to every dictation. The full command line (config,
argparse tree, every command's module) costs 59 ms of imports against 5 ms for the control socket alone
(``python3 -X importtime -m keyvox release``), so a bare control word goes straight to the socket;
anything else (``--help``, options) takes the full parser.
"""

from __future__ import annotations

import sys

from keyvox.vocabulary import Command

CONTROL_WORDS = frozenset(command.value for command in Command)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # ``keyvox press --mode NAME`` is a key-down binding too: the same fast path.
    with_mode = len(argv) == 3 and argv[1] == "--mode" and argv[0] in (Command.TOGGLE, Command.PRESS)
    if (len(argv) == 1 and argv[0] in CONTROL_WORDS) or with_mode:
        from keyvox.desktop.hotkey.control import send_command
        from keyvox.errors import ExitCode, KeyvoxError, report_error

        try:
            send_command(Command(argv[0]), mode=argv[2] if with_mode else None)
        except KeyvoxError as exc:
            report_error(exc)
            return ExitCode.USER_ERROR
        return ExitCode.OK
    from keyvox.cli.main import main as full_main

    return full_main(argv)
