"""The tray icon in an XEmbed-only tray (trayer), the fallback for panels without StatusNotifierItem hosts."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.helpers.x11.rig import Keyvox, wait_until, wer
from tests.helpers.x11.traykit import Trayer, count_near, pixels, private_home, screenshot

pytestmark = pytest.mark.slow

pytest.importorskip("PySide6", reason="the tray needs keyvox[gui] (PySide6-Essentials)")

CONFIG = """
version = 1
[output]
method = "type"
[gui]
tray = true
overlay = false
"""
TRAY_BAND = (824, 0, 200, 32)
"""Where trayer sits: top edge, right-aligned, 200 x 32 px (see traykit.Trayer)."""
IDLE_GREY, RECORDING_RED = "#5f6368", "#d93025"


def test_icon_docks_in_an_xembed_tray_and_follows_the_state(desktop, window, tmp_path, manifest):
    missing = [tool for tool in ("trayer", "import", "convert") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (install them with scripts/test.sh)")
    # No session bus at all: Qt cannot find a StatusNotifierWatcher and must dock through XEmbed.
    env = {**desktop.env, **private_home(tmp_path)}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    tray = Trayer(tmp_path, env)
    keyvox = Keyvox(tmp_path, env, CONFIG, name="xembed")
    try:
        keyvox.wait_for(r"^Ready: hold Right Ctrl", 180)
        desktop.window.focus()
        wait_until(
            lambda: (
                count_near(pixels(screenshot(env, tmp_path / "idle.png"), TRAY_BAND), IDLE_GREY, 20) >= 30
            ),
            20,
            0.5,
            "the idle icon in trayer",
        )
        row = next(r for r in manifest if r["audio"].endswith("arctic_a0009.wav"))
        mark = keyvox.mark()
        desktop.key("down")
        keyvox.wait_for(r"^\[recording\]", 10, since=mark)
        time.sleep(0.3)  # the icon is redrawn on the GUI thread
        shot = screenshot(env, tmp_path / "recording.png")
        desktop.pulse.play(row["path"])
        desktop.key("up")
        typed = window.wait_for_text()
        red = count_near(pixels(shot, TRAY_BAND), RECORDING_RED, 20)
        assert red >= 30, f"no red recording icon in trayer ({red} pixels); see {shot}"
        assert wer(row["text"], typed) <= 0.2, typed
    finally:
        code = keyvox.stop()
        tray.stop()
    assert code == 0, keyvox.output()
