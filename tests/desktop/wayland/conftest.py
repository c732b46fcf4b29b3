"""Fixtures for the Wayland rig tests (see wayland_rig.py); one compositor for the whole session."""

from __future__ import annotations

import time

import pytest

from tests.helpers.wayland.wayland_rig import Wayland, missing_tools


@pytest.fixture(scope="session")
def wayland():
    missing = missing_tools()
    if missing:
        pytest.skip(f"Wayland rig needs {', '.join(missing)} (install them with scripts/test.sh)")
    rig = Wayland()
    yield rig
    rig.stop()


@pytest.fixture
def window(wayland):
    wayland.window.clear()
    return wayland.window


@pytest.fixture
def as_client(wayland, monkeypatch):
    """Run keyvox's code in this process as a client of the rig's compositor (no X11 anywhere)."""
    for name, value in wayland.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DISPLAY", raising=False)


@pytest.fixture
def gtk3_window(wayland, as_client):
    """A GTK 3 text window that takes the focus from the main (GTK 4) one, and gives it back afterwards."""
    from keyvox.desktop.output import compositor
    from tests.helpers.wayland.wayland_rig import GtkWindow, wait_until

    main_window = compositor.focused_window().id
    gtk3 = GtkWindow(wayland, gtk="3")
    try:
        assert compositor.focused_window().id != main_window
        yield gtk3
    finally:
        gtk3.stop()
        wait_until(lambda: compositor.focused_window().id == main_window, 5, what="the GTK 4 window's focus")
        time.sleep(0.2)
