"""Release → first character and release → whole text on Wayland (sway), next to X11, end to end.

Starts the Wayland rig (headless sway, PulseAudio's virtual microphone, the GTK window; see
tests/helpers/wayland/wayland_rig.py), runs the real ``keyvox`` daemon with ``[hotkey] backend = "command"``,
holds Right Ctrl in the compositor with one wtype process while each clip plays (sway's bindings run
``keyvox press`` / ``keyvox release``), and times from the key release to the first character in the
window and to the whole transcript. The release time includes what a compositor binding costs: sway
starting ``keyvox release``. With ``--x11`` the same clips also run on the X11 rig (rig_latency.py).

Usage: python3 benchmarks/rig_latency_wayland.py [--short 5] [--long 2] [--repeat 1] [--x11]
       [--config FILE] [--json benchmarks/results/rig_latency_wayland.json]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: the rig helpers live in tests/helpers

from rig_latency import measure as measure_x11  # noqa: E402

from tests.conftest import load_manifest  # noqa: E402
from tests.helpers.wayland.wayland_rig import Wayland  # noqa: E402

SHORT = (3.0, 5.0)
"""Clip lengths of the short group, in seconds (the shared corpus has many)."""
LONG = (20.0, 30.0)
"""Clip lengths of the long group: well past one live-decoding commit."""
TEXT_LINE = re.compile(r"^(text \(.*?\): |no speech heard)")


def measure(rig: Wayland, keyvox, row: dict) -> tuple[float, float, str]:
    window = rig.window
    window.clear()
    mark = keyvox.mark()
    # As on X11 the key comes up as the clip ends: the holding wtype is stopped, and sway releases the keys of
    # a keyboard that goes away (its --release binding fires, measured on the rig).
    holder = rig.hold_key(600)
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    rig.pulse.play(row["path"])
    holder.terminate()
    holder.wait(10)
    released = time.monotonic()
    first = full = transcript = None
    while time.monotonic() - released < 120:
        text = window.text
        now = time.monotonic()
        if text and first is None:
            first = now
        if transcript is None:
            hit = keyvox._match(TEXT_LINE, mark)
            if hit:
                transcript = hit[1].split("): ", 1)[1] if hit[1].startswith("text") else ""
        if transcript is not None and text == transcript:
            full = now
            break
        time.sleep(0.005)
    if first is None or full is None:
        raise RuntimeError(f"{row['audio']}: the window never showed the transcript ({window.text!r})")
    return first - released, full - released, transcript


def run_wayland(groups: dict, config: str, repeat: int) -> list[dict]:
    rig = Wayland()
    return run_session("wayland", rig, lambda keyvox, row: measure(rig, keyvox, row), groups, config, repeat)


def run_x11(groups: dict, config: str, repeat: int) -> list[dict]:
    from tests.helpers.x11.rig import Desktop

    desktop = Desktop(Path(tempfile.mkdtemp(prefix="keyvox-rig-")))
    return run_session(
        "x11", desktop, lambda keyvox, row: measure_x11(desktop, keyvox, row["path"]), groups, config, repeat
    )


def run_session(session: str, rig, measure_one, groups: dict, config: str, repeat: int) -> list[dict]:
    """Start keyvox on ``rig``, measure every clip ``repeat`` times, stop the rig whatever happens."""
    results = []
    try:
        keyvox = rig.start_keyvox(config, name=f"latency-{session}")
        print(keyvox.wait_for(r"^Ready:", 180)[1])
        for group, clips in groups.items():
            for _ in range(repeat):
                for row in clips:
                    first, full, text = measure_one(keyvox, row)
                    results.append(_row(session, group, row, first, full, text))
                    time.sleep(0.5)
        keyvox.stop()
    finally:
        rig.stop()
    return results


def _row(session: str, group: str, row: dict, first: float, full: float, text: str) -> dict:
    print(
        f"{session:>7} {group:>8}  {row['audio']:<55} {row['duration_s']:5.1f} s audio  first char {first:5.2f} s"
        f"  full text {full:5.2f} s  ({len(text)} chars)",
        flush=True,
    )
    return {
        "session": session,
        "group": group,
        "clip": row["audio"],
        "duration_s": row["duration_s"],
        "first_char_s": round(first, 3),
        "full_text_s": round(full, 3),
        "chars": len(text),
        "text": text,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", type=int, default=5, help="how many 3–5 s clips")
    parser.add_argument("--long", type=int, default=2, help="how many 20–30 s clips")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--x11", action="store_true", help="also run the same clips on the X11 rig")
    parser.add_argument(
        "--config", help="extra config for keyvox (the hotkey backend is set to command on Wayland)"
    )
    parser.add_argument(
        "--json", help="also write the rows here (e.g. benchmarks/results/rig_latency_wayland.json)"
    )
    args = parser.parse_args()

    rows = [r for r in load_manifest() if r["lang"] == "en"]
    groups = {
        "3-5 s": [r for r in rows if SHORT[0] <= r["duration_s"] <= SHORT[1]][: args.short],
        "20-30 s": [r for r in rows if LONG[0] <= r["duration_s"] <= LONG[1]][: args.long],
    }
    extra = Path(args.config).read_text(encoding="utf-8") if args.config else ""
    x11_config = extra if "version" in extra else "version = 1\n" + extra
    wayland_config = x11_config + ('\n[hotkey]\nbackend = "command"\n' if "[hotkey]" not in extra else "")
    results = run_wayland(groups, wayland_config, args.repeat)
    if args.x11:
        results += run_x11(groups, x11_config, args.repeat)
    print("\nsession  group     n  first char median / worst   full text median / worst")
    for session in ("wayland", "x11"):
        for group in groups:
            got = [r for r in results if r["session"] == session and r["group"] == group]
            if got:
                first = [r["first_char_s"] for r in got]
                full = [r["full_text_s"] for r in got]
                print(
                    f"{session:>7} {group:>7} {len(got):>3}  {statistics.median(first):6.2f} / {max(first):5.2f} s"
                    f"          {statistics.median(full):6.2f} / {max(full):5.2f} s"
                )
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
