"""Every command a user can send reaches the running daemon's key machine by every path: ``keyvox WORD``
(the fast path and the full parser), the control socket and D-Bus (a private bus, real messages)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import socket
import subprocess

import pytest

from keyvox.cli import entry
from keyvox.cli.main import build_parser
from keyvox.config.keys import parse_key_spec
from keyvox.desktop.hotkey.control import ControlServer, socket_path
from keyvox.desktop.hotkey.machine import Action, PushToTalk, StartCommand
from keyvox.desktop.panel import StatusFeed
from keyvox.vocabulary import Command


class Received:
    """The daemon's end of a control path: the commands, in order, as the key machine gets them."""

    def __init__(self) -> None:
        self.commands: queue.Queue[Command] = queue.Queue()
        self.modes: list[str | None] = []

    def __call__(self, command: Command, mode: str | None = None) -> None:
        self.modes.append(mode)
        self.commands.put(command)

    def next(self) -> Command:
        return self.commands.get(timeout=5)


def test_every_command_goes_from_the_fast_path_over_the_socket(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setattr("keyvox.cli.main.main", lambda argv: pytest.fail(f"{argv} took the full parser"))
    received = Received()
    server = ControlServer(received, StatusFeed(), socket_path())
    server.claim()
    server.serve()
    try:
        for command in Command:
            assert entry.main([command.value]) == 0, capsys.readouterr().err
            got = received.next()
            assert got is command, got
        # A compositor binding for a mode's key: ``keyvox press --mode NAME`` takes the fast path too.
        assert entry.main(["press", "--mode", "spanish"]) == 0, capsys.readouterr().err
        assert received.next() is Command.PRESS and received.modes[-1] == "spanish"
        assert set(received.modes[:-1]) == {None}
    finally:
        server.close()
    assert entry.main(["toggle"]) == 2  # nobody listens now: one error line, from the fast path
    assert capsys.readouterr().err.startswith("keyvox: error: keyvox is not running")


def test_every_command_is_a_subcommand_with_its_help():
    parser = build_parser()
    for command in Command:
        args = parser.parse_args([command.value])
        assert args.command is command
    listing = parser.format_help()
    for command in Command:
        assert command.value in listing and command.help[:40] in " ".join(listing.split())


@pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="dbus-daemon not installed")
def test_every_command_is_a_dbus_method(tmp_path, monkeypatch):
    pytest.importorskip("jeepney")
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    from keyvox.desktop.dbus_control import BUS_NAME, INTERFACE, OBJECT_PATH, DBusControl

    bus = subprocess.Popen(
        [
            "dbus-daemon",
            "--session",
            "--nofork",
            "--print-address=1",
            f"--address=unix:path={tmp_path / 'bus'}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        address = bus.stdout.readline().strip()
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        received = Received()
        control = DBusControl(received)
        control.start()
        try:
            keyvox = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=INTERFACE)
            with open_dbus_connection(bus=address) as connection:
                for command in Command:
                    method = command.value.capitalize()
                    reply = connection.send_and_get_reply(new_method_call(keyvox, method), timeout=5)
                    assert reply.header.message_type.name == "method_return", (method, reply.body)
                    assert received.next() is command
                introspection = connection.send_and_get_reply(
                    new_method_call(DBusAddress(OBJECT_PATH, bus_name=BUS_NAME), "Introspect"), timeout=5
                ).body[0]
            for command in Command:
                assert f'<method name="{command.value.capitalize()}"/>' in introspection
        finally:
            control.close()
    finally:
        bus.terminate()
        bus.wait(5)


def test_every_command_moves_the_key_machine():
    actions: list[Action] = []
    machine = PushToTalk(parse_key_spec("ctrl_r"), post=actions.append)
    expected = {
        Command.PRESS: Action.START,
        Command.RELEASE: Action.STOP,
        Command.TOGGLE: Action.START,
        Command.PAUSE: Action.PAUSE,
        Command.RESUME: Action.RESUME,
        Command.COMMAND: StartCommand(None),  # a voice command on the selection, until release
    }
    assert set(expected) == set(Command)
    for command, action in expected.items():
        machine.command(command)
        assert actions[-1] == action, (command, actions)
    assert len(actions) == len(Command)


def ask(path, word: str) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(path))
        sock.sendall(word.encode() + b"\n")
        return sock.recv(4096).decode()


def test_the_socket_answers_its_queries_and_refuses_other_words(tmp_path):
    path = tmp_path / "keyvox.sock"
    received = Received()
    server = ControlServer(received, StatusFeed(), path)
    server.claim()
    server.serve()
    try:
        assert ask(path, "explode") == "unknown command\n"
        assert ask(path, "cancel") == "unknown command\n"  # Esc cancels; no command does
        assert ask(path, "ping") == f"pid {os.getpid()}\n"
        assert json.loads(ask(path, "status"))["state"] == "idle"
    finally:
        server.close()
    assert received.commands.empty()
