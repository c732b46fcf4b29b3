"""keyvox's own virtual-keyboard client typing into the GTK windows on the sway rig, and its fallbacks."""

from __future__ import annotations

import os
import shutil
import stat
import time

import pytest

pytestmark = pytest.mark.slow

SAMPLE = (
    "He began a confused complaint against the wizard, who had vanished behind the curtain on the left. "
    "Mr. Quilter is the apostle of the middle classes, and we are glad to welcome his gospel! "
)
TEXTS = (
    "plain ASCII: (a+b)*c = 42; 'quoted' \"double\" ~`^|\\{}[]<>?@#$%&_",
    "Grüße aus Köln — naïve café, Ünïcödé ß ✓",
    "中文输入测试：东京和北京",
    "emoji 😀👍 after",
    "line one\nline two\n\tindented",
    "-leading minus",
    " leading space",
)


def test_every_character_arrives(wayland, window, as_client):
    from keyvox.desktop.output.wayland import VirtualKeyboardType

    for text in TEXTS:
        window.clear()
        VirtualKeyboardType().insert(text)
        assert window.wait_for_text(timeout=10, settle=0.2) == text


def test_300_characters_arrive_exactly_and_fast(wayland, window, as_client):
    from keyvox.desktop.output.virtual_keyboard import type_text

    text = (SAMPLE * 2)[:300]
    started = time.monotonic()
    type_text(text)
    took = time.monotonic() - started
    assert window.wait_for_text(timeout=10, settle=0.3) == text
    assert took < 0.5, took  # wtype takes about 1.6 s for this


def test_a_long_text_arrives_whole_and_the_window_keeps_its_connection(wayland, window, as_client):
    """Past 300 characters the keys are paced: unpaced, 10,000 characters filled the compositor's buffer for
    the window and it was disconnected."""
    from keyvox.desktop.output.virtual_keyboard import type_text

    text = (SAMPLE * 12)[:2000]
    type_text(text)
    assert window.wait_for_text(timeout=30, settle=0.5) == text
    assert window.process.poll() is None


def test_first_character_on_a_seat_without_keyboard_30_runs(wayland, window, as_client):
    """No other keyboard on the seat (a headless session): windows bind the keyboard only when ours appears."""
    from keyvox.desktop.output.virtual_keyboard import type_text

    wayland.unplug_keyboard()
    try:
        for run in range(30):
            # A new first character and new characters each run: a new keymap every time.
            text = f"{chr(ord('A') + run % 26)}{run} ü{chr(0x4E00 + run)} end"
            window.clear()
            type_text(text)
            assert window.wait_for_text(timeout=5, settle=0.15) == text, f"run {run}"
    finally:
        wayland.plug_keyboard()


def test_text_needing_two_keymaps(wayland, window, as_client):
    from keyvox.desktop.output import virtual_keyboard

    text = "start " + "".join(chr(0x4E00 + i) for i in range(400)) + " end"
    assert len(virtual_keyboard.split_keymaps(text)) == 2
    virtual_keyboard.type_text(text)
    assert window.wait_for_text(timeout=10, settle=0.3) == text


def test_gtk3_window_gets_every_character(gtk3_window):
    from keyvox.desktop.output.virtual_keyboard import type_text

    for text in (*TEXTS[:4], (SAMPLE * 2)[:300]):
        gtk3_window.clear()
        type_text(text)
        assert gtk3_window.wait_for_text(timeout=10, settle=0.3) == text


def test_backspace_takes_back_characters(wayland, window, as_client):
    from keyvox.desktop.output.methods import press_backspace
    from keyvox.desktop.output.virtual_keyboard import type_text
    from keyvox.platform.session import Session

    type_text("keep this, drop that")
    window.wait_for_text(timeout=10, settle=0.2)
    press_backspace(len(", drop that"), Session.WAYLAND)
    assert window.wait_for_text(timeout=10, settle=0.3) == "keep this"


@pytest.mark.parametrize("broken", ["refused", "no socket"])
def test_wtype_types_when_the_client_cannot(wayland, window, as_client, tmp_path, monkeypatch, broken):
    """keyvox's client sees a compositor that refuses it (or no socket); wtype, a stand-in that runs the real
    wtype on the rig's compositor, then types the text."""
    from keyvox.desktop.output.chain import OutputChain
    from keyvox.desktop.output.wayland import SEAT, VirtualKeyboardType, WtypeType
    from tests.helpers.fake_compositor import FakeCompositor

    real = f"XDG_RUNTIME_DIR={os.environ['XDG_RUNTIME_DIR']} WAYLAND_DISPLAY={os.environ['WAYLAND_DISPLAY']}"
    stand_in = tmp_path / "bin" / "wtype"
    stand_in.parent.mkdir()
    stand_in.write_text(f'#!/bin/sh\n{real} exec {shutil.which("wtype")} "$@"\n')
    stand_in.chmod(stand_in.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{stand_in.parent}{os.pathsep}{os.environ['PATH']}")
    fake = None
    if broken == "refused":
        fake = FakeCompositor(tmp_path, refuse=True)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
        monkeypatch.setenv("WAYLAND_DISPLAY", fake.path.name)
    else:
        monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-none")
    try:
        reports = []
        chain = OutputChain([VirtualKeyboardType(), WtypeType()], report=reports.append)
        chain.deliver("typed by wtype ✓")
        assert window.wait_for_text(timeout=10, settle=0.2) == "typed by wtype ✓"
        assert chain.last_method == "wtype" and reports == []
        assert not SEAT.no_virtual_keyboard  # a refusal is not a missing protocol: the next text tries again
    finally:
        if fake is not None:
            fake.close()
