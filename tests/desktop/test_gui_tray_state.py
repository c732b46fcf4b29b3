"""The tray icon's state while the text is on its way: "transcribing" only when the text is slow.

The tray's controls stand in for the daemon (state, history, microphones): this checks the icon's
timing on Qt's offscreen platform; the real daemon and tray host are in tests/desktop/x11/test_tray_overlay.py.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from keyvox.desktop.gui.tray import TRANSCRIBING_SHOWN_AFTER_MS, Tray
from keyvox.vocabulary import DaemonState
from tests.desktop.test_gui_overlay import app, run_events  # noqa: F401  (the QApplication fixture)


class StandInControls:
    state = DaemonState.IDLE
    autostart_available = False
    language = "en"

    def __getattr__(self, name):
        return lambda *args: []


def test_transcribing_is_shown_only_when_the_text_is_slow(app):  # noqa: F811
    tray = Tray(StandInControls(), report=lambda *args: None)
    tray.show_state(DaemonState.RECORDING)
    assert tray.icon.toolTip() == "keyvox: recording"
    tray.show_state(DaemonState.PROCESSING)
    run_events(app, TRANSCRIBING_SHOWN_AFTER_MS / 2000)
    tray.show_state(DaemonState.IDLE)  # delivered quickly: the icon never showed "transcribing"
    run_events(app, TRANSCRIBING_SHOWN_AFTER_MS / 1000 + 0.1)
    assert tray.icon.toolTip() == "keyvox: idle"

    tray.show_state(DaemonState.RECORDING)
    tray.show_state(DaemonState.PROCESSING)
    assert tray.icon.toolTip() == "keyvox: recording"  # not yet
    run_events(app, TRANSCRIBING_SHOWN_AFTER_MS / 1000 + 0.1)
    assert tray.icon.toolTip() == "keyvox: transcribing"
    tray.close()
