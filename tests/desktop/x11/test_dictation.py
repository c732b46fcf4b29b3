"""Hold-to-talk end to end: real key presses, real speech into the virtual microphone, real typing."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.helpers.x11.rig import REPO, wait_until, wer

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[output]
method = "type"
"""


@pytest.fixture(scope="module")
def keyvox(desktop):
    process = desktop.start_keyvox(CONFIG, name="dictation")
    process.wait_for(r"^Ready: hold Right Ctrl to dictate \(faster-whisper tiny\.en int8 on cpu\)$", 120)
    yield process
    assert process.stop() == 0, process.output()


def clip(manifest, name: str) -> dict:
    return next(row for row in manifest if row["audio"].endswith(name))


def test_held_key_types_what_was_said(desktop, window, keyvox, manifest):
    row = clip(manifest, "arctic_a0009.wav")
    desktop.dictate(keyvox, row["path"])
    typed = window.wait_for_text()
    assert wer(row["text"], typed) <= 0.2, typed


def test_tap_and_silence_type_nothing(desktop, window, keyvox):
    mark = keyvox.mark()
    desktop.key("tap")
    keyvox.wait_for(r"too short .* ignored", 10, since=mark)
    time.sleep(0.5)  # a second press right away would be a double tap
    mark = keyvox.mark()
    desktop.key("down")
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    time.sleep(1.5)  # the virtual microphone carries only silence
    desktop.key("up")
    keyvox.wait_for(r"^no speech heard", 30, since=mark)
    time.sleep(0.3)
    assert window.text == ""


def test_second_utterance_right_after_the_first_arrives_in_order(desktop, window, keyvox, manifest):
    """The key goes down again the moment it came up (one xdotool call later): the first utterance may still
    be in the pipeline, or (its text ready 0.02 s after release) already typed; either way both land, in order."""
    first, second = clip(manifest, "arctic_a0009.wav"), clip(manifest, "arctic_a0008.wav")
    mark = keyvox.mark()
    desktop.dictate(keyvox, first["path"])
    desktop.dictate(keyvox, second["path"])
    window.wait_for_text(settle=0.2)
    wait_until(
        lambda: sum(line.startswith("text") for line in keyvox.output().splitlines()[mark:]) >= 2,
        60,
        what="both texts",
    )
    lines = keyvox.output().splitlines()[mark:]
    states = [line for line in lines if line.startswith("[") and line != "[idle]"]
    assert states[:4] == ["[recording]", "[processing]", "[recording]", "[processing]"], lines
    typed = window.wait_for_text(settle=1.0)
    assert typed.lower().index("sharply") < typed.lower().index("letter"), typed
    assert wer(first["text"] + " " + second["text"], typed.replace(".", ". ")) <= 0.25, typed


def test_escape_cancels_the_recording(desktop, window, keyvox, manifest):
    mark = keyvox.mark()
    desktop.key("down")
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    desktop.pulse.play(clip(manifest, "arctic_a0008.wav")["path"])
    desktop.key("tap", "esc")
    keyvox.wait_for(r"^cancelled", 10, since=mark)
    desktop.key("up")
    time.sleep(1.5)
    assert "[processing]" not in keyvox.output().splitlines()[mark:]
    assert window.text == ""


def test_double_tap_reinserts_the_last_transcript(desktop, window, keyvox, manifest):
    row = clip(manifest, "cards_005.wav")
    desktop.dictate(keyvox, row["path"])
    typed = window.wait_for_text()
    window.clear()
    desktop.key("tap")
    desktop.key("tap")
    assert window.wait_for_text() == typed


def test_second_instance_is_refused(desktop, keyvox):
    done = subprocess.run(
        [sys.executable, "-m", "keyvox", "--config", str(keyvox.config)],
        capture_output=True,
        text=True,
        timeout=30,
        env={**desktop.env, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 2
    assert done.stderr.startswith("keyvox: error: keyvox is already running"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
