"""When keyvox shows its tray and overlay, and the one line it says when it cannot."""

from __future__ import annotations

import sys

import pytest

from keyvox.config.schema import GuiConfig
from keyvox.desktop.gui.launch import INSTALL_HINT, prepare_gui


def test_without_the_toolkit_keyvox_runs_headless_and_says_how_to_get_the_tray(monkeypatch):
    monkeypatch.setitem(sys.modules, "PySide6", None)  # as if keyvox[gui] was not installed
    said: list[str] = []
    assert prepare_gui(GuiConfig(), said.append) is None
    assert said == [INSTALL_HINT]
    assert "pip install 'keyvox[gui]'" in said[0] and "\n" not in said[0]


def test_turned_off_in_the_config_says_nothing(monkeypatch):
    monkeypatch.setitem(sys.modules, "PySide6", None)
    said: list[str] = []
    assert prepare_gui(GuiConfig(tray=False, overlay=False), said.append) is None
    assert said == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="displays are a Linux concern")
def test_no_display_runs_headless_with_one_line(monkeypatch):
    pytest.importorskip("PySide6")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    said: list[str] = []
    assert prepare_gui(GuiConfig(), said.append) is None
    assert len(said) == 1 and "no display" in said[0], said


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="displays are a Linux concern")
def test_a_display_qt_cannot_open_is_reported_in_one_line_not_an_abort(monkeypatch):
    pytest.importorskip("PySide6")
    monkeypatch.setenv("DISPLAY", ":4095")  # no X server answers there: Qt would abort the whole process
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    said: list[str] = []
    launcher = prepare_gui(GuiConfig(), said.append)
    assert launcher is not None
    assert launcher.usable() is False
    assert len(said) == 1 and said[0].startswith("tray and overlay off: Qt cannot start here ("), said
    assert "\n" not in said[0]
