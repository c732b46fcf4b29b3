"""X11 typing through the XTEST extension (python-xlib), correct for every Unicode character.

Characters missing from the keyboard map get a spare keycode mapped to them, both levels the same (so
no Shift is involved: ``xdotool type`` turns "Ü" into "ü"). Each spare keycode is used for one
character only while typing one text, and the map is restored only after a pause: a window that reads
a key event after the keycode was remapped again would otherwise see the wrong character (the reason
``xdotool type`` sometimes drops or swaps letters).
"""

from __future__ import annotations

import threading
import time

_SPECIAL = {"\n": 0xFF0D, "\t": 0xFF09, "\b": 0xFF08}
BURST = 32
"""Characters sent between two checks that no modifier is held: one round trip to the X server per burst.
XTEST events arrive in order, so a burst needs no pause: 300 characters exact in Tk and xterm
(benchmarks/typing_speed.py)."""


def keysym_for(char: str) -> int:
    """The X keysym for one character (Latin-1 keysyms are their code points; the rest are 0x1000000+)."""
    if char in _SPECIAL:
        return _SPECIAL[char]
    code = ord(char)
    if 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xFF:
        return code
    return 0x01000000 + code


def _shortcut_modifiers():
    from Xlib import XK

    return [XK.XK_Control_L, XK.XK_Control_R, XK.XK_Alt_L, XK.XK_Alt_R, XK.XK_Super_L, XK.XK_Super_R]


def type_text(
    text: str,
    delay_s: float = 0.0,
    settle_s: float = 0.25,
    keys_up: threading.Event | None = None,
    burst: int = BURST,
) -> None:
    """Type ``text`` into the focused window; raises ``RuntimeError`` when it cannot.

    ``keys_up`` is set while the hotkey is up: typing pauses whenever the user presses it again, since a
    letter typed while a modifier hotkey is held becomes a shortcut (Ctrl+O, Ctrl+A, ...). Both that and
    the physical modifiers are checked before every ``burst`` characters; ``delay_s`` is a pause after
    each character for a window that drops keys (it then also checks before every character).
    """
    from Xlib import XK, X, display
    from Xlib.ext import xtest

    disp = display.Display()
    try:
        if not disp.has_extension("XTEST"):
            raise RuntimeError("the X server has no XTEST extension")
        first = disp.display.info.min_keycode
        count = disp.display.info.max_keycode - first + 1
        mapping = disp.get_keyboard_mapping(first, count)
        known: dict[int, tuple[int, bool]] = {}
        spare: list[int] = []
        for offset, syms in enumerate(mapping):
            keycode = first + offset
            if not any(syms):
                spare.append(keycode)
                continue
            for level, sym in enumerate(syms[:2]):
                if sym and sym not in known:
                    known[sym] = (keycode, level == 1)
        shift = disp.keysym_to_keycode(XK.XK_Shift_L)
        modifiers = {disp.keysym_to_keycode(sym) for sym in _shortcut_modifiers()} - {0}
        borrowed: list[int] = []
        try:
            for index, char in enumerate(text):
                if delay_s or index % burst == 0:
                    disp.sync()
                    if keys_up is not None and not keys_up.is_set():
                        keys_up.wait(120)
                    _wait_for_modifiers_up(disp, modifiers)
                sym = keysym_for(char)
                if sym not in known:
                    if len(borrowed) == len(spare):  # out of spare keycodes: let the window catch up, reuse
                        _restore(disp, borrowed, settle_s)
                        known = {s: v for s, v in known.items() if v[0] not in borrowed}
                        borrowed.clear()
                    if not spare:
                        raise RuntimeError("no free keycode to map a character to")
                    keycode = spare[len(borrowed)]
                    disp.change_keyboard_mapping(keycode, [(sym,) * len(mapping[0])])
                    disp.sync()
                    borrowed.append(keycode)
                    known[sym] = (keycode, False)
                    time.sleep(0.01)  # let clients see the MappingNotify before the key arrives
                keycode, shifted = known[sym]
                if shifted:
                    xtest.fake_input(disp, X.KeyPress, shift)
                xtest.fake_input(disp, X.KeyPress, keycode)
                xtest.fake_input(disp, X.KeyRelease, keycode)
                if shifted:
                    xtest.fake_input(disp, X.KeyRelease, shift)
                if delay_s:
                    disp.sync()
                    time.sleep(delay_s)
            disp.sync()
        finally:
            _restore(disp, borrowed, settle_s)
    finally:
        disp.close()


def _wait_for_modifiers_up(disp, modifiers: set[int], limit_s: float = 120.0) -> None:
    """Ask the X server (not our listener, which lags) whether Ctrl/Alt/Super is down; wait until it is not."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        keymap = disp.query_keymap()
        if not any(keymap[code // 8] & (1 << (code % 8)) for code in modifiers):
            return
        time.sleep(0.01)


def _restore(disp, keycodes: list[int], settle_s: float) -> None:
    if not keycodes:
        return
    time.sleep(settle_s)
    width = len(disp.get_keyboard_mapping(keycodes[0], 1)[0])
    for keycode in keycodes:
        disp.change_keyboard_mapping(keycode, [(0,) * width])
    disp.sync()
