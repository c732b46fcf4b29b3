"""Typing on GNOME through the desktop portal: ``org.freedesktop.portal.RemoteDesktop``.

The sanctioned route for applications: ``CreateSession``, ``SelectDevices`` (a keyboard; with
``persist_mode`` 2 and the restore token kept from last time where the portal is version 2 or later),
``Start``, which asks the user once in GNOME's "Remote desktop" dialog ("Allow remote interaction",
then Share), then ``NotifyKeyboardKeysym``. The restore token the portal hands back is kept in keyvox's
state folder, so later starts do not ask again. Debian 12's portal (xdg-desktop-portal 1.16 with
xdg-desktop-portal-gnome 43) offers RemoteDesktop version 1: it asks at every start and hands back no
token. A refused or unanswered dialog falls back to mutter's own service (gnome.py), which asks nothing.
Keys are the same keysyms as there (``gnome.key_taps``: Ctrl+Shift+U for characters outside the layout).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator

from keyvox.desktop.output.base import OutputFailed, PartlyInserted
from keyvox.desktop.output.compositor import desktop_name
from keyvox.desktop.output.gnome import PRIME_PAUSE_S, SHIFT, key_taps
from keyvox.desktop.output.session_bus import answer, close_router
from keyvox.platform.dirs import user_state_dir

SERVICE = "org.freedesktop.portal.Desktop"
OBJECT = "/org/freedesktop/portal/desktop"
INTERFACE = "org.freedesktop.portal.RemoteDesktop"
KEYBOARD = 1
PERSIST_UNTIL_REVOKED = 2
CONSENT_WAIT_S = 120.0
"""How long the first dictation waits for the user to answer the portal's dialog; the text waits with it."""
CALL_TIMEOUT_S = 5.0
TOKEN_FILE = "portal-restore-token"


def token_path():
    return user_state_dir() / TOKEN_FILE


class PortalSession:
    """One portal remote-desktop session, started at first use and kept for the process's life."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._opened = self._router = self._session = None
        self._responses = None
        self.refused = False
        """Set once the user refused (or did not answer) the dialog: not asked again in this run."""

    def available(self) -> bool:
        with self._lock:
            if self._session is not None:
                return True
            if self.refused:
                return False
            try:
                self._connect()
                return self._running() and self.version() >= 1
            except OutputFailed:
                self._drop()
                return False

    def _running(self) -> bool:
        """Whether the portal runs now: asked without starting it (the bus would start it by its service
        file, and with the environment of whoever started the bus)."""
        from jeepney import new_method_call
        from jeepney.bus_messages import message_bus

        return self._call(new_method_call(message_bus, "NameHasOwner", "s", (SERVICE,))) == (True,)

    def version(self) -> int:
        """The portal's RemoteDesktop version (0 when the interface is not there)."""
        from jeepney import DBusAddress, Properties

        try:
            body = self._call(
                Properties(DBusAddress(OBJECT, bus_name=SERVICE, interface=INTERFACE)).get("version")
            )
        except OutputFailed:
            return 0
        return int(body[0][1])

    def send(self, taps: Iterator[list[tuple[int, bool]]], keys_up: threading.Event | None = None) -> None:
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
                        keys_up.wait(120.0)  # a letter typed while a modifier is held becomes a shortcut
                    for keysym, pressed in events:
                        self._key(session, keysym, pressed)
                    sent += 1
            except OutputFailed as exc:
                self._drop()
                raise (PartlyInserted if sent else OutputFailed)(f"remote desktop portal: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _key(self, session: str, keysym: int, pressed: bool) -> None:
        from jeepney import DBusAddress, new_method_call

        portal = DBusAddress(OBJECT, bus_name=SERVICE, interface=INTERFACE)
        self._call(
            new_method_call(portal, "NotifyKeyboardKeysym", "oa{sv}iu", (session, {}, keysym, int(pressed)))
        )

    def _open(self) -> str:
        if self._session is not None:
            return self._session
        from jeepney import DBusAddress, new_method_call

        self._connect()
        portal = DBusAddress(OBJECT, bus_name=SERVICE, interface=INTERFACE)
        token = "keyvox_" + secrets.token_hex(4)
        results = self._request(
            new_method_call(
                portal,
                "CreateSession",
                "a{sv}",
                ({"handle_token": ("s", token + "_c"), "session_handle_token": ("s", token)},),
            ),
            token + "_c",
            CALL_TIMEOUT_S,
        )
        session = results["session_handle"][1]
        options = {"handle_token": ("s", token + "_d"), "types": ("u", KEYBOARD)}
        if self.version() >= 2:
            options["persist_mode"] = ("u", PERSIST_UNTIL_REVOKED)
            saved = _read_token()
            if saved:
                options["restore_token"] = ("s", saved)
        self._request(
            new_method_call(portal, "SelectDevices", "oa{sv}", (session, options)),
            token + "_d",
            CALL_TIMEOUT_S,
        )
        start = new_method_call(
            portal, "Start", "osa{sv}", (session, "", {"handle_token": ("s", token + "_s")})
        )
        try:
            started = self._request(start, token + "_s", CONSENT_WAIT_S)
        except OutputFailed:
            self.refused = True
            self._drop()
            raise
        if "restore_token" in started:
            _write_token(started["restore_token"][1])
        self._session = session
        return session

    def _request(self, message, handle_token: str, wait_s: float) -> dict:
        """Call a portal method that answers through a Request object's ``Response`` signal."""
        sender = self._router.unique_name[1:].replace(".", "_")
        path = f"{OBJECT}/request/{sender}/{handle_token}"
        self._call(message)
        deadline = time.monotonic() + wait_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                signal = self._responses.queue.get(timeout=left)
            except Exception:
                break
            if signal.header.fields.get(1) == path:
                code, results = signal.body
                if code != 0:
                    raise OutputFailed(
                        "the user did not allow remote interaction" if code == 1 else "refused"
                    )
                return results
        raise OutputFailed("no answer from the portal's dialog")

    def _connect(self) -> None:
        if self._router is not None:
            return
        try:
            from jeepney import DBusAddress, MatchRule, message_bus
            from jeepney.io.threading import open_dbus_router
        except ImportError:
            raise OutputFailed(
                "the remote desktop portal needs jeepney: pip install 'keyvox[desktop]'"
            ) from None
        try:
            self._opened = open_dbus_router(bus="SESSION")
            self._router = self._opened.__enter__()
        except (KeyError, OSError, ValueError, EOFError) as exc:
            self._opened = self._router = None
            raise OutputFailed(f"no session bus ({exc})") from None
        rule = MatchRule(type="signal", interface="org.freedesktop.portal.Request", member="Response")
        self._responses = self._router.filter(rule, bufsize=16)
        bus = DBusAddress(
            "/org/freedesktop/DBus", bus_name=message_bus.bus_name, interface=message_bus.interface
        )
        from jeepney import new_method_call

        self._call(new_method_call(bus, "AddMatch", "s", (rule.serialise(),)))

    def _call(self, message) -> tuple:
        if self._router is None:
            raise OutputFailed("no session bus")
        try:
            reply = self._router.send_and_get_reply(message, timeout=CALL_TIMEOUT_S)
        except Exception as exc:  # the bus went away: the next use reconnects
            self._session = None
            raise OutputFailed(f"session bus: {exc}") from None
        return answer(reply, "the portal refused")

    def _drop(self) -> None:
        opened, self._opened, self._router, self._session = self._opened, None, None, None
        close_router(opened)


def _read_token() -> str:
    try:
        return token_path().read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _write_token(token: str) -> None:
    try:
        path = token_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(token + "\n", encoding="utf-8")
        path.chmod(0o600)
    except OSError:
        pass  # the dialog asks again next time


PORTAL = PortalSession()
"""The one portal session of this process."""


class PortalType:
    """An output method: type through the desktop portal's remote-desktop session (GNOME, where it is)."""

    name = "remote desktop portal"

    def available(self) -> bool:
        return desktop_name() == "gnome" and PORTAL.available()

    def insert(self, text: str, *, keys_up: threading.Event | None = None) -> None:
        PORTAL.send(key_taps(text), keys_up)
