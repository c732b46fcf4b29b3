"""Toggle mode, and the ``keyvox toggle`` command a compositor key binding runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers.x11.rig import REPO, wer

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[hotkey]
mode = "toggle"
[output]
method = "type"
"""


@pytest.fixture(scope="module")
def keyvox(desktop):
    process = desktop.start_keyvox(CONFIG, name="toggle")
    process.wait_for(r"^Ready: press Right Ctrl to start and stop dictation", 120)
    yield process
    assert process.stop() == 0, process.output()


def test_press_to_start_press_to_stop(desktop, window, keyvox, manifest):
    row = next(r for r in manifest if r["audio"].endswith("cmu_arctic_us_aew_a0003.wav"))
    mark = keyvox.mark()
    desktop.key("tap")
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    desktop.pulse.play(row["path"])
    desktop.key("tap")
    typed = window.wait_for_text()
    assert wer(row["text"], typed) <= 0.2, typed


def test_keyvox_toggle_command(desktop, window, keyvox, manifest):
    row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))

    def toggle() -> None:
        done = subprocess.run(
            [sys.executable, "-m", "keyvox", "toggle"],
            capture_output=True,
            text=True,
            timeout=30,
            env={**desktop.env, "PYTHONPATH": str(REPO)},
        )
        assert done.returncode == 0, done.stderr

    mark = keyvox.mark()
    toggle()
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    desktop.pulse.play(row["path"])
    toggle()
    typed = window.wait_for_text()
    assert wer(row["text"], typed) <= 0.2, typed
