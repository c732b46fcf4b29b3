"""The factory on this machine: auto resolves through the hardware facts, says why, and loads the pick."""

from __future__ import annotations

from keyvox.config.schema import Config
from keyvox.engines.factory import create_transcriber, plan, resolve_backend
from keyvox.platform.hardware import detect_hardware


def test_default_config_loads_what_auto_chose(manifest):
    from keyvox.audio.files import load_audio

    lines: list[str] = []
    transcriber = create_transcriber(Config(), announce=lines.append)
    choice = plan(Config())
    assert (
        transcriber.description == f"faster-whisper {choice.model} {choice.compute_type} on {choice.device}"
    )
    assert lines == [f"keyvox: using {choice.summary()}"] and "auto: " in lines[0]
    if not detect_hardware().usable_gpus():
        assert (choice.backend, choice.model, choice.compute_type) == ("faster-whisper", "tiny.en", "int8")
    row = next(r for r in manifest if r["lang"] == "en")
    heard = set(
        transcriber.transcribe(load_audio(row["path"])).lower().replace(".", "").replace(",", "").split()
    )
    assert len(heard & set(row["text"].lower().replace(".", "").replace(",", "").split())) >= 5


def test_resolve_backend_gives_name_and_reason():
    config = Config()
    name, reason = resolve_backend(config)
    assert name == plan(config).backend and reason.startswith("auto: ")
    config.model.backend = "faster-whisper"
    name, reason = resolve_backend(config)
    assert name == "faster-whisper" and reason.startswith("set in config")


def test_explicit_choices_are_not_announced():
    config = Config()
    config.model.backend, config.model.name = "faster-whisper", "tiny.en"
    config.model.device, config.model.compute_type = "cpu", "int8"
    lines: list[str] = []
    transcriber = create_transcriber(config, announce=lines.append)
    assert lines == [] and transcriber.description == "faster-whisper tiny.en int8 on cpu"


def test_multilingual_language_picks_base_on_a_cpu():
    config = Config()
    config.model.language = "de"
    choice = plan(config)
    if not detect_hardware().usable_gpus():
        assert (choice.backend, choice.model) == ("faster-whisper", "base")


def test_device_of_the_other_engine_is_refused_before_loading():
    import pytest

    from keyvox.errors import BackendUnavailable

    config = Config()
    config.model.device = "mps"  # valid for qwen-asr, so the config file accepts it with backend = "auto"
    if not detect_hardware().usable_gpus():  # this machine has no Apple GPU, which is said first
        with pytest.raises(BackendUnavailable, match=r'device = "mps" but this machine has no usable Apple'):
            create_transcriber(config, announce=lambda line: None)
