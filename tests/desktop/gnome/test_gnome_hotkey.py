"""The hotkey on GNOME 43 (no GlobalShortcuts portal): the custom shortcut docs/wayland.md sets up with
gsettings. The documented lines run against the rig's settings (GLib's keyfile backend under the rig's
XDG_CONFIG_HOME: gnome-settings-daemon, which would watch them and grab the key, does not run headless),
and the command they stored toggles the running daemon: a dictation lands in the GTK window."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys

import pytest

from tests.helpers.x11.rig import REPO, wer

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[hotkey]
backend = "command"
[output]
method = "type"
"""
SCHEMA = "org.gnome.settings-daemon.plugins.media-keys"


def documented_gsettings() -> list[list[str]]:
    text = (REPO / "docs" / "wayland.md").read_text(encoding="utf-8")
    return [shlex.split(line) for line in re.findall(r"^gsettings set .*$", text, flags=re.M)]


def test_the_documented_custom_shortcut_toggles_the_running_daemon(gnome, window, manifest):
    if (
        shutil.which("gsettings") is None
        or subprocess.run(["gsettings", "list-keys", SCHEMA], capture_output=True).returncode
    ):
        pytest.skip(f"gsettings or the {SCHEMA} schema is missing (gnome-settings-daemon-common)")
    env = {**gnome.env, "GSETTINGS_BACKEND": "keyfile"}
    lines = documented_gsettings()
    assert len(lines) == 4, lines
    for line in lines:
        done = subprocess.run(line, env=env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
    path = shlex.split(lines[1][2].split(":", 1)[1])[0]
    listed = subprocess.run(
        ["gsettings", "get", SCHEMA, "custom-keybindings"], env=env, capture_output=True, text=True
    )
    assert path in listed.stdout
    stored = subprocess.run(
        ["gsettings", "get", f"{SCHEMA}.custom-keybinding:{path}", "command"],
        env=env,
        capture_output=True,
        text=True,
    ).stdout.strip()
    command = shlex.split(shlex.split(stored)[0])
    assert command == ["keyvox", "toggle"], stored
    shortcut = [sys.executable, "-m", "keyvox", *command[1:]]  # what the shortcut runs, from this checkout

    keyvox = gnome.start_keyvox(CONFIG, name="gnome-toggle")
    try:
        keyvox.wait_for(r"^Ready: run `keyvox toggle`", 180)
        row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))
        mark = keyvox.mark()
        assert subprocess.run(shortcut, env=gnome.env, timeout=30).returncode == 0
        keyvox.wait_for(r"^\[recording\]", 10, since=mark)
        gnome.pulse.play(row["path"])
        assert subprocess.run(shortcut, env=gnome.env, timeout=30).returncode == 0
        _, line = keyvox.wait_for(r"^text \(", 60, since=mark)
        transcript = line.split("): ", 1)[1]
        assert window.wait_for_text() == transcript
        assert wer(row["text"], transcript) <= 0.2, transcript
    finally:
        assert keyvox.stop() == 0, keyvox.output()
    assert "Traceback" not in keyvox.output()
