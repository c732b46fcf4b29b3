"""Which listener reads the push-to-talk key: pynput (X11, Windows, macOS), evdev (Wayland) or none (``command``)."""

from __future__ import annotations

from keyvox.desktop.hotkey.machine import PushToTalk
from keyvox.platform.session import Session, detect_session


def choose_backend(requested: str) -> str:
    """``pynput``, ``evdev`` or ``command`` for ``[hotkey] backend`` (``auto`` picks by session)."""
    if requested != "auto":
        return requested
    if detect_session() is Session.WAYLAND:
        return "evdev"
    return "pynput"


def make_listener(backend: str, machine: PushToTalk):
    """A listener object with ``start()``/``stop()``, or None for ``command`` (socket only)."""
    if backend == "pynput":
        from keyvox.desktop.hotkey.pynput_listener import PynputListener

        return PynputListener(machine)
    if backend == "evdev":
        from keyvox.desktop.hotkey.evdev_listener import EvdevListener

        return EvdevListener(machine)
    return None
