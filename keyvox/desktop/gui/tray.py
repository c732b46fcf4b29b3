"""The tray icon: the daemon's state at a glance, and a menu of what a user wants without a terminal.

Qt's ``QSystemTrayIcon`` registers a StatusNotifierItem over D-Bus (menu exported as
com.canonical.dbusmenu) when a tray host offers one, else docks in an XEmbed tray; on Windows and macOS
it is the native tray. A left click starts or stops dictation, as the key does in toggle mode.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QAction, QActionGroup, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from keyvox.desktop.gui.controls import LANGUAGES, Controls
from keyvox.desktop.gui.icons import state_icon
from keyvox.errors import KeyvoxError, error_line
from keyvox.vocabulary import DaemonState, Notice

log = logging.getLogger(__name__)

RECENT_LABEL_CHARS = 60
"""History entries longer than this are shortened in the menu (the whole text is copied)."""
TRANSCRIBING_SHOWN_AFTER_MS = 300
"""The icon turns to "transcribing" only when the text has not arrived this long after release: most
texts come sooner (rig median 0.1-0.2 s), and drawing an icon at release delayed 10 of 15 by 5-50 ms."""
TOOLTIPS = {
    DaemonState.IDLE: "idle",
    DaemonState.RECORDING: "recording",
    DaemonState.PROCESSING: "transcribing",
    DaemonState.PAUSED: "paused",
    DaemonState.ERROR: "error",
}


class Tray:
    """Lives on the GUI thread; the inbox (keyvox/desktop/gui/app.py) calls ``show_state`` and friends."""

    def __init__(self, controls: Controls, report) -> None:
        self.controls = controls
        self.report = report
        self.state = DaemonState.IDLE
        self.mode: str | None = None
        self.heard: str | None = None
        """The language the last utterance was heard in."""
        self._icons = {state: state_icon(state) for state in DaemonState}
        self.icon = QSystemTrayIcon(self._icons[self.state])
        self.menu = QMenu()
        self._build_menu()
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self._transcribing = QTimer(singleShot=True, interval=TRANSCRIBING_SHOWN_AFTER_MS)
        self._transcribing.timeout.connect(lambda: self._draw_state(DaemonState.PROCESSING))
        self.show_state(controls.state)
        self.icon.show()

    # --- from the daemon (via the inbox) -------------------------------------------------------

    def show_state(self, state: DaemonState, detail: str = "") -> None:
        if state is DaemonState.ERROR and not detail and self.state is DaemonState.ERROR:
            return  # the daemon's error state after the result or notice that said what went wrong
        self.state = state
        if state == DaemonState.PROCESSING and not detail:
            self._transcribing.start()  # drawn only if the text is slow to come (see TRANSCRIBING_SHOWN_AFTER_MS)
            return
        self._transcribing.stop()
        self._draw_state(state, detail)

    def _draw_state(self, state: DaemonState, detail: str = "") -> None:
        self.icon.setIcon(self._icons[state])
        words = TOOLTIPS[state] + (f": {detail}" if detail else "")
        self.icon.setToolTip(f"keyvox: {words}")
        self.status_item.setText(f"keyvox: {words}")
        self.pause_item.setText("Resume dictation" if state == DaemonState.PAUSED else "Pause dictation")

    def show_mode(self, mode: str | None) -> None:
        """The last recording's mode: the Mode menu's title says it."""
        self.mode = mode

    def show_result(self, result) -> None:
        if result.raw is not None and result.raw.language:
            self.heard = result.raw.language  # the Language menu's title says it
        if result.error:
            self.show_state(DaemonState.ERROR, result.error)

    def show_notice(self, notice: Notice) -> None:
        if notice.kind.is_trouble:
            self.show_state(DaemonState.ERROR, notice.message)

    def close(self) -> None:
        self.icon.hide()

    # --- menu -------------------------------------------------------------------------------------

    def _build_menu(self) -> None:
        menu = self.menu
        self.status_item = menu.addAction("keyvox")
        self.status_item.setEnabled(False)
        menu.addSeparator()
        self.pause_item = menu.addAction("Pause dictation", self._toggle_pause)
        menu.addAction("Re-insert last text", self.controls.reinsert)
        menu.addAction("Copy last text", self._copy_last)
        self.recent_menu = menu.addMenu("Recent")
        self.microphone_menu = menu.addMenu("Microphone")
        self.language_menu = menu.addMenu("Language")
        self.mode_menu = menu.addMenu("Mode")
        menu.addSeparator()
        menu.addAction("Open config file", self._open_config)
        self.autostart_item = menu.addAction("Start at login")
        self.autostart_item.setCheckable(True)
        self.autostart_item.setEnabled(self.controls.autostart_available)
        self.autostart_item.toggled.connect(self._set_autostart)
        menu.addSeparator()
        menu.addAction("Quit keyvox", self.controls.quit)
        self._refresh()
        menu.aboutToShow.connect(self._refresh)

    def _refresh(self) -> None:
        """Submenus are rebuilt each time the menu opens: history, devices and login state change outside."""
        self._fill_recent()
        self._fill_microphones()
        self._fill_languages()
        self._fill_modes()
        if self.controls.autostart_available:
            self.autostart_item.blockSignals(True)
            self.autostart_item.setChecked(self.controls.autostart_enabled())
            self.autostart_item.blockSignals(False)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        entries = self.controls.recent()
        for text in entries:
            label = text if len(text) <= RECENT_LABEL_CHARS else text[: RECENT_LABEL_CHARS - 1] + "…"
            self.recent_menu.addAction(label.replace("&", "&&"), lambda text=text: self._copy(text))
        if not entries:
            self.recent_menu.addAction("(nothing yet)").setEnabled(False)

    def _fill_microphones(self) -> None:
        self.microphone_menu.clear()
        group = QActionGroup(self.microphone_menu)
        for microphone in self.controls.microphones():
            action = QAction(
                microphone.label, self.microphone_menu, checkable=True, checked=microphone.current
            )
            action.triggered.connect(lambda _=False, wanted=microphone.wanted: self._use_microphone(wanted))
            group.addAction(action)
            self.microphone_menu.addAction(action)

    def _fill_languages(self) -> None:
        self.language_menu.clear()
        current = self.controls.language
        self.language_menu.setEnabled(current is not None)
        if current is None:
            self.language_menu.setTitle("Language (fixed by this model)")
            return
        heard = f" (last heard: {self.heard})" if self.heard else ""
        self.language_menu.setTitle(f"Language{heard}")
        group = QActionGroup(self.language_menu)
        for code in dict.fromkeys((current, *LANGUAGES)):
            action = QAction(
                "detect" if code == "auto" else code,
                self.language_menu,
                checkable=True,
                checked=code == current,
            )
            action.triggered.connect(lambda _=False, code=code: self._set_language(code))
            group.addAction(action)
            self.language_menu.addAction(action)

    def _fill_modes(self) -> None:
        self.mode_menu.clear()
        names = self.controls.mode_names()
        self.mode_menu.setEnabled(bool(names))
        if not names:
            self.mode_menu.setTitle("Mode (none configured)")
            return
        self.mode_menu.setTitle("Mode" + (f": {self.mode}" if self.mode else ""))
        group = QActionGroup(self.mode_menu)
        pinned = self.controls.pinned_mode
        for name in (None, *names):
            label = "by key and window" if name is None else f"always {name}"
            action = QAction(label, self.mode_menu, checkable=True, checked=name == pinned)
            action.triggered.connect(lambda _=False, name=name: self.controls.pin_mode(name))
            group.addAction(action)
            self.mode_menu.addAction(action)

    # --- actions ----------------------------------------------------------------------------------

    def _toggle_pause(self) -> None:
        if self.controls.paused:
            self.controls.resume()
        else:
            self.controls.pause()

    def _activated(self, reason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.controls.toggle()

    def _copy_last(self) -> None:
        text = self.controls.last_text
        if text:
            self._copy(text)
        else:
            self.report("nothing to copy yet")

    def _copy(self, text: str) -> None:
        QGuiApplication.clipboard().setText(
            text.strip()
        )  # the space smart spacing typed before it is not wanted

    def _use_microphone(self, wanted) -> None:
        try:
            self.controls.use_microphone(wanted)
        except KeyvoxError as exc:
            self.report(error_line(exc))

    def _set_language(self, code: str) -> None:
        try:
            self.controls.set_language(code)
        except KeyvoxError as exc:
            self.report(error_line(exc))

    def _open_config(self) -> None:
        try:
            path = self.controls.config_file()
        except Exception as exc:  # a read-only config folder: say so, keep running
            self.report(error_line(f"cannot create the config file ({exc})"))
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.report(f"config file: {path} (no program to open it was found)")

    def _set_autostart(self, on: bool) -> None:
        try:
            self.controls.set_autostart(on)
        except Exception as exc:
            self.report(error_line(f"start at login not changed ({exc})"))
