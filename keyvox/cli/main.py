"""The ``keyvox`` command: the top of the parser, one module per command beneath it, and the one error handler."""

from __future__ import annotations

import argparse

from keyvox import __version__
from keyvox.cli import (
    autostart,
    bench,
    config_cmd,
    control,
    devices,
    doctor_cmd,
    history_cmd,
    models,
    modes_cmd,
    retry,
    run,
    serve,
    status,
    text_cmd,
    transcribe,
)
from keyvox.errors import ExitCode, KeyvoxError, report_error

DESCRIPTION = """\
Local push-to-talk dictation. Run `keyvox` with no command to start: hold Right Ctrl, speak, release,
and the text is typed into the window that has focus (Esc while holding throws the recording away)."""
EPILOG = """\
first steps:
  keyvox transcribe --sample   check the engine on a bundled 5-second clip (no microphone, no network)
  keyvox doctor                what this machine lacks, with the command that installs it
  keyvox                       dictate: hold Right Ctrl, speak, release
change the key:
  keyvox config init           writes the config file keyvox reads (`keyvox config path` shows where);
                               in it set [hotkey] key = "f9" (or "alt_r", "ctrl+shift+space")
history:
  every transcript is kept 90 days in a local database (`keyvox history` searches it, `keyvox history
  clear` forgets it); [history] enabled = false turns it off, retention_days sets how long."""


COMMANDS = (
    transcribe,
    text_cmd,
    modes_cmd,
    config_cmd,
    bench,
    models,
    serve,
    retry,
    history_cmd,
    autostart,
    status,
    devices,
    control,
    doctor_cmd,
)
"""The command modules, each adding its own subparser, in the order ``keyvox --help`` lists them."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyvoxError as exc:
        report_error(exc)
        return ExitCode.USER_ERROR
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keyvox",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"keyvox {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file to use (default: ./config.toml, then the platform config folder)",
    )
    parser.set_defaults(handler=run.cmd_run)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser
