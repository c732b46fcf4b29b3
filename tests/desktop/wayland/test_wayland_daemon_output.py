"""The daemon's other Wayland outputs: a paste that gives the user's clipboard back, and accented text."""

from __future__ import annotations

import pytest

from tests.desktop.wayland.test_wayland_dictation import CONFIG, clip
from tests.helpers.wayland.wayland_rig import wer

pytestmark = pytest.mark.slow


def test_paste_method_restores_the_clipboard(wayland, window, manifest):
    row = clip(manifest, "arctic_a0007.wav")
    process = wayland.start_keyvox(CONFIG.format(method="clipboard-restore"), name="wayland-paste")
    try:
        process.wait_for(r"^Ready:", 180)
        mine = "the user's own clipboard — keep me ✓".encode()
        wayland.clipboard(mine)
        wayland.dictate(process, row["path"], row["duration_s"])
        process.wait_for(r"^text \(", 60)
        pasted = window.wait_for_text()
    finally:
        assert process.stop() == 0, process.output()
    assert wer(row["text"], pasted) <= 0.2, pasted
    assert wayland.clipboard() == mine


def test_accented_text_arrives_intact(wayland, window, manifest):
    row = clip(manifest, "picovoice_leopard_test_fr.wav")
    config = CONFIG.format(method="type") + '[model]\nname = "base"\nlanguage = "fr"\n'
    process = wayland.start_keyvox(config, name="wayland-unicode")
    try:
        process.wait_for(r"^Ready: .*faster-whisper base", 180)
        wayland.dictate(process, row["path"], row["duration_s"])
        _, line = process.wait_for(r"^text \(", 90)
        transcript = line.split("): ", 1)[1]
        typed = window.wait_for_text()
    finally:
        assert process.stop() == 0, process.output()
    assert "forêt" in transcript, transcript
    assert typed == transcript
