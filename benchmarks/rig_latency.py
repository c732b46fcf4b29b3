"""Release → first character and release → full text, measured end to end on the desktop rig.

Starts the rig (Xvfb, PulseAudio with the virtual microphone, the Tk window), runs the real ``keyvox``
daemon with the default config (or --config), dictates real clips from ../shared/speech by holding Right
Ctrl, and times from the key release to the first character in the window and to the whole transcript.

Usage: python3 benchmarks/rig_latency.py [--short 5] [--long 2] [--repeat 1] [--config FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "desktop"))
sys.path.insert(0, str(REPO / "tests"))

from conftest import load_manifest  # noqa: E402
from rig import Desktop  # noqa: E402

SHORT = (3.0, 5.0)
LONG = (20.0, 30.0)


def measure(desktop: Desktop, keyvox, clip: Path) -> tuple[float, float, str]:
    window = desktop.window
    window.clear()
    mark = keyvox.mark()
    desktop.key("down")
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    desktop.pulse.play(clip)
    desktop.key("up")
    released = time.monotonic()  # xdotool has returned: the X server has the release
    first = full = None
    transcript = None
    while time.monotonic() - released < 120:
        text = window.text
        now = time.monotonic()
        if text and first is None:
            first = now
        if transcript is None:
            hit = keyvox._match(__import__("re").compile(r"^(text \(.*?\): |no speech heard)"), mark)
            if hit:
                transcript = hit[1].split("): ", 1)[1] if hit[1].startswith("text") else ""
        if transcript is not None and text == transcript:
            full = now
            break
        time.sleep(0.005)
    if first is None or full is None:
        raise RuntimeError(f"{clip.name}: the window never showed the transcript ({window.text!r})")
    return first - released, full - released, transcript


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", type=int, default=5, help="how many 3–5 s clips")
    parser.add_argument("--long", type=int, default=2, help="how many 20–30 s clips")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--config", help="config file for keyvox (default: built-in defaults)")
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args()

    rows = [r for r in load_manifest() if r["lang"] == "en"]
    groups = {"3-5 s": [r for r in rows if SHORT[0] <= r["duration_s"] <= SHORT[1]][:args.short],
              "20-30 s": [r for r in rows if LONG[0] <= r["duration_s"] <= LONG[1]][:args.long]}
    config = Path(args.config).read_text(encoding="utf-8") if args.config else "version = 1\n"
    desktop = Desktop(Path(tempfile.mkdtemp(prefix="keyvox-rig-")))
    results = []
    try:
        keyvox = desktop.start_keyvox(config, name="latency")
        _, ready = keyvox.wait_for(r"^Ready:", 180)
        print(ready)
        for group, clips in groups.items():
            for _ in range(args.repeat):
                for row in clips:
                    first, full, text = measure(desktop, keyvox, row["path"])
                    results.append({"group": group, "clip": row["audio"], "duration_s": row["duration_s"],
                                    "first_char_s": round(first, 3), "full_text_s": round(full, 3),
                                    "chars": len(text), "text": text})
                    print(f"{group:>8}  {row['audio']:<55} {row['duration_s']:5.1f} s audio  "
                          f"first char {first:5.2f} s  full text {full:5.2f} s  ({len(text)} chars)", flush=True)
                    time.sleep(0.5)
        keyvox.stop()
    finally:
        desktop.stop()
    print("\ngroup     n  first char median / worst   full text median / worst")
    for group in groups:
        got = [r for r in results if r["group"] == group]
        if got:
            first = [r["first_char_s"] for r in got]
            full = [r["full_text_s"] for r in got]
            print(f"{group:>7} {len(got):>3}  {statistics.median(first):6.2f} / {max(first):5.2f} s"
                  f"          {statistics.median(full):6.2f} / {max(full):5.2f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
