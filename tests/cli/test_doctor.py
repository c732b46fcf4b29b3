"""``keyvox doctor`` on this machine: it runs, and what it says is checked against independent lookups."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil

import pytest

from keyvox.cli.main import main
from keyvox.engines.registry import BACKENDS


def doctor_json(capsys, *args: str) -> tuple[int, dict]:
    code = main([*args, "doctor", "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(autouse=True)
def _plain_desktop(monkeypatch):
    for key in ("WAYLAND_DISPLAY", "DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(key, raising=False)


def test_json_fields_tell_the_truth(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no ./config.toml
    code, report = doctor_json(capsys)
    assert code == 0
    assert set(report) >= {
        "keyvox",
        "python",
        "platform",
        "hardware",
        "backends",
        "auto",
        "models",
        "audio",
        "display",
        "output_tools",
        "config",
    }
    assert report["hardware"]["cpu_cores"] == len(os.sched_getaffinity(0))
    backends = {row["name"]: row for row in report["backends"]}
    assert set(backends) == set(BACKENDS), "every registered engine, and only those"
    assert {"faster-whisper", "qwen-asr", "qwen-asr-vllm", "remote"} <= set(backends)
    assert backends["remote"]["installed"] == (importlib.util.find_spec("httpx") is not None)
    assert backends["faster-whisper"]["installed"] is True
    assert backends["faster-whisper"]["versions"]["faster-whisper"] == importlib.metadata.version(
        "faster-whisper"
    )
    assert backends["qwen-asr"]["installed"] == (importlib.util.find_spec("qwen_asr") is not None)
    assert backends["qwen-asr-vllm"]["installed"] == (importlib.util.find_spec("vllm") is not None)
    assert report["output_tools"] == {
        t: shutil.which(t) for t in ("xdotool", "xclip", "xsel", "wtype", "ydotool", "wl-copy")
    }
    for row in backends.values():
        assert row["status"] == ("ok" if row["installed"] else "missing")
    assert report["config"] == {"path": None, "error": None, "warnings": [], "status": "ok"}
    present = {m["name"]: m for m in report["models"] if m["present"]}
    assert "tiny.en" in present and present["tiny.en"]["source"] == "offline package"


def test_auto_choice_matches_the_factory(capsys):
    from keyvox.config.schema import Config
    from keyvox.engines.factory import plan

    _code, report = doctor_json(capsys)
    expected = plan(Config())
    assert (report["auto"]["backend"], report["auto"]["model"], report["auto"]["device"]) == (
        expected.backend,
        expected.model,
        expected.device,
    )
    assert report["auto"]["reason"] == expected.reason
    if not report["hardware"]["gpus"]:
        assert (report["auto"]["backend"], report["auto"]["model"]) == ("faster-whisper", "tiny.en")


def test_audio_section_matches_portaudio(capsys):
    _code, report = doctor_json(capsys)
    audio = report["audio"]
    try:
        import sounddevice
    except (ImportError, OSError):
        assert audio["available"] is False and audio["error"]
        return
    inputs = [d for d in sounddevice.query_devices() if d["max_input_channels"] > 0]
    assert [d["name"] for d in audio["input_devices"]] == [d["name"] for d in inputs]
    if not inputs:
        assert audio["error"] == "no input device found"


@pytest.mark.parametrize(
    "env, server",
    [
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "wayland"),
        ({"DISPLAY": ":99"}, "x11"),
        ({"XDG_SESSION_TYPE": "wayland"}, "wayland"),
        ({}, None),
    ],
)
def test_display_server(capsys, monkeypatch, env, server):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    _code, report = doctor_json(capsys)
    assert report["display"]["server"] == server


def test_config_problems_are_reported(capsys, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[model]\nbackend = "faster-whisper"\nname = "Qwen/Qwen3-ASR-0.6B"\nlanguag = "de"\n')
    code, report = doctor_json(capsys, "--config", str(config))
    assert report["config"]["path"] == str(config)
    assert any("unknown key [model] languag" in w for w in report["config"]["warnings"])
    assert "is a qwen-asr model" in report["auto"]["configured"]["error"]
    assert code == 1

    config.write_text("[model]\nbeam_size = 99\n")
    code, report = doctor_json(capsys, "--config", str(config))
    assert "beam_size = 99 is out of range" in report["config"]["error"] and code == 1


def test_text_report(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    for heading in (
        "Hardware",
        "Backends",
        "Auto choice",
        "Models on this machine",
        "Audio input",
        "Desktop",
        "Config",
    ):
        assert f"\n{heading}\n" in out
    assert "display server: none" in out
    assert f"xdotool {'yes' if shutil.which('xdotool') else 'no'}" in out
    _code, report = doctor_json(capsys)
    for row in report["backends"]:
        versions = ", ".join(f"{name} {version}" for name, version in row["versions"].items())
        installed = f"installed ({versions})" if versions else "installed"
        state = installed if row["installed"] else f"not installed: {row['install']}"
        assert f"\n  {row['name']:<15} {state}" in out


def test_voice_commands_say_their_keys_and_where_instructions_go(capsys, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("version = 1\n")
    _, report = doctor_json(capsys, "--config", str(config))
    assert report["commands"] == ["off (set [commands] key to use them)"]
    config.write_text(
        'version = 1\n[commands]\nkey = "f9"\n[[mode]]\nname = "mail"\ncommand_key = "f8"\n'
        '[cleanup]\nendpoint = "http://127.0.0.1:11434/v1"\n'
    )
    _, report = doctor_json(capsys, "--config", str(config))
    keys, _how, model = report["commands"]
    assert keys == '[commands] key f9, mode "mail" command_key f8'
    assert "offline" in model and "11434" not in model
    config.write_text(
        'version = 1\n[commands]\nkey = "f9"\ninstructions = true\n'
        '[cleanup]\nendpoint = "http://127.0.0.1:11434/v1"\n'
    )
    _, report = doctor_json(capsys, "--config", str(config))
    assert "http://127.0.0.1:11434/v1" in report["commands"][-1]
