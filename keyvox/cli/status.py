"""``keyvox status [--follow] [--json]``: the running daemon's state for panels and scripts (the client is in
keyvox.desktop.panel)."""

from __future__ import annotations

import argparse


def register(commands) -> None:
    status = commands.add_parser(
        "status",
        help="print the running keyvox's state (idle, recording, processing, "
        "paused, error) for panels and scripts",
    )
    status.add_argument(
        "--follow",
        action="store_true",
        help='keep running and print a line at every change ("stopped" while no keyvox runs)',
    )
    status.add_argument(
        "--json",
        action="store_true",
        help='one JSON object per line, ready for a waybar custom module ("return-type": "json")',
    )
    status.set_defaults(handler=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    from keyvox.desktop.panel import print_status

    return print_status(follow=args.follow, as_json=args.json)
