"""The tray icon's state while the text is on its way: "transcribing" only when the text is slow.

The tray's controls stand in for the daemon (state, history, microphones): this checks the icon's
timing on Qt's offscreen platform; the real daemon and tray host are in tests/desktop/x11/test_tray_overlay.py.
"""

from __future__ import annotations

from pathlib import Path

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


def test_the_tray_pins_a_mode_from_its_menu(app):  # noqa: F811
    from keyvox.config.load import parse_config
    from keyvox.desktop.mode_picker import ModePicker
    from tests.desktop.test_mode_picker import CONFIG

    config = parse_config(CONFIG, Path("config.toml")).config
    picker = ModePicker(lambda: config.modes)

    class ModeControls(StandInControls):
        def mode_names(self):
            return picker.names()

        @property
        def pinned_mode(self):
            return picker.pinned

        def pin_mode(self, name):
            picker.pin(name)

    tray = Tray(ModeControls(), report=lambda *args: None)
    try:
        tray.show_mode("terminal")
        tray._refresh()
        labels = [action.text() for action in tray.mode_menu.actions()]
        assert labels == ["by key and window", "always terminal", "always spanish"]
        assert tray.mode_menu.title() == "Mode: terminal"
        tray.mode_menu.actions()[2].trigger()
        assert picker.pinned == "spanish"
        tray._refresh()
        assert [a.isChecked() for a in tray.mode_menu.actions()] == [False, False, True]
    finally:
        tray.close()
