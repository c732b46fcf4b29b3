"""Pasting and leaving text on the clipboard on GNOME Wayland, where ``wl-copy`` cannot reach the clipboard.

The text is offered on mutter's remote-desktop clipboard (gnome_clipboard.py) and Ctrl+V is pressed
through mutter's typing session (gnome.py). A paste is done when the window has read the offer (mutter's
``SelectionTransfer``), and only then does the user's clipboard come back, every type it offered.
"""

from __future__ import annotations

import sys
import threading

from keyvox.desktop.output import gnome
from keyvox.desktop.output.base import OutputFailed
from keyvox.desktop.output.gnome_clipboard import CLIPBOARD, on_gnome_wayland

PASTE_RECEIPT_S = 2.0
"""As on sway: a window reads a paste within ~30 ms of Ctrl+V; one that has not in 2 s takes no pastes."""
V = ord("v")


class GnomePaste:
    """GNOME Wayland: the text on mutter's clipboard, Ctrl+V, and with ``restore`` the user's clipboard back
    once the window has read the text (also when it never does)."""

    def __init__(self, restore: bool) -> None:
        self.restore = restore
        self.name = "gnome clipboard-restore" if restore else "gnome clipboard"

    def available(self) -> bool:
        return on_gnome_wayland() and gnome.SESSION.available() and CLIPBOARD.available()

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        saved = CLIPBOARD.read() if self.restore else None
        since = CLIPBOARD.offer_text(text)
        try:
            gnome.press(V, 1, (gnome.CTRL,))
            taken = CLIPBOARD.wait_taken(since, PASTE_RECEIPT_S)
        finally:
            if saved is not None and saved.contents:
                CLIPBOARD.offer(saved.contents)
        if not taken:
            raise OutputFailed("the window did not take the pasted text")


class GnomeCopy:
    """GNOME Wayland last resort: leave the text on mutter's clipboard for the user to paste."""

    name = "gnome clipboard copy"

    def available(self) -> bool:
        return on_gnome_wayland() and CLIPBOARD.available()

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        CLIPBOARD.offer_text(text)
        print("keyvox: text copied to the clipboard; paste it with Ctrl+V", file=sys.stderr, flush=True)
