"""Start at login: the real files each system reads, checked by that system's own validators where one exists.

Every test runs in temporary HOME / XDG folders; the real user's login entries are never touched.
"""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import subprocess
import sys

import pytest

from keyvox.cli.main import main
from keyvox.desktop import autostart


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private HOME, XDG config/state folders and runtime folder (no systemd user manager in it)."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    for name, value in (
        ("HOME", tmp_path / "home"),
        ("XDG_CONFIG_HOME", tmp_path / "config"),
        ("XDG_STATE_HOME", tmp_path / "state"),
        ("XDG_RUNTIME_DIR", runtime),
        ("APPDATA", tmp_path / "appdata"),
    ):
        monkeypatch.setenv(name, str(value))
    return tmp_path


ODD_CONFIG = (
    'my keyvox/50% "quiet" $HOME.toml'  # a space, a percent sign, quotes and a dollar: all need quoting
)


def test_systemd_unit_passes_systemd_analyze_and_enable_disable_round_trips(home):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed (Debian: systemd)")
    config = home / ODD_CONFIG
    path = autostart.enable(config, kind="systemd")
    assert path == home / "config" / "systemd" / "user" / "keyvox.service"
    wants = path.parent / "graphical-session.target.wants" / "keyvox.service"
    assert wants.is_symlink() and wants.resolve() == path.resolve()  # what `systemctl --user enable` makes
    assert autostart.is_enabled("systemd")
    done = subprocess.run(
        ["systemd-analyze", "--user", "verify", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_RUNTIME_DIR": str(home / "run")},
        timeout=60,
    )
    # verify exits 0 even on lines it ignores ("Failed to parse ..., ignoring"): any output is a defect.
    assert done.returncode == 0 and not done.stdout.strip() and not done.stderr.strip(), done.stderr
    text = path.read_text()
    assert "Restart=on-failure" in text and "RestartPreventExitStatus=2" in text
    exec_start = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    words = [
        w.replace("$$", "$").replace("%%", "%") for w in shlex.split(exec_start.removeprefix("ExecStart="))
    ]
    assert words == [sys.executable, "-m", "keyvox", "--config", str(config)]
    assert autostart.disable("systemd") and not path.exists() and not wants.is_symlink()
    assert not autostart.is_enabled("systemd") and not autostart.disable("systemd")


def test_desktop_entry_passes_desktop_file_validate_and_quotes_the_config_path(home):
    if shutil.which("desktop-file-validate") is None:
        pytest.skip("desktop-file-validate not installed (Debian: desktop-file-utils)")
    config = home / ODD_CONFIG
    path = autostart.enable(config, kind="xdg")
    assert path == home / "config" / "autostart" / "keyvox.desktop"
    done = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr
    exec_line = next(line for line in path.read_text().splitlines() if line.startswith("Exec="))
    # Undo the Desktop Entry spec's two layers: the string escape (\\ -> \), then the Exec quoting.
    value = exec_line.removeprefix("Exec=").replace("\\\\", "\\")
    assert exec_words(value) == [sys.executable, "-m", "keyvox", "--config", str(config), "autostart", "run"]


def exec_words(value: str) -> list[str]:
    """The Exec key's arguments as the Desktop Entry spec reads them (shlex differs: it keeps "\\$")."""
    words, word, quoted, escaped, started = [], "", False, False, False
    for char in value:
        if escaped:
            word, escaped = word + char, False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted, started = not quoted, True
        elif char == " " and not quoted:
            if word or started:
                words.append(word)
            word, started = "", False
        else:
            word += char
    words.append(word)
    return [w.replace("%%", "%") for w in words]


def test_cli_enable_status_disable_picks_systemd_only_where_a_user_manager_runs(home, capsys):
    assert main(["autostart", "status"]) == 0 and "disabled" in capsys.readouterr().out
    assert main(["autostart", "enable"]) == 0
    assert (home / "config" / "autostart" / "keyvox.desktop").exists()  # no user manager: XDG autostart
    assert main(["autostart", "status"]) == 0 and "enabled:" in capsys.readouterr().out
    assert main(["autostart", "disable"]) == 0 and "removed" in capsys.readouterr().out
    assert not (home / "config" / "autostart" / "keyvox.desktop").exists()

    (home / "run" / "systemd").mkdir()
    (home / "run" / "systemd" / "private").touch()  # where systemd's user manager puts its socket
    assert main(["autostart", "enable"]) == 0
    assert "systemctl --user" in capsys.readouterr().out
    assert (home / "config" / "systemd" / "user" / "keyvox.service").exists() and autostart.is_enabled()
    assert main(["autostart", "disable"]) == 0 and not autostart.is_enabled()


def test_windows_startup_script_content(home):
    target = autostart.entry("windows", home / "c.toml")
    assert (
        target.path
        == home / "appdata" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "keyvox.cmd"
    )
    text = target.content.decode()
    lines = text.split("\r\n")
    assert lines[0] == "@echo off" and lines[1].startswith('start "" "') and text.endswith("\r\n")
    assert f'"-m" "keyvox" "--config" "{home / "c.toml"}" "autostart" "run"' in lines[1]
    autostart.enable(home / "c.toml", kind="windows")
    assert autostart.is_enabled("windows") and autostart.disable("windows") and not target.path.exists()


def test_macos_launch_agent_content(home):
    target = autostart.entry("macos")
    assert target.path == home / "home" / "Library" / "LaunchAgents" / "io.keyvox.Keyvox.plist"
    agent = plistlib.loads(target.content)
    assert agent["Label"] == "io.keyvox.Keyvox" and agent["RunAtLoad"] is True
    assert agent["ProgramArguments"] == [sys.executable, "-m", "keyvox"]
    assert agent["KeepAlive"] == {"SuccessfulExit": False}
    assert agent["StandardOutPath"] == agent["StandardErrorPath"] and agent["StandardOutPath"].endswith(
        "keyvox.log"
    )


def test_supervisor_does_not_restart_after_a_user_error_and_logs_it(home):
    bad = home / "bad.toml"
    bad.write_text("[audio]\nnot valid toml = =\n")
    log = home / "keyvox.log"
    assert autostart.run_supervised(bad, log=log) == 2
    text = log.read_text()
    assert text.count("--- keyvox starting") == 1 and "keyvox: error:" in text and str(bad) in text


def test_supervisor_restarts_after_a_crash_then_gives_up(home, monkeypatch):
    # keyvox cannot be made to crash on demand, so the supervised command is swapped for one that does.
    monkeypatch.setattr(
        autostart, "keyvox_command", lambda config=None: [sys.executable, "-c", "raise SystemExit(1)"]
    )
    monkeypatch.setattr(autostart, "RESTART_DELAY_S", 0.0)
    log = home / "keyvox.log"
    assert autostart.run_supervised(log=log) == 1
    text = log.read_text()
    assert text.count("--- keyvox starting") == autostart.RESTART_BURST and "not restarting" in text
