"""Typing on GNOME Wayland (mutter's remote-desktop service): dictations into GTK 3 and GTK 4 windows exactly
as keyvox reports them, the first character included, and text outside the keyboard layout whole."""

from __future__ import annotations

import time

import pytest

from tests.helpers.wayland.wayland_rig import GtkWindow
from tests.helpers.x11.rig import wer

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[hotkey]
backend = "command"
[output]
method = "type"
"""


@pytest.fixture
def as_client(gnome, monkeypatch):
    """Run keyvox's output code in this process as a client of the rig's GNOME session."""
    for name, value in gnome.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("SWAYSOCK", raising=False)
    from keyvox.desktop.output import gnome as output

    yield output
    output.SESSION.close()


def test_text_outside_the_keyboard_layout_lands_whole(gnome, window, as_client):
    method = as_client.MutterType()
    assert method.available()
    text = "Grüße, café — 😀 中文 done.\nSecond line\twith a tab."
    method.insert(text)
    assert window.wait_for_text() == text
    window.clear()
    long = ("Three hundred characters typed through mutter, ümlauts too. " * 5)[:300]
    started = time.perf_counter()
    method.insert(long)
    sent = time.perf_counter() - started
    assert window.wait_for_text(timeout=30) == long
    print(f"300 characters sent in {sent:.3f} s")  # reported in docs/wayland.md; speed lives in benchmarks


def test_dictations_land_in_gtk4_and_gtk3_windows_as_keyvox_reports_them(gnome, window, manifest):
    keyvox = gnome.start_keyvox(CONFIG, name="gnome")
    try:
        keyvox.wait_for(r"^Ready: run `keyvox toggle`", 180)
        for clip, gtk in (("arctic_a0009.wav", "4"), ("arctic_a0007.wav", "3")):
            row = next(r for r in manifest if r["audio"].endswith(clip))
            target = window if gtk == "4" else GtkWindow(gnome, gtk="3")
            try:
                mark = keyvox.mark()
                gnome.dictate(keyvox, row["path"])
                _, line = keyvox.wait_for(r"^text \(", 60, since=mark)
                transcript = line.split("): ", 1)[1]
                assert target.wait_for_text() == transcript  # every character, the first one included
                assert wer(row["text"], transcript) <= 0.2, transcript
            finally:
                if target is not window:
                    target.stop()
    finally:
        assert keyvox.stop() == 0, keyvox.output()
    assert "Traceback" not in keyvox.output()


def test_doctor_names_the_route_gnome_gives(gnome):
    done = gnome.keyvox_command("doctor")
    assert "Wayland desktop: gnome" in done.stdout, done.stdout + done.stderr
    assert "typing: mutter's remote-desktop service on the session bus (nothing to approve" in done.stdout
    assert "Custom Shortcuts: `keyvox toggle`" in done.stdout
