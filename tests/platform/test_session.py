"""The desktop session from the environment: each combination of variables a login or a launcher leaves."""

from __future__ import annotations

import pytest

from keyvox.platform.session import Session, detect_session, find_session, has_display, xwayland_available

GNOME_WAYLAND = {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}
SWAY_FROM_A_CONSOLE = {"XDG_SESSION_TYPE": "tty", "WAYLAND_DISPLAY": "wayland-1", "DISPLAY": ":0"}
SYSTEMD_USER_UNIT = {"WAYLAND_DISPLAY": "wayland-0"}  # imported by the desktop: no XDG_SESSION_TYPE
X11_LOGIN = {"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}
XVFB = {"DISPLAY": ":99"}
WAYLAND_LOGIN_BEFORE_THE_DISPLAY = {"XDG_SESSION_TYPE": "wayland"}
X11_LOGIN_BEFORE_THE_DISPLAY = {"XDG_SESSION_TYPE": "x11"}
CONSOLE = {"XDG_SESSION_TYPE": "tty"}


@pytest.mark.parametrize(
    "env, session",
    [
        (GNOME_WAYLAND, Session.WAYLAND),
        (SWAY_FROM_A_CONSOLE, Session.WAYLAND),  # XWayland's DISPLAY reaches only X11 windows
        (SYSTEMD_USER_UNIT, Session.WAYLAND),
        (WAYLAND_LOGIN_BEFORE_THE_DISPLAY, Session.WAYLAND),
        (X11_LOGIN, Session.X11),
        (XVFB, Session.X11),
        (X11_LOGIN_BEFORE_THE_DISPLAY, Session.X11),
        (CONSOLE, None),
        ({}, None),
        ({"DISPLAY": "", "WAYLAND_DISPLAY": ""}, None),  # set but empty counts as unset
    ],
)
def test_linux_session_from_the_environment(env, session):
    assert find_session(env, "linux") is session
    assert detect_session(env, "linux") is (session or Session.X11)  # no session: X11's tools say why


@pytest.mark.parametrize("platform, session", [("win32", Session.WINDOWS), ("darwin", Session.MACOS)])
def test_windows_and_macos_ignore_the_display_variables(platform, session):
    for env in (GNOME_WAYLAND, XVFB, {}):
        assert detect_session(env, platform) is find_session(env, platform) is session
        assert has_display(env, platform)  # their desktop is always there
        assert not xwayland_available(env, platform)
        assert not session.is_linux


def test_linux_needs_a_display_for_a_window():
    assert has_display(XVFB, "linux") and has_display(SYSTEMD_USER_UNIT, "linux")
    assert has_display(GNOME_WAYLAND, "linux")
    for env in (WAYLAND_LOGIN_BEFORE_THE_DISPLAY, X11_LOGIN_BEFORE_THE_DISPLAY, CONSOLE, {}):
        assert not has_display(env, "linux")
    assert Session.X11.is_linux and Session.WAYLAND.is_linux


def test_xwayland_is_a_wayland_session_with_an_x11_display():
    assert xwayland_available(GNOME_WAYLAND, "linux") and xwayland_available(SWAY_FROM_A_CONSOLE, "linux")
    assert not xwayland_available(SYSTEMD_USER_UNIT, "linux")  # Wayland without XWayland
    assert not xwayland_available(XVFB, "linux") and not xwayland_available(X11_LOGIN, "linux")


def test_the_process_environment_is_read_at_each_call(monkeypatch):
    monkeypatch.setattr("sys.platform", "linux")
    for name in ("WAYLAND_DISPLAY", "DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(name, raising=False)
    assert find_session() is None and not has_display()
    monkeypatch.setenv("DISPLAY", ":5")
    assert detect_session() is Session.X11 and has_display()
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-5")
    assert detect_session() is Session.WAYLAND and xwayland_available()


def test_the_names_are_the_ones_doctor_prints():
    assert [s.value for s in Session] == ["x11", "wayland", "windows", "macos"]
