"""The clipboard on GNOME Wayland (mutter's remote-desktop clipboard): a paste lands whole and the user's
clipboard is the same afterwards, the clipboard method leaves the text there, and keyvox reads what a
window copied. A GTK window on the rig is the user's other client: it copies and reads the clipboard."""

from __future__ import annotations

import pytest

from tests.helpers.wayland.wayland_rig import GtkWindow

pytestmark = pytest.mark.slow

TEXT = "Grüße, café — 😀 中文 done."


@pytest.fixture
def as_client(gnome, monkeypatch):
    """Run keyvox's output code in this process as a client of the rig's GNOME session."""
    for name, value in gnome.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("SWAYSOCK", raising=False)
    from keyvox.desktop.output import gnome as typing
    from keyvox.desktop.output import gnome_clipboard

    yield
    gnome_clipboard.CLIPBOARD.close()
    typing.SESSION.close()


def _prime(window) -> None:
    """The rig's seat gets a keyboard (and the window keyboard focus) with the first remote key, as a real
    GNOME session has from the start: without one no client may read or set the clipboard."""
    from keyvox.desktop.output.gnome import SESSION, key_taps

    SESSION.send(key_taps("x"))
    assert window.wait_for_text() == "x"
    window.clear()


@pytest.mark.parametrize("gtk", ["4", "3"])
def test_paste_lands_whole_and_the_users_clipboard_comes_back(gnome, window, as_client, gtk):
    from keyvox.desktop.output.gnome_paste import GnomePaste

    _prime(window)  # before a GTK 3 window opens: it takes focus only on a seat with a keyboard
    target = window if gtk == "4" else GtkWindow(gnome, gtk="3")
    try:
        target.copy("the user's own clipboard, ü")
        assert target.read_clipboard() == "the user's own clipboard, ü"
        method = GnomePaste(restore=True)
        assert method.available()
        method.insert(TEXT)
        assert target.wait_for_text() == TEXT
        assert target.read_clipboard() == "the user's own clipboard, ü"
    finally:
        if target is not window:
            target.stop()


def test_the_clipboard_method_leaves_the_text_and_keyvox_reads_what_a_window_copied(gnome, window, as_client):
    from keyvox.desktop.output import clipboard
    from keyvox.desktop.output.gnome_paste import GnomePaste

    _prime(window)
    GnomePaste(restore=False).insert(TEXT)
    assert window.wait_for_text() == TEXT
    assert window.read_clipboard() == TEXT  # read back by a GTK client, not by keyvox itself

    window.copy("copied in GTK: é 中文")
    assert clipboard.read_clipboard() == "copied in GTK: é 中文"
    assert clipboard.write_clipboard("written by keyvox: 😀")
    assert window.read_clipboard() == "written by keyvox: 😀"
