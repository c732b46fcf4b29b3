"""What opening the microphone at key-down costs: how long from the key going down until the first audio.

With ``[audio] keep_open = false`` the stream is opened when recording starts, so whatever is said before
its first block arrives is not heard (with the stream kept open, the pre-roll holds the 0.25 s before the
key). Measured on the desktop rig's PulseAudio (tests/helpers/x11/rig.py): the real ``Recorder``, attached
and detached as the daemon does, and the time from ``attach`` to the first block it hands on.

Usage: python3 benchmarks/mic_open.py [--repeat 40] [--json benchmarks/results/mic-open.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: the rig helpers live in tests/helpers

from tests.helpers.x11.rig import Pulse  # noqa: E402


class FirstBlock:
    def __init__(self) -> None:
        self.at: float | None = None
        self.arrived = threading.Event()

    def feed(self, chunk) -> None:
        if self.at is None:
            self.at = time.perf_counter()
            self.arrived.set()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--json")
    args = parser.parse_args()
    pulse = Pulse(Path(tempfile.mkdtemp(prefix="keyvox-mic-open-")))
    os.environ.update(pulse.env)  # before PortAudio starts: it finds the server through these
    from keyvox.audio.capture import Recorder

    waits = []
    try:
        recorder = Recorder(keep_open=False)
        recorder.open()
        for _ in range(args.repeat):
            sink = FirstBlock()
            pressed = time.perf_counter()
            recorder.attach(sink)
            sink.arrived.wait(5)
            recorder.detach()
            waits.append(sink.at - pressed)
            time.sleep(0.3)
        recorder.close()
    finally:
        pulse.stop()
    ms = sorted(1000 * w for w in waits)
    summary = {
        "command": "python3 benchmarks/mic_open.py " + " ".join(sys.argv[1:]),
        "audio_server": "PulseAudio (the rig's null sink and remapped source)",
        "repeat": len(ms),
        "key_down_to_first_audio_ms": {
            "p50": round(statistics.median(ms), 1),
            "p90": round(ms[int(0.9 * (len(ms) - 1))], 1),
            "max": round(ms[-1], 1),
        },
    }
    print(json.dumps(summary, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
