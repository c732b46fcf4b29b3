"""The GUI's inbox carries the daemon's news to the Qt thread, for hours, without hurting the interpreter.

Qt's own ``Signal.emit`` from Python (PySide6 6.12) lost a reference to ``True`` on every call, and Python
3.11 aborted after a few thousand: the input level alone arrives 31 times a second. This test posts more
letters than that from another thread, as the audio callback does, and checks every one arrives and the
interpreter's ``True`` keeps its references.
"""

from __future__ import annotations

import sys
import threading
import time

import pytest

pytest.importorskip("PySide6", reason="the GUI needs keyvox[gui] (PySide6-Essentials)")

from PySide6.QtWidgets import QApplication  # noqa: E402

from keyvox.gui.app import Inbox, QtPresence, Topic  # noqa: E402
from keyvox.presence import DaemonState  # noqa: E402

LETTERS = 20_000
"""An hour and more of level updates at 31 a second would be 110,000; 20,000 already killed 6.12's emit."""


@pytest.fixture(scope="module")
def app():
    return QApplication.instance() or QApplication(["keyvox-test", "-platform", "offscreen"])


def test_letters_from_another_thread_all_arrive_and_true_keeps_its_references(app):
    inbox = Inbox()
    levels, states = [], []
    inbox.connect(Topic.LEVEL, levels.append)
    inbox.connect(Topic.STATE, states.append)
    presence = QtPresence(inbox)
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
    assert sys.getrefcount(True) >= references_before - 100  # other code may drop a few; emit dropped 20,000
