"""Key specs such as ``ctrl_r``, ``f9`` or ``ctrl+shift+space``: parsing, naming and matching.

Keys are plain lowercase names shared by every listener backend (pynput's ``Key`` names plus single
characters), so the push-to-talk logic never sees a backend's own key objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from keyvox.errors import ConfigError

# Modifier families: the bare name matches either side; ``ctrl_r`` matches only the right one.
MODIFIERS = {
    "ctrl": ("ctrl", "ctrl_l", "ctrl_r"),
    "alt": ("alt", "alt_l", "alt_r", "alt_gr"),
    "shift": ("shift", "shift_l", "shift_r"),
    "cmd": ("cmd", "cmd_l", "cmd_r"),
}
SIDED = {side: (side,) for family in MODIFIERS.values() for side in family if side not in MODIFIERS}
NAMED = (
    "space",
    "esc",
    "enter",
    "tab",
    "backspace",
    "delete",
    "insert",
    "home",
    "end",
    "page_up",
    "page_down",
    "up",
    "down",
    "left",
    "right",
    "caps_lock",
    "num_lock",
    "scroll_lock",
    "pause",
    "print_screen",
    "menu",
    *(f"f{n}" for n in range(1, 25)),
)
ALIASES = {
    "control": "ctrl",
    "control_l": "ctrl_l",
    "control_r": "ctrl_r",
    "right_ctrl": "ctrl_r",
    "left_ctrl": "ctrl_l",
    "rctrl": "ctrl_r",
    "lctrl": "ctrl_l",
    "ralt": "alt_r",
    "lalt": "alt_l",
    "right_alt": "alt_r",
    "altgr": "alt_gr",
    "option": "alt",
    "super": "cmd",
    "win": "cmd",
    "meta": "cmd",
    "command": "cmd",
    "super_r": "cmd_r",
    "super_l": "cmd_l",
    "escape": "esc",
    "return": "enter",
    "del": "delete",
    "ins": "insert",
    "pgup": "page_up",
    "pgdn": "page_down",
    "capslock": "caps_lock",
    "print": "print_screen",
}
_HUMAN = {
    "ctrl_r": "Right Ctrl",
    "ctrl_l": "Left Ctrl",
    "alt_r": "Right Alt",
    "alt_l": "Left Alt",
    "alt_gr": "AltGr",
    "shift_r": "Right Shift",
    "shift_l": "Left Shift",
    "cmd": "Super",
    "cmd_r": "Right Super",
    "cmd_l": "Left Super",
    "esc": "Esc",
    "page_up": "Page Up",
    "page_down": "Page Down",
    "caps_lock": "Caps Lock",
    "print_screen": "Print Screen",
}


@dataclass(frozen=True)
class KeySpec:
    """A parsed key or combination; ``keys[-1]`` is the key that triggers, the rest are held modifiers."""

    keys: tuple[str, ...]
    text: str

    def matches(self, pressed: set[str]) -> bool:
        """True when every part of the combination is among the keys held down."""
        return all(any(k in pressed for k in _family(part)) for part in self.keys)

    def involves(self, key: str) -> bool:
        return any(key in _family(part) for part in self.keys)

    @property
    def human(self) -> str:
        """``Right Ctrl``, ``F9``, ``Ctrl+Shift+Space``."""
        return "+".join(
            _HUMAN.get(k, k.upper() if len(k) <= 3 else k.replace("_", " ").title()) for k in self.keys
        )


def _family(part: str) -> tuple[str, ...]:
    return MODIFIERS.get(part, (part,))


def normalize_name(token: str) -> str | None:
    """The canonical name of one key token, or None when it is not a key keyvox knows."""
    token = token.strip()
    if len(token) == 1:
        return token.lower() if token.isprintable() and token != "+" else None
    name = token.lower().replace("-", "_")
    name = ALIASES.get(name, name)
    if name in MODIFIERS or name in SIDED or name in NAMED:
        return name
    return None


def parse_key_spec(text: str, *, setting: str = "[hotkey] key") -> KeySpec:
    """Parse ``ctrl_r``, ``f9``, ``ctrl+shift+space``; raise a one-line ``ConfigError`` otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{setting} is empty (use a key such as ctrl_r, alt_r, f9 or ctrl+shift+space)")
    tokens = [t for t in text.replace(" ", "").split("+")] if text.strip() != "+" else ["+"]
    keys: list[str] = []
    for token in tokens:
        name = normalize_name(token) if token else None
        if name is None:
            shown = token or "(empty)"
            raise ConfigError(
                f'{setting} = "{text}": unknown key "{shown}" (use names such as ctrl_r, alt_r, '
                "f9, space, esc or a single character, joined with +, e.g. ctrl+shift+space)"
            )
        if name in keys:
            raise ConfigError(f'{setting} = "{text}": "{name}" appears twice')
        keys.append(name)
    return KeySpec(tuple(keys), text.strip())
