"""The entry point sends a bare control word straight to the daemon's socket, without the full command line."""

from __future__ import annotations

import os
import subprocess
import sys

from keyvox.cli.entry import CONTROL_WORDS
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
    imported = {
        line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: keyvox release"), done.stdout  # the subcommand's own help
    assert "keyvox.cli.main" in imported
    assert not [line for line in done.stderr.splitlines() if line.startswith("keyvox: error:")]


COMMANDS = (
    "transcribe",
    "text",
    "config",
    "bench",
    "models",
    "serve",
    "retry",
    "history",
    "autostart",
    "status",
    "devices",
    "doctor",
)


def test_help_lists_every_command_with_what_it_does(tmp_path):
    done = _run(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: keyvox ")
    section = done.stdout.split("\ncommands:\n", 1)[1].split("\n\n", 1)[0]
    listed = {}
    for line in section.splitlines():
        name, _, description = line.strip().partition(" ")
        if line.startswith("    ") and not line.startswith("      ") and name != "COMMAND":
            listed[name] = description.strip()
    assert set(COMMANDS) | set(CONTROL_WORDS) <= set(listed), sorted(listed)
    assert all(listed.values()), listed  # each with a line that says what it does
