"""Push-to-talk logic: turns key downs and ups, and the user's commands, into actions for the daemon.

Listener backends call ``key_down``/``key_up`` with canonical key names (see ``keys.py``); the control
socket, D-Bus and the tray call ``command``. The machine never blocks, it only hands actions to ``post``
(the daemon puts them on a queue).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from keyvox.config.keys import KeySpec
from keyvox.vocabulary import Command


class Action(Enum):
    """What the daemon's main loop is asked to do (posted to its queue from the listener's thread)."""

    START = "start"
    STOP = "stop"
    CANCEL = "cancel"
    """Throw the recording away (Esc while the key is held)."""
    REINSERT = "reinsert"
    """Type the last text again (double-tap, the tray)."""
    PAUSE = "pause"
    """The hotkey records nothing until resumed; the daemon acts on it, the key logic never does."""
    RESUME = "resume"
    QUIT = "quit"
    """End the action loop (the daemon posts it to itself to wake the loop; the key logic never does)."""


@dataclass(frozen=True)
class StartInMode:
    """Start recording in the named mode (its own key, or ``keyvox press --mode NAME``)."""

    mode: str


@dataclass(frozen=True)
class StartCommand:
    """Start recording a spoken command on the selection (the command key), in ``mode`` when its key
    belongs to one (None: the main settings)."""

    mode: str | None = None


Posted = Action | StartInMode | StartCommand
"""What the machine posts to the daemon's queue."""


class PushToTalk:
    """Hold or toggle push-to-talk with autorepeat filtering, double-tap and cancel."""

    def __init__(
        self,
        spec: KeySpec,
        *,
        mode: str = "hold",
        double_tap_s: float = 0.35,
        cancel: KeySpec | None = None,
        post: Callable[[Posted], None],
        clock: Callable[[], float] = time.monotonic,
        mode_keys: tuple[tuple[KeySpec, str], ...] = (),
        command_keys: tuple[tuple[KeySpec, str | None], ...] = (),
    ) -> None:
        self.main_spec = self.spec = spec
        self.mode_keys = mode_keys
        """More push-to-talk keys, each with the mode it always dictates in."""
        self.command_keys = command_keys
        """Command keys, each with the mode its commands run in (None: the main settings)."""
        self._command = False
        """The recording in progress is a command (it was started by a command key)."""
        self._mode: str | None = None
        """The mode of the key that started the recording in progress (None: the main key)."""
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
                self._emit(Action.CANCEL)
                self.recording = False
                self._swallow_release = self._combo_down
                return
            if not self._combo_down and not self.recording:
                self._pick_key(key)
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

    # --- from ``keyvox toggle|press|...``, D-Bus and the tray ---------------------------------------

    def command(self, command: Command, mode: str | None = None) -> None:
        """Drive recording without a key (``toggle``, ``press``, ``release``, in ``mode`` when given; ``command``
        records a voice command until ``release``), or pause and resume it."""
        with self._lock:
            if command in (Command.TOGGLE, Command.PRESS, Command.COMMAND) and not self.recording:
                self._mode, self._command = mode, command is Command.COMMAND
                self._emit(self._start_action())
                self.recording = True
            elif command is Command.TOGGLE or (command is Command.RELEASE and self.recording):
                self._emit(Action.STOP)
                self.recording = False
            elif command is Command.PAUSE:
                self.recording = False  # a recording in progress is finished by the daemon on pause
                self._emit(Action.PAUSE)
            elif command is Command.RESUME:
                self.recording = False
                self._emit(Action.RESUME)

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
                self._emit(Action.CANCEL)  # two quick presses: not a recording, a re-insert request
                self._emit(Action.REINSERT)
                self.recording = False
            else:
                self._emit(Action.STOP)
                self.recording = False
            return
        if (
            self.double_tap_s
            and not self._command  # two taps of the command key are two commands, never a re-insert
            and self._last_tap_at is not None
            and now - self._last_tap_at <= self.double_tap_s
        ):
            self._last_tap_at = None
            self._swallow_release = True
            self._emit(Action.REINSERT)
            return
        self._start(now)

    def _on_release(self, now: float) -> None:
        if self.mode == "toggle":
            return
        if self._swallow_release:
            self._swallow_release = False
            return
        if self.recording:
            self._emit(Action.STOP)
            self.recording = False
            tapped = now - self._pressed_at <= self.double_tap_s
            self._last_tap_at = now if tapped else None

    def _start(self, now: float) -> None:
        self._pressed_at = now
        self._emit(self._start_action())
        self.recording = True

    def _start_action(self) -> Posted:
        if self._command:
            return StartCommand(self._mode)
        return StartInMode(self._mode) if self._mode is not None else Action.START

    def _pick_key(self, key: str) -> None:
        """Between recordings, the key going down decides which binding is live: the main key or a mode's.
        A tap of one key and then another is two recordings, never a double tap."""
        bindings = [(self.main_spec, None, False), *((s, m, False) for s, m in self.mode_keys)]
        bindings += [(spec, mode, True) for spec, mode in self.command_keys]
        for spec, mode, command in bindings:
            if spec.involves(key) and spec.matches(self._pressed):
                if spec is not self.spec:
                    self._last_tap_at = None
                self.spec, self._mode, self._command = spec, mode, command
                return

    def _emit(self, action: Posted) -> None:
        self._post(action)
