"""The overlay: a small always-on-top window showing recording, the input level and the words so far.

It must never take the keyboard focus (the text goes to the window the user is typing in), so it is a
frameless tool window that does not accept focus, is shown without activation, lets clicks through, and
on X11 bypasses the window manager. Its current words are also its window title (``WM_NAME``) and
accessible description, so scripts and screen readers can read what it shows.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QPainter
from PySide6.QtWidgets import QWidget

from keyvox.vocabulary import DaemonState

WIDTH, HEIGHT = 460, 64
MARGIN = 48
"""Distance from the screen edge; clear of a typical 24-40 px panel."""
PARTIAL_EVERY_S = 0.5
"""Live words are redrawn at most this often: faster flicker is hard to read and costs the GUI thread."""
LEVEL_EVERY_MS = 50
"""Level meter refresh while recording (20 per second); the recorder reports a level every 32 ms."""
LEVEL_FULL_SCALE = 0.2
"""RMS drawn as a full bar: normal speech into a laptop microphone peaks around 0.05-0.2."""
HIDE_AFTER_RESULT_MS = 300
"""The final words stay this long after delivery, so the eye can follow them into the window."""
TITLE = "keyvox overlay"


class Overlay(QWidget):
    def __init__(self, position: str) -> None:
        flags = (
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowDoesNotAcceptFocus
            | Qt.WindowType.WindowTransparentForInput
        )
        if QGuiApplication.platformName() == "xcb":
            flags |= Qt.WindowType.X11BypassWindowManagerHint  # no WM decoration, stacking or focus games
        super().__init__(None, flags)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFixedSize(WIDTH, HEIGHT)
        self.position = position
        self.state = DaemonState.IDLE
        self.text = ""
        self.mode: str | None = None
        self.level = 0.0
        self._shown_level = 0.0
        self._pending_text: str | None = None
        self._text_at = 0.0
        self._font = QFont()
        self._font.setPointSize(11)
        self._level_timer = QTimer(self, interval=LEVEL_EVERY_MS)
        self._level_timer.timeout.connect(self._tick_level)
        self._text_timer = QTimer(self, singleShot=True)
        self._text_timer.timeout.connect(self._apply_pending_text)
        self._hide_timer = QTimer(self, singleShot=True, interval=HIDE_AFTER_RESULT_MS)
        self._hide_timer.timeout.connect(self._hide_if_done)
        self._set_text("")

    # --- from the daemon (via the inbox) -------------------------------------------------------

    def show_state(self, state: DaemonState) -> None:
        previous, self.state = self.state, state
        if state == DaemonState.RECORDING:
            self._hide_timer.stop()
            if previous != DaemonState.RECORDING:
                self._pending_text = None
                self._set_text("")
                self.level = 0.0
            self._level_timer.start()
            self._appear()
        elif state == DaemonState.PROCESSING:
            # No repaint between release and delivery: the decode and the typing have the CPU and the X
            # server to themselves; the last frame stays until the final words are drawn.
            self._level_timer.stop()
            self._text_timer.stop()
            self._pending_text = None
            self.level = 0.0
        elif state == DaemonState.IDLE and self._hide_timer.isActive():
            return  # the delivered words stay up a moment
        else:  # idle, paused, error: a cancelled, ignored or failed recording leaves nothing to show
            self._vanish()

    def show_mode(self, mode: str | None) -> None:
        """The mode of the recording that is starting, drawn before the words (nothing for the main settings)."""
        self.mode = mode

    def show_level(self, rms: float) -> None:
        self.level = rms

    def show_partial(self, text: str) -> None:
        if self.state != DaemonState.RECORDING:
            return  # a late step after release: the final text is on its way
        wait = PARTIAL_EVERY_S - (time.monotonic() - self._text_at)
        self._pending_text = text
        if wait <= 0:
            self._apply_pending_text()
        elif not self._text_timer.isActive():
            self._text_timer.start(int(wait * 1000))

    def show_cleaning(self, active: bool) -> None:
        """The language model's clean-up is taking a while: say so until the text comes."""
        if active and self.state == DaemonState.PROCESSING:
            self._set_text("Cleaning…")

    def show_result(self, result) -> None:
        if self.state == DaemonState.RECORDING:
            return  # the next utterance is already being recorded
        if result.text:
            self._text_timer.stop()
            language = result.raw.language if result.raw is not None else None
            # The language heard, when it is not the unmarked default (a bilingual user sees the switch).
            self._set_text(f"[{language}] {result.text}" if language and language != "en" else result.text)
        self._hide_timer.start()

    # --- drawing ----------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#202124"))
        recording = self.state == DaemonState.RECORDING
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#d93025" if recording else "#e8a600"))
        painter.drawEllipse(QRectF(14, HEIGHT / 2 - 7, 14, 14))
        bar = min(1.0, self._shown_level / LEVEL_FULL_SCALE)
        painter.setBrush(QColor("#3c4043"))
        painter.drawRoundedRect(QRectF(40, HEIGHT - 12, WIDTH - 56, 4), 2, 2)
        if bar > 0:
            painter.setBrush(QColor("#81c995"))
            painter.drawRoundedRect(QRectF(40, HEIGHT - 12, (WIDTH - 56) * bar, 4), 2, 2)
        painter.setPen(QColor("#e8eaed"))
        painter.setFont(self._font)
        words = self.text or ("Listening…" if recording else "Transcribing…")
        words = f"[{self.mode}] {words}" if self.mode else words
        shown = QFontMetrics(self._font).elidedText(words, Qt.TextElideMode.ElideLeft, WIDTH - 56)
        painter.drawText(
            QRectF(40, 8, WIDTH - 56, HEIGHT - 24),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            shown,
        )
        painter.end()

    # --- internals --------------------------------------------------------------------------------

    def _apply_pending_text(self) -> None:
        if self._pending_text is not None and self.state == DaemonState.RECORDING:
            self._set_text(self._pending_text)
        self._pending_text = None

    def _set_text(self, text: str) -> None:
        self.text = text
        self._text_at = time.monotonic()
        self.setWindowTitle(f"{TITLE}: {text}" if text else TITLE)
        self.setAccessibleDescription(text)
        self.update()

    def _tick_level(self) -> None:
        if abs(self.level - self._shown_level) > 0.002:
            self._shown_level = self.level
            self.update()

    def _appear(self) -> None:
        if self.isVisible():
            return
        area = (self.screen() or QGuiApplication.primaryScreen()).availableGeometry()
        vertical, _, horizontal = self.position.partition("-")
        x = {"left": area.left() + MARGIN, "right": area.right() - MARGIN - WIDTH}.get(
            horizontal, area.center().x() - WIDTH // 2
        )
        y = area.top() + MARGIN if vertical == "top" else area.bottom() - MARGIN - HEIGHT
        self.move(x, y)
        self.show()
        self.raise_()

    def _hide_if_done(self) -> None:
        if self.state != DaemonState.RECORDING:
            self._vanish()

    def _vanish(self) -> None:
        self._level_timer.stop()
        self._text_timer.stop()
        self._hide_timer.stop()
        self._pending_text = None
        self.level = self._shown_level = 0.0
        self.hide()
