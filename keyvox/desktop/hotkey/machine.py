"""Push-to-talk logic: turns key downs and ups into start / stop / cancel / reinsert actions.

Listener backends call ``key_down``/``key_up`` with canonical key names (see ``keys.py``); the
machine never blocks, it only hands actions to ``post`` (the daemon puts them on a queue).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from keyvox.config.keys import KeySpec

START, STOP, CANCEL, REINSERT = "start", "stop", "cancel", "reinsert"
PAUSE, RESUME = "pause", "resume"
"""Posted by the tray, D-Bus or ``keyvox pause|resume``; the daemon acts on them, the key logic never does."""


class PushToTalk:
    """Hold or toggle push-to-talk with autorepeat filtering, double-tap and cancel."""

    def __init__(
        self,
        spec: KeySpec,
        *,
        mode: str = "hold",
        double_tap_s: float = 0.35,
        cancel: KeySpec | None = None,
        post: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.spec = spec
        self.mode = mode
        self.double_tap_s = double_tap_s
        self.cancel_spec = cancel
        self._post = post
        self._clock = clock
        self._lock = threading.Lock()
        self._pressed: set[str] = set()
        self._combo_down = False
        self._swallow_release = False
        self._pressed_at = 0.0
        self._last_tap_at: float | None = None
        self.recording = False
        self.hotkey_up = threading.Event()
        """Set while the hotkey is not held; output waits on it so a held modifier never mixes with typing."""
        self.hotkey_up.set()

    # --- from the listener thread --------------------------------------------------------------

    def key_down(self, key: str) -> None:
        with self._lock:
            if key in self._pressed:  # autorepeat: the key never came up
                return
            self._pressed.add(key)
            if (
                self.recording
                and self.cancel_spec
                and self.cancel_spec.matches({key})
                and not self.spec.involves(key)
            ):
                self._emit(CANCEL)
                self.recording = False
                self._swallow_release = self._combo_down
                return
            if not self._combo_down and self.spec.involves(key) and self.spec.matches(self._pressed):
                self._combo_down = True
                self.hotkey_up.clear()
                self._on_press(self._clock())

    def key_up(self, key: str) -> None:
        with self._lock:
            self._pressed.discard(key)
            if self._combo_down and self.spec.involves(key) and not self.spec.matches(self._pressed):
                self._combo_down = False
                self.hotkey_up.set()
                self._on_release(self._clock())

    # --- from ``keyvox toggle|press|release`` ---------------------------------------------------

    def command(self, name: str) -> None:
        """Drive recording without a key: ``toggle``, ``press`` (start) or ``release`` (stop)."""
        with self._lock:
            if name == "toggle":
                self._emit(STOP if self.recording else START)
                self.recording = not self.recording
            elif name == "press" and not self.recording:
                self._emit(START)
                self.recording = True
            elif name == "release" and self.recording:
                self._emit(STOP)
                self.recording = False
            elif name == "cancel" and self.recording:
                self._emit(CANCEL)
                self.recording = False
            elif name in (PAUSE, RESUME):
                self.recording = False  # a recording in progress is finished by the daemon on pause
                self._emit(name)

    def stopped_by_itself(self) -> None:
        """The recording hit its length limit: the next press starts a new one (toggle mode)."""
        with self._lock:
            self.recording = False

    # --- internals -------------------------------------------------------------------------------

    def _on_press(self, now: float) -> None:
        if self.mode == "toggle":
            if not self.recording:
                self._start(now)
            elif self.double_tap_s and now - self._pressed_at <= self.double_tap_s:
                self._emit(CANCEL)  # two quick presses: not a recording, a re-insert request
                self._emit(REINSERT)
                self.recording = False
            else:
                self._emit(STOP)
                self.recording = False
            return
        if (
            self.double_tap_s
            and self._last_tap_at is not None
            and now - self._last_tap_at <= self.double_tap_s
        ):
            self._last_tap_at = None
            self._swallow_release = True
            self._emit(REINSERT)
            return
        self._start(now)

    def _on_release(self, now: float) -> None:
        if self.mode == "toggle":
            return
        if self._swallow_release:
            self._swallow_release = False
            return
        if self.recording:
            self._emit(STOP)
            self.recording = False
            tapped = now - self._pressed_at <= self.double_tap_s
            self._last_tap_at = now if tapped else None

    def _start(self, now: float) -> None:
        self._pressed_at = now
        self._emit(START)
        self.recording = True

    def _emit(self, action: str) -> None:
        self._post(action)
