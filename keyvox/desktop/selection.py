"""The text selected in the focused window, for voice commands (keyvox/core/commands.py).

X11: the PRIMARY selection, which every X11 application sets when text is highlighted, read only when its
owner is the focused window (PRIMARY outlives the highlight in another window, and a command must never
act on text the user cannot see selected). Wayland: the primary selection (``wl-paste --primary``).
Elsewhere, or when those cannot be read: Ctrl+C, with the user's clipboard saved first and put back after.
Replacing the selection is the output chain's: typed text replaces a selection in every application.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable

from keyvox.config.schema import Config
from keyvox.desktop.output import clipboard
from keyvox.desktop.output.base import OutputFailed
from keyvox.platform.session import Session, detect_session

COPY_WAIT_S = 0.5
"""How long a Ctrl+C may take to reach the clipboard; the Tk and GTK rig windows take under 50 ms."""


class DesktopSelection:
    """A ``SelectionReader`` for this desktop session."""

    def __init__(self, session: Session | None = None) -> None:
        self.session = session or detect_session()

    def read(self) -> str | None:
        if self.session is Session.X11:
            owned = primary_in_focused_window()
            if owned is False:
                return None
            text = clipboard.read_clipboard("primary")
            if text is not None or owned:
                return text
        elif self.session is Session.WAYLAND:
            return self._read_wayland()
        if focused_is_terminal(self.session):
            return None  # Ctrl+C in a terminal interrupts its program; terminals set PRIMARY anyway
        try:
            return copy_selection(lambda: press_copy(self.session))
        except OutputFailed:
            return None

    def _read_wayland(self) -> str | None:
        """Ctrl+C first: GTK keeps offering the primary selection after the highlight is gone (the sway
        rig's GTK 4 window does), so only a copy tells "nothing selected" apart. Terminals, where Ctrl+C
        interrupts, and desktops where keyvox cannot press it (GNOME), use the primary selection."""
        if not focused_is_terminal(self.session):
            from keyvox.desktop.output.wayland import save_clipboard

            try:
                return copy_selection(
                    lambda: press_copy(self.session), save=lambda: save_clipboard().put_back
                )
            except OutputFailed:
                pass
        return wayland_primary() or None


def primary_in_focused_window() -> bool | None:
    """Whether PRIMARY is owned by the focused top-level window; None when X cannot tell."""
    try:
        from Xlib import X, display
    except ImportError:
        return None
    try:
        disp = display.Display()
    except Exception:
        return None
    try:
        owner = disp.get_selection_owner(disp.intern_atom("PRIMARY"))
        if owner == X.NONE:
            return False
        focus = disp.get_input_focus().focus
        if not hasattr(focus, "query_tree"):  # PointerRoot or None: no window has the focus
            return None
        root = disp.screen().root
        return _top_level(owner, root) == _top_level(focus, root)
    except Exception:  # a window that went away meanwhile: let the selection's own reader decide
        return None
    finally:
        disp.close()


def _top_level(window, root) -> int:
    """The id of ``window``'s ancestor just below the root (its frame, under a window manager)."""
    for _ in range(32):
        parent = window.query_tree().parent
        if not parent or parent.id == root.id:
            return window.id
        window = parent
    return window.id


def wayland_primary() -> str | None:
    """The Wayland primary selection's text ("" when nothing is selected); None when the compositor has
    no primary selection or it cannot be read (then Ctrl+C is the way)."""
    if shutil.which("wl-paste") is None:
        return None
    try:
        done = subprocess.run(
            ["wl-paste", "--primary", "--no-newline", "--type", "text"],
            capture_output=True,
            timeout=clipboard.TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode == 0:
        return done.stdout.decode("utf-8", "replace")
    said = done.stderr.decode("utf-8", "replace")
    # wl-clipboard 2.1's words for "supported, but nothing (textual) is selected"
    return "" if "No selection" in said or "No suitable type" in said else None


def copy_selection(
    press: Callable[[], None],
    wait_s: float = COPY_WAIT_S,
    save: Callable[[], Callable[[], None]] | None = None,
) -> str | None:
    """Copy the selection with ``press`` (Ctrl+C) and read it, the user's clipboard put back afterwards;
    ``save`` keeps the clipboard and returns what puts it back (default: its text). Raises
    ``OutputFailed`` when Ctrl+C cannot be pressed.

    A marker goes on the clipboard first: if it is still there after the copy, nothing was selected."""
    restore = (save or _save_text)()
    marker = f"keyvox-selection-probe-{uuid.uuid4()}"
    if not clipboard.write_clipboard(marker):
        return None
    try:
        press()
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            now = clipboard.read_clipboard()
            if now is not None and now != marker:
                return now
            time.sleep(0.02)
        return None
    finally:
        restore()


def _save_text() -> Callable[[], None]:
    saved = clipboard.read_clipboard()
    # An empty clipboard stays empty of text: it never keeps the marker.
    return lambda: clipboard.write_clipboard(saved or "")


def focused_is_terminal(session: Session) -> bool:
    """Whether the focused window is a terminal emulator, where Ctrl+C is no copy."""
    try:
        if session is Session.X11:
            from keyvox.desktop.output.x11_clipboard import focused_is_terminal as x11_terminal

            return x11_terminal()
        if session is Session.WAYLAND:
            from keyvox.desktop.output.compositor import focused_window

            window = focused_window()
            return window is not None and window.is_terminal
    except Exception:  # no Xlib, no compositor socket: the window is unknown, so not known to be one
        return False
    return False


def press_copy(session: Session) -> None:
    """Press Ctrl+C (Cmd+C on macOS) in the focused window."""
    if session is Session.X11:
        if shutil.which("xdotool") is None:
            raise OutputFailed("xdotool is not installed")
        done = subprocess.run(["xdotool", "key", "ctrl+c"], capture_output=True, timeout=5)
        if done.returncode != 0:
            raise OutputFailed("xdotool could not press Ctrl+C")
        return
    if session is Session.WAYLAND:
        from keyvox.desktop.output.wayland import press_combo

        try:
            press_combo("c", ("ctrl",))
        except (KeyError, OSError) as exc:
            raise OutputFailed(f"cannot press Ctrl+C here ({exc})") from None
        return
    try:
        from pynput.keyboard import Controller, Key

        keyboard = Controller()
        with keyboard.pressed(Key.cmd if session is Session.MACOS else Key.ctrl):
            keyboard.tap("c")
    except Exception as exc:  # pynput needs a display or accessibility permission
        raise OutputFailed(f"pynput: {exc}") from None


def command_lines(config: Config) -> list[str]:
    """What ``keyvox doctor`` says of voice commands: the keys, how the selection is read on this desktop,
    and where an instruction would be sent."""
    keys = [f"[commands] key {config.commands.key}"] if config.commands.key else []
    keys += [f'mode "{m.name}" command_key {m.command_key}' for m in config.modes if m.command_key]
    if not keys:
        return ["off (set [commands] key to use them)"]
    session = detect_session()
    how = {
        Session.X11: "X11 PRIMARY (xclip)" if shutil.which("xclip") else "Ctrl+C (xclip missing for PRIMARY)",
        Session.WAYLAND: "the primary selection (wl-paste --primary), else Ctrl+C",
    }.get(session, "Ctrl+C, the clipboard restored after")
    if not config.commands.instructions:
        model = "spoken edits only, offline ([commands] instructions is off)"
    else:
        cleanup = config.cleanup
        where = f"the program {cleanup.command}" if cleanup.command.strip() else cleanup.endpoint
        model = f"instructions go with the selection to {where} (mode overrides in [mode.cleanup])"
    return [", ".join(keys), f"selection read by {how}", model]
