"""Text on Wayland through keyvox's own output methods, into the GTK window on the sway rig."""

from __future__ import annotations

import os
import stat
import time

import pytest

from tests.helpers.paths import REPO

pytestmark = pytest.mark.slow

# Each text starts with a different character and uses characters the one before did not, so every
# wtype run uploads a new keymap: the case that used to lose the first character.
TEXTS = (
    "Zebra quartz",
    "Quick fox",
    "Mango Jüp",
    "Yellow kite é",
    "Prime Öl",
    "Xylo ß wing",
    "Grüße aus Köln ✓ — naïve café, 東京",
    "-leading minus stays",
    "line one\nline two\tand a tab",
)


@pytest.fixture
def as_client(as_client, monkeypatch):
    """The compositor's client, in the C locale: wtype must get its UTF-8 locale from keyvox itself."""
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LANG", "C")


def test_every_character_arrives_first_one_included(wayland, window, as_client):
    from keyvox.desktop.output.wayland import WtypeType

    for text in TEXTS:
        window.clear()
        WtypeType().insert(text)
        typed = window.wait_for_text(timeout=10, settle=0.2)
        assert typed == text


def test_first_character_survives_a_seat_without_keyboard(wayland, window, as_client):
    """With no keyboard on the seat (a headless session), each wtype run brings the seat's keyboard and its
    keymap with it; the key right after that was dropped ("ello" for "hello")."""
    from keyvox.desktop.output.wayland import WtypeType

    wayland.unplug_keyboard()
    try:
        for text in TEXTS:
            window.clear()
            WtypeType().insert(text)
            assert window.wait_for_text(timeout=10, settle=0.2) == text
    finally:
        wayland.plug_keyboard()


def test_gtk3_window_gets_every_character(gtk3_window):
    from keyvox.desktop.output.wayland import WtypeType

    for text in TEXTS[:4]:
        gtk3_window.clear()
        WtypeType().insert(text)
        assert gtk3_window.wait_for_text(timeout=10, settle=0.2) == text


def test_backspace_takes_back_characters(wayland, window, as_client):
    from keyvox.desktop.output.methods import press_backspace
    from keyvox.desktop.output.wayland import WtypeType
    from keyvox.platform.session import Session

    WtypeType().insert("keep this, drop that")
    window.wait_for_text(timeout=10, settle=0.2)
    press_backspace(len(", drop that"), Session.WAYLAND)
    time.sleep(0.3)
    assert window.wait_for_text(timeout=10, settle=0.2) == "keep this"


def test_paste_lands_and_text_clipboard_is_restored(wayland, window, as_client):
    from keyvox.desktop.output.wayland import WaylandPaste

    mine = "the user's own clipboard — keep me ✓".encode()
    wayland.clipboard(mine)
    WaylandPaste(restore=True).insert("pasted Grüße ✓")
    assert window.wait_for_text(timeout=10, settle=0.2) == "pasted Grüße ✓"
    assert wayland.clipboard() == mine


def test_paste_restores_an_image_clipboard(wayland, window, as_client):
    from keyvox.desktop.output.wayland import WaylandPaste

    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
    wayland.clipboard(png, mime="image/png")
    WaylandPaste(restore=True).insert("over a picture")
    assert window.wait_for_text(timeout=10, settle=0.2) == "over a picture"
    assert wayland.clipboard_types() == ["image/png"]
    assert wayland.clipboard(mime="image/png") == png


def test_paste_leaves_an_empty_clipboard_empty(wayland, window, as_client):
    from keyvox.desktop.output.wayland import WaylandPaste

    assert wayland.user_run("wl-copy", "--clear").returncode == 0
    assert wayland.clipboard_types() == []
    WaylandPaste(restore=True).insert("nothing to restore")
    assert window.wait_for_text(timeout=10, settle=0.2) == "nothing to restore"
    assert wayland.clipboard_types() == []


def test_plain_clipboard_method_leaves_the_text_there(wayland, window, as_client):
    from keyvox.desktop.output.wayland import WaylandPaste

    WaylandPaste(restore=False).insert("stays on the clipboard")
    assert window.wait_for_text(timeout=10, settle=0.2) == "stays on the clipboard"
    assert wayland.clipboard() == b"stays on the clipboard"


def test_without_a_virtual_keyboard_the_text_is_left_on_the_clipboard(
    wayland, window, as_client, tmp_path, monkeypatch, capsys
):
    """GNOME's compositor has no virtual-keyboard protocol, and GNOME cannot run here. Faked: a stand-in wtype
    that answers exactly as the real one does there, and the compositor's list of protocols. Sway always
    offers the protocol and its list cannot be edited, so keyvox's client is told to look for a name sway
    does not list (``MANAGER``, the one name it checks that list for): what a compositor without it looks
    like to keyvox. ``SEAT`` is keyvox's process-wide memory of that answer, cleared here and restored after."""
    from keyvox.desktop.output import virtual_keyboard
    from keyvox.desktop.output.chain import OutputChain
    from keyvox.desktop.output.wayland import NO_VIRTUAL_KEYBOARD, SEAT, build

    fake = tmp_path / "wtype"
    fake.write_text(f"#!/bin/sh\necho '{NO_VIRTUAL_KEYBOARD}' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    no_ydotool = [
        d for d in os.environ["PATH"].split(os.pathsep) if not os.path.exists(os.path.join(d, "ydotool"))
    ]
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path), *no_ydotool]))
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "GNOME")
    monkeypatch.delenv("SWAYSOCK")
    monkeypatch.setattr(virtual_keyboard, "MANAGER", "zwp_virtual_keyboard_manager_v1_not_offered")
    monkeypatch.setattr(SEAT, "no_virtual_keyboard", False)  # restored afterwards: the real protocol is here
    reports = []
    chain = OutputChain(build("auto"), report=reports.append)
    chain.deliver("first text")
    chain.deliver("second text")
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if "virtual-keyboard protocol" in line]
    assert said == [said[0]] and "on gnome" in said[0], err  # said once, naming the desktop
    assert "keyvox doctor" in said[0]
    assert err.count("copied to the clipboard") == 2
    assert reports == []  # not an error: the text is where the notice says
    # keyvox's virtual keyboard, wtype, ydotool, paste
    assert [method.available() for method in chain.methods[:4]] == [False, False, False, False]
    assert wayland.clipboard() == b"second text"
    assert window.text == ""


def test_terminal_gets_ctrl_shift_v_and_typed_text(wayland, window, as_client):
    """In a terminal Ctrl+V would insert ^V: keyvox knows foot by its app_id from sway and pastes with
    Ctrl+Shift+V; the program inside receives exactly the bytes (as a shell would)."""
    import shutil
    import subprocess

    from keyvox.desktop.output import compositor
    from keyvox.desktop.output.wayland import WaylandPaste, WtypeType
    from tests.helpers.wayland.wayland_rig import SYSTEM_PYTHON, _stop, wait_until

    if shutil.which("foot") is None:
        pytest.skip("foot is not installed (scripts/test.sh installs it)")
    received = wayland.workdir / "terminal.bin"
    received.write_bytes(b"")
    if os.getuid() == 0:
        os.chown(received, wayland.user.pw_uid, wayland.user.pw_gid)
    sink = REPO / "tests" / "helpers" / "x11" / "terminal_sink.py"
    main_window = compositor.focused_window().id
    terminal = subprocess.Popen(
        [*wayland.run_as, "foot", SYSTEM_PYTHON, str(sink), str(received)],
        env=wayland.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: (compositor.focused_window() or window).app == "foot", 15, what="foot to take the focus"
        )
        time.sleep(0.5)  # the program inside switches the terminal to raw mode
        mine = b"clipboard before"
        wayland.clipboard(mine)
        WaylandPaste(restore=True).insert("echo Grüße ✓")
        wait_until(lambda: received.read_bytes(), 5, what="bytes in the terminal")
        time.sleep(0.3)
        assert received.read_bytes().decode() == "echo Grüße ✓"
        assert wayland.clipboard() == mine
        received.write_bytes(b"")
        WtypeType().insert("typed: naïve ✓")
        wait_until(
            lambda: received.read_bytes().decode(errors="replace") == "typed: naïve ✓",
            5,
            what="typed bytes in the terminal",
        )
    finally:
        _stop(terminal)
        wait_until(lambda: compositor.focused_window().id == main_window, 5, what="the GTK 4 window's focus")
        time.sleep(0.2)
