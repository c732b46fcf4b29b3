"""clipboard-restore end to end: the text is pasted, and the user's clipboard comes back afterwards."""

from __future__ import annotations

import time

import pytest

from tests.helpers.x11.rig import wer

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[output]
method = "clipboard-restore"
"""


@pytest.fixture(scope="module")
def keyvox(desktop):
    process = desktop.start_keyvox(CONFIG, name="clipboard")
    process.wait_for(r"^Ready:", 120)
    yield process
    assert process.stop() == 0, process.output()


def test_paste_lands_and_clipboard_is_restored(desktop, window, keyvox, manifest):
    row = next(r for r in manifest if r["audio"].endswith("arctic_a0007.wav"))
    mine = desktop.clipboard("the user's own clipboard — keep me ✓")
    desktop.dictate(keyvox, row["path"])
    keyvox.wait_for(r"^text \(", 60)
    pasted = window.wait_for_text()
    assert wer(row["text"], pasted) <= 0.2, pasted
    assert mine not in pasted
    assert desktop.clipboard() == mine


def test_failed_paste_still_restores_the_clipboard(desktop, window, monkeypatch):
    """When the focused window does not take the paste, the method says so and the clipboard comes back."""
    from keyvox.desktop.output.base import OutputFailed
    from keyvox.desktop.output.methods import X11Paste
    from tests.helpers.x11.rig import DeafWindow

    for name, value in desktop.env.items():
        monkeypatch.setenv(name, value)
    mine = desktop.clipboard("still mine")
    deaf = DeafWindow(desktop.workdir, desktop.env)
    try:
        with pytest.raises(OutputFailed, match="did not take"):
            X11Paste(restore=True).insert("never pasted")
    finally:
        deaf.stop()
        window.focus()
    assert desktop.clipboard() == mine
    assert window.text == ""


def test_terminal_gets_shift_insert_and_both_selections_come_back(desktop, window, monkeypatch):
    """Ctrl+V in a terminal would insert ^V; xterm's Shift+Insert pastes PRIMARY, so keyvox serves both."""
    import shutil

    from keyvox.desktop.output.methods import X11Paste
    from tests.helpers.x11.rig import Terminal, wait_until

    if shutil.which("xterm") is None:
        pytest.skip("xterm is not installed (scripts/test.sh installs it)")

    for name, value in desktop.env.items():
        monkeypatch.setenv(name, value)
    mine = desktop.clipboard("clipboard before")
    selected = desktop.clipboard("selected before", "primary")
    terminal = Terminal(desktop.workdir, desktop.env)
    try:
        X11Paste(restore=True).insert("echo Grüße ✓")
        got = wait_until(lambda: terminal.received, 5, what="bytes in the terminal")
        time.sleep(0.3)
        got = terminal.received
    finally:
        terminal.stop()
        window.focus()
    assert got == "echo Grüße ✓", repr(got)
    assert desktop.clipboard() == mine
    assert desktop.clipboard(selection="primary") == selected
