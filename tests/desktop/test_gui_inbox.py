"""The GUI's inbox carries the daemon's news to the Qt thread, for hours, without hurting the interpreter.

PySide6 6.12.0 lost a reference to ``True`` on every signal it delivered to Python (``Signal.emit``, a
QTimer's slot), and Python 3.11 aborted after a few thousand ("bool_dealloc"): a daemon with the overlay
died within minutes of dictation. These tests post more letters than that from another thread, as the
audio callback does, and fire a timer slot thousands of times, checking ``True`` keeps its references.
"""

from __future__ import annotations

import gc
import sys
import threading
import time

import pytest

pytest.importorskip("PySide6", reason="the GUI needs keyvox[gui] (PySide6-Essentials)")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from keyvox.desktop.gui.app import Inbox, QtPresence, Topic
from keyvox.vocabulary import DaemonState

LETTERS = 20_000
"""An hour and more of level updates at 31 a second would be 110,000; 20,000 already killed 6.12's emit."""
SPARE_REFERENCES = 2_000
"""Other objects in a long test session let go of ``True`` too (about 300 during this test in the whole
suite); a lost reference per delivery would be 20,000."""


@pytest.fixture(scope="module")
def app():
    return QApplication.instance() or QApplication(["keyvox-test", "-platform", "offscreen"])


def test_letters_from_another_thread_all_arrive_and_true_keeps_its_references(app):
    inbox = Inbox()
    levels, states = [], []
    inbox.connect(Topic.LEVEL, levels.append)
    inbox.connect(Topic.STATE, states.append)
    presence = QtPresence(inbox)
    gc.collect()
    references_before = sys.getrefcount(True)

    def audio_thread() -> None:
        for n in range(LETTERS):
            presence.on_level(n / LETTERS)
        presence.on_state(DaemonState.IDLE)

    sender = threading.Thread(target=audio_thread)
    sender.start()
    deadline = time.monotonic() + 60
    while (len(levels) < LETTERS or not states) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)
    sender.join()
    inbox.close()
    assert len(levels) == LETTERS and levels == sorted(levels)
    assert states == [DaemonState.IDLE]
    assert sys.getrefcount(True) >= references_before - SPARE_REFERENCES


def test_a_timer_slot_fired_thousands_of_times_keeps_true_alive(app):
    """The overlay's level bar is a QTimer slot, called 20 times a second while the key is held."""
    fired = []
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: fired.append(1))
    gc.collect()
    references_before = sys.getrefcount(True)
    timer.start()
    deadline = time.monotonic() + 60
    while len(fired) < LETTERS and time.monotonic() < deadline:
        app.processEvents()
    timer.stop()
    assert len(fired) >= LETTERS
    assert sys.getrefcount(True) >= references_before - SPARE_REFERENCES
