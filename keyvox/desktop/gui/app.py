"""Runs the Qt event loop on the main thread and the daemon's action loop beside it.

The daemon's observers are called from its own threads (the pipeline's worker, the audio callback, the
action loop); ``QtPresence`` puts each call in the ``Inbox``, whose socket wakes Qt's loop, and the GUI
thread hands it to the tray and the overlay. Nothing on the daemon's side ever waits for the GUI.

No Qt signals cross from the daemon's threads: the inbox needs no ``emit``, so a PySide6 release that
mishandles signal delivery (6.12.0 aborts Python 3.11 with "bool_dealloc"; docs/decisions.md) cannot
stop dictation.
"""

from __future__ import annotations

import queue
import signal
import socket
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from keyvox.config.schema import GuiConfig
from keyvox.core.presence import Observer
from keyvox.desktop.gui.controls import DaemonLink
from keyvox.desktop.gui.qt_platform import qt_arguments
from keyvox.vocabulary import DaemonState, Notice

JOIN_TIMEOUT_S = 5.0
"""How long quitting waits for the action loop (it polls its queue every 0.1 s)."""


class Topic(Enum):
    STATE = "state"
    LEVEL = "level"
    PARTIAL = "partial"
    CLEANING = "cleaning"
    MODE = "mode"
    RESULT = "result"
    NOTICE = "notice"
    FINISHED = "finished"


@dataclass(frozen=True)
class Letter:
    topic: Topic
    value: Any = None


class Inbox:
    """Messages from the daemon's threads to the GUI thread: a queue, and a socket byte that wakes Qt."""

    def __init__(self) -> None:
        self._letters: queue.SimpleQueue[Letter] = queue.SimpleQueue()
        self._handlers: dict[Topic, list[Callable[..., None]]] = defaultdict(list)
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._deliver)

    def connect(self, topic: Topic, handler: Callable[..., None]) -> None:
        """``handler`` runs on the GUI thread for each letter of ``topic`` (with its value, if any)."""
        self._handlers[topic].append(handler)

    def post(self, topic: Topic, value: Any = None) -> None:
        """From any thread; never blocks."""
        self._letters.put(Letter(topic, value))
        try:
            self._write.send(b"\0")
        except (BlockingIOError, OSError):  # the socket is full (Qt will drain it) or already closed
            pass

    def _deliver(self) -> None:
        try:
            while self._read.recv(4096):
                pass
        except (BlockingIOError, OSError):
            pass
        while True:
            try:
                letter = self._letters.get_nowait()
            except queue.Empty:
                return
            for handler in self._handlers[letter.topic]:
                if letter.topic is Topic.FINISHED:
                    handler()
                else:
                    handler(letter.value)

    def close(self) -> None:
        self._notifier.setEnabled(False)
        self._read.close()
        self._write.close()


class QtPresence(Observer):
    """The daemon's observer for the GUI: every call becomes a letter in the inbox, so it returns at once."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    def on_state(self, state: DaemonState) -> None:
        self.inbox.post(Topic.STATE, state)

    def on_level(self, rms: float) -> None:
        self.inbox.post(Topic.LEVEL, rms)

    def on_partial(self, text: str) -> None:
        self.inbox.post(Topic.PARTIAL, text)

    def on_mode(self, mode: str | None) -> None:
        self.inbox.post(Topic.MODE, mode)

    def on_cleaning(self, active: bool) -> None:
        self.inbox.post(Topic.CLEANING, active)

    def on_result(self, result) -> None:
        self.inbox.post(Topic.RESULT, result)

    def on_notice(self, notice: Notice) -> None:
        self.inbox.post(Topic.NOTICE, notice)

    def close(self) -> None:
        self.inbox.post(Topic.FINISHED)


def run_gui(daemon: DaemonLink, options: GuiConfig) -> int:
    """The daemon's loop with a tray and/or overlay; returns the loop's exit status."""
    app = QApplication.instance() or QApplication(qt_arguments())
    app.setApplicationName("keyvox")
    app.setQuitOnLastWindowClosed(False)
    report = daemon.report
    inbox = Inbox()
    inbox.connect(Topic.FINISHED, app.quit)
    tray = overlay = None
    if options.tray:
        from keyvox.desktop.gui.tray import Tray

        if not QSystemTrayIcon.isSystemTrayAvailable():
            report(
                "no system tray on this desktop (neither StatusNotifierItem nor XEmbed); the icon shows "
                "once a tray host runs"
            )
        tray = Tray(daemon.controls, report)
        inbox.connect(Topic.STATE, tray.show_state)
        inbox.connect(Topic.RESULT, tray.show_result)
        inbox.connect(Topic.NOTICE, tray.show_notice)
        inbox.connect(Topic.MODE, tray.show_mode)
    if options.overlay and app.platformName().startswith("wayland"):
        report(
            "overlay off: a Wayland window cannot refuse the keyboard focus, and XWayland (DISPLAY) is not "
            "available; the tray still works"
        )
    elif options.overlay:
        from keyvox.desktop.gui.overlay import Overlay

        overlay = Overlay(options.overlay_position)
        inbox.connect(Topic.STATE, overlay.show_state)
        inbox.connect(Topic.LEVEL, overlay.show_level)
        inbox.connect(Topic.PARTIAL, overlay.show_partial)
        inbox.connect(Topic.CLEANING, overlay.show_cleaning)
        inbox.connect(Topic.RESULT, overlay.show_result)
        inbox.connect(Topic.MODE, overlay.show_mode)
    daemon.watch(QtPresence(inbox))

    status: list[int] = []

    def loop() -> None:
        try:
            status.append(daemon.loop())
        finally:
            inbox.post(Topic.FINISHED)

    wakeup = _SignalWakeup()
    worker = threading.Thread(target=loop, name="keyvox-actions", daemon=True)
    worker.start()
    try:
        app.exec()
    finally:
        daemon.request_stop()
        worker.join(JOIN_TIMEOUT_S)
        if tray is not None:
            tray.close()
        if overlay is not None:
            overlay.close()
        wakeup.close()
        inbox.close()
    return status[0] if status else 0


class _SignalWakeup:
    """Ctrl+C and SIGTERM (handled by ``GuiLauncher.run``) must also wake Qt's C++ loop: Python runs signal
    handlers only between bytecodes, so the C-level handler writes to a socket that Qt watches, Qt wakes
    and the Python handler runs. No polling timer: idle stays idle."""

    def __init__(self) -> None:
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)

    def _drain(self) -> None:
        try:
            self._read.recv(64)
        except OSError:
            pass

    def close(self) -> None:
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._read.close()
        self._write.close()
