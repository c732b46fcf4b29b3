"""Voice commands on the X11 rig: a word selected in the Tk window, the command key held while "capitalize
that" plays into the microphone, released: the selection is replaced, and the user's clipboard is the same
before and after. With nothing selected, nothing changes and keyvox says why.

The shared corpus has no spoken commands: espeak-ng says them at test time (tiny.en writes "Capitalize
that." for it, tests/core/test_commands.py checks that reading)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from keyvox.desktop.history import History
from tests.helpers.paths import REPO

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[output]
method = "type"
[commands]
key = "f9"
"""


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/test.sh installs it)")
    folder = tmp_path_factory.mktemp("commands")

    def say(words: str):
        wav = folder / f"{words.replace(' ', '_')}.wav"
        if not wav.exists():
            subprocess.run(["espeak-ng", "-s", "140", "-w", str(wav), words], check=True, timeout=30)
        return wav

    return say


@pytest.fixture(scope="module")
def keyvox(desktop):
    process = desktop.start_keyvox(CONFIG, name="commands")
    process.wait_for(r"^Ready: hold Right Ctrl to dictate", 180)
    yield process
    assert process.stop() == 0, process.output()


def xdotool(desktop, *args: str) -> None:
    subprocess.run(["xdotool", *args], env=desktop.env, check=True, timeout=10)


def type_by_hand(desktop, window, text: str) -> None:
    """Type ``text`` into the window as the user would; xdotool's first key after a keymap change is
    sometimes lost on Xvfb, so the text is typed again until the window holds it."""
    for _ in range(3):
        window.clear()
        xdotool(desktop, "type", "--delay", "20", text)
        if window.wait_for_text() == text:
            return
    raise AssertionError(f"the window never held {text!r} (it has {window.text!r})")


def newest(desktop):
    history = History(desktop.data_home / "keyvox" / "history.sqlite3")
    try:
        return history.search()[0]
    finally:
        history.close()


def test_capitalize_that_replaces_the_selection_and_keeps_the_clipboard(desktop, window, keyvox, spoken):
    type_by_hand(desktop, window, "call new york")
    xdotool(desktop, "key", "ctrl+shift+Left", "ctrl+shift+Left")  # select "new york", as a user would
    assert desktop.clipboard(selection="primary") == "new york"
    mine = desktop.clipboard("the user's own clipboard — keep me ✓")
    mark = keyvox.mark()
    desktop.dictate(keyvox, spoken("capitalize that"), key="f9")
    keyvox.wait_for(r"^\[command\] \"Capitalize that\.?\": replaced 'new york' -> 'New York'", 60, since=mark)
    assert window.wait_for_text() == "call New York"
    assert desktop.clipboard() == mine
    entry = newest(desktop)
    assert (entry.command_status, entry.selection, entry.text) == ("replaced", "new york", "New York")


def test_with_nothing_selected_nothing_changes_and_keyvox_says_why(desktop, window, keyvox, spoken):
    type_by_hand(desktop, window, "leave me alone")
    xdotool(desktop, "key", "ctrl+shift+Left", "End")  # selected, then the selection cleared again
    mine = desktop.clipboard("still the user's")
    mark = keyvox.mark()
    desktop.dictate(keyvox, spoken("capitalize that"), key="f9")
    keyvox.wait_for(r"^\[command\] .*: nothing-selected: nothing is selected", 60, since=mark)
    assert window.text == "leave me alone"
    assert desktop.clipboard() == mine
    assert newest(desktop).command_status == "nothing-selected"


def test_keyvox_command_and_release_delete_the_selection_from_a_binding(desktop, window, keyvox, spoken):
    """What a compositor key binding runs where keyvox cannot read keys: the same command, by the socket."""
    type_by_hand(desktop, window, "keep this drop")
    xdotool(desktop, "key", "ctrl+shift+Left")
    env = {**desktop.env, "PYTHONPATH": str(REPO)}
    word = lambda w: subprocess.run([sys.executable, "-m", "keyvox", w], env=env, timeout=30, check=True)
    mark = keyvox.mark()
    word("command")
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    desktop.pulse.play(spoken("delete that"))
    word("release")
    keyvox.wait_for(r"^\[command\] \"Delete that\.?\": deleted 'drop'", 60, since=mark)
    assert window.wait_for_text() == "keep this "


def test_a_selection_in_another_window_is_not_this_windows(desktop, window, monkeypatch):
    """PRIMARY outlives the highlight in the window that set it: keyvox reads it only from the focused one."""
    from keyvox.desktop.selection import DesktopSelection
    from keyvox.platform.session import Session

    for name, value in desktop.env.items():
        monkeypatch.setenv(name, value)
    type_by_hand(desktop, window, "mine to select")
    xdotool(desktop, "key", "ctrl+shift+Left")
    assert DesktopSelection(Session.X11).read() == "select"
    desktop.clipboard("selected in some other program", "primary")  # xclip's window owns PRIMARY now
    assert DesktopSelection(Session.X11).read() is None


def test_copying_the_selection_puts_the_users_clipboard_back(desktop, window, monkeypatch):
    """Where no primary selection can be read, Ctrl+C copies it; the clipboard is the user's again after."""
    from keyvox.desktop.selection import copy_selection, press_copy
    from keyvox.platform.session import Session

    for name, value in desktop.env.items():
        monkeypatch.setenv(name, value)
    type_by_hand(desktop, window, "copy the last word")
    xdotool(desktop, "key", "ctrl+shift+Left")
    mine = desktop.clipboard("the user's clipboard ✓")
    assert copy_selection(lambda: press_copy(Session.X11)) == "word"
    assert desktop.clipboard() == mine
    xdotool(desktop, "key", "End")
    assert copy_selection(lambda: press_copy(Session.X11)) is None
    assert desktop.clipboard() == mine
    assert window.text == "copy the last word"
