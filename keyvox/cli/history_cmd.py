"""``keyvox history [QUERY] [clear]``: search, export or forget the transcript history."""

from __future__ import annotations

import argparse
import sys

from keyvox.cli.options import load
from keyvox.errors import ExitCode


def register(commands) -> None:
    history = commands.add_parser(
        "history", help="search the transcript history (`keyvox history clear` forgets it)"
    )
    history.add_argument("query", nargs="*", metavar="QUERY", help="words to find (all must appear)")
    history.add_argument("--limit", type=int, default=20, help="most entries to show (0: all; default 20)")
    history.add_argument(
        "--since", metavar="DATE|AGE", help="only entries since a date (2026-11-24) or an age (7d, 12h, 30m)"
    )
    history.add_argument("--export", choices=("csv", "json", "txt"), help="print the entries in this format")
    history.set_defaults(handler=cmd_history)


def cmd_history(args: argparse.Namespace) -> int:
    from keyvox.desktop.history import History, export, parse_since

    loaded = load(args)
    history = History.from_config(loaded.config.history)
    if args.query == ["clear"]:
        count = history.clear()
        print(f"keyvox: forgot {count} transcript(s) ({history.path})", file=sys.stderr)
        return ExitCode.OK
    since = parse_since(args.since) if args.since else None
    entries = history.search(" ".join(args.query), limit=args.limit, since=since)
    if args.export:
        sys.stdout.write(export(entries, args.export))
    else:
        for entry in entries:
            said = f'[command "{entry.command}": {entry.command_status}] ' if entry.command else ""
            print(f"{entry.when}  {said}{entry.text}")
    if not loaded.config.history.enabled:
        print("keyvox: note: [history] enabled = false, so nothing new is being recorded", file=sys.stderr)
    return ExitCode.OK
