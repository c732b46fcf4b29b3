"""What modes cost outside release → text: choosing the mode at key-down, and a mode's own model in memory.

Starts the X11 rig (Xvfb and its Tk window), then times ``ModePicker.pick`` with a mode chosen by
application (it reads the focused window's WM_CLASS and title, as the daemon does at key-down), and
measures the resident memory of this process with tiny.en loaded, then with multilingual base beside it
(a mode's ``model = "base"``), each warmed once.

Usage: python3 benchmarks/modes_cost.py [--picks 50] [--json benchmarks/results/modes-cost.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers.x11.rig import Desktop  # noqa: E402

CONFIG = """
version = 1
[[mode]]
name = "terminal"
apps = ["^xterm$"]
[[mode]]
name = "editor"
apps = ["^Tk$"]
"""


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    from keyvox.config.load import parse_config
    from keyvox.config.schema import Config
    from keyvox.desktop.mode_picker import ModePicker
    from keyvox.engines.factory import create_transcriber
    from keyvox.platform.session import Session

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--picks", type=int, default=50)
    parser.add_argument("--json", default=str(REPO / "benchmarks" / "results" / "modes-cost.json"))
    args = parser.parse_args()

    desktop = Desktop(Path(tempfile.mkdtemp(prefix="keyvox-modes-cost-")))
    try:
        os.environ.update(desktop.env)
        modes = parse_config(CONFIG, Path("config.toml")).config.modes
        picker = ModePicker(lambda: modes, session=Session.X11)
        assert picker.pick().name == "editor", "the rig's Tk window should get the editor mode"
        times = []
        for _ in range(args.picks):
            started = time.perf_counter()
            picker.pick()
            times.append(time.perf_counter() - started)
    finally:
        desktop.stop()
    before = rss_mb()
    main_model = create_transcriber(Config())
    with_main = rss_mb()
    base = Config()
    base.model.name, base.model.language = "base", "es"
    mode_model = create_transcriber(base, announce=lambda line: None)
    with_both = rss_mb()
    result = {
        "command": "python3 benchmarks/modes_cost.py " + " ".join(sys.argv[1:]),
        "pick_at_key_down_ms": {
            "p50": round(statistics.median(times) * 1000, 1),
            "p90": round(sorted(times)[int(0.9 * len(times))] * 1000, 1),
            "picks": len(times),
        },
        "rss_mb": {
            "before_models": round(before),
            "with_main_model": round(with_main),
            "with_mode_model_too": round(with_both),
            "main_model": main_model.description,
            "mode_model": mode_model.description,
        },
    }
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
