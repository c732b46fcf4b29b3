"""Text on Wayland: typing through the virtual-keyboard protocol (keyvox's own client in
virtual_keyboard.py, wtype when that fails), pasting with wl-copy, and the fallbacks for desktops
without that protocol (GNOME): ydotool through its daemon, or the clipboard.

On a seat that gets its keyboard with the wtype run (a headless session) the focused window may bind
the keyboard only after the first key; wtype therefore presses ``VoidSymbol``, which no application acts
on, and pauses before the text (docs/decisions.md, "Wayland: the first key").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time

from keyvox.desktop.output import compositor, gnome, portal, virtual_keyboard
from keyvox.desktop.output.base import OutputFailed, OutputMethod
from keyvox.desktop.output.gnome_paste import GnomeCopy, GnomePaste

# The key that absorbs the keymap change, and the pause after it: 144 of 144 texts whole on the sway rig.
PRIMING_KEY = "VoidSymbol"
PRIMING_PAUSE_MS = 30
PRIMING = ["-k", PRIMING_KEY, "-s", str(PRIMING_PAUSE_MS)]
# wtype types a character in about 6 ms (two round trips and 4 ms of its own pauses each): the
# whole-text time grows with the text, so the limit does too.
TYPE_TIMEOUT_S, TYPE_TIMEOUT_PER_CHAR_S = 10.0, 0.05
# A paste is read within ~30 ms of Ctrl+V on the sway rig; a window that has not read it in this long
# does not take pastes (a game, a dialog without a text field).
PASTE_RECEIPT_S = 2.0
# How often to look whether the paste was read: a ``wl-paste --list-types`` costs about 5 ms.
PASTE_POLL_S = 0.02
TEXT_MIME = "text/plain;charset=utf-8"
NO_VIRTUAL_KEYBOARD = "Compositor does not support the virtual keyboard protocol"
# wtype parses its text as the C library's multibyte text: without a UTF-8 locale it refuses any
# non-ASCII character ("Failed to deencode input argv").
UTF8_ENV = {"LC_ALL": "C.UTF-8"}
KEY_NAMES = {"\n": "Return", "\t": "Tab"}


def wtype_args(text: str) -> list[str]:
    """wtype's arguments for ``text``: the priming key, then text runs with some characters pressed as keys.

    A newline typed as a character would be the keysym U+000A, which text fields ignore, so it is Return
    (a tab is Tab). A run that starts with "-" would read as an option, and wtype's "--" turns every later
    argument into text, so a leading "-" is pressed as the key ``minus``.
    """
    args = list(PRIMING)
    run = ""
    for char in text:
        if char in KEY_NAMES or (char == "-" and not run):
            if run:
                args.append(run)
                run = ""
            args += ["-k", KEY_NAMES.get(char, "minus")]
        else:
            run += char
    if run:
        args.append(run)
    return args


def run_wtype(args: list[str], timeout: float) -> None:
    try:
        done = subprocess.run(
            ["wtype", *args], capture_output=True, timeout=timeout, env={**os.environ, **UTF8_ENV}
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OutputFailed(f"wtype: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = message[-1] if message else f"exit {done.returncode}"
        if NO_VIRTUAL_KEYBOARD in detail:
            raise no_virtual_keyboard()
        raise OutputFailed(f"wtype failed ({detail})")


class _Seat:
    no_virtual_keyboard = False
    """Set once the compositor has shown it has no virtual-keyboard protocol: typing and pasting skip it from then
    on."""


SEAT = _Seat()


class NoVirtualKeyboard(OutputFailed):
    """The compositor (GNOME's Mutter) offers no virtual keyboard: wtype can never type here."""


def no_virtual_keyboard() -> NoVirtualKeyboard:
    """Remember that this compositor has no virtual-keyboard protocol, and the error that says so."""
    SEAT.no_virtual_keyboard = True
    return NoVirtualKeyboard(no_virtual_keyboard_line())


def no_virtual_keyboard_line() -> str:
    desktop = compositor.desktop_name() or "this desktop"
    return (
        f"keyvox cannot type on {desktop}: the compositor has no virtual-keyboard protocol; keyvox uses "
        "ydotool (with ydotoold running) or leaves the text on the clipboard (`keyvox doctor` shows the fix)"
    )


class VirtualKeyboardType:
    """Wayland: type through the virtual-keyboard protocol with keyvox's own client, in bursts without pauses.

    Where it cannot connect or the compositor refuses it, the chain goes on to wtype; where the
    compositor has no such protocol at all (GNOME), wtype and the paste are skipped too.
    """

    name = "virtual keyboard"

    def __init__(self) -> None:
        self.report = lambda line: print(f"keyvox: {line}", file=sys.stderr, flush=True)

    def available(self) -> bool:
        return not SEAT.no_virtual_keyboard

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        try:
            virtual_keyboard.type_text(text)
        except virtual_keyboard.NoProtocol:
            failure = no_virtual_keyboard()
            self.report(str(failure))  # said once: the chain falls back from now on
            raise failure from None


class WtypeType:
    """Wayland: type through the virtual-keyboard protocol with wtype; every Unicode character arrives."""

    name = "wtype"

    def __init__(self) -> None:
        self.report = lambda line: print(f"keyvox: {line}", file=sys.stderr, flush=True)

    def available(self) -> bool:
        return not SEAT.no_virtual_keyboard and shutil.which("wtype") is not None

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        try:
            run_wtype(wtype_args(text), TYPE_TIMEOUT_S + len(text) * TYPE_TIMEOUT_PER_CHAR_S)
        except NoVirtualKeyboard as exc:
            self.report(str(exc))  # said once: the chain falls back from now on
            raise


class YdotoolType:
    """Wayland without a virtual keyboard (GNOME): ``ydotool type`` through ydotoold's uinput device.

    ydotool types key codes of a US layout, so only ASCII arrives as written.
    """

    name = "ydotool"

    def available(self) -> bool:
        return shutil.which("ydotool") is not None

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        try:
            done = subprocess.run(
                ["ydotool", "type", "--", text],
                capture_output=True,
                timeout=TYPE_TIMEOUT_S + len(text) * TYPE_TIMEOUT_PER_CHAR_S,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OutputFailed(f"ydotool: {exc}") from None
        output = (done.stdout + done.stderr).decode("utf-8", "replace")
        # ydotool 1.x exits 0 even when ydotoold is not running; it only says so.
        if done.returncode != 0 or "failed to connect socket" in output or "ydotoold" in output.lower():
            last = output.strip().splitlines()
            raise OutputFailed(
                f"ydotool failed ({last[-1] if last else f'exit {done.returncode}'}); is ydotoold "
                "running? (systemctl --user enable --now ydotool)"
            )


class WaylandPaste:
    """Wayland: the text on the clipboard through wl-copy, then Ctrl+V (Ctrl+Shift+V in terminals).

    wl-copy returns once it holds the selection (it forks a server then), so the key never pastes what
    was there before. The server serves exactly one paste (``--paste-once``) and then the selection is
    gone: that is the receipt that the window took the text. Then, with ``restore``, the user's clipboard
    comes back: text, an image or any other type as it was, and an empty clipboard stays empty.
    """

    def __init__(self, restore: bool) -> None:
        self.restore = restore
        self.name = "clipboard-restore" if restore else "clipboard"

    def available(self) -> bool:
        return not SEAT.no_virtual_keyboard and all(
            shutil.which(tool) for tool in ("wl-copy", "wl-paste", "wtype")
        )

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        saved = save_clipboard() if self.restore else None
        taken = False
        try:
            offer_once(text)
            window = compositor.focused_window()
            shortcut = (
                ["-M", "ctrl", "-M", "shift", "-k", "v", "-m", "shift", "-m", "ctrl"]
                if (window is not None and window.is_terminal)
                else ["-M", "ctrl", "-k", "v", "-m", "ctrl"]
            )
            run_wtype([*PRIMING, *shortcut], TYPE_TIMEOUT_S)
            taken = wait_until_taken(PASTE_RECEIPT_S)
        finally:
            if saved is not None:
                saved.put_back()  # also replaces an offer nobody took
            elif taken:
                SavedClipboard(
                    TEXT_MIME, text.encode("utf-8")
                ).put_back()  # "clipboard" leaves the text there
        if not taken:
            raise OutputFailed("the window did not take the pasted text")


def offer_once(text: str) -> None:
    """Put ``text`` on the clipboard for exactly one paste; returns once wl-copy holds the selection."""
    try:
        # Output not piped: the server wl-copy forks would hold the pipes open.
        done = subprocess.run(
            ["wl-copy", "--paste-once", "--type", TEXT_MIME],
            input=text.encode("utf-8"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=2,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OutputFailed(f"wl-copy: {exc}") from None
    if done.returncode != 0:
        raise OutputFailed(f"wl-copy failed (exit {done.returncode})")


def wait_until_taken(limit_s: float) -> bool:
    """True once the one-paste selection has been read (the selection is then empty)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if not clipboard_types():
            return True
        time.sleep(PASTE_POLL_S)
    return False


def clipboard_types() -> list[str]:
    """The MIME types the clipboard offers now ([] when it is empty). Listing them reads no data."""
    try:
        listed = subprocess.run(["wl-paste", "--list-types"], capture_output=True, timeout=2)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return listed.stdout.decode("utf-8", "replace").split() if listed.returncode == 0 else []


class SavedClipboard:
    """The clipboard as it was: one MIME type and its bytes, or nothing."""

    def __init__(self, mime: str | None, data: bytes) -> None:
        self.mime = mime
        self.data = data

    def put_back(self) -> None:
        try:
            if self.mime is None:
                subprocess.run(
                    ["wl-copy", "--clear"], timeout=2, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            else:
                # stdout/stderr not piped: wl-copy forks a server that would hold the pipes open.
                subprocess.run(
                    ["wl-copy", "--type", self.mime],
                    input=self.data,
                    timeout=2,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
        except (OSError, subprocess.TimeoutExpired):
            pass


def save_clipboard() -> SavedClipboard:
    """What the clipboard holds now, in its first offered type (text stays text, an image an image)."""
    types = clipboard_types()
    if not types:
        return SavedClipboard(None, b"")
    mime = next((t for t in types if t.startswith(TEXT_MIME)), types[0])
    try:
        done = subprocess.run(["wl-paste", "--no-newline", "--type", mime], capture_output=True, timeout=2)
    except (OSError, subprocess.TimeoutExpired):
        return SavedClipboard(None, b"")
    return SavedClipboard(mime, done.stdout) if done.returncode == 0 else SavedClipboard(None, b"")


class WaylandCopy:
    """Wayland last resort: leave the text on the clipboard for the user to paste."""

    name = "wl-copy"

    def available(self) -> bool:
        return shutil.which("wl-copy") is not None

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        try:
            done = subprocess.run(
                ["wl-copy", "--type", TEXT_MIME],
                input=text.encode("utf-8"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=2,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OutputFailed(f"wl-copy: {exc}") from None
        if done.returncode != 0:
            raise OutputFailed("wl-copy failed")
        print("keyvox: text copied to the clipboard; paste it with Ctrl+V", file=sys.stderr, flush=True)


def build(method: str) -> list[OutputMethod]:
    """The Wayland chain for ``[output] method``."""
    # Each knows its desktop; on GNOME the portal (asks the user) first, then mutter's service (asks nothing).
    typers = [portal.PortalType(), gnome.MutterType(), VirtualKeyboardType(), WtypeType(), YdotoolType()]
    # GNOME's clipboard methods say themselves unavailable elsewhere; wl-copy's never reach GNOME's clipboard.
    copy = [GnomeCopy(), WaylandCopy()]
    return {
        "type": typers,
        "clipboard": [GnomePaste(False), WaylandPaste(False), *copy],
        "clipboard-restore": [GnomePaste(True), WaylandPaste(True), *copy],
        "auto": [*typers, GnomePaste(True), WaylandPaste(True), *copy],
    }[method]


def press_backspace(count: int) -> None:
    press_combo("BackSpace", (), count)


def press_combo(key: str, modifiers: tuple[str, ...] = (), count: int = 1) -> None:
    """Press ``key`` (an X keysym name: ``BackSpace``, ``Return``) ``count`` times with ``modifiers``
    (``ctrl``, ``shift``) held: mutter's session on GNOME, else keyvox's virtual keyboard, else wtype."""
    if _on_gnome():
        mods = tuple({"ctrl": gnome.CTRL, "shift": gnome.SHIFT}[mod] for mod in modifiers)
        gnome.press({"Return": gnome.RETURN, "BackSpace": gnome.BACKSPACE}[key], count, mods)
        return
    if SEAT.no_virtual_keyboard:
        raise NoVirtualKeyboard(no_virtual_keyboard_line())
    if not modifiers:
        try:
            virtual_keyboard.press_keys(key, count)
            return
        except virtual_keyboard.NoProtocol:
            raise no_virtual_keyboard() from None
        except OutputFailed:
            if shutil.which("wtype") is None:
                raise
    if shutil.which("wtype") is None:
        raise OutputFailed("pressing a key with a modifier needs wtype on Wayland")
    held = [arg for mod in modifiers for arg in ("-M", mod)]
    freed = [arg for mod in modifiers for arg in ("-m", mod)]
    presses = [*held, *(["-k", key] * count), *freed]
    run_wtype([*PRIMING, *presses], TYPE_TIMEOUT_S + count * TYPE_TIMEOUT_PER_CHAR_S)


def _on_gnome() -> bool:
    return compositor.desktop_name() == "gnome" and gnome.SESSION.available()


# --- keyvox doctor ----------------------------------------------------------------------------------


def doctor_hints() -> list[str]:
    """What typing, the hotkey and context do on this Wayland desktop, with the fix where one is needed."""
    from keyvox.platform.session import Session, detect_session

    if detect_session() is not Session.WAYLAND:
        return []
    desktop = compositor.desktop_name() or "unknown"
    lines = [f"Wayland desktop: {desktop}"]
    has = {tool: shutil.which(tool) is not None for tool in ("wtype", "ydotool", "wl-copy", "wl-paste")}
    if desktop == "gnome":
        from keyvox.desktop.output.gnome_doctor import gnome_hints

        lines += gnome_hints(has["ydotool"])
    else:
        offered = virtual_keyboard.protocol_offered()
        if offered:
            lines.append(
                "typing: keyvox's virtual keyboard (every Unicode character, in bursts as on X11)"
                + (", wtype as the fallback" if has["wtype"] else "")
            )
        elif offered is False:
            lines.append(
                "typing: this compositor has no virtual-keyboard protocol; fix: install ydotool and run "
                "its daemon (ydotoold); without it keyvox leaves the text on the clipboard"
            )
        if not has["wtype"]:
            lines.append(
                "typing: wtype (the fallback, and the key presses for pasting) is missing; fix: install "
                "it (Debian/Ubuntu: sudo apt install wtype; Fedora: sudo dnf install wtype; Arch: sudo "
                "pacman -S wtype)"
            )
        elif offered is None:
            lines.append("typing: wtype (every Unicode character)")
    if not (has["wl-copy"] and has["wl-paste"]):
        lines.append("clipboard: wl-clipboard is missing; fix: install it (sudo apt install wl-clipboard)")
    hotkey = {
        "gnome": "Settings > Keyboard > Custom Shortcuts: `keyvox toggle` (GNOME runs shortcuts on press only)",
        "kde": "System Settings > Shortcuts > Custom Shortcuts: `keyvox press` on press, or `keyvox toggle`",
    }
    lines.append(
        'hotkey: bind a key to `keyvox press` / `keyvox release` and set [hotkey] backend = "command"; '
        + hotkey.get(desktop, "see docs/wayland.md for sway and Hyprland")
    )
    context = (
        "from the compositor's IPC"
        if desktop in ("sway", "hyprland")
        else "not told by this desktop (none used)"
    )
    lines.append(f"focused window: {context}")
    return lines
