"""The selection for voice commands on the sway rig: the GTK window's highlighted words come from the Wayland
primary selection (no Ctrl+C, the clipboard untouched)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_the_highlighted_words_are_read_from_the_primary_selection(wayland, window, as_client):
    from keyvox.desktop.selection import DesktopSelection
    from keyvox.platform.session import Session

    wayland.type_keys("select the last words")
    assert window.wait_for_text() == "select the last words"
    mine = wayland.clipboard(b"the user's clipboard")
    wayland.type_keys("-M", "ctrl", "-M", "shift", "-k", "Left", "-k", "Left", "-m", "shift", "-m", "ctrl")
    assert DesktopSelection(Session.WAYLAND).read() == "last words"
    wayland.type_keys("-k", "End")
    assert not DesktopSelection(Session.WAYLAND).read()
    assert wayland.clipboard() == mine
    assert window.text == "select the last words"


def test_capitalize_that_on_sway_replaces_the_selection_and_keeps_the_clipboard(wayland, window, tmp_path):
    """The whole command on Wayland, from a compositor binding (``keyvox command`` / ``release``)."""
    import shutil
    import subprocess

    from tests.desktop.wayland.test_wayland_dictation import CONFIG

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/test.sh installs it)")
    clip = tmp_path / "capitalize.wav"
    subprocess.run(["espeak-ng", "-s", "140", "-w", str(clip), "capitalize that"], check=True, timeout=30)
    clip.chmod(0o644)
    process = wayland.start_keyvox(CONFIG.format(method="type"), name="wayland-commands")
    try:
        process.wait_for(r"^Ready:", 180)
        wayland.type_keys("call new york")
        assert window.wait_for_text() == "call new york"
        wayland.type_keys(
            "-M", "ctrl", "-M", "shift", "-k", "Left", "-k", "Left", "-m", "shift", "-m", "ctrl"
        )
        mine = wayland.clipboard(b"the user's clipboard")
        mark = process.mark()
        assert wayland.keyvox_command("command").returncode == 0
        process.wait_for(r"^\[recording\]", 10, since=mark)
        wayland.pulse.play(clip)
        assert wayland.keyvox_command("release").returncode == 0
        process.wait_for(r"^\[command\] .*: replaced 'new york' -> 'New York'", 60, since=mark)
        assert window.wait_for_text() == "call New York"
        assert wayland.clipboard() == mine
    finally:
        assert process.stop() == 0, process.output()
