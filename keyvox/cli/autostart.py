"""``keyvox autostart enable|disable|status|run``: start keyvox at login (the work is in keyvox.desktop.autostart)."""

from __future__ import annotations

import argparse

from keyvox.errors import ExitCode


def register(commands) -> None:
    parser = commands.add_parser(
        "autostart",
        help="start keyvox at login (systemd user unit, XDG autostart, "
        "Windows Startup folder or macOS LaunchAgent)",
    )
    actions = parser.add_subparsers(title="autostart commands", metavar="ACTION", required=True)
    enable_parser = actions.add_parser(
        "enable", help="start keyvox at every login (with this --config, if given)"
    )
    enable_parser.set_defaults(handler=cmd_enable)
    actions.add_parser("disable", help="stop starting keyvox at login").set_defaults(handler=cmd_disable)
    actions.add_parser("status", help="say whether keyvox starts at login, and from which file").set_defaults(
        handler=cmd_status
    )
    actions.add_parser(
        "run",
        help="run keyvox, restarting it after a crash and logging to a file (what the "
        "login entry runs where the system does not do this itself)",
    ).set_defaults(handler=cmd_run)


def cmd_enable(args: argparse.Namespace) -> int:
    from keyvox.desktop.autostart import detect_kind, enable, log_file

    path = enable(args.config)
    kind = detect_kind()
    print(f"keyvox will start at login: {path}")
    if kind == "systemd":
        print(
            "start it now: systemctl --user daemon-reload && systemctl --user start keyvox; "
            "its log: journalctl --user -u keyvox"
        )
    else:
        print(f"its log: {log_file()}")
    return ExitCode.OK


def cmd_disable(args: argparse.Namespace) -> int:
    from keyvox.desktop.autostart import disable, entry

    path = entry().path
    print(f"removed {path}" if disable() else f"keyvox was not set to start at login (no {path})")
    return ExitCode.OK


def cmd_status(args: argparse.Namespace) -> int:
    from keyvox.desktop.autostart import entry, is_enabled

    path = entry().path
    print(f"enabled: {path}" if is_enabled() else f"disabled (no {path})")
    return ExitCode.OK


def cmd_run(args: argparse.Namespace) -> int:
    from keyvox.desktop.autostart import run_supervised

    return run_supervised(args.config)
