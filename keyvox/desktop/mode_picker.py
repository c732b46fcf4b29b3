"""Choosing the mode of a recording at key-down: by the key that started it, else by the focused window.

The focused window is read only when some mode names applications or titles (an X11 round trip or a
sway IPC call, a few milliseconds, covered by the microphone's pre-roll), and never after release.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from keyvox.config.mode_choice import choose_mode
from keyvox.config.modes import ModeConfig
from keyvox.core.presence import Observer
from keyvox.platform.session import Session, detect_session

log = logging.getLogger(__name__)


@dataclass
class ModePicker:
    modes: Callable[[], list[ModeConfig]]
    """The modes as configured now (the text chain's config: edits to them apply without a restart)."""
    observer: Observer | None = None
    """Told the mode of every recording (status line, ``keyvox status``, tray, overlay)."""
    session: Session | None = None
    pinned: str | None = None
    """A mode the user pinned (tray): used for every recording until unpinned, unless a mode key says otherwise."""

    def pick(self, key_mode: str | None = None) -> ModeConfig | None:
        mode = self._choose(key_mode)
        if self.observer is not None:
            self.observer.on_mode(mode.name if mode is not None else None)
        return mode

    def pin(self, name: str | None) -> None:
        """Use ``name`` for every recording from now on; None goes back to choosing by key and window."""
        self.pinned = name

    def names(self) -> list[str]:
        return [mode.name for mode in self.modes()]

    def _choose(self, key_mode: str | None) -> ModeConfig | None:
        modes = self.modes()
        if not modes:
            return None
        if key_mode is not None or self.pinned is not None:
            return choose_mode(modes, key_mode=key_mode or self.pinned)
        if not any(mode.apps or mode.titles for mode in modes):
            return None
        app, title = self._focused()
        return choose_mode(modes, app=app, title=title)

    def _focused(self) -> tuple[str, str]:
        from keyvox.desktop.output.window_info import focused_app

        try:
            return focused_app(self.session or detect_session())
        except Exception:  # an unreadable window means no mode by window, never a lost recording
            log.exception("reading the focused window failed")
            return "", ""
