"""Choosing a recording's mode at key-down, pinning one from the tray, and what panels are told."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from keyvox.config.load import parse_config
from keyvox.core.presence import Observer
from keyvox.desktop.mode_picker import ModePicker
from keyvox.desktop.panel import StatusFeed
from keyvox.platform.session import Session

CONFIG = """
version = 1
[[mode]]
name = "terminal"
apps = ["xterm"]
[[mode]]
name = "spanish"
key = "alt_r"
language = "es"
"""


class Told(Observer):
    def __init__(self) -> None:
        self.modes: list[str | None] = []

    def on_mode(self, mode: str | None) -> None:
        self.modes.append(mode)


@pytest.fixture
def picker(monkeypatch):
    config = parse_config(CONFIG, Path("config.toml")).config
    told = Told()
    # The focused window is the one boundary here: no desktop runs in this test (the rigs read real ones).
    picker = ModePicker(lambda: config.modes, told, session=Session.X11)
    monkeypatch.setattr(picker, "_focused", lambda: ("XTerm", "bash"))
    return picker, told


def test_the_key_beats_the_window_and_a_pin_beats_both_but_a_key(picker):
    picker, told = picker
    assert picker.pick().name == "terminal"
    assert picker.pick("spanish").name == "spanish"
    picker.pin("spanish")
    assert picker.pick().name == "spanish"
    picker.pin(None)
    assert picker.pick().name == "terminal"
    assert told.modes == ["terminal", "spanish", "spanish", "terminal"]
    assert picker.names() == ["terminal", "spanish"]


def test_panels_get_the_mode_of_the_last_recording():
    feed = StatusFeed()
    assert json.loads(feed.line())["mode"] is None
    feed.on_mode("terminal")
    snap = json.loads(feed.line())
    assert snap["mode"] == "terminal" and "(mode terminal)" in snap["tooltip"]


@pytest.mark.skipif(
    sys.platform not in ("win32", "darwin"), reason="Windows and macOS only (the CI workflow)"
)
def test_the_foreground_application_is_read_on_windows_and_macos():
    from keyvox.desktop.output.window_info import focused_app
    from keyvox.platform.session import detect_session

    app, title = focused_app(detect_session())  # a CI runner may have no foreground window: then empty
    assert isinstance(app, str) and isinstance(title, str)
