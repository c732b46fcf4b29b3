"""Dictation on Wayland end to end: sway's key bindings run `keyvox press/release/toggle`, a key held in the
compositor by wtype, real speech into the virtual microphone, the real daemon typing into the GTK window."""

from __future__ import annotations

import pytest

from tests.helpers.wayland.wayland_rig import wer

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[hotkey]
backend = "command"
[output]
method = "{method}"
"""


def clip(manifest, name: str) -> dict:
    return next(row for row in manifest if row["audio"].endswith(name))


@pytest.fixture(scope="module")
def keyvox(wayland):
    process = wayland.start_keyvox(CONFIG.format(method="type"), name="wayland-dictation")
    process.wait_for(r"^Ready: run `keyvox toggle` .*faster-whisper tiny\.en", 180)
    yield process
    assert process.stop() == 0, process.output()


def test_held_key_types_the_reference_with_its_first_character(wayland, window, keyvox, manifest):
    row = clip(manifest, "arctic_a0009.wav")
    mark = keyvox.mark()
    wayland.dictate(keyvox, row["path"], row["duration_s"])
    _, line = keyvox.wait_for(r"^text \(", 60, since=mark)
    transcript = line.split("): ", 1)[1]
    typed = window.wait_for_text()
    assert typed == transcript  # every character, the first one included
    assert wer(row["text"], typed) <= 0.2, typed


def test_binding_press_and_release_drive_one_recording(wayland, window, keyvox, manifest):
    """Sway runs `keyvox press` on the key-down and `keyvox release` on the key-up, once each (--no-repeat)."""
    row = clip(manifest, "arctic_a0008.wav")
    mark = keyvox.mark()
    wayland.dictate(keyvox, row["path"], row["duration_s"])
    keyvox.wait_for(r"^\[idle\]", 60, since=mark + 1)
    states = [line for line in keyvox.output().splitlines()[mark:] if line.startswith("[")]
    assert states == ["[recording]", "[processing]", "[idle]"], states
    assert wer(row["text"], window.wait_for_text()) <= 0.2


def test_toggle_binding_starts_and_stops(wayland, window, keyvox, manifest):
    row = clip(manifest, "cmu_arctic_us_aew_a0003.wav")
    mark = keyvox.mark()
    wayland.type_keys("-k", "F9")
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    wayland.pulse.play(row["path"])
    wayland.type_keys("-k", "F9")
    typed = window.wait_for_text()
    assert wer(row["text"], typed) <= 0.2, typed


def test_keyvox_toggle_command_as_the_user(wayland, window, keyvox, manifest):
    row = clip(manifest, "arctic_a0007.wav")
    mark = keyvox.mark()
    assert wayland.keyvox_command("toggle").returncode == 0
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    wayland.pulse.play(row["path"])
    assert wayland.keyvox_command("toggle").returncode == 0
    assert wer(row["text"], window.wait_for_text()) <= 0.2
