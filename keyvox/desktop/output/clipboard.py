"""Reading and writing the system clipboard through the desktop's own tools (on GNOME Wayland, where
wl-clipboard cannot reach it, through mutter's remote-desktop clipboard: gnome_clipboard.py)."""

from __future__ import annotations

import shutil
import subprocess

from keyvox.desktop.output import gnome_clipboard
from keyvox.desktop.output.base import OutputFailed
from keyvox.platform.session import Session, detect_session

TIMEOUT_S = 2.0


def _commands(selection: str = "clipboard") -> tuple[list[list[str]], list[list[str]]]:
    """(readers, writers) for this desktop, best first; ``selection`` may be ``primary`` on X11."""
    session = detect_session()
    if session is Session.MACOS:
        return [["pbpaste"]], [["pbcopy"]]
    if session is Session.WINDOWS:
        return (
            [["powershell", "-NoProfile", "-Command", "Get-Clipboard -Raw"]],
            [["powershell", "-NoProfile", "-Command", "$input | Set-Clipboard"]],
        )
    if session is Session.WAYLAND:
        return [["wl-paste", "--no-newline"]], [["wl-copy"]]
    return (
        [["xclip", "-selection", selection, "-o"], ["xsel", f"--{selection}", "--output"]],
        [["xclip", "-selection", selection, "-i"], ["xsel", f"--{selection}", "--input"]],
    )


def available() -> bool:
    if gnome_clipboard.on_gnome_wayland() and gnome_clipboard.CLIPBOARD.available():
        return True
    return any(shutil.which(cmd[0]) for cmd in _commands()[1])


def read_clipboard(selection: str = "clipboard") -> str | None:
    """The clipboard's text, or None when it is empty, not text, or unreadable."""
    if selection == "clipboard" and gnome_clipboard.on_gnome_wayland():
        try:
            return gnome_clipboard.CLIPBOARD.read().text
        except OutputFailed:
            pass  # mutter's service is not there: wl-paste may still work
    for cmd in _commands(selection)[0]:
        if not shutil.which(cmd[0]):
            continue
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return done.stdout.decode("utf-8", "replace")
        return None
    return None


def write_clipboard(text: str, selection: str = "clipboard") -> bool:
    """Put ``text`` on the clipboard (the tool keeps serving it after we return)."""
    if selection == "clipboard" and gnome_clipboard.on_gnome_wayland():
        try:
            gnome_clipboard.CLIPBOARD.offer_text(text)
            return True
        except OutputFailed:
            pass
    for cmd in _commands(selection)[1]:
        if not shutil.which(cmd[0]):
            continue
        try:
            # stdout/stderr must not be pipes: xclip and wl-copy fork a server that would hold them open.
            done = subprocess.run(
                cmd,
                input=text.encode("utf-8"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=TIMEOUT_S,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return True
    return False
