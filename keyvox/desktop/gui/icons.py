"""The tray's state icons, drawn at start-up (no image files to ship): a coloured disc with a glyph.

Colour tells the state at a glance, the glyph tells it without colour: a microphone (idle, recording),
three dots (transcribing), two bars (paused), an exclamation mark (error).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap

from keyvox.vocabulary import DaemonState

SIZES = (16, 22, 24, 32, 48, 64)
"""Panels ask for 16-24 px, HiDPI panels twice that; each size is drawn, never scaled."""
COLOURS = {
    DaemonState.IDLE: "#5f6368",
    DaemonState.RECORDING: "#d93025",
    DaemonState.PROCESSING: "#e8a600",
    DaemonState.PAUSED: "#9aa0a6",
    DaemonState.ERROR: "#8b0000",
}
GLYPHS = {
    DaemonState.IDLE: "microphone",
    DaemonState.RECORDING: "microphone",
    DaemonState.PROCESSING: "dots",
    DaemonState.PAUSED: "bars",
    DaemonState.ERROR: "exclamation",
}


def state_icon(state: DaemonState) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(_draw(state, size))
    return icon


def _draw(state: DaemonState, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 64, size / 64)  # drawn on a 64-unit grid
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(COLOURS[state]))
    painter.drawEllipse(QRectF(2, 2, 60, 60))
    white = QColor("white")
    painter.setBrush(white)
    glyph = GLYPHS[state]
    if glyph == "microphone":
        painter.drawRoundedRect(QRectF(25, 12, 14, 26), 7, 7)
        pen = QPen(white, 4)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawArc(QRectF(19, 20, 26, 24), 180 * 16, 180 * 16)
        painter.drawLine(32, 44, 32, 51)
    elif glyph == "dots":
        for x in (16, 32, 48):
            painter.drawEllipse(QRectF(x - 5, 27, 10, 10))
    elif glyph == "bars":
        painter.drawRect(QRectF(21, 17, 8, 30))
        painter.drawRect(QRectF(35, 17, 8, 30))
    else:
        painter.drawRect(QRectF(28, 13, 8, 26))
        painter.drawEllipse(QRectF(28, 43, 8, 8))
    painter.end()
    return pixmap
