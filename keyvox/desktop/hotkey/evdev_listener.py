"""Global key listener for Wayland (and any Linux console) reading /dev/input through evdev.

Wayland compositors do not let ordinary programs see global keys, so keyvox reads the keyboards
directly. That needs membership of the ``input`` group; when it is missing the error says so, and
points at the alternative: a compositor key binding that runs ``keyvox toggle``.
"""

from __future__ import annotations

import os
import select
import threading

from keyvox.desktop.hotkey.machine import PushToTalk
from keyvox.errors import KeyvoxError

_SPECIAL = {
    "KEY_LEFTCTRL": "ctrl_l",
    "KEY_RIGHTCTRL": "ctrl_r",
    "KEY_LEFTALT": "alt_l",
    "KEY_RIGHTALT": "alt_r",
    "KEY_LEFTSHIFT": "shift_l",
    "KEY_RIGHTSHIFT": "shift_r",
    "KEY_LEFTMETA": "cmd_l",
    "KEY_RIGHTMETA": "cmd_r",
    "KEY_ESC": "esc",
    "KEY_SPACE": "space",
    "KEY_ENTER": "enter",
    "KEY_TAB": "tab",
    "KEY_BACKSPACE": "backspace",
    "KEY_DELETE": "delete",
    "KEY_INSERT": "insert",
    "KEY_HOME": "home",
    "KEY_END": "end",
    "KEY_PAGEUP": "page_up",
    "KEY_PAGEDOWN": "page_down",
    "KEY_UP": "up",
    "KEY_DOWN": "down",
    "KEY_LEFT": "left",
    "KEY_RIGHT": "right",
    "KEY_CAPSLOCK": "caps_lock",
    "KEY_PAUSE": "pause",
    "KEY_SYSRQ": "print_screen",
    "KEY_COMPOSE": "menu",
    "KEY_NUMLOCK": "num_lock",
    "KEY_SCROLLLOCK": "scroll_lock",
}
NO_ACCESS = (
    'cannot read keyboards in /dev/input: you are not in the "input" group (run: sudo usermod -aG input '
    "$USER, then log out and back in), or bind a compositor key to `keyvox toggle` and set "
    '[hotkey] backend = "command"'
)
NO_DEVICES = (
    "this machine has no /dev/input (a container or a remote session): bind a compositor key to "
    '`keyvox press` / `keyvox release` and set [hotkey] backend = "command"'
)


def evdev_name(code_name: str) -> str | None:
    """``KEY_RIGHTCTRL`` → ``ctrl_r``, ``KEY_F9`` → ``f9``, ``KEY_A`` → ``a``."""
    if code_name in _SPECIAL:
        return _SPECIAL[code_name]
    rest = code_name.removeprefix("KEY_")
    if rest.startswith("F") and rest[1:].isdigit():
        return rest.lower()
    if len(rest) == 1:
        return rest.lower()
    return None


class EvdevListener:
    """Watches every keyboard under /dev/input and feeds a ``PushToTalk`` (autorepeat value 2 is dropped)."""

    def __init__(self, machine: PushToTalk) -> None:
        self.machine = machine
        self._devices: list = []
        self._stop_r, self._stop_w = os.pipe()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        try:
            import evdev
        except ImportError:
            raise KeyvoxError(
                "the evdev hotkey backend needs the evdev package (pip install evdev)"
            ) from None
        paths = evdev.list_devices()
        if not paths:
            if not os.path.isdir("/dev/input"):
                raise KeyvoxError(NO_DEVICES)
            readable = os.path.isdir("/dev/input") and any(
                os.access(os.path.join("/dev/input", n), os.R_OK)
                for n in os.listdir("/dev/input")
                if n.startswith("event")
            )
            raise KeyvoxError(NO_ACCESS if not readable else "no keyboard found in /dev/input")
        for path in paths:
            try:
                device = evdev.InputDevice(path)
            except OSError:
                continue
            keys = device.capabilities().get(evdev.ecodes.EV_KEY, [])
            if evdev.ecodes.KEY_A in keys or evdev.ecodes.KEY_RIGHTCTRL in keys:
                self._devices.append(device)
        if not self._devices:
            raise KeyvoxError(NO_ACCESS)
        self._thread = threading.Thread(target=self._run, name="keyvox-evdev", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        os.write(self._stop_w, b"x")

    def _run(self) -> None:
        import evdev

        by_fd = {d.fd: d for d in self._devices}
        while True:
            ready, _, _ = select.select([*by_fd, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            for fd in ready:
                try:
                    events = list(by_fd[fd].read())
                except OSError:  # keyboard unplugged
                    by_fd.pop(fd, None)
                    continue
                for event in events:
                    if event.type != evdev.ecodes.EV_KEY or event.value == 2:
                        continue
                    code = evdev.ecodes.KEY.get(event.code)
                    name = evdev_name(code[0] if isinstance(code, list) else str(code))
                    if name:
                        (self.machine.key_down if event.value == 1 else self.machine.key_up)(name)
