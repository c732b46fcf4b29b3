"""Fixtures for the desktop rig tests (see rig.py); one desktop for the whole session."""

from __future__ import annotations

import pytest

from tests.helpers.x11.rig import Desktop, missing_tools

TYPE_CONFIG = """
version = 1
[output]
method = "type"
"""


@pytest.fixture(scope="session")
def desktop(tmp_path_factory):
    missing = missing_tools()
    if missing:
        pytest.skip(f"desktop rig needs {', '.join(missing)} (install them with scripts/test.sh)")
    rig = Desktop(tmp_path_factory.mktemp("desktop"))
    yield rig
    rig.stop()


@pytest.fixture
def window(desktop):
    desktop.window.clear()
    return desktop.window
