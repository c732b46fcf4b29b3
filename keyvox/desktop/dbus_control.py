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
import queue
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


class DBusControl(Observer):
    """Owns ``io.keyvox.Keyvox`` on the session bus while the daemon runs; commands go to ``handler``."""

    def __init__(self, handler: Callable[[Command], None]) -> None:
        self.handler = handler
        self.state = DaemonState.IDLE
        self._router = None
        self._calls: queue.Queue = queue.Queue(64)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Connect and claim the name; raises ``DBusUnavailable`` (the daemon then runs without it)."""
        try:
            from jeepney import DBusAddress, MatchRule, new_method_call
            from jeepney.bus_messages import message_bus
            from jeepney.io.threading import DBusRouter, open_dbus_connection
        except ImportError:
            raise DBusUnavailable(INSTALL_HINT) from None
        try:
            connection = open_dbus_connection(bus="SESSION")
        except KeyError:
            raise DBusUnavailable(
                "D-Bus control is off: no session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
            ) from None
        except (OSError, ValueError) as exc:
            raise DBusUnavailable(f"D-Bus control is off: cannot reach the session bus ({exc})") from None
        router = DBusRouter(connection)
        router.filter(MatchRule(type="method_call"), queue=self._calls)
        reply = router.send_and_get_reply(
            new_method_call(message_bus, "RequestName", "su", (BUS_NAME, 4)), timeout=5
        )  # 4: do not queue behind another owner
        if reply.body != (1,):  # 1: primary owner
            router.close()
            connection.close()
            raise DBusUnavailable(f"D-Bus control is off: {BUS_NAME} is already owned by another program")
        self._router = router
        self._address = DBusAddress(OBJECT_PATH, interface=INTERFACE)
        self._properties = DBusAddress(OBJECT_PATH, interface=PROPERTIES)
        self._thread = threading.Thread(target=self._serve, name="keyvox-dbus", daemon=True)
        self._thread.start()

    def on_state(self, state: DaemonState) -> None:
        from jeepney import new_signal

        self.state = state
        router = self._router
        if router is None:
            return
        value = self.state.value
        router.send(new_signal(self._address, "StateChanged", "s", (value,)))
        router.send(
            new_signal(
                self._properties, "PropertiesChanged", "sa{sv}as", (INTERFACE, {"State": ("s", value)}, [])
            )
        )

    def close(self) -> None:
        router, self._router = self._router, None
        if router is None:
            return
        try:
            self._calls.put_nowait(None)
        except queue.Full:
            pass
        router.close()
        router.conn.close()

    # --- the bus thread ----------------------------------------------------------------------------

    def _serve(self) -> None:
        while True:
            call = self._calls.get()
            if call is None:
                return
            router = self._router
            if router is None:
                return
            try:
                router.send(self._answer(call))
            except Exception:  # one bad call must not end the service
                log.exception("D-Bus call failed")

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
