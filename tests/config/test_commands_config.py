"""``[commands]`` and a mode's ``command_key``: read, written back, and every clash a one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest

from keyvox.config.load import parse_config
from keyvox.config.render import render_config
from keyvox.errors import ConfigError

COMMANDS = """
version = 1
[commands]
key = "f9"
instructions = true
[[mode]]
name = "mail"
key = "alt_r"
command_key = "ctrl+shift+space"
"""


def parse(text: str):
    return parse_config(text, Path("config.toml"))


def test_commands_are_read_and_survive_being_written_back():
    config = parse(COMMANDS).config
    assert (config.commands.key, config.commands.instructions) == ("f9", True)
    assert config.modes[0].command_key == "ctrl+shift+space"
    again = parse(render_config(config, commented=True)).config
    assert again.commands == config.commands and again.modes == config.modes
    default = parse("version = 1\n").config.commands
    assert (default.key, default.instructions) == ("", False)  # off, and offline, unless asked for


@pytest.mark.parametrize(
    "text, message",
    [
        ('[commands]\nkey = "ctrl_r"\n', r'\[commands\] key = "ctrl_r" is already the hotkey'),
        ('[commands]\nkey = "hyperdrive"\n', r"\[commands\] key"),
        ('[commands]\ninstructions = "yes"\n', r"instructions"),
        (
            '[commands]\nkey = "f9"\n[[mode]]\nname = "a"\ncommand_key = "f9"\n',
            '"a": command_key = "f9" is already the main hotkey, the cancel key or the command key',
        ),
        (
            '[[mode]]\nname = "a"\nkey = "f8"\n[[mode]]\nname = "b"\ncommand_key = "f8"\n',
            '"b": command_key = "f8" is already the key of mode "a"',
        ),
        ('[[mode]]\nname = "a"\ncommand_key = 9\n', '"a": command_key must be text in quotes'),
    ],
)
def test_every_bad_command_setting_is_one_line(text, message):
    with pytest.raises(ConfigError, match=message) as caught:
        parse("version = 1\n" + text)
    assert "\n" not in str(caught.value) and str(caught.value).startswith("config.toml: ")
