"""Fixtures for the Wayland rig tests (see wayland_rig.py); one compositor for the whole session."""

from __future__ import annotations

import pytest

from wayland_rig import Wayland, missing_tools


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
