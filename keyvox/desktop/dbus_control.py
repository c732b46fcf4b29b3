"""Control keyvox over the D-Bus session bus (Linux): the same commands as ``keyvox toggle|press|...``.

Name ``io.keyvox.Keyvox``, object ``/io/keyvox/Keyvox``, interface ``io.keyvox.Keyvox``:
methods ``Toggle``, ``Press``, ``Release``, ``Pause``, ``Resume`` (no arguments), a read-only ``State``
property (``idle``, ``recording``, ``processing``, ``paused``, ``error``) and a ``StateChanged(s)`` signal
(``org.freedesktop.DBus.Properties.PropertiesChanged`` is sent too).

Library: jeepney, pure Python with no dependencies (~13 ms to import); its threaded router fits a daemon
whose other parts are threads, where dbus-fast would need an asyncio loop of its own and dbus-python a C
build.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from keyvox.core.presence import Observer
from keyvox.vocabulary import Command, DaemonState

log = logging.getLogger(__name__)

BUS_NAME = "io.keyvox.Keyvox"
OBJECT_PATH = "/io/keyvox/Keyvox"
INTERFACE = "io.keyvox.Keyvox"
METHODS = {command.value.capitalize(): command for command in Command}
"""``Toggle`` → ``Command.TOGGLE``: each command is a method without arguments."""
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
INSTALL_HINT = "D-Bus control is off: install it with `pip install 'keyvox[desktop]'` (jeepney)"

INTROSPECTION = f"""<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="{INTERFACE}">
{"".join(f'    <method name="{name}"/>{chr(10)}' for name in METHODS)}    <property name="State" type="s" access="read">
      <annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="true"/>
    </property>
    <signal name="StateChanged"><arg name="state" type="s"/></signal>
  </interface>
  <interface name="{PROPERTIES}">
    <method name="Get">
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="out"/>
    </method>
    <method name="GetAll"><arg type="s" direction="in"/><arg type="a{{sv}}" direction="out"/></method>
    <signal name="PropertiesChanged"><arg type="s"/><arg type="a{{sv}}"/><arg type="as"/></signal>
  </interface>
  <interface name="{INTROSPECTABLE}">
    <method name="Introspect"><arg type="s" direction="out"/></method>
  </interface>
</node>
"""


class DBusUnavailable(Exception):
    """No jeepney, no session bus, or the name is taken; the message says which, in one line."""


RECONNECT_S = 2.0
"""How often a lost session bus is looked for again (a connect attempt costs about a millisecond)."""


class DBusControl(Observer):
    """Owns ``io.keyvox.Keyvox`` on the session bus while the daemon runs; commands go to ``handler``.

    One thread (``keyvox-dbus``) receives and answers calls. When the bus goes away (the session ends, the
    bus daemon restarts), it says so in one line through ``report``, keeps looking for the bus every
    ``RECONNECT_S``, and says so again once the name is back: dictation never notices."""

    def __init__(self, handler: Callable[[Command], None], report: Callable[[str], None] = print) -> None:
        self.handler = handler
        self.report = report
        self.state = DaemonState.IDLE
        self._connection = None
        self._send_lock = threading.Lock()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Connect and claim the name; raises ``DBusUnavailable`` (the daemon then runs without it)."""
        try:
            import jeepney  # noqa: F401  (only to say what is missing before anything else)
        except ImportError:
            raise DBusUnavailable(INSTALL_HINT) from None
        self._connection = _claim()
        self._thread = threading.Thread(target=self._run, name="keyvox-dbus", daemon=True)
        self._thread.start()

    def on_state(self, state: DaemonState) -> None:
        from jeepney import DBusAddress, new_signal

        self.state = state
        value = state.value
        self._send(new_signal(DBusAddress(OBJECT_PATH, interface=INTERFACE), "StateChanged", "s", (value,)))
        self._send(
            new_signal(
                DBusAddress(OBJECT_PATH, interface=PROPERTIES),
                "PropertiesChanged",
                "sa{sv}as",
                (INTERFACE, {"State": ("s", value)}, []),
            )
        )

    def close(self) -> None:
        self._closing.set()
        connection, self._connection = self._connection, None
        if connection is not None:
            _shut(connection)
        if self._thread is not None:
            self._thread.join(1.0)

    # --- the bus thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._closing.is_set():
            connection = self._connection
            if connection is not None:
                self._serve(connection)
            if self._closing.is_set():
                return
            self._connection = None
            self.report("keyvox: the D-Bus session bus went away; D-Bus control is off until it is back")
            self._connection = self._reconnect()
            if self._connection is not None:
                self.report("keyvox: D-Bus control is back on the session bus")
                self.on_state(self.state)

    def _serve(self, connection) -> None:
        """Answer calls until the connection fails or is closed."""
        while not self._closing.is_set():
            try:
                call = connection.receive()
            except (OSError, EOFError, ValueError):  # the bus hung up, or close() shut the socket
                return
            if call.header.message_type.name != "method_call":
                continue
            try:
                self._send(self._answer(call), connection)
            except Exception:  # one bad call must not end the service
                log.exception("D-Bus call failed")

    def _reconnect(self):
        while not self._closing.wait(RECONNECT_S):
            try:
                return _claim()
            except DBusUnavailable:
                continue
        return None

    def _send(self, message, connection=None) -> None:
        connection = connection or self._connection
        if connection is None:
            return  # off until the bus is back: the state is sent again then
        with self._send_lock:
            try:
                connection.send(message)
            except OSError:  # the bus thread notices too, and reconnects
                pass

    def _answer(self, call):
        from jeepney import HeaderFields, new_error, new_method_return

        fields = call.header.fields
        interface = fields.get(HeaderFields.interface)
        member = fields.get(HeaderFields.member)
        path = fields.get(HeaderFields.path)
        if path != OBJECT_PATH:
            return new_error(call, "org.freedesktop.DBus.Error.UnknownObject", "s", (f"no object {path}",))
        if member in METHODS and interface in (INTERFACE, None):
            self.handler(METHODS[member])
            return new_method_return(call)
        if member == "Introspect" and interface in (INTROSPECTABLE, None):
            return new_method_return(call, "s", (INTROSPECTION,))
        if interface == PROPERTIES and member == "GetAll":
            return new_method_return(call, "a{sv}", ({"State": ("s", self.state.value)},))
        if interface == PROPERTIES and member == "Get" and call.body[1:] == ("State",):
            return new_method_return(call, "v", (("s", self.state.value),))
        if interface == PROPERTIES and member == "Set":
            return new_error(
                call, "org.freedesktop.DBus.Error.PropertyReadOnly", "s", ("State is read-only",)
            )
        return new_error(
            call,
            "org.freedesktop.DBus.Error.UnknownMethod",
            "s",
            (f"{interface}.{member} is not a keyvox method",),
        )


def _claim():
    """A connection to the session bus that owns ``BUS_NAME``; raises ``DBusUnavailable`` in one line."""
    from jeepney import new_method_call
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    try:
        connection = open_dbus_connection(bus="SESSION")
    except KeyError:
        raise DBusUnavailable(
            "D-Bus control is off: no session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
        ) from None
    except (OSError, ValueError, EOFError) as exc:
        raise DBusUnavailable(f"D-Bus control is off: cannot reach the session bus ({exc})") from None
    try:
        reply = connection.send_and_get_reply(
            new_method_call(message_bus, "RequestName", "su", (BUS_NAME, 4)), timeout=5
        )  # 4: do not queue behind another owner
    except (OSError, EOFError, TimeoutError) as exc:
        _shut(connection)
        raise DBusUnavailable(f"D-Bus control is off: the session bus did not answer ({exc})") from None
    if reply.body != (1,):  # 1: primary owner
        _shut(connection)
        raise DBusUnavailable(f"D-Bus control is off: {BUS_NAME} is already owned by another program")
    return connection


def _shut(connection) -> None:
    """Close the socket so a thread blocked in ``receive`` wakes up at once."""
    import socket

    try:
        connection.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()
