"""Runs the Qt event loop on the main thread and the daemon's action loop beside it.

The daemon's observers are called from its own threads (the pipeline's worker, the audio callback, the
action loop); ``QtPresence`` turns each call into a Qt signal, which Qt queues to the GUI thread because
the receiving objects live there. Nothing on the daemon's side ever waits for the GUI.
"""

from __future__ import annotations

import signal
import socket
import threading

from PySide6.QtCore import QObject, QSocketNotifier, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from keyvox.config import GuiConfig
from keyvox.gui import qt_arguments
from keyvox.gui.controls import Controls
from keyvox.presence import DaemonState, Notice, Observer

JOIN_TIMEOUT_S = 5.0
"""How long quitting waits for the action loop (it polls its queue every 0.1 s)."""


class Bridge(QObject):
    """Signals from the daemon's threads to the GUI thread (queued connections)."""

    state = Signal(object)
    level = Signal(float)
    partial = Signal(str)
    result = Signal(object)
    notice = Signal(object)
    finished = Signal()


class QtPresence(Observer):
    """The daemon's observer for the GUI: every call becomes a queued signal, so it returns at once."""

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge

    def on_state(self, state: DaemonState) -> None:
        self.bridge.state.emit(state)

    def on_level(self, rms: float) -> None:
        self.bridge.level.emit(rms)

    def on_partial(self, text: str) -> None:
        self.bridge.partial.emit(text)

    def on_result(self, result) -> None:
        self.bridge.result.emit(result)

    def on_notice(self, notice: Notice) -> None:
        self.bridge.notice.emit(notice)

    def close(self) -> None:
        self.bridge.finished.emit()


def run_gui(daemon, actions, options: GuiConfig) -> int:
    """The daemon's loop with a tray and/or overlay; returns the loop's exit status."""
    app = QApplication.instance() or QApplication(qt_arguments())
    app.setApplicationName("keyvox")
    app.setQuitOnLastWindowClosed(False)
    report = daemon.status.message
    bridge = Bridge()
    bridge.finished.connect(app.quit)
    tray = overlay = None
    if options.tray:
        from keyvox.gui.tray import Tray

        if not QSystemTrayIcon.isSystemTrayAvailable():
            report("no system tray on this desktop (neither StatusNotifierItem nor XEmbed); the icon shows "
                   "once a tray host runs")
        tray = Tray(Controls(daemon, actions), report)
        bridge.state.connect(tray.show_state)
        bridge.result.connect(tray.show_result)
        bridge.notice.connect(tray.show_notice)
    if options.overlay and app.platformName().startswith("wayland"):
        report("overlay off: a Wayland window cannot refuse the keyboard focus, and XWayland (DISPLAY) is not "
               "available; the tray still works")
    elif options.overlay:
        from keyvox.gui.overlay import Overlay

        overlay = Overlay(options.overlay_position)
        bridge.state.connect(overlay.show_state)
        bridge.level.connect(overlay.show_level)
        bridge.partial.connect(overlay.show_partial)
        bridge.result.connect(overlay.show_result)
    daemon.presence.add(QtPresence(bridge))

    status: list[int] = []

    def loop() -> None:
        try:
            status.append(daemon.loop(actions))
        finally:
            bridge.finished.emit()

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
