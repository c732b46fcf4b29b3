"""What history records about the window the text went to: its application and title, where the desktop
tells it (X11); elsewhere nothing.
"""

from __future__ import annotations

PARENT_STEPS = 8
"""The focused window is often a child of the application's top-level window (Tk, GTK): walk up this far."""


def describe_window(window_id: str | int | None) -> str | None:
    """``"App — title"`` for an X11 window id (its WM_CLASS class and its title); None when unknown."""
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
        parts = [part for part in (app, title) if part]
        return " — ".join(parts) or None
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
