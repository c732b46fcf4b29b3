"""``keyvox doctor [--json]``: the command; the report itself is built and rendered in keyvox.cli.doctor."""

from __future__ import annotations

import argparse
import json

from keyvox.errors import ExitCode


def register(commands) -> None:
    doctor = commands.add_parser(
        "doctor", help="check this machine: hardware, backends, auto choice, audio, desktop"
    )
    doctor.add_argument("--json", action="store_true", help="print the report as one JSON object")
    doctor.set_defaults(handler=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    from keyvox.cli.doctor import collect, problems, render

    report = collect(args.config)
    print(
        json.dumps(report.to_json(), indent=2, ensure_ascii=False) if args.json else render(report),
        end="\n" if args.json else "",
    )
    return ExitCode.FAILED if problems(report) else ExitCode.OK
