"""``[[mode]]`` tables and ``[snippets]``: read, checked with one-line errors, chosen, applied, written back."""

from __future__ import annotations

from pathlib import Path

import pytest

from keyvox.config.load import parse_config
from keyvox.config.mode_choice import apply_mode, choose_mode
from keyvox.config.render import render_config
from keyvox.errors import ConfigError

MODES = """
version = 1
[model]
name = "base"
languages = ["en", "es"]
[dictionary]
kubernetes = "Kubernetes"
[snippets]
"my address" = "1 Main Street\\nSpringfield"
[[mode]]
name = "terminal"
apps = ["^xterm$", "kitty", "org\\\\.gnome\\\\.Terminal"]
style = "code"
dictionary = { "get status" = "git status" }
submit = "enter"
[[mode]]
name = "docs"
titles = ["Google Docs"]
remove_fillers = true
[[mode]]
name = "spanish"
key = "alt_r"
language = "es"
output = "clipboard-restore"
"""


def parse(text: str):
    return parse_config(text, Path("config.toml"))


def test_modes_are_read_chosen_and_applied():
    loaded = parse(MODES)
    config = loaded.config
    assert not loaded.warnings
    assert config.model.language == "auto"  # a list to choose among asks for detection
    assert [m.name for m in config.modes] == ["terminal", "docs", "spanish"]
    assert choose_mode(config.modes, app="XTerm").name == "terminal"  # any case
    assert choose_mode(config.modes, app="xterm-256color") is None  # the pattern is anchored there
    assert choose_mode(config.modes, app="firefox", title="Notes - Google Docs").name == "docs"
    assert choose_mode(config.modes, app="Tk") is None
    assert choose_mode(config.modes, key_mode="spanish", app="xterm").name == "spanish"  # the key wins
    terminal = apply_mode(config, choose_mode(config.modes, app="kitty"))
    assert terminal.text.style == "code" and terminal.output.method == config.output.method
    assert terminal.dictionary == {"kubernetes": "Kubernetes", "get status": "git status"}
    assert terminal.snippets == config.snippets and terminal.model.language == "auto"
    spanish = apply_mode(config, choose_mode(config.modes, key_mode="spanish"))
    assert (spanish.model.language, spanish.output.method) == ("es", "clipboard-restore")
    assert spanish.text == config.text and config.text.style == "prose"  # the base config is untouched


def test_modes_and_snippets_survive_being_written_back():
    config = parse(MODES).config
    again = parse(render_config(config, commented=True)).config
    assert again.modes == config.modes and again.snippets == config.snippets
    assert again.model.languages == ["en", "es"]


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[mode]]\nkey = "f9"\n', r"\[\[mode\]\] number 1 needs a name"),
        ('[[mode]]\nname = "a"\nkey = "ctrl_r"\n', r'"a": key = "ctrl_r" is already the main hotkey'),
        (
            '[[mode]]\nname = "a"\nkey = "f9"\n[[mode]]\nname = "b"\nkey = "f9"\n',
            'already the key of mode "a"',
        ),
        ('[[mode]]\nname = "a"\napps = ["(x"]\n', r'"a": apps "\(x" is not a valid regular expression'),
        ('[[mode]]\nname = "a"\ncolour = "red"\n', '"a": unknown key colour'),
        ('[[mode]]\nname = "a"\nstyle = "fancy"\n', 'style = "fancy" is not valid'),
        ('[[mode]]\nname = "a"\nsubmit = "tab"\n', 'submit = "tab" is not valid'),
        ('[[mode]]\nname = "a"\nlanguage = "spanish"\n', r'"a": language = "spanish" is not valid'),
        ('[[mode]]\nname = "a"\n[[mode]]\nname = "a"\n', '"a" is defined twice'),
        ('[mode]\nname = "a"\n', r"written \[\[mode\]\]"),
        (
            '[model]\nname = "tiny.en"\nlanguages = ["en", "es"]\n',
            '"es" cannot be used with the English-only',
        ),
        ('[model]\nname = "tiny.en"\n[[mode]]\nname = "a"\nlanguage = "es"\n', '"a": language = "es" cannot'),
        ('[model]\nname = "base"\nlanguage = "fr"\nlanguages = ["en", "es"]\n', "is not among languages"),
        ("[snippets]\nsig = 3\n", '"sig" must be the text to type'),
    ],
)
def test_every_bad_value_is_one_line_naming_the_mode_and_key(text, message):
    with pytest.raises(ConfigError, match=message) as caught:
        parse("version = 1\n" + text)
    assert "\n" not in str(caught.value) and str(caught.value).startswith("config.toml: ")
