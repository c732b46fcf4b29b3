"""Whether keyvox's virtual keyboard keeps the first character on a seat with no other keyboard, per pause.

Starts the Wayland rig (headless sway and the GTK 4 window; see tests/helpers/wayland/wayland_rig.py), takes the
rig's idle keyboard off the seat (as in a headless session, where windows bind the keyboard only once
keyvox's appears), and types a text that starts with a new character and needs a new keymap each run,
once per run for each setting: no VoidSymbol key and no pause, the key alone, the key and each pause.
Counts the runs whose text arrived whole. This is what chose virtual_keyboard.PRIMING_PAUSE_S.

Usage: python3 benchmarks/first_char_wayland.py [--runs 30] [--pauses 10,20,30]
       [--json benchmarks/results/first-char-wayland.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers.wayland.wayland_rig import Wayland  # noqa: E402


def typed(window) -> str:
    try:
        return window.wait_for_text(timeout=1.5, settle=0.15)
    except TimeoutError:
        return window.text  # nothing arrived at all


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pauses", default="10,20,30", help="pauses after the VoidSymbol key, in ms")
    parser.add_argument("--json", default=str(REPO / "benchmarks" / "results" / "first-char-wayland.json"))
    args = parser.parse_args()
    from keyvox.desktop.output import virtual_keyboard

    settings = [("no key, no pause", False, 0.0), ("key alone", True, 0.0)]
    settings += [(f"key and {ms} ms", True, int(ms) / 1000) for ms in args.pauses.split(",")]
    real_tap = virtual_keyboard.VirtualKeyboard.tap
    rig = Wayland()
    for name, value in rig.env.items():
        os.environ[name] = value
    os.environ.pop("DISPLAY", None)
    rows = []
    try:
        rig.unplug_keyboard()
        for label, key, pause in settings:
            virtual_keyboard.PRIMING_PAUSE_S = pause

            def tap(self, code, key=key):
                if key or code != virtual_keyboard.PRIMING_KEY:
                    real_tap(self, code)

            virtual_keyboard.VirtualKeyboard.tap = tap
            lost = []
            for run in range(args.runs):
                text = f"{chr(ord('A') + run % 26)}{run} ü{chr(0x4E00 + run)} end"
                rig.window.clear()
                virtual_keyboard.type_text(text)
                got = typed(rig.window)
                if got != text:
                    lost.append(got)
            row = {
                "setting": label,
                "whole": args.runs - len(lost),
                "runs": args.runs,
                "arrived_instead": lost,
            }
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    finally:
        virtual_keyboard.VirtualKeyboard.tap = real_tap
        rig.stop()
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(
        json.dumps(
            {
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": " ".join(["python3", *sys.argv]),
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "cpus": os.cpu_count(),
                "rows": rows,
            },
            indent=1,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
