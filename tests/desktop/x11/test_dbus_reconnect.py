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


def start_dunst(env: dict, log) -> subprocess.Popen:
    """dunst, a real notification daemon, on the rig's X display and the given bus."""
    from tests.helpers.x11.rig import wait_until

    dunst = subprocess.Popen(["dunst"], env=env, stdout=subprocess.DEVNULL, stderr=open(log, "ab"))
    check = lambda: subprocess.run(["dunstctl", "count", "history"], env=env, capture_output=True)
    wait_until(lambda: check().returncode == 0, 10, what="dunst on the bus")
    return dunst


def shown(env: dict) -> list[str]:
    """The summaries dunst has received (closing what it shows moves it to its history)."""
    import json

    subprocess.run(["dunstctl", "close-all"], env=env, capture_output=True)
    listed = subprocess.run(["dunstctl", "history"], env=env, capture_output=True, text=True).stdout
    history = json.loads(listed or "{}").get("data", [[]])[0]
    return [item["summary"]["data"] for item in history]


def test_notifications_say_one_line_when_the_bus_goes_and_come_back_with_it(desktop, tmp_path, monkeypatch):
    from keyvox.desktop.notify import BUS_BACK, BUS_GONE, Notifier
    from keyvox.vocabulary import Notice, NoticeKind
    from tests.helpers.x11.rig import wait_until

    for tool in ("dbus-daemon", "dunst", "dunstctl"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (scripts/test.sh installs it)")
    pytest.importorskip("jeepney")
    socket = tmp_path / "bus"
    env = {
        **desktop.env,
        "DBUS_SESSION_BUS_ADDRESS": f"unix:path={socket}",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", env["DBUS_SESSION_BUS_ADDRESS"])
    bus = start_bus(socket)
    dunst = start_dunst(env, tmp_path / "dunst.log")
    lines: list[str] = []
    notifier = Notifier(report=lines.append)
    try:
        notifier.on_notice(Notice(NoticeKind.ERROR, "before the bus went away"))
        wait_until(lambda: "Keyvox error" in shown(env), 10, what="the first notification")

        dunst.kill()
        bus.kill()
        bus.wait(10)
        dunst.wait(10)
        socket.unlink(missing_ok=True)
        for n in range(2):  # the second notice finds no bus either: still one line
            notifier.on_notice(Notice(NoticeKind.ERROR, f"while the bus is gone {n}"))
        wait_until(lambda: lines == [BUS_GONE], 10, what="the one line that the bus went away")

        bus = start_bus(socket)
        dunst = start_dunst(env, tmp_path / "dunst.log")
        notifier.on_notice(Notice(NoticeKind.MICROPHONE_BACK, "microphone is back"))
        wait_until(lambda: "Microphone back" in shown(env), 10, what="a notification once the bus is back")
        assert lines == [BUS_GONE, BUS_BACK]
    finally:
        notifier.close()
        dunst.kill()
        bus.kill()
