"""What the daemon shows while it runs: a compact live status line and messages (sounds: keyvox/desktop/sounds.py)."""

from __future__ import annotations

import sys
import threading

from keyvox.core.presence import Observer
from keyvox.vocabulary import DaemonState

STATE_SYMBOLS = {
    DaemonState.IDLE: "·",
    DaemonState.RECORDING: "●",
    DaemonState.PROCESSING: "…",
    DaemonState.PAUSED: "‖",
    DaemonState.ERROR: "✕",
}
"""One character per state: the live status line and the panels (``keyvox status``) show these."""


class StatusLine(Observer):
    """On a terminal, one line rewritten in place; otherwise one line per state change (logs, tests)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._lock = threading.Lock()
        self._state: DaemonState | None = None

    def on_state(self, state: DaemonState) -> None:
        with self._lock:
            if state is self._state:
                return
            self._state = state
            if self.live:
                self.stream.write(f"\r\033[K{_shown(state)}")
            else:
                self.stream.write(f"[{state.value}]\n")
            self.stream.flush()

    def on_mode(self, mode: str | None) -> None:
        if mode is not None:
            self.message(f"[mode] {mode}")

    def close(self) -> None:
        """Leave the terminal on a clean line."""
        with self._lock:
            if self.live and self._state is not None:
                self.stream.write("\r\033[K")
                self.stream.flush()
            self._state = None

    def message(self, line: str, *, error: bool = False) -> None:
        """A permanent line (transcript, warning); the live status line is redrawn under it."""
        with self._lock:
            target = sys.stderr if error else self.stream
            if self.live:
                self.stream.write("\r\033[K")
                self.stream.flush()
            print(line, file=target, flush=True)
            if self.live and self._state is not None:
                self.stream.write(_shown(self._state))
                self.stream.flush()


def _shown(state: DaemonState) -> str:
    return f"{STATE_SYMBOLS[state]} {state.value}"
