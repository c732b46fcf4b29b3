"""Hotkey specs, the push-to-talk state machine, and the control socket (a real unix socket)."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from keyvox.config.keys import parse_key_spec
from keyvox.config.load import parse_config
from keyvox.desktop.hotkey.control import ControlServer, send_command
from keyvox.desktop.hotkey.machine import Action, PushToTalk, StartCommand, StartInMode
from keyvox.desktop.panel import StatusFeed
from keyvox.errors import ConfigError, KeyvoxError
from keyvox.vocabulary import Command


@pytest.mark.parametrize(
    "text, keys, human",
    [
        ("ctrl_r", ("ctrl_r",), "Right Ctrl"),
        ("alt_r", ("alt_r",), "Right Alt"),
        ("F9", ("f9",), "F9"),
        ("ctrl+shift+space", ("ctrl", "shift", "space"), "Ctrl+Shift+Space"),
        ("Right_Ctrl", ("ctrl_r",), "Right Ctrl"),
    ],
)
def test_key_specs_parse(text, keys, human):
    spec = parse_key_spec(text)
    assert spec.keys == keys
    assert spec.human == human


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("ctrl+foo", 'unknown key "foo"'),
        ("", "is empty"),
        ("ctrl++a", 'unknown key "(empty)"'),
        ("ctrl+ctrl", "appears twice"),
    ],
)
def test_bad_key_specs_give_one_line_errors(text, fragment):
    with pytest.raises(ConfigError, match=re.escape(fragment)) as info:
        parse_key_spec(text)
    assert "\n" not in str(info.value)


def test_config_rejects_a_bad_hotkey_naming_file_and_key(tmp_path):
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as info:
        parse_config('[hotkey]\nkey = "ctrl+hyper"\n', path)
    assert str(info.value).startswith(f'{path}: [hotkey] key = "ctrl+hyper": unknown key "hyper"')


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def machine(mode="hold", key="ctrl_r", double_tap_s=0.35):
    actions: list[Action] = []
    clock = Clock()
    ptt = PushToTalk(
        parse_key_spec(key),
        mode=mode,
        double_tap_s=double_tap_s,
        cancel=parse_key_spec("esc"),
        post=actions.append,
        clock=clock,
    )
    return ptt, actions, clock


def test_hold_mode_ignores_autorepeat_and_other_keys():
    ptt, actions, clock = machine()
    ptt.key_down("ctrl_l")
    ptt.key_down("ctrl_r")
    ptt.key_down("ctrl_r")  # autorepeat
    ptt.key_down("ctrl_r")
    assert not ptt.hotkey_up.is_set()
    clock.now += 2
    ptt.key_up("ctrl_r")
    ptt.key_up("ctrl_l")
    assert actions == [Action.START, Action.STOP]
    assert ptt.hotkey_up.is_set()


def test_combination_starts_only_when_complete():
    ptt, actions, clock = machine(key="ctrl+shift+space")
    ptt.key_down("space")
    ptt.key_up("space")
    ptt.key_down("ctrl_l")
    ptt.key_down("shift_r")
    assert actions == []
    ptt.key_down("space")
    clock.now += 1
    ptt.key_up("shift_r")
    assert actions == [Action.START, Action.STOP]


def test_double_tap_reinserts_instead_of_recording():
    ptt, actions, clock = machine()
    ptt.key_down("ctrl_r")
    clock.now += 0.05
    ptt.key_up("ctrl_r")
    clock.now += 0.1
    ptt.key_down("ctrl_r")
    clock.now += 0.05
    ptt.key_up("ctrl_r")
    assert actions == [Action.START, Action.STOP, Action.REINSERT]
    assert not ptt.recording


def test_slow_second_tap_records_again():
    ptt, actions, clock = machine()
    for _ in range(2):
        ptt.key_down("ctrl_r")
        clock.now += 0.05
        ptt.key_up("ctrl_r")
        clock.now += 1.0
    assert actions == [Action.START, Action.STOP, Action.START, Action.STOP]


def test_escape_cancels_and_the_release_is_swallowed():
    ptt, actions, clock = machine()
    ptt.key_down("ctrl_r")
    ptt.key_down("esc")
    ptt.key_up("esc")
    clock.now += 1
    ptt.key_up("ctrl_r")
    assert actions == [Action.START, Action.CANCEL]


def test_escape_when_idle_does_nothing():
    ptt, actions, _ = machine()
    ptt.key_down("esc")
    ptt.key_up("esc")
    assert actions == []


def test_toggle_mode_and_quick_second_press():
    ptt, actions, clock = machine(mode="toggle")
    ptt.key_down("ctrl_r")
    ptt.key_up("ctrl_r")
    clock.now += 3
    ptt.key_down("ctrl_r")
    ptt.key_up("ctrl_r")
    assert actions == [Action.START, Action.STOP]
    clock.now += 3
    ptt.key_down("ctrl_r")
    ptt.key_up("ctrl_r")
    clock.now += 0.1
    ptt.key_down("ctrl_r")
    ptt.key_up("ctrl_r")
    assert actions[2:] == [Action.START, Action.CANCEL, Action.REINSERT]


def test_control_socket_commands_and_single_instance(tmp_path: Path):
    received: list[Command] = []
    got = threading.Event()
    path = tmp_path / "keyvox.sock"
    server = ControlServer(lambda command, mode: (received.append(command), got.set()), StatusFeed(), path)
    server.claim()
    server.serve()
    try:
        send_command(Command.TOGGLE, path)
        assert got.wait(2) and received == [Command.TOGGLE]
        second = ControlServer(lambda command, mode: None, StatusFeed(), path)
        with pytest.raises(KeyvoxError, match="already running"):
            second.claim()
    finally:
        server.close()
    with pytest.raises(KeyvoxError, match="keyvox is not running"):
        send_command(Command.PRESS, path)


def test_stale_socket_is_replaced(tmp_path: Path):
    import socket
    import stat

    path = tmp_path / "keyvox.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()  # the file stays behind, as after a crash
    assert stat.S_ISSOCK(path.stat().st_mode)
    with pytest.raises(KeyvoxError, match="keyvox is not running"):  # nobody answers on it
        send_command(Command.TOGGLE, path)
    received: list[Command] = []
    got = threading.Event()
    server = ControlServer(lambda command, mode: (received.append(command), got.set()), StatusFeed(), path)
    server.claim()  # no "already running": the stale file is taken over
    server.serve()
    try:
        send_command(Command.PRESS, path)
        assert got.wait(2) and received == [Command.PRESS]
    finally:
        server.close()
    assert not path.exists()


def test_evdev_names_match_the_key_specs():
    from keyvox.desktop.hotkey.evdev_listener import evdev_name

    for code, name in (
        ("KEY_RIGHTCTRL", "ctrl_r"),
        ("KEY_F9", "f9"),
        ("KEY_A", "a"),
        ("KEY_ESC", "esc"),
        ("KEY_SPACE", "space"),
        ("KEY_RIGHTALT", "alt_r"),
    ):
        assert evdev_name(code) == name
        assert parse_key_spec(name).keys == (name,)


def test_evdev_without_input_access_says_how_to_fix_it():
    evdev = pytest.importorskip("evdev")
    if evdev.list_devices():
        pytest.skip("this machine lets the test user read /dev/input")
    if not os.path.isdir("/dev/input"):
        pytest.skip(
            "this machine has no /dev/input at all, so the missing-group case cannot happen here "
            "(test_evdev_without_dev_input_points_at_the_compositor_binding covers this machine)"
        )
    from keyvox.desktop.hotkey.evdev_listener import EvdevListener

    ptt, _, _ = machine()
    with pytest.raises(KeyvoxError) as info:
        EvdevListener(ptt).start()
    assert 'input" group' in str(info.value) and "keyvox toggle" in str(info.value)


def test_evdev_without_dev_input_points_at_the_compositor_binding():
    """The evdev listener cannot read real keys on a machine without /dev/input (this rig): it says what works."""
    pytest.importorskip("evdev")
    if os.path.isdir("/dev/input"):
        pytest.skip("this machine has /dev/input")
    from keyvox.desktop.hotkey.evdev_listener import EvdevListener

    ptt, _, _ = machine()
    with pytest.raises(KeyvoxError) as info:
        EvdevListener(ptt).start()
    assert "no /dev/input" in str(info.value) and "keyvox press" in str(info.value), info.value


def test_a_mode_key_dictates_in_its_mode_and_the_main_key_in_none():
    actions: list = []
    ptt = PushToTalk(
        parse_key_spec("ctrl_r"),
        mode="hold",
        cancel=parse_key_spec("esc"),
        post=actions.append,
        clock=Clock(),
        mode_keys=((parse_key_spec("alt_r"), "spanish"),),
    )
    ptt.key_down("alt_r")
    ptt.key_down("ctrl_r")  # the other key while recording: not a second start
    ptt.key_up("ctrl_r")
    ptt.key_up("alt_r")
    ptt.key_down("ctrl_r")
    ptt.key_up("ctrl_r")
    ptt.command(Command.PRESS, mode="spanish")
    ptt.command(Command.RELEASE)
    assert actions == [
        StartInMode("spanish"),
        Action.STOP,
        Action.START,
        Action.STOP,
        StartInMode("spanish"),
        Action.STOP,
    ]


def test_a_command_key_records_a_command_in_its_mode_and_two_taps_are_two_commands():
    actions: list = []
    clock = Clock()
    ptt = PushToTalk(
        parse_key_spec("ctrl_r"),
        mode="hold",
        cancel=parse_key_spec("esc"),
        post=actions.append,
        clock=clock,
        command_keys=((parse_key_spec("f9"), None), (parse_key_spec("f8"), "mail")),
    )
    for key in ("f9", "f9", "f8", "ctrl_r"):  # quick taps: within double_tap_s of each other
        ptt.key_down(key)
        ptt.key_up(key)
        clock.now += 0.1
    ptt.key_down("f9")
    ptt.key_down("esc")  # Esc throws a command away like a dictation
    ptt.key_up("esc")
    ptt.key_up("f9")
    assert actions == [
        StartCommand(None),
        Action.STOP,
        StartCommand(None),
        Action.STOP,
        StartCommand("mail"),
        Action.STOP,
        Action.START,
        Action.STOP,
        StartCommand(None),
        Action.CANCEL,
    ]
    assert ptt.hotkey_up.is_set()
