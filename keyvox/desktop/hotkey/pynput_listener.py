"""Global key listener for X11, Windows and macOS through pynput.

pynput is imported only here, after the daemon has checked that a display exists (on X11 its import
fails without ``DISPLAY``).
"""

from __future__ import annotations

from keyvox.config.keys import normalize_name
from keyvox.desktop.hotkey.machine import PushToTalk
from keyvox.errors import KeyvoxError


class PynputListener:
    """Feeds a ``PushToTalk`` from pynput's listener thread; never blocks that thread."""

    def __init__(self, machine: PushToTalk) -> None:
        self.machine = machine
        self._listener = None

    def start(self) -> None:
        try:
            from pynput import keyboard
        except Exception as exc:  # ImportError, or Xlib's DisplayNameError on a broken DISPLAY
            raise KeyvoxError(
                f"cannot listen for the hotkey ({_first_line(exc)}); run keyvox inside your "
                'desktop session, or set [hotkey] backend = "command" and bind `keyvox toggle`'
            ) from exc
        self._listener = keyboard.Listener(on_press=self._down, on_release=self._up)
        self._listener.daemon = True
        self._listener.start()
        self._listener.wait()

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop()

    def _down(self, key) -> None:
        name = key_name(key)
        if name:
            self.machine.key_down(name)

    def _up(self, key) -> None:
        name = key_name(key)
        if name:
            self.machine.key_up(name)


def key_name(key) -> str | None:
    """pynput ``Key``/``KeyCode`` → keyvox's canonical name."""
    name = getattr(key, "name", None)
    if name:
        return normalize_name(name) or name
    char = getattr(key, "char", None)
    if char:
        return char.lower()
    vk = getattr(key, "vk", None)
    return f"vk{vk}" if vk is not None else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
