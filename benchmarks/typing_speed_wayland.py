"""How fast text typed on Wayland gets into a window: wtype against keyvox's own virtual keyboard.

Starts the Wayland rig (headless sway and the GTK 4 window; see tests/helpers/wayland/wayland_rig.py), then
types texts of 50, 100, 300 and 1,000 characters with each method and times, from the call: its return,
the first character in the window and the whole text (GTK 3's window with ``--gtk 3``). It checks that
every text arrived exactly. The window writes its text out every 20 ms, so the window times are late by
up to 20 ms (the return is exact).

Rows run with a keyboard on the seat (as on a desktop); with ``--headless-seat`` they also run with none
(keyvox's client then pauses 30 ms after the keymap, see virtual_keyboard.PRIMING_PAUSE_S).

Usage: python3 benchmarks/typing_speed_wayland.py [--repeat 5] [--headless-seat] [--gtk 4|3]
       [--json benchmarks/results/typing-speed-wayland.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers.wayland.wayland_rig import GtkWindow, Wayland  # noqa: E402

SAMPLE = (
    "He began a confused complaint against the wizard, who had vanished behind the curtain on the left. "
    "Mr. Quilter is the apostle of the middle classes, and we are glad to welcome his gospel! "
)
LENGTHS = (50, 100, 300, 1000)


def methods() -> dict:
    from keyvox.desktop.output.virtual_keyboard import type_text
    from keyvox.desktop.output.wayland import WtypeType

    return {"wtype": WtypeType().insert, "virtual keyboard": type_text}


def measure(insert, text: str, window) -> dict:
    returned = []
    started = time.monotonic()
    worker = threading.Thread(target=lambda: (insert(text), returned.append(time.monotonic() - started)))
    worker.start()
    first = full = None
    while time.monotonic() - started < 20:
        got = window.text
        now = time.monotonic() - started
        if got and first is None:
            first = now
        if got == text:
            full = now
            break
        time.sleep(0.002)
    worker.join(30)
    time.sleep(0.2)
    return {
        "returned_s": returned[0] if returned else None,
        "first_s": first,
        "full_s": full,
        "first_to_full_s": None if first is None or full is None else full - first,
        "exact": window.text == text,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--headless-seat", action="store_true", help="also type with no keyboard on the seat")
    parser.add_argument("--gtk", choices=("4", "3"), default="4", help="the text window's GTK version")
    parser.add_argument("--json", default=str(REPO / "benchmarks" / "results" / "typing-speed-wayland.json"))
    args = parser.parse_args()
    load_before = os.getloadavg()
    rig = Wayland()
    for name, value in rig.env.items():
        os.environ[name] = value
    os.environ.pop("DISPLAY", None)
    rows = []
    window = rig.window if args.gtk == "4" else GtkWindow(rig, gtk="3")  # the newest window has the focus
    try:
        for seat in ("keyboard", "none") if args.headless_seat else ("keyboard",):
            if seat == "none":
                rig.unplug_keyboard()
            for _ in range(args.repeat):
                # Methods alternate text by text, so a busy moment of the machine hits both alike.
                for length in LENGTHS:
                    text = (SAMPLE * 6)[:length]
                    for name, insert in methods().items():
                        window.clear()
                        row = {
                            "method": name,
                            "gtk": args.gtk,
                            "seat_keyboard": seat,
                            "chars": length,
                            **measure(insert, text, window),
                        }
                        rows.append(row)
                        print(json.dumps(row), flush=True)
    finally:
        if window is not rig.window:
            window.stop()
        rig.stop()
    summary = []
    print(
        "\nmethod            seat      chars  returned p50  first char p50  whole text p50  first→whole p50/max"
        "  exact"
    )
    for seat in ("keyboard", "none"):
        for name in methods():
            for length in LENGTHS:
                got = [
                    r for r in rows if (r["method"], r["seat_keyboard"], r["chars"]) == (name, seat, length)
                ]
                if not got:
                    continue
                values = {
                    key: [r[key] for r in got if r[key] is not None]
                    for key in ("returned_s", "first_s", "full_s", "first_to_full_s")
                }
                line = {
                    "method": name,
                    "gtk": args.gtk,
                    "seat_keyboard": seat,
                    "chars": length,
                    "runs": len(got),
                    "exact": sum(r["exact"] for r in got),
                    **{
                        f"{key[:-2]}_p50_s": round(statistics.median(v), 4) if v else None
                        for key, v in values.items()
                    },
                    "first_to_full_max_s": round(max(values["first_to_full_s"]), 4)
                    if values["first_to_full_s"]
                    else None,
                }
                summary.append(line)
                print(
                    f"{name:<17} {seat:<9} {length:>5}  {line['returned_p50_s']:10.3f} s  "
                    f"{line['first_p50_s']:12.3f} s  {line['full_p50_s']:12.3f} s  "
                    f"{line['first_to_full_p50_s']:8.3f} / {line['first_to_full_max_s']:.3f} s  "
                    f"{line['exact']}/{line['runs']}"
                )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(
        json.dumps(
            {
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": " ".join(["python3", *sys.argv]),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
                "cpus": os.cpu_count(),
                "note": "window times are late by up to 20 ms (the GTK window writes its text every 20 ms)",
                "summary": summary,
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
