"""The entry point sends a bare control word straight to the daemon's socket, without the full command line."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.helpers.paths import REPO


def _run(tmp_path, *args):
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_RUNTIME_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "keyvox", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_control_word_skips_the_command_line(tmp_path):
    done = _run(tmp_path, "release")
    errors = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    assert done.returncode == 2
    assert len(errors) == 1 and errors[0].startswith("keyvox: error: keyvox is not running (no daemon at")
    imported = {
        line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }
    assert "keyvox.desktop.hotkey.control" in imported
    assert "keyvox.cli.main" not in imported and "keyvox.config" not in imported


def test_anything_else_takes_the_full_parser(tmp_path):
    done = _run(tmp_path, "release", "--help")
    assert done.returncode == 0
    assert "key-up binding" in done.stdout or "usage:" in done.stdout
