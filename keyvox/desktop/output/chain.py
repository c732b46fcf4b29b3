"""Text output: an ordered chain of insertion methods chosen by desktop session, used as the pipeline's sink.

If every method fails the transcript is not lost: it is left on the clipboard and printed.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

from keyvox.desktop.output import clipboard
from keyvox.desktop.output.base import OutputFailed, OutputMethod, PartlyInserted
from keyvox.desktop.output.methods import (
    PynputPaste,
    PynputType,
    X11Paste,
    XdotoolType,
    XTestType,
    focused_window_id,
    press_backspace,
    press_submit_keys,
)
from keyvox.errors import error_line
from keyvox.platform.session import Session, detect_session

log = logging.getLogger(__name__)


def build_methods(
    method: str, *, session: Session | None = None, type_delay_ms: int = 0
) -> list[OutputMethod]:
    """The methods to try, in order, for ``[output] method`` on this session (default: this process's)."""
    session = session or detect_session()
    if session is Session.X11:
        typing = [XTestType(type_delay_ms), XdotoolType(type_delay_ms)]
        paste, paste_restore = X11Paste(False), X11Paste(True)
        return {
            "type": typing,
            "clipboard": [paste],
            "clipboard-restore": [paste_restore],
            "auto": [*typing, paste_restore],
        }[method]
    if session is Session.WAYLAND:
        from keyvox.desktop.output import wayland

        return wayland.build(method)
    return {
        "type": [PynputType()],
        "clipboard": [PynputPaste(False)],
        "clipboard-restore": [PynputPaste(True)],
        "auto": [PynputType(), PynputPaste(True)],
    }[method]


class OutputChain:
    """A pipeline ``TextSink``: tries each method in order until one inserts the text."""

    def __init__(
        self,
        methods: list[OutputMethod],
        *,
        wait_for_keys: threading.Event | None = None,
        report: Callable[[str], None] | None = None,
        wait_limit_s: float = 120.0,
        on_fallback: Callable[[str], None] | None = None,
    ) -> None:
        self.methods = methods
        self.wait_for_keys = wait_for_keys
        self.wait_limit_s = wait_limit_s
        self.report = report or (lambda line: print(line, file=sys.stderr, flush=True))
        self.last_method: str | None = None
        self.on_fallback = on_fallback
        """Told (with a short message) when no method inserted the text and it went to the clipboard."""

    def deliver(self, text: str) -> None:
        # Typing while the user still holds a modifier hotkey would turn letters into shortcuts.
        if self.wait_for_keys is not None:
            self.wait_for_keys.wait(self.wait_limit_s)
        failures = []
        for method in self.methods:
            if not method.available():
                failures.append(f"{method.name}: not installed")
                continue
            try:
                method.insert(text, keys_up=self.wait_for_keys)
                self.last_method = method.name
                return
            except OutputFailed as exc:
                failures.append(str(exc))
                log.info("output method %s failed: %s", method.name, exc)
                if isinstance(exc, PartlyInserted):
                    break
            except (
                Exception
            ) as exc:  # a method's own bug must not lose the text: the next one, or the clipboard
                failures.append(f"{method.name}: {exc}")
                log.exception("output method %s broke", method.name)
        self.last_method = None
        kept = clipboard.write_clipboard(text)
        where = "it is on the clipboard" if kept else "the clipboard is unavailable too"
        self.report(
            error_line(f"could not insert the text ({'; '.join(failures) or 'no method'}); {where}: {text}")
        )
        if self.on_fallback is not None:
            self.on_fallback(
                f"Paste it where you wanted it ({'; '.join(failures) or 'no method'})."
                if kept
                else f"The clipboard is unavailable too; the text was: {text}"
            )

    def delete_chars(self, count: int) -> None:
        """Press BackSpace ``count`` times ("scratch that" takes back keyvox's last insertion)."""
        if self.wait_for_keys is not None:
            self.wait_for_keys.wait(self.wait_limit_s)
        try:
            press_backspace(count, detect_session())
        except OutputFailed as exc:
            self.report(error_line(f"could not delete the last insertion ({exc})"))

    def press_submit(self, keys: str) -> None:
        """Press a mode's ``submit`` keys once the text is in (Enter sends a chat message or a command)."""
        if self.wait_for_keys is not None:
            self.wait_for_keys.wait(self.wait_limit_s)
        try:
            press_submit_keys(keys, detect_session())
        except OutputFailed as exc:
            self.report(error_line(f"could not press {keys} after the text ({exc})"))

    def focused_window(self) -> str | None:
        """An id of the focused window where the desktop tells it (X11, sway, Hyprland), else None."""
        return focused_window_id(detect_session())
