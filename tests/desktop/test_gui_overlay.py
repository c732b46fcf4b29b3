"""The overlay's behaviour with a real Qt (its offscreen platform, so no display is needed)."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("PySide6", reason="the overlay needs keyvox[gui] (PySide6-Essentials)")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from keyvox.core.utterance import UtteranceResult
from keyvox.desktop.gui.overlay import PARTIAL_EVERY_S, Overlay
from keyvox.vocabulary import DaemonState


@pytest.fixture(scope="module")
def app():
    # -platform, not QT_QPA_PLATFORM: the environment would reach the rig's keyvox processes too.
    return QApplication.instance() or QApplication(["keyvox-test", "-platform", "offscreen"])


def run_events(app, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def test_overlay_cannot_take_the_focus(app):
    overlay = Overlay("bottom-center")
    flags = overlay.windowFlags()
    assert flags & Qt.WindowType.WindowDoesNotAcceptFocus
    assert flags & Qt.WindowType.WindowTransparentForInput
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert overlay.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_live_words_are_redrawn_at_most_every_half_second(app):
    overlay = Overlay("top-right")
    overlay.show_state(DaemonState.RECORDING)
    assert overlay.isVisible() and overlay.windowTitle() == "keyvox overlay"
    shown: list[tuple[float, str]] = []
    started = time.monotonic()
    for n in range(1, 13):  # a new guess every 0.1 s for 1.2 s
        overlay.show_partial(" ".join(["word"] * n))
        run_events(app, 0.1)
        if not shown or overlay.text != shown[-1][1]:
            shown.append((time.monotonic(), overlay.text))
    run_events(app, PARTIAL_EVERY_S + 0.1)
    if overlay.text != shown[-1][1]:
        shown.append((time.monotonic(), overlay.text))
    gaps = [b[0] - a[0] for a, b in zip(shown, shown[1:])]
    assert len(shown) <= 1 + (time.monotonic() - started) / PARTIAL_EVERY_S, shown
    assert all(gap >= PARTIAL_EVERY_S - 0.12 for gap in gaps), gaps  # one event-loop slice of slack
    assert overlay.text == " ".join(["word"] * 12)  # the latest guess is never lost
    assert overlay.windowTitle() == "keyvox overlay: " + overlay.text
    assert overlay.accessibleDescription() == overlay.text


def test_shows_the_final_text_then_hides_and_a_cancel_hides_at_once(app):
    overlay = Overlay("bottom-left")
    overlay.show_state(DaemonState.RECORDING)
    overlay.show_partial("hello")
    overlay.show_state(DaemonState.PROCESSING)
    overlay.show_partial("late step after release")  # ignored: the final text is on its way
    overlay.show_result(UtteranceResult("Hello there.", None, 1.0, 0.0))
    overlay.show_state(DaemonState.IDLE)
    assert overlay.isVisible() and overlay.text == "Hello there."
    run_events(app, 0.5)
    assert not overlay.isVisible()

    overlay.show_state(DaemonState.RECORDING)
    assert overlay.isVisible() and overlay.text == ""
    overlay.show_state(DaemonState.IDLE)  # cancelled or too short
    assert not overlay.isVisible()


def test_nothing_is_drawn_between_release_and_delivery(app):
    painted = []

    class WatchedOverlay(Overlay):
        def paintEvent(self, event) -> None:
            painted.append(self.state)
            super().paintEvent(event)

    overlay = WatchedOverlay("bottom-left")
    overlay.show_state(DaemonState.RECORDING)
    overlay.show_level(0.1)
    overlay.show_partial("hello")
    run_events(app, 0.3)
    assert painted  # the level and the words are drawn while the key is held
    painted.clear()
    overlay.show_state(DaemonState.PROCESSING)  # released: the decode and the typing come first
    overlay.show_level(0.2)
    overlay.show_partial("late step after release")
    run_events(app, 0.7)
    assert painted == []
    overlay.show_result(UtteranceResult("Hello there.", None, 1.0, 0.0))
    run_events(app, 0.1)
    assert painted and overlay.text == "Hello there."


def test_the_mode_and_a_language_other_than_english_are_shown(app):
    from keyvox.desktop.gui.tray import Tray
    from keyvox.engines.base import Transcription
    from tests.desktop.test_gui_tray_state import StandInControls

    overlay = Overlay("bottom-left")
    overlay.show_mode("spanish")
    overlay.show_state(DaemonState.RECORDING)
    overlay.show_state(DaemonState.PROCESSING)
    heard = UtteranceResult("Hola.", Transcription("hola", "es", 1.0), 1.0, 0.0)
    overlay.show_result(heard)
    assert overlay.text == "[es] Hola." and overlay.mode == "spanish"
    overlay.show_result(UtteranceResult("Hello.", Transcription("hello", "en", 1.0), 1.0, 0.0))
    assert overlay.text == "Hello."  # English, the unmarked default, goes without a tag
    overlay.close()

    class MultilingualControls(StandInControls):
        language = "auto"

    tray = Tray(MultilingualControls(), report=lambda *args: None)
    try:
        tray.show_result(heard)
        tray._refresh()
        assert tray.language_menu.title() == "Language (last heard: es)"
    finally:
        tray.close()


def test_a_slow_clean_up_is_shown_until_the_text_comes(app):
    overlay = Overlay("bottom-left")
    overlay.show_state(DaemonState.RECORDING)
    overlay.show_partial("hello")
    overlay.show_cleaning(True)  # a stray report while recording changes nothing
    assert overlay.text != "Cleaning…"
    overlay.show_state(DaemonState.PROCESSING)
    overlay.show_cleaning(True)  # the step reports only after 300 ms (keyvox/core/cleanup_step.py)
    assert overlay.text == "Cleaning…" and overlay.accessibleDescription() == "Cleaning…"
    overlay.show_cleaning(False)
    overlay.show_result(UtteranceResult("Hello there.", None, 1.0, 0.0))
    assert overlay.text == "Hello there."
    overlay.close()
