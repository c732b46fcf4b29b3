"""X11 clipboard paste that knows when the paste has landed.

For ``clipboard-restore`` keyvox itself owns the CLIPBOARD selection while the paste key is sent, so it
sees the target application ask for the text. Only after that request has been served (the paste
landed), or after a timeout (the paste failed), is the user's previous clipboard put back. Restoring on
a timer instead, as many tools do, races with slow applications and pastes the old clipboard.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable

TEXT_TARGETS = ("UTF8_STRING", "TEXT", "text/plain;charset=utf-8", "text/plain", "STRING")
TERMINALS = (
    "xterm",
    "uxterm",
    "urxvt",
    "rxvt",
    "gnome-terminal",
    "konsole",
    "alacritty",
    "kitty",
    "terminator",
    "tilix",
    "st-256color",
    "st",
    "foot",
    "wezterm",
    "xfce4-terminal",
    "mate-terminal",
    "lxterminal",
    "qterminal",
    "terminology",
    "sakura",
    "guake",
    "tilda",
    "yakuake",
    "cool-retro-term",
    "ghostty",
)


def focused_is_terminal() -> bool:
    """True when the window with keyboard focus is a terminal emulator (they paste with Shift+Insert)."""
    from Xlib import display

    disp = display.Display()
    try:
        window = disp.get_input_focus().focus
        for _ in range(8):
            if not hasattr(window, "get_wm_class"):
                return False
            wm_class = window.get_wm_class()
            if wm_class:
                names = {part.lower() for part in wm_class}
                return any(name in TERMINALS or "term" in name for name in names)
            parent = window.query_tree().parent
            if not parent or parent == disp.screen().root:
                return False
            window = parent
        return False
    except Exception:
        return False
    finally:
        disp.close()


def serve_paste(
    text: str,
    send_paste: Callable[[], None],
    timeout_s: float = 2.0,
    grace_s: float = 0.15,
    selections: tuple[str, ...] = ("CLIPBOARD",),
) -> bool:
    """Own ``selections`` holding ``text``, run ``send_paste``, serve requests; True once the text was taken.

    Terminals need PRIMARY too: xterm's Shift+Insert pastes PRIMARY, most others paste CLIPBOARD."""
    from Xlib import X, Xatom, display
    from Xlib.protocol import event

    disp = display.Display()
    try:
        atom = disp.intern_atom
        targets_atom, utf8 = atom("TARGETS"), atom("UTF8_STRING")
        text_atoms = {atom(name): name for name in TEXT_TARGETS}
        window = disp.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        for name in selections:
            window.set_selection_owner(atom(name), X.CurrentTime)
        disp.flush()
        if any(disp.get_selection_owner(atom(name)) != window for name in selections):
            return False
        send_paste()
        landed_at = None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if landed_at is not None and time.monotonic() - landed_at > grace_s:
                break
            if not disp.pending_events():
                select.select([disp.fileno()], [], [], 0.05)
                if not disp.pending_events():
                    continue
            request = disp.next_event()
            if request.type != X.SelectionRequest:
                continue
            prop = request.property or request.target
            if request.target == targets_atom:
                request.requestor.change_property(prop, Xatom.ATOM, 32, [targets_atom, *text_atoms])
            elif request.target in text_atoms:
                name = text_atoms[request.target]
                data = text.encode("latin-1", "replace") if name == "STRING" else text.encode("utf-8")
                kind = Xatom.STRING if name == "STRING" else utf8
                request.requestor.change_property(prop, kind, 8, data)
                landed_at = landed_at or time.monotonic()
            else:
                prop = X.NONE
            reply = event.SelectionNotify(
                time=request.time,
                requestor=request.requestor,
                selection=request.selection,
                target=request.target,
                property=prop,
            )
            request.requestor.send_event(reply)
            disp.flush()
        return landed_at is not None
    finally:
        disp.close()
