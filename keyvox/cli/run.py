"""``keyvox`` with no command: dictate (the desktop daemon)."""

from __future__ import annotations

import argparse

from keyvox.cli.options import load


def cmd_run(args: argparse.Namespace) -> int:
    from keyvox.desktop.daemon import run_daemon

    return run_daemon(load(args))
