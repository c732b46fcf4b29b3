"""The application and title of a window, where the desktop tells them (X11; sway and Hyprland through
their IPC): what history records about the window the text went to, and what modes are chosen by.
"""

from __future__ import annotations

from keyvox.platform.session import Session

PARENT_STEPS = 8
"""The focused window is often a child of the application's top-level window (Tk, GTK): walk up this far."""


def describe_window(window_id: str | int | None) -> str | None:
    """``"App — title"`` for an X11 window id (its WM_CLASS class and its title); None when unknown."""
    found = app_and_title(window_id)
    return " — ".join(part for part in found if part) or None if found else None


def focused_app(session: Session) -> tuple[str, str]:
    """The focused window's application (X11 WM_CLASS class, Wayland app_id, the executable's name on
    Windows, the bundle id on macOS) and title; empty when the desktop does not tell."""
    from keyvox.desktop.output.methods import focused_window_id

    if session is Session.WINDOWS:
        return _windows_foreground()
    if session is Session.MACOS:
        return _macos_frontmost()
    if session is Session.WAYLAND:
        from keyvox.desktop.output.compositor import focused_window

        window = focused_window()
        return (window.app, window.title) if window is not None else ("", "")
    return app_and_title(focused_window_id(session)) or ("", "")


def app_and_title(window_id: str | int | None) -> tuple[str, str] | None:
    """An X11 window's WM_CLASS class and title (either may be empty); None when unknown."""
    if window_id in (None, ""):
        return None
    try:
        number = int(str(window_id), 0)
    except ValueError:
        return None
    try:
        from Xlib import display
    except ImportError:
        return None
    try:
        disp = display.Display()
    except Exception:  # no X server (Wayland, a console): the desktop does not tell
        return None
    try:
        window = disp.create_resource_object("window", number)
        root = disp.screen().root
        app = title = None
        for _ in range(PARENT_STEPS):
            app = app or _wm_class(window)
            title = title or _title(disp, window)
            if app and title:
                break
            parent = window.query_tree().parent
            if not parent or parent == root:
                break
            window = parent
        return (app or "", title or "") if app or title else None
    except Exception:  # the window closed meanwhile: history keeps the text without it
        return None
    finally:
        disp.close()


def _wm_class(window) -> str | None:
    wm_class = window.get_wm_class()
    return wm_class[1] or wm_class[0] if wm_class else None


def _title(disp, window) -> str | None:
    utf8 = disp.intern_atom("UTF8_STRING")
    prop = window.get_full_property(disp.intern_atom("_NET_WM_NAME"), utf8)
    if prop is not None and prop.value:
        value = prop.value
        return (value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)) or None
    name = window.get_wm_name()
    if isinstance(name, bytes):
        name = name.decode("latin-1")
    return name or None


def _windows_foreground() -> tuple[str, str]:
    """The foreground window's executable name without ``.exe`` (``code``, ``WindowsTerminal``) and title."""
    import ctypes
    from ctypes import wintypes

    user32, kernel32 = ctypes.windll.user32, ctypes.windll.kernel32
    window = user32.GetForegroundWindow()
    if not window:
        return "", ""
    title = ctypes.create_unicode_buffer(512)
    user32.GetWindowTextW(window, title, 512)
    pid = wintypes.DWORD()
    user32.GetWindowThreadProcessId(window, ctypes.byref(pid))
    process = kernel32.OpenProcess(0x1000, False, pid.value)  # PROCESS_QUERY_LIMITED_INFORMATION
    name = ""
    if process:
        try:
            path, size = ctypes.create_unicode_buffer(1024), wintypes.DWORD(1024)
            if kernel32.QueryFullProcessImageNameW(process, 0, path, ctypes.byref(size)):
                name = path.value.rsplit("\\", 1)[-1].removesuffix(".exe").removesuffix(".EXE")
        finally:
            kernel32.CloseHandle(process)
    return name, title.value


def _macos_frontmost() -> tuple[str, str]:
    """The frontmost application's bundle id (``com.apple.Terminal``) and name (pyobjc comes with pynput
    on macOS); the window title needs the accessibility permission, so the name stands in for it."""
    from AppKit import NSWorkspace

    app = NSWorkspace.sharedWorkspace().frontmostApplication()
    if app is None:
        return "", ""
    return str(app.bundleIdentifier() or ""), str(app.localizedName() or "")
