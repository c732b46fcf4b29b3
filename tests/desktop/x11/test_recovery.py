"""The audio server dies in the middle of a recording: keyvox reports it, survives, and recovers."""

from __future__ import annotations

import time

import pytest

from tests.helpers.x11.rig import wer

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[output]
method = "type"
"""


def test_audio_server_killed_mid_recording(desktop, window, manifest):
    keyvox = desktop.start_keyvox(CONFIG, name="recovery")
    try:
        keyvox.wait_for(r"^Ready:", 120)
        mark = keyvox.mark()
        desktop.key("down")
        keyvox.wait_for(r"^\[recording\]", 10, since=mark)
        time.sleep(0.5)
        desktop.pulse.kill()
        keyvox.wait_for(r"^keyvox: error: microphone stopped", 10, since=mark)
        time.sleep(0.5)
        noise = [line for line in keyvox.output().splitlines()[mark:] if "alsa" in line.lower()]
        assert noise == [], noise  # PortAudio's own complaints are filtered; keyvox said it in one line
        desktop.key("up")
        assert keyvox.process.poll() is None, keyvox.output()

        desktop.pulse.start()
        keyvox.wait_for(r"^keyvox: microphone is back", 20, since=mark)
        time.sleep(0.5)
        row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))
        desktop.dictate(keyvox, row["path"])
        typed = window.wait_for_text()
        assert wer(row["text"], typed) <= 0.2, (typed, keyvox.output())
    finally:
        assert keyvox.stop() == 0, keyvox.output()
