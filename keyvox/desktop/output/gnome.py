"""Typing on GNOME Wayland: mutter's own remote-desktop service on the session bus.

GNOME does not offer the virtual-keyboard protocol (wtype and keyvox's own virtual keyboard fail there),
and uinput needs root. Mutter's ``org.gnome.Mutter.RemoteDesktop`` takes key events from a session that
a client creates and starts on the session bus; the session lives as long as the client's connection,
so one is kept open for the daemon's life. Keys are sent as keysyms, which mutter maps through the
current keymap: characters the layout has no key for ("ü" on a US layout, "é", emoji, CJK) are typed
as GTK's Unicode entry, Ctrl+Shift+U, the hex code point and a space, which GTK 3 and GTK 4 text views
(and IBus) take. Measured on the headless GNOME rig (mutter 43): "hello gnome ümlaut é 😀 中文 end"
arrived whole in GTK 3 and GTK 4 windows; without a first key the session drops the first character,
so a Shift tap goes first.

The desktop portal (``org.freedesktop.portal.RemoteDesktop``, consent once and a restore token) is the
route sandboxed apps must take; keyvox is not sandboxed, and mutter's service asks nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from keyvox.desktop.output.base import OutputFailed, PartlyInserted
from keyvox.desktop.output.compositor import desktop_name
from keyvox.desktop.output.session_bus import answer

SERVICE = "org.gnome.Mutter.RemoteDesktop"
OBJECT = "/org/gnome/Mutter/RemoteDesktop"
SESSION_INTERFACE = "org.gnome.Mutter.RemoteDesktop.Session"

SHIFT, CTRL, RETURN, TAB, BACKSPACE, SPACE = 0xFFE1, 0xFFE3, 0xFF0D, 0xFF09, 0xFF08, 0x20
PRIME_PAUSE_S = 0.03
"""After the first key of a new session: without it mutter dropped the first character ("ello gnome")."""
CALL_TIMEOUT_S = 5.0


def key_taps(text: str) -> Iterator[list[tuple[int, bool]]]:
    """Per character, the (keysym, pressed) events that type it."""
    for char in text:
        if char == "\n":
            yield [(RETURN, True), (RETURN, False)]
        elif char == "\t":
            yield [(TAB, True), (TAB, False)]
        elif " " <= char <= "~":  # ASCII: every layout keyvox knows has a key (with Shift) for these
            yield [(ord(char), True), (ord(char), False)]
        else:
            digits = [ord(d) for d in f"{ord(char):x}"]
            held = [
                (CTRL, True),
                (SHIFT, True),
                (ord("u"), True),
                (ord("u"), False),
                (SHIFT, False),
                (CTRL, False),
            ]
            yield (
                held
                + [event for d in digits for event in ((d, True), (d, False))]
                + [(SPACE, True), (SPACE, False)]
            )


class MutterSession:
    """One remote-desktop session on the session bus, opened at first use and kept (mutter ends a session
    when its client's connection closes); reopened when mutter or the bus restarted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connection = None
        self._session = None

    def available(self) -> bool:
        """Whether mutter's service is on this session's bus (asked without opening a session)."""
        from jeepney import new_method_call
        from jeepney.bus_messages import message_bus

        with self._lock:
            if self._session is not None:
                return True
            try:
                connection = self._connect()
            except OutputFailed:
                return False
            try:
                call = new_method_call(message_bus, "NameHasOwner", "s", (SERVICE,))
                owned = connection.send_and_get_reply(call, timeout=CALL_TIMEOUT_S).body == (True,)
            except (OSError, EOFError, TimeoutError):
                owned = False
            if not owned:
                self._drop()
            return owned

    def send(self, taps: Iterator[list[tuple[int, bool]]], keys_up: threading.Event | None = None) -> None:
        """Send every character's key events, pausing while the user holds the hotkey down."""
        with self._lock:
            fresh = self._session is None
            session = self._open()
            sent = 0
            try:
                if fresh:
                    self._key(session, SHIFT, True)
                    self._key(session, SHIFT, False)
                    time.sleep(PRIME_PAUSE_S)
                for events in taps:
                    if keys_up is not None and not keys_up.is_set():
                        self._sync(session)  # what was sent lands before the pause
                        keys_up.wait(120.0)  # a letter typed while a modifier is held becomes a shortcut
                    for keysym, pressed in events:
                        self._key(session, keysym, pressed, wait=False)
                    sent += 1
                self._sync(session)
            except (OSError, EOFError, TimeoutError, OutputFailed) as exc:
                self._drop()
                error = PartlyInserted if sent else OutputFailed
                raise error(f"gnome remote desktop: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _open(self):
        from jeepney import DBusAddress, new_method_call

        if self._session is not None:
            return self._session
        connection = self._connect()
        desktop = DBusAddress(OBJECT, bus_name=SERVICE, interface="org.gnome.Mutter.RemoteDesktop")
        try:
            path = self._call(connection, new_method_call(desktop, "CreateSession"))[0]
            session = DBusAddress(path, bus_name=SERVICE, interface=SESSION_INTERFACE)
            self._call(connection, new_method_call(session, "Start"))
        except (OSError, EOFError, TimeoutError) as exc:
            self._drop()
            raise OutputFailed(f"gnome remote desktop: {exc}") from None
        self._session = session
        return session

    def _key(self, session, keysym: int, pressed: bool, *, wait: bool = True) -> None:
        """One key event; ``wait=False`` sends it without waiting for mutter's answer (a round trip each
        made 300 characters take 0.64 s; the bus keeps the order, and ``_sync`` waits for all of them)."""
        from jeepney import MessageFlag, new_method_call

        message = new_method_call(session, "NotifyKeyboardKeysym", "ub", (keysym, pressed))
        if wait:
            self._call(self._connection, message)
            return
        message.header.flags |= MessageFlag.no_reply_expected
        self._connection.send(message)

    def _sync(self, session) -> None:
        """Wait until mutter has handled every key event sent so far (it answers calls in order)."""
        from jeepney import Properties

        self._call(self._connection, Properties(session).get("SessionId"))

    @staticmethod
    def _call(connection, message) -> tuple:
        return answer(connection.send_and_get_reply(message, timeout=CALL_TIMEOUT_S), "mutter refused")

    def _connect(self):
        if self._connection is not None:
            return self._connection
        try:
            from jeepney.io.blocking import open_dbus_connection
        except ImportError:
            raise OutputFailed("gnome remote desktop needs jeepney: pip install 'keyvox[desktop]'") from None
        try:
            self._connection = open_dbus_connection(bus="SESSION")
        except (KeyError, OSError, ValueError, EOFError) as exc:
            raise OutputFailed(f"no session bus ({exc})") from None
        return self._connection

    def _drop(self) -> None:
        connection, self._connection, self._session = self._connection, None, None
        if connection is not None:
            try:
                connection.close()
            except OSError:
                pass


SESSION = MutterSession()
"""The one remote-desktop session of this process."""


class MutterType:
    """An output method: type through mutter's remote-desktop session (GNOME on Wayland)."""

    name = "gnome remote desktop"

    def available(self) -> bool:
        return desktop_name() == "gnome" and SESSION.available()

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        SESSION.send(key_taps(text), keys_up)


def press(keysym: int, count: int = 1, modifiers: tuple[int, ...] = ()) -> None:
    """Press one key ``count`` times with ``modifiers`` held (BackSpace for "scratch that", Enter to submit)."""
    held = [(mod, True) for mod in modifiers]
    freed = [(mod, False) for mod in reversed(modifiers)]
    SESSION.send(iter([held + [(keysym, True), (keysym, False)] + freed] * count))
