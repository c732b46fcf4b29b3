"""Nothing in the Wayland rig's run used X11 (this module runs after the others in its folder)."""

from __future__ import annotations

import shutil


def test_nothing_used_x11(wayland):
    """No Xwayland, no X11 client among the rig user's processes, no X socket."""
    assert shutil.which("Xwayland") is None, "Xwayland is installed: an X11 fallback could hide a failure"
    assert wayland.x11_clients() == []
    assert "DISPLAY" not in wayland.env
    assert "Failed to start Xwayland" in (wayland.workdir / "sway.log").read_text(errors="replace")
