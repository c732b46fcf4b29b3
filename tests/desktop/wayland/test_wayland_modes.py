"""A mode chosen by the focused window's app_id on sway (its IPC), with its style, a snippet and Enter."""

from __future__ import annotations

import pytest

from tests.desktop.wayland.test_wayland_dictation import CONFIG, clip
from tests.helpers.wayland.wayland_rig import wer

pytestmark = pytest.mark.slow

MODES = """
[snippets]
"lord but i am glad to see you again phil" = "Dear Phil,\\nsee you soon."
[[mode]]
name = "gtk"
apps = ["^keyvox-rig-window$"]
style = "code"
submit = "enter"
"""


def test_the_focused_app_id_chooses_the_mode(wayland, window, manifest):
    process = wayland.start_keyvox(CONFIG.format(method="type") + MODES, name="wayland-modes")
    try:
        process.wait_for(r"^Ready:", 180)
        row = clip(manifest, "arctic_a0009.wav")
        mark = process.mark()
        wayland.dictate(process, row["path"], row["duration_s"])
        process.wait_for(r"^\[mode\] gtk", 30, since=mark)
        _, line = process.wait_for(r"^text \(", 60, since=mark)
        transcript = line.split("): ", 1)[1]
        typed = window.wait_for_text()
        assert typed == transcript + "\n"  # every character, then the mode's Enter
        assert transcript[:1].islower() and not transcript.endswith("."), transcript  # code style
        assert wer(row["text"], transcript) <= 0.2, transcript

        window.clear()
        snippet = clip(manifest, "cmu_arctic_us_axb_a0004.wav")
        wayland.dictate(process, snippet["path"], snippet["duration_s"])
        assert window.wait_for_text() == "Dear Phil,\nsee you soon.\n"
    finally:
        assert process.stop() == 0, process.output()
