"""What a new user meets first: `keyvox --help`, `config init`, version detection, doctor's install commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keyvox.cli.install_hints import (
    DESKTOP_NEEDS,
    Installer,
    backend_install,
    extra_requirements,
    package_manager,
    system_install,
)
from keyvox.cli.main import build_parser, main
from keyvox.config.load import parse_config
from keyvox.config.schema import Config
from tests.helpers.paths import REPO as REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def keyvox(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "keyvox", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
    )


def test_help_says_how_to_dictate_change_the_key_and_turn_history_off():
    text = " ".join(build_parser().format_help().split())
    assert "Run `keyvox` with no command to start: hold Right Ctrl, speak, release" in text
    assert Config().hotkey.key == "ctrl_r", "the help names Right Ctrl as the default key"
    assert "keyvox config init" in text and '[hotkey] key = "f9"' in text
    assert f"kept {Config().history.retention_days} days" in text and "[history] enabled = false" in text
    assert "keyvox transcribe --sample" in text


def test_config_without_version_but_current_keys_is_current_and_silent():
    loaded = parse_config(
        '[hotkey]\nkey = "f9"\n[model]\nbeam_size = 2\n[dictionary]\ngithub = "GitHub"\n', Path("config.toml")
    )
    assert loaded.warnings == []
    assert (loaded.config.hotkey.key, loaded.config.model.beam_size) == ("f9", 2)
    assert loaded.config.dictionary == {"github": "GitHub"}


def test_config_without_version_and_an_original_key_is_migrated_with_a_warning():
    loaded = parse_config('[hotkey]\nmode = "toggle"\npush_to_talk = "alt_r"\n', Path("config.toml"))
    assert (loaded.config.hotkey.key, loaded.config.hotkey.mode) == ("alt_r", "toggle")
    assert len(loaded.warnings) == 1 and "keyvox config migrate" in loaded.warnings[0]


def test_config_init_writes_the_file_keyvox_reads_and_refuses_to_overwrite(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    work = tmp_path / "work"
    work.mkdir()
    first = keyvox("config", "init", cwd=work, env=env)
    written = tmp_path / "xdg" / "keyvox" / "config.toml"
    assert first.returncode == 0 and first.stdout.strip() == f"Wrote {written}" and first.stderr == ""
    written.write_text(written.read_text().replace('key = "ctrl_r"', 'key = "f9"'))
    assert 'key = "f9"  # ' + str(written) in keyvox("config", "show", cwd=work, env=env).stdout

    again = keyvox("config", "init", cwd=work, env=env)
    assert again.returncode == 2
    assert again.stderr.strip() == f"keyvox: error: {written}: already exists (use --force to overwrite it)"
    assert 'key = "f9"' in written.read_text(), "the user's file is untouched"
    forced = keyvox("config", "init", "--force", cwd=work, env=env)
    assert forced.returncode == 0 and 'key = "ctrl_r"' in written.read_text()


def test_config_init_elsewhere_says_keyvox_will_not_read_it(tmp_path):
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    result = keyvox("config", "init", "mine.toml", cwd=tmp_path, env=env)
    assert result.returncode == 0 and (tmp_path / "mine.toml").is_file()
    assert result.stderr.strip() == (
        "keyvox: note: keyvox does not look there by itself; run it as `keyvox --config mine.toml`"
    )


@pytest.mark.parametrize(
    "os_release, manager",
    [
        ('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n', "apt"),
        ('NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n', "apt"),
        ('NAME="Fedora Linux"\nID=fedora\n', "dnf"),
        ('NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n', "dnf"),
        ('NAME="EndeavourOS"\nID="endeavouros"\nID_LIKE="arch"\n', "pacman"),
        ('NAME="Alpine Linux"\nID=alpine\n', None),
    ],
)
def test_package_manager_from_os_release(tmp_path, os_release, manager):
    (tmp_path / "os-release").write_text(os_release)
    assert package_manager(tmp_path / "os-release") == manager


def test_readme_desktop_tools_lines_are_the_ones_doctor_prints():
    everything = list(DESKTOP_NEEDS[None])
    for manager in ("apt", "dnf", "pacman"):
        assert f"`{system_install(everything, manager)}`" in README.replace("\n  ", " ")


def test_qwen_hint_installs_qwen_asr_itself_as_the_readme_says():
    pip = backend_install("qwen-asr", Installer("pip", "python3"))
    assert pip.startswith("python3 -m pip install ") and " torch==2.13.0 " in pip.split(" && ")[0]
    assert pip.endswith(" && python3 -m pip install --no-deps qwen-asr==0.0.6")
    assert set(extra_requirements("qwen")) <= set(pip.replace("'", "").split(" && ")[0].split()[4:])
    pipx = backend_install("qwen-asr", Installer("pipx", "python3"))
    assert pipx.endswith(" && pipx runpip keyvox install --no-deps qwen-asr==0.0.6")
    readme = " ".join(README.split())
    assert "pipx runpip keyvox install --no-deps qwen-asr==0.0.6" in readme
    assert "pip install --no-deps qwen-asr==0.0.6" in readme


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="system packages are a Linux matter")
def test_doctor_prints_the_install_command_for_a_missing_tool(capsys, monkeypatch, tmp_path):
    """On X11 with a PATH holding every tool but xdotool, doctor names it with this distribution's line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if not (xclip := shutil.which("xclip")):
        pytest.skip("xclip is not installed here")
    (bin_dir / "xclip").symlink_to(xclip)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("DISPLAY", ":42")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("XDG_SESSION_TYPE", raising=False)
    monkeypatch.chdir(tmp_path)
    main(["doctor", "--json"])
    report = json.loads(capsys.readouterr().out)
    [fix] = [f for f in report["fixes"] if f["missing"] == "xdotool"]
    manager = package_manager()
    assert fix["command"] == (
        system_install(["xdotool"], manager) if manager else "install xdotool with your package manager"
    )
    if Path("/etc/debian_version").is_file():
        assert fix["command"] == "sudo apt install xdotool"
    main(["doctor"])
    assert "\nTo install what is missing\n  xdotool: " + fix["command"] + "\n" in capsys.readouterr().out
