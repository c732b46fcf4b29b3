"""Which desktop session keyvox runs in (X11, Wayland, Windows or macOS), and the few facts about it that
output, the hotkey, the GUI and ``keyvox doctor`` decide by. Every answer reads the environment afresh, once
per call, so a test (or a daemon started before the desktop exported its variables) sees the current one.

On Linux the session is Wayland when ``WAYLAND_DISPLAY`` is set or the login says so (``XDG_SESSION_TYPE``),
even with ``DISPLAY`` set too: that is XWayland, which reaches only the X11 windows of a Wayland desktop.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from enum import Enum

Environ = Mapping[str, str | None]
"""``os.environ`` or a stand-in for it (doctor's snapshot, a test's)."""


class Session(Enum):
    """The desktop session; the values are the names keyvox prints (``keyvox doctor``'s display server)."""

    X11 = "x11"
    WAYLAND = "wayland"
    WINDOWS = "windows"
    MACOS = "macos"

    @property
    def is_linux(self) -> bool:
        """An X11 or Wayland desktop: one that needs a display server and its own tools."""
        return self in (Session.X11, Session.WAYLAND)


def find_session(environ: Environ | None = None, platform: str | None = None) -> Session | None:
    """The session the environment names (``environ`` and ``platform`` default to ``os.environ`` and
    ``sys.platform``); None on Linux when nothing names one: a text console, ssh, a container."""
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return Session.WINDOWS
    if platform == "darwin":
        return Session.MACOS
    env = os.environ if environ is None else environ
    if env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE") == "wayland":
        return Session.WAYLAND
    if env.get("DISPLAY") or env.get("XDG_SESSION_TYPE") == "x11":
        return Session.X11
    return None


def detect_session(environ: Environ | None = None, platform: str | None = None) -> Session:
    """The session keyvox works in: ``find_session``'s, else X11, whose tools then say what is missing
    (``DISPLAY is not set``)."""
    return find_session(environ, platform) or Session.X11


def has_display(environ: Environ | None = None, platform: str | None = None) -> bool:
    """Whether a window can be shown: Linux needs ``DISPLAY`` or ``WAYLAND_DISPLAY``; Windows and macOS always
    have their desktop."""
    env = os.environ if environ is None else environ
    if not detect_session(env, platform).is_linux:
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def xwayland_available(environ: Environ | None = None, platform: str | None = None) -> bool:
    """A Wayland session that also offers an X11 display (XWayland)."""
    env = os.environ if environ is None else environ
    return detect_session(env, platform) is Session.WAYLAND and bool(env.get("DISPLAY"))
