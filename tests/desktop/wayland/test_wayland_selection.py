"""The selection for voice commands on the sway rig: the GTK window's highlighted words come from the Wayland
primary selection (no Ctrl+C, the clipboard untouched)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_the_highlighted_words_are_read_from_the_primary_selection(wayland, window, as_client):
    from keyvox.desktop.selection import DesktopSelection
    from keyvox.platform.session import Session

    wayland.type_keys("select the last words")
    assert window.wait_for_text() == "select the last words"
    mine = wayland.clipboard(b"the user's clipboard")
    wayland.type_keys("-M", "ctrl", "-M", "shift", "-k", "Left", "-k", "Left", "-m", "shift", "-m", "ctrl")
    assert DesktopSelection(Session.WAYLAND).read() == "last words"
    wayland.type_keys("-k", "End")
    assert not DesktopSelection(Session.WAYLAND).read()
    assert wayland.clipboard() == mine
    assert window.text == "select the last words"
