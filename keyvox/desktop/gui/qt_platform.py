"""The command line Qt starts with on this desktop."""

from __future__ import annotations

import os

from keyvox.platform.session import xwayland_available


def qt_arguments() -> list[str]:
    """Qt's command line. On a Wayland session with XWayland the GUI uses X11: only an X11 window can be kept
    from ever taking the keyboard focus (plain Wayland clients cannot ask for that; compositors such as sway
    focus every new window). The tray is unaffected: it talks D-Bus. ``QT_QPA_PLATFORM`` still wins."""
    arguments = ["keyvox"]
    if xwayland_available() and not os.environ.get("QT_QPA_PLATFORM"):
        arguments += ["-platform", "xcb"]
    return arguments
