"""config.toml: lookup, validation messages, warnings, migration, and the config commands."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from keyvox.config.load import parse_config
from keyvox.config.render import render_config
from keyvox.config.schema import Config
from keyvox.errors import ConfigError
from tests.helpers.paths import REPO as REPO_ROOT


def keyvox(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "keyvox", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full_env,
        timeout=120,
    )


BAD_CONFIGS = [
    (
        '[model]\ncompute_type = "bf16"\n',
        '[model] compute_type = "bf16" is not valid for any backend (choose auto, float16, int8, int8_float16, '
        "int8_float32, float32, bfloat16)",
    ),
    (
        '[model]\nbackend = "faster-whisper"\ncompute_type = "bfloat16"\n',
        '[model] compute_type = "bfloat16" is not valid for faster-whisper (choose auto, float16, int8, '
        "int8_float16, int8_float32, float32)",
    ),
    (
        '[model]\nbackend = "whisperx"\n',
        '[model] backend = "whisperx" is not valid (choose auto, faster-whisper',
    ),
    ("[model]\nbeam_size = 0\n", "[model] beam_size = 0 is out of range (choose 1 to 20)"),
    ('[model]\nbeam_size = "5"\n', '[model] beam_size = "5" is not valid (expected a whole number)'),
    ('[model]\nvad_filter = "yes"\n', '[model] vad_filter = "yes" is not valid (expected true or false)'),
    (
        '[model]\ndevice = "tpu"\n',
        '[model] device = "tpu" is not valid for any backend (choose auto, cuda, cpu',
    ),
    ('[model]\nlanguage = "english"\n', '[model] language = "english" is not valid (use an ISO code'),
    (
        '[model]\nname = "tiny.en"\nlanguage = "de"\n',
        '[model] language = "de" cannot be used with the English-only model tiny.en',
    ),
    ('[hotkey]\nmode = "hold-ish"\n', '[hotkey] mode = "hold-ish" is not valid (choose hold, toggle)'),
    (
        '[output]\nmethod = "paste"\n',
        '[output] method = "paste" is not valid (choose auto, type, clipboard, clipboard-restore)',
    ),
    (
        "[audio]\nmin_duration_s = 5\nmax_duration_s = 2\n",
        "[audio] min_duration_s = 5 must be below max_duration_s = 2",
    ),
    (
        "[audio]\ndevice = 1.5\n",
        "[audio] device = 1.5 is not valid (expected text in quotes or a whole number)",
    ),
    ("[dictionary]\ngithub = 3\n", '[dictionary] github = 3 must be text, e.g. github = "github"'),
    ('model = "tiny"\n', "model must be a section ([model]), not a single value"),
    ("version = 7\n", "version = 7 is newer than this keyvox understands (1)"),
    ('[model]\nname = "tiny\n', "TOML syntax error: "),
]


@pytest.mark.parametrize("text, message", BAD_CONFIGS)
def test_bad_values_are_one_line_errors_naming_file_key_and_choices(text, message):
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("config.toml"))
    assert str(info.value).startswith("config.toml: " + message)
    assert "\n" not in str(info.value)


def test_syntax_error_names_the_line():
    with pytest.raises(ConfigError, match=r"at line 3"):
        parse_config('version = 1\n[model]\nname = = "x"\n', Path("config.toml"))


@pytest.mark.parametrize("text, message", [BAD_CONFIGS[0], BAD_CONFIGS[3], BAD_CONFIGS[-1]])
def test_cli_prints_the_error_without_traceback(tmp_path, text, message):
    (tmp_path / "config.toml").write_text(text)
    result = keyvox("config", "show", cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"keyvox: error: config.toml: {message}"), (
        line
    )  # (a TOML error adds tomllib's words)
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_unknown_keys_and_sections_warn_with_suggestion_and_keep_going():
    loaded = parse_config(
        'version = 1\n[model]\ncompute = "int8"\nname = "base"\n[hotkeys]\nkey = "f9"\n', Path("config.toml")
    )
    assert loaded.config.model.name == "base"
    assert loaded.warnings == [
        'config.toml: unknown key [model] compute ignored (did you mean "compute_type"?)',
        'config.toml: unknown section [hotkeys] ignored (did you mean "hotkey"?)',
    ]


def test_values_are_typed_and_sources_recorded():
    loaded = parse_config(
        'version = 1\n[audio]\nmax_duration_s = 60\ndevice = 3\n[dictionary]\n"node js" = "Node.js"\n',
        Path("my.toml"),
    )
    assert loaded.config.audio.max_duration_s == 60.0 and isinstance(
        loaded.config.audio.max_duration_s, float
    )
    assert loaded.config.audio.device == 3
    assert loaded.config.dictionary == {"node js": "Node.js"}
    assert loaded.sources["audio.max_duration_s"] == "my.toml"
    assert loaded.sources["model.name"] == "default"


def test_original_keyvox_file_is_migrated():
    old = (
        '[model]\nbackend = "faster-whisper"\nname = "base"\n[audio]\ninput_device = "default"\nsample_rate = 16000\n'
        '[hotkey]\npush_to_talk = "alt_r"\n[output]\npaste_method = "clipboard-restore"\ndouble_tap_timeout = 0.4\n'
        "[text_insertion]\nsmart_capitalization = false\n"
    )
    loaded = parse_config(old, Path("config.toml"))
    config = loaded.config
    assert (config.hotkey.key, config.output.method, config.audio.device) == (
        "alt_r",
        "clipboard-restore",
        "",
    )
    assert config.hotkey.double_tap_s == 0.4 and config.text.capitalize is False
    assert len(loaded.warnings) == 1 and "keyvox config migrate" in loaded.warnings[0]


def test_config_migrate_rewrites_file_and_keeps_backup(tmp_path):
    (tmp_path / "config.toml").write_text('[hotkey]\npush_to_talk = "f9"\n')
    result = keyvox("config", "migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    migrated = tomllib.loads((tmp_path / "config.toml").read_text())
    assert migrated["version"] == 1 and migrated["hotkey"]["key"] == "f9"
    assert (tmp_path / "config.toml.bak").read_text() == '[hotkey]\npush_to_talk = "f9"\n'
    assert keyvox("config", "show", cwd=tmp_path).stderr == ""


def test_commented_default_config_round_trips():
    text = render_config(commented=True)
    assert text.count("\n# ") > 20, "every option is documented"
    loaded = parse_config(text, Path("config.toml"))
    assert loaded.config == Config() and loaded.warnings == []


def test_lookup_order_explicit_then_cwd_then_platform_dir(tmp_path):
    xdg = tmp_path / "xdg"
    env = {"XDG_CONFIG_HOME": str(xdg)}
    work = tmp_path / "work"
    work.mkdir()
    assert "no config file" in keyvox("config", "path", cwd=work, env=env).stdout

    result = keyvox("config", "init", cwd=work, env=env)
    platform_file = xdg / "keyvox" / "config.toml"
    assert result.returncode == 0 and platform_file.is_file()
    assert keyvox("config", "path", cwd=work, env=env).stdout.strip() == str(platform_file)
    again = keyvox("config", "init", cwd=work, env=env)
    assert again.returncode == 2 and "already exists (use --force" in again.stderr

    (work / "config.toml").write_text("version = 1\n[model]\nbeam_size = 2\n")
    assert keyvox("config", "path", cwd=work, env=env).stdout.strip() == str(work / "config.toml")
    show = keyvox("config", "show", cwd=work, env=env).stdout
    assert "beam_size = 2  # config.toml" in show and 'backend = "auto"  # default' in show

    other = tmp_path / "other.toml"
    other.write_text("version = 1\n[model]\nbeam_size = 3\n")
    assert "beam_size = 3  # " in keyvox("--config", str(other), "config", "show", cwd=work, env=env).stdout
    missing = keyvox("--config", str(tmp_path / "nope.toml"), "config", "show", cwd=work, env=env)
    assert missing.returncode == 2 and "nope.toml: config file not found" in missing.stderr
