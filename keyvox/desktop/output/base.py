"""What every way of inserting text is and may raise."""

from __future__ import annotations

import threading
from typing import Protocol


class OutputFailed(Exception):
    """One method could not insert the text; the chain tries the next one."""


class PartlyInserted(OutputFailed):
    """A method failed after part of the text may have reached the window: the next method would insert it
    all again after that part, so the chain stops and leaves the whole text on the clipboard."""


class OutputMethod(Protocol):
    """One way of putting text into the focused window (keyvox/desktop/output/chain.py tries them in order)."""

    name: str
    """How failure reports name it, e.g. ``xtest type`` or ``clipboard-restore``."""

    def available(self) -> bool:
        """Whether its tool or library is on this machine now (asked before every insertion)."""
        ...

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        """Insert ``text``, or raise ``OutputFailed``.

        ``keys_up`` is set while the hotkey is up. The chain waits for it before calling; a method that
        types key by key also pauses whenever it clears (the user pressed the hotkey again), since a
        letter typed while a modifier is held becomes a shortcut. A method that hands the whole text over
        in one step has nothing to pause and ignores it."""
        ...
