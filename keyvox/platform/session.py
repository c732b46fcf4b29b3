"""Which desktop session keyvox runs in: x11, wayland, windows or macos."""

from __future__ import annotations

import os
import sys


def detect_session() -> str:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    return "wayland" if is_wayland() else "x11"


def is_wayland() -> bool:
    return os.environ.get("XDG_SESSION_TYPE") == "wayland" or (
        bool(os.environ.get("WAYLAND_DISPLAY")) and not os.environ.get("DISPLAY")
    )
