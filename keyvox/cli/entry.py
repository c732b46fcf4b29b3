"""The ``keyvox`` command's entry point: control words skip the full command line.

A compositor binding runs ``keyvox press`` on key-down and ``keyvox release`` on key-up (Wayland), so
the time this process takes to start is added to every dictation. Importing ``keyvox.cli.main`` (config,
argparse tree, every command's module) cost 59 ms on the 2-core test machine against 5 ms for the
control socket alone (``python3 -X importtime -m keyvox release``), so a bare control word goes straight
to the socket; anything else (``--help``, options) takes the full parser.
"""

from __future__ import annotations

import sys

CONTROL_WORDS = ("toggle", "press", "release", "pause", "resume")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 1 and argv[0] in CONTROL_WORDS:
        from keyvox.desktop.hotkey.control import send_command
        from keyvox.errors import ExitCode, KeyvoxError, report_error

        try:
            send_command(argv[0])
        except KeyvoxError as exc:
            report_error(exc)
            return ExitCode.USER_ERROR
        return ExitCode.OK
    from keyvox.cli.main import main as full_main

    return full_main(argv)
