"""The push-to-talk key: spec parsing (keys), the hold/toggle logic (machine), the listener backends
(pynput for X11/Windows/macOS, evdev for Wayland) and the control socket (``keyvox toggle``)."""

from __future__ import annotations

import os
import sys

from keyvox.hotkey.keys import KeySpec, parse_key_spec
from keyvox.hotkey.machine import CANCEL, REINSERT, START, STOP, PushToTalk

__all__ = ["KeySpec", "parse_key_spec", "PushToTalk", "START", "STOP", "CANCEL", "REINSERT",
           "choose_backend", "make_listener"]


def choose_backend(requested: str) -> str:
    """``pynput``, ``evdev`` or ``command`` for ``[hotkey] backend`` (``auto`` picks by session)."""
    if requested != "auto":
        return requested
    if sys.platform.startswith("linux") and is_wayland():
        return "evdev"
    return "pynput"


def is_wayland() -> bool:
    return os.environ.get("XDG_SESSION_TYPE") == "wayland" or (
        bool(os.environ.get("WAYLAND_DISPLAY")) and not os.environ.get("DISPLAY"))


def make_listener(backend: str, machine: PushToTalk):
    """A listener object with ``start()``/``stop()``, or None for ``command`` (socket only)."""
    if backend == "pynput":
        from keyvox.hotkey.pynput_listener import PynputListener

        return PynputListener(machine)
    if backend == "evdev":
        from keyvox.hotkey.evdev_listener import EvdevListener

        return EvdevListener(machine)
    return None
