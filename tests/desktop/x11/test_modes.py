"""Modes on the X11 rig: chosen by the focused window at key-down and by their own key, each dictation with
its mode's language, model, style, dictionary and submit key; a snippet typed exactly, over several lines.

The main model is tiny.en (English only); the Spanish mode brings the multilingual base, kept warm beside it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from keyvox.desktop.history import History
from tests.helpers.x11.rig import REPO, Terminal, wait_until, wer

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[output]
method = "type"
[snippets]
"lord but i am glad to see you again phil" = "1 Main Street\\nSpringfield"
[[mode]]
name = "terminal"
apps = ["^xterm$"]
style = "code"
dictionary = { himself = "HIMSELF" }
[[mode]]
name = "chat"
titles = ["^keyvox-rig-target$"]
submit = "enter"
[[mode]]
name = "spanish"
key = "alt_r"
model = "base"
language = "es"
"""


@pytest.fixture(scope="module")
def keyvox(desktop):
    process = desktop.start_keyvox(CONFIG, name="modes")
    process.wait_for(r"^Ready: hold Right Ctrl to dictate .*tiny\.en", 180)
    yield process
    assert process.stop() == 0, process.output()


def clip(manifest, name: str) -> dict:
    return next(row for row in manifest if row["audio"].endswith(name))


def entries(desktop) -> list:
    history = History(desktop.data_home / "keyvox" / "history.sqlite3")
    try:
        return history.search()
    finally:
        history.close()


def test_the_terminal_and_the_window_each_get_their_modes_text(desktop, window, keyvox, manifest):
    if shutil.which("xterm") is None:
        pytest.skip("xterm is not installed (scripts/test.sh installs it)")
    # "he might even have been made amiable himself"
    row = clip(manifest, "sense_and_sensibility_01_austen_64kb-0930.wav")
    terminal = Terminal(desktop.workdir, desktop.env)
    try:
        mark = keyvox.mark()
        desktop.dictate(keyvox, row["path"])
        keyvox.wait_for(r"^\[mode\] terminal", 10, since=mark)
        wait_until(lambda: "HIMSELF" in terminal.received, 60, what="the dictation in the terminal")
        in_terminal = terminal.received
    finally:
        terminal.stop()
        window.focus()
    assert in_terminal.startswith("he ") and not in_terminal.rstrip().endswith("."), repr(in_terminal)
    assert wer(row["text"], in_terminal) <= 0.2, in_terminal

    mark = keyvox.mark()
    desktop.dictate(keyvox, row["path"])
    keyvox.wait_for(r"^\[mode\] chat", 10, since=mark)
    typed = window.wait_for_text()
    assert typed.startswith("He ") and typed.endswith(".\n"), repr(typed)  # prose, then Enter
    assert "HIMSELF" not in typed and wer(row["text"], typed) <= 0.2, typed
    assert [e.mode for e in entries(desktop)[:2]] == ["chat", "terminal"]


def test_the_second_key_dictates_in_its_modes_language(desktop, window, keyvox, manifest):
    row = clip(manifest, "picovoice_leopard_test_es.wav")
    mark = keyvox.mark()
    desktop.dictate(keyvox, row["path"], key="alt_r")
    keyvox.wait_for(r"^\[mode\] spanish", 10, since=mark)
    typed = window.wait_for_text()
    newest = entries(desktop)[0]
    assert (newest.mode, newest.language, newest.model) == ("spanish", "es", "base"), newest
    assert newest.text.strip() == typed.strip() and wer(row["text"], typed) <= 0.5, typed
    status = subprocess.run(
        [sys.executable, "-m", "keyvox", "status", "--json"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**desktop.env, "PYTHONPATH": str(REPO)},
    )
    assert json.loads(status.stdout)["mode"] == "spanish", status.stdout + status.stderr


def test_a_snippet_is_typed_exactly_over_several_lines(desktop, window, keyvox, manifest):
    row = clip(manifest, "cmu_arctic_us_axb_a0004.wav")  # the trigger, as said
    desktop.dictate(keyvox, row["path"])
    assert window.wait_for_text() == "1 Main Street\nSpringfield\n"  # the chat mode's Enter after it
