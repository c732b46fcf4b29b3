"""The ways text can reach the focused window. Each method either inserts the text or raises ``OutputFailed``."""

from __future__ import annotations

import shutil
import subprocess
import threading

from keyvox.desktop.output import clipboard
from keyvox.desktop.output.base import OutputFailed
from keyvox.platform.session import Session, detect_session


def _run(cmd: list[str], timeout: float, stdin: bytes | None = None) -> None:
    try:
        done = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OutputFailed(f"{cmd[0]}: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OutputFailed(f"{cmd[0]} failed ({message[-1] if message else f'exit {done.returncode}'})")


class XTestType:
    """X11: type through XTEST with python-xlib; every Unicode character arrives intact (see xtest_type)."""

    name = "xtest type"

    def __init__(self, delay_ms: int = 0) -> None:
        self.delay_ms = delay_ms

    def available(self) -> bool:
        import importlib.util

        return importlib.util.find_spec("Xlib") is not None

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        from keyvox.desktop.output.xtest_type import type_text

        try:
            type_text(text, delay_s=self.delay_ms / 1000, keys_up=keys_up)  # pauses while the hotkey is held
        except Exception as exc:  # Xlib raises many types (no display, connection closed, ...)
            raise OutputFailed(f"xtest: {str(exc).strip() or type(exc).__name__}") from None


class XdotoolType:
    """X11 fallback: ``xdotool type`` (it can swap the case of remapped letters such as "Ü")."""

    name = "xdotool type"

    def __init__(self, delay_ms: int = 4) -> None:
        self.delay_ms = delay_ms

    def available(self) -> bool:
        return shutil.which("xdotool") is not None

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        # xdotool remaps keys per character, so unlike XTEST bursts it needs a pause between them.
        delay = self.delay_ms or 4
        _run(["xdotool", "type", "--delay", str(delay), "--", text], timeout=30 + len(text) * 0.05)


class X11Paste:
    """X11: put the text on the clipboard and press Ctrl+V (Shift+Insert in terminals).

    With ``restore`` keyvox serves the paste itself and puts the user's clipboard back once the target
    window has taken the text, or once the paste has clearly failed.
    """

    def __init__(self, restore: bool) -> None:
        self.restore = restore
        self.name = "clipboard-restore" if restore else "clipboard"

    def available(self) -> bool:
        return shutil.which("xdotool") is not None and clipboard.available()

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        from keyvox.desktop.output.x11_clipboard import focused_is_terminal, serve_paste

        terminal = focused_is_terminal()
        # Terminals paste with Shift+Insert (Ctrl+V would insert ^V); xterm's Shift+Insert reads PRIMARY.
        keys = "shift+Insert" if terminal else "ctrl+v"
        selections = ("clipboard", "primary") if terminal else ("clipboard",)
        press = lambda: _run(["xdotool", "key", keys], timeout=5)
        if not self.restore:
            if not all(clipboard.write_clipboard(text, name) for name in selections):
                raise OutputFailed("cannot write the clipboard (xclip or xsel)")
            press()
            return
        previous = {name: clipboard.read_clipboard(name) for name in selections}
        landed = False
        try:
            landed = serve_paste(text, press, selections=tuple(name.upper() for name in selections))
        finally:
            # Put the user's clipboard back whether or not the paste worked; an empty one stays empty.
            for name, old in previous.items():
                if old is not None:
                    clipboard.write_clipboard(old, name)
        if not landed:
            raise OutputFailed("the window did not take the pasted text")


class CommandType:
    """A typing tool run as ``COMMAND -- TEXT``."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.name = command[0]

    def available(self) -> bool:
        return shutil.which(self.command[0]) is not None

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        _run([*self.command, "--", text], timeout=30 + len(text) * 0.05)


class PynputType:
    """Windows and macOS: synthesised key presses through pynput."""

    name = "pynput type"

    def available(self) -> bool:
        return True

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        try:
            from pynput.keyboard import Controller

            Controller().type(text)
        except Exception as exc:
            raise OutputFailed(f"pynput: {exc}") from None


class PynputPaste:
    """Windows and macOS: clipboard + Ctrl+V / Cmd+V, optionally restoring the previous clipboard."""

    def __init__(self, restore: bool) -> None:
        self.restore = restore
        self.name = "clipboard-restore" if restore else "clipboard"

    def available(self) -> bool:
        return clipboard.available()

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        import time

        from pynput.keyboard import Controller, Key

        previous = clipboard.read_clipboard() if self.restore else None
        if not clipboard.write_clipboard(text):
            raise OutputFailed("cannot write the clipboard")
        try:
            keyboard = Controller()
            with keyboard.pressed(Key.cmd if detect_session() is Session.MACOS else Key.ctrl):
                keyboard.tap("v")
            time.sleep(0.3)  # no paste receipt on these systems: give the application time to read it
        finally:
            if previous is not None:
                clipboard.write_clipboard(previous)


def press_backspace(count: int, session: Session) -> None:
    """Delete ``count`` characters before the cursor in the focused window."""
    if count <= 0:
        return
    if session is Session.X11 and shutil.which("xdotool"):
        _run(
            ["xdotool", "key", "--repeat", str(count), "--delay", "4", "BackSpace"], timeout=10 + count * 0.05
        )
    elif session is Session.WAYLAND:
        from keyvox.desktop.output.wayland import press_backspace as wayland_backspace

        wayland_backspace(count)
    else:
        try:
            from pynput.keyboard import Controller, Key
        except Exception as exc:  # pynput needs a display or accessibility permission
            raise OutputFailed(f"pynput: {exc}") from None
        keyboard = Controller()
        for _ in range(count):
            keyboard.tap(Key.backspace)


def press_submit_keys(keys: str, session: Session) -> None:
    """Press a mode's ``submit`` keys (``enter``, ``ctrl+enter``, ``shift+enter``) in the focused window."""
    *modifiers, _enter = keys.split("+")
    if session is Session.X11 and shutil.which("xdotool"):
        _run(["xdotool", "key", "+".join([*modifiers, "Return"])], timeout=10)
    elif session is Session.WAYLAND:
        from keyvox.desktop.output.wayland import press_combo

        press_combo("Return", tuple(modifiers))
    else:
        try:
            from pynput.keyboard import Controller, Key
        except Exception as exc:  # pynput needs a display or accessibility permission
            raise OutputFailed(f"pynput: {exc}") from None
        keyboard = Controller()
        held = [{"ctrl": Key.ctrl, "shift": Key.shift}[mod] for mod in modifiers]
        for key in held:
            keyboard.press(key)
        keyboard.tap(Key.enter)
        for key in reversed(held):
            keyboard.release(key)


def focused_window_id(session: Session) -> str | None:
    if session is Session.WAYLAND:
        from keyvox.desktop.output.compositor import focused_window

        window = focused_window()
        return window.id if window is not None else None
    if session is not Session.X11 or not shutil.which("xdotool"):
        return None
    try:
        # getwindowfocus asks the X server itself, so it works without a window manager too.
        done = subprocess.run(["xdotool", "getwindowfocus"], capture_output=True, text=True, timeout=2)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None
