"""Fixtures for the GNOME rig tests (see tests/helpers/gnome/gnome_rig.py); one mutter for the session."""

from __future__ import annotations

import pytest

from tests.helpers.gnome.gnome_rig import Gnome, missing_tools


@pytest.fixture(scope="session")
def gnome():
    missing = missing_tools()
    if missing:
        pytest.skip(f"GNOME rig needs {', '.join(missing)} (install them with scripts/test.sh)")
    rig = Gnome()
    yield rig
    rig.stop()


@pytest.fixture
def window(gnome):
    gnome.window.clear()
    return gnome.window
