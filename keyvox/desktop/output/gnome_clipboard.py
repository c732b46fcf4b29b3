"""The clipboard on GNOME Wayland, through mutter's remote-desktop session.

``wl-copy`` and ``wl-paste`` need a surface with keyboard focus on GNOME ("This seat has no keyboard",
or a selection nobody sees), and keyvox has none. Mutter's ``org.gnome.Mutter.RemoteDesktop.Session``
carries a clipboard of its own: ``EnableClipboard``, then ``SetSelection`` offers MIME types, and each
paste arrives as a ``SelectionTransfer`` signal that keyvox answers through ``SelectionWrite`` (a pipe
it writes the bytes into) and ``SelectionWriteDone``; ``SelectionRead`` reads whatever another client
holds. The signal is also the receipt that a window took a paste. Checked on the headless GNOME rig
(mutter 43): a GTK 4 window read "Grüße é 😀 中文" that keyvox offered, and keyvox read back what the
window had copied.

The selection is served by keyvox's connection, so it lasts while keyvox runs; mutter's clipboard
manager keeps a copy of text when its owner goes.
"""

from __future__ import annotations

import os
import select
import threading
import time

from keyvox.desktop.output.base import OutputFailed
from keyvox.desktop.output.session_bus import answer, close_router

SERVICE = "org.gnome.Mutter.RemoteDesktop"
OBJECT = "/org/gnome/Mutter/RemoteDesktop"
SESSION_INTERFACE = "org.gnome.Mutter.RemoteDesktop.Session"
TEXT_MIME = "text/plain;charset=utf-8"
TEXT_MIMES = (TEXT_MIME, "text/plain", "UTF8_STRING", "STRING", "TEXT")
"""What an offer of text lists: GTK asks for the first, X11 clients through Xwayland for the others."""
CALL_TIMEOUT_S = 5.0
MANAGER_COPY_S = 0.5
"""How long to wait for mutter's clipboard manager to copy a new text offer (it did within a few ms on the
rig); a paste counts only after that copy."""
READ_TIMEOUT_S = 2.0
"""How long reading another client's selection may take; a client that has not written in this long
(a frozen window) leaves the clipboard unread rather than holding dictation."""


class Saved:
    """The clipboard as it was: its offered MIME types and the bytes of each that could be read."""

    def __init__(self, contents: dict[str, bytes]) -> None:
        self.contents = contents

    @property
    def text(self) -> str | None:
        for mime in TEXT_MIMES:
            if mime in self.contents:
                return self.contents[mime].decode("utf-8", "replace")
        return None


class MutterClipboard:
    """One remote-desktop session with its clipboard enabled, opened at first use and kept (the selection
    keyvox offers is served from it); reopened when mutter or the bus restarted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._router = None
        self._opened = None
        self._session = None
        self._held: dict[str, bytes] = {}
        self._others: list[str] = []
        """The MIME types another client's selection offers (from SelectionOwnerChanged)."""
        self._owned = False
        self._transfers = 0
        self._changed = threading.Condition()

    def read(self) -> Saved:
        """What the clipboard holds now (every type another client offers, or keyvox's own offer)."""
        with self._lock:
            session = self._open()
            if self._owned:
                return Saved(dict(self._held))
            contents = {}
            for mime in list(self._others):
                data = self._read_one(session, mime)
                if data is not None:
                    contents[mime] = data
            return Saved(contents)

    def offer(self, contents: dict[str, bytes]) -> int:
        """Own the clipboard with ``contents``; returns the count of transfers so far (see ``wait_taken``)."""
        with self._lock:
            session = self._open()
            if not contents:
                return self._transfers  # mutter has no call that empties the clipboard
            self._held = dict(contents)
            self._call(session, "SetSelection", "a{sv}", ({"mime-types": ("as", list(contents))},))
            with self._changed:
                self._owned = True
                return self._transfers

    def offer_text(self, text: str) -> int:
        """Own the clipboard with ``text``; returns the transfer count once mutter's clipboard manager has
        taken its copy (it reads every new text selection once, right away), so that the next transfer is
        a window's paste."""
        since = self.offer(dict.fromkeys(TEXT_MIMES, text.encode("utf-8")))
        self.wait_taken(since, MANAGER_COPY_S)
        with self._changed:
            return self._transfers

    def wait_taken(self, since: int, limit_s: float) -> bool:
        """True once a client has read keyvox's offer after ``since`` transfers (a window took the paste)."""
        deadline = time.monotonic() + limit_s
        with self._changed:
            while self._transfers <= since:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def available(self) -> bool:
        try:
            with self._lock:
                self._open()
        except OutputFailed:
            return False
        return True

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _open(self):
        if self._session is not None:
            return self._session
        self._drop()  # a router whose bus went away
        from jeepney import DBusAddress, MatchRule, message_bus

        try:
            from jeepney.io.threading import open_dbus_router
        except ImportError:
            raise OutputFailed("the GNOME clipboard needs jeepney: pip install 'keyvox[desktop]'") from None
        try:
            self._opened = open_dbus_router(bus="SESSION", enable_fds=True)
            self._router = self._opened.__enter__()
        except (KeyError, OSError, ValueError, EOFError) as exc:
            self._opened = self._router = None
            raise OutputFailed(f"no session bus ({exc})") from None
        desktop = DBusAddress(OBJECT, bus_name=SERVICE, interface="org.gnome.Mutter.RemoteDesktop")
        try:
            path = self._call(desktop, "CreateSession")[0]
            session = DBusAddress(path, bus_name=SERVICE, interface=SESSION_INTERFACE)
            rule = MatchRule(type="signal", interface=SESSION_INTERFACE, path=path)
            signals = self._router.filter(rule, bufsize=64)
            bus = DBusAddress(
                "/org/freedesktop/DBus", bus_name=message_bus.bus_name, interface=message_bus.interface
            )
            self._call(bus, "AddMatch", "s", (rule.serialise(),))
            self._call(session, "EnableClipboard", "a{sv}", ({},))
            self._call(session, "Start")
        except (OSError, EOFError, TimeoutError, OutputFailed) as exc:
            self._drop()
            raise OutputFailed(f"gnome clipboard: {exc}") from None
        self._session = session
        self._owned, self._others, self._held = False, [], {}
        threading.Thread(
            target=self._serve, args=(session, signals), name="keyvox-gnome-clipboard", daemon=True
        ).start()
        return session

    def _serve(self, session, signals) -> None:
        """Answer pastes from keyvox's offer and follow who owns the clipboard, until the session ends."""
        from jeepney.io.threading import ReceiveStopped, RouterClosed

        while True:
            try:
                message = signals.queue.get()
            except (ReceiveStopped, RouterClosed):
                return
            member = message.header.fields.get(3)
            if member == "SelectionTransfer":
                self._transfer(session, *message.body)
            elif member == "SelectionOwnerChanged":
                options = message.body[0]
                owned = bool(options.get("session-is-owner", ("b", False))[1])
                mimes = options.get("mime-types", ("as", []))[1]
                mimes = list(mimes[0] if mimes and isinstance(mimes[0], list) else mimes)
                with self._changed:
                    self._owned = owned
                    self._others = [] if owned else mimes
            elif member == "Closed":
                return

    def _transfer(self, session, mime: str, serial: int) -> None:
        data = self._held.get(mime)
        try:
            if data is None:
                self._call(session, "SelectionWriteDone", "ub", (serial, False))
                return
            handle = self._call(session, "SelectionWrite", "u", (serial,))[0]
            with handle.to_file("wb") as pipe:
                pipe.write(data)
            self._call(session, "SelectionWriteDone", "ub", (serial, True))
        except (OSError, EOFError, TimeoutError, OutputFailed):
            return
        with self._changed:
            self._transfers += 1
            self._changed.notify_all()

    def _read_one(self, session, mime: str) -> bytes | None:
        try:
            handle = self._call(session, "SelectionRead", "s", (mime,))[0]
        except (OSError, EOFError, TimeoutError, OutputFailed):
            return None
        with handle.to_file("rb", buffering=0) as pipe:
            chunks, deadline = [], time.monotonic() + READ_TIMEOUT_S
            while (left := deadline - time.monotonic()) > 0:
                if not select.select([pipe], [], [], left)[0]:
                    return None
                chunk = os.read(pipe.fileno(), 65536)
                if not chunk:
                    return b"".join(chunks)
                chunks.append(chunk)
        return None

    def _call(self, address, method: str, signature: str | None = None, body: tuple = ()) -> tuple:
        from jeepney import new_method_call

        if self._router is None:
            raise OutputFailed("no session bus")
        try:
            reply = self._router.send_and_get_reply(
                new_method_call(address, method, signature, body), timeout=CALL_TIMEOUT_S
            )
        except Exception as exc:  # the router's thread ended (bus gone): the next use reopens
            if isinstance(exc, OutputFailed):
                raise
            self._session = None
            raise OutputFailed(f"session bus: {exc}") from None
        return answer(reply, f"mutter refused {method}")

    def _drop(self) -> None:
        opened, self._opened, self._router, self._session = self._opened, None, None, None
        close_router(opened)


CLIPBOARD = MutterClipboard()
"""The one GNOME clipboard session of this process."""


def on_gnome_wayland() -> bool:
    from keyvox.desktop.output.compositor import desktop_name
    from keyvox.platform.session import Session, detect_session

    return detect_session() is Session.WAYLAND and desktop_name() == "gnome"
