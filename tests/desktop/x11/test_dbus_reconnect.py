"""The session bus going away under a running daemon: one line, no traceback, and D-Bus control and
dictation go on once a bus is back at the same address (as after a bus restart)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.helpers.x11.rig import Keyvox, wer

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[output]
method = "type"
"""


def start_bus(path) -> subprocess.Popen:
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address=unix:path={path}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    bus.stdout.readline()  # the address: it is listening
    return bus


def call(address: str, method: str) -> None:
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    keyvox = DBusAddress("/io/keyvox/Keyvox", bus_name="io.keyvox.Keyvox", interface="io.keyvox.Keyvox")
    with open_dbus_connection(bus=address) as connection:
        reply = connection.send_and_get_reply(new_method_call(keyvox, method), timeout=5)
    assert reply.header.message_type.name == "method_return", reply.body


def test_the_bus_going_away_is_one_line_and_control_comes_back(desktop, window, manifest, tmp_path):
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon not installed (scripts/test.sh installs it)")
    pytest.importorskip("jeepney")
    socket = tmp_path / "bus"
    address = f"unix:path={socket}"
    bus = start_bus(socket)
    keyvox = Keyvox(tmp_path, {**desktop.env, "DBUS_SESSION_BUS_ADDRESS": address}, CONFIG, name="dbus")
    try:
        keyvox.wait_for(r"^Ready: hold Right Ctrl", 120)
        call(address, "Toggle")
        keyvox.wait_for(r"^\[recording\]", 10)
        call(address, "Toggle")  # (too short: ignored)
        bus.kill()
        bus.wait(10)
        socket.unlink(missing_ok=True)
        keyvox.wait_for(
            r"^keyvox: the D-Bus session bus went away; D-Bus control is off until it is back$", 15
        )

        row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))
        desktop.dictate(keyvox, row["path"])  # dictation does not notice
        typed = window.wait_for_text()
        assert wer(row["text"], typed) <= 0.2, typed

        bus = start_bus(socket)
        keyvox.wait_for(r"^keyvox: D-Bus control is back on the session bus$", 15)
        mark = keyvox.mark()
        call(address, "Toggle")
        keyvox.wait_for(r"^\[recording\]", 10, since=mark)
        call(address, "Toggle")
        keyvox.wait_for(r"^too short|^\[idle\]", 10, since=mark)
    finally:
        assert keyvox.stop() == 0, keyvox.output()
        bus.kill()
    output = keyvox.output()
    assert "Traceback" not in output and "Error" not in output.replace("error:", ""), output
