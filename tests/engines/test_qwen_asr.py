"""The qwen-asr backend running the real qwen-asr package code on a tiny Qwen3-ASR checkpoint.

The checkpoint is built here from the package's own classes (tests/helpers/qwen_tiny.py) and loaded through
keyvox from a local folder with the hub switched off. Its weights are random, so its text is nonsense:
these tests check the path the audio takes, language forcing, batching, precision and the errors.
Set KEYVOX_TEST_DEVICE=cuda (scripts/verify-gpu.sh does) to run the same tests on a GPU.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

pytest.importorskip("qwen_asr", reason="qwen-asr is not installed (see scripts/test.sh)")

import torch

from keyvox.audio.files import load_audio
from keyvox.config.schema import Config
from keyvox.engines import (
    qwen_asr,
    qwen_common,
)
from keyvox.engines.factory import create_transcriber
from keyvox.engines.qwen_asr import QwenAsrTranscriber
from keyvox.errors import BackendUnavailable, ConfigError, ModelNotFound
from tests.helpers.qwen_tiny import build_tiny_qwen3_asr

DEVICE = os.environ.get("KEYVOX_TEST_DEVICE", "cpu")
TOKENS = 12  # random weights never say "end of turn"; cap the words they babble


@pytest.fixture(autouse=True)
def _offline_and_short(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    monkeypatch.setattr(qwen_asr, "MAX_NEW_TOKENS", TOKENS)


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    return build_tiny_qwen3_asr(tmp_path_factory.mktemp("qwen3-asr-tiny"))


def qwen_config(name, **model) -> Config:
    config = Config()
    config.model.backend = "qwen-asr"
    config.model.name = str(name)
    config.model.device = DEVICE
    config.model.compute_type = "float32"
    for key, value in model.items():
        setattr(config.model, key, value)
    return config


@pytest.fixture(scope="module")
def tiny(tiny_dir):
    monkey = pytest.MonkeyPatch()
    monkey.setattr(qwen_asr, "MAX_NEW_TOKENS", TOKENS)
    monkey.setenv("HF_HUB_OFFLINE", "1")
    try:
        yield create_transcriber(qwen_config(tiny_dir), announce=lambda line: None)
    finally:
        monkey.undo()


@pytest.fixture(scope="module")
def clips(manifest):
    english = [row for row in manifest if row["lang"] == "en"][:2]
    german = next(row for row in manifest if row["lang"] == "de")
    return [load_audio(row["path"]) for row in (*english, german)]


class Spy:
    """Records what keyvox hands to the package's transcribe, then calls the real one."""

    def __init__(self, model):
        self.real, self.calls = model.transcribe, []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return self.real(**kwargs)


def test_loads_through_the_package_from_a_local_folder(tiny, tiny_dir):
    assert tiny.model_path == tiny_dir
    assert tiny.model.backend == "transformers"  # qwen_asr.Qwen3ASRModel.from_pretrained
    assert tiny.model.dtype == torch.float32
    assert tiny.model.model.device.type == DEVICE.split(":")[0]
    assert tiny.description == f"qwen-asr {tiny_dir} float32 on {DEVICE}"


def test_real_clip_with_forced_language_and_dictionary_context(tiny, clips, monkeypatch):
    spy = Spy(tiny.model)
    monkeypatch.setattr(tiny.model, "transcribe", spy)
    result = tiny.transcribe_detailed(clips[0], context="Earlier text.", vocabulary=["GitHub", "Node.js"])
    call = spy.calls[0]
    assert call["language"] == "English"  # config "en" -> the name Qwen's prompt expects
    assert call["context"] == ["GitHub, Node.js\nEarlier text."]
    audio, rate = call["audio"][0]
    assert rate == 16000 and audio.dtype == np.float32 and len(audio) == len(clips[0])
    assert result.language == "en"
    assert result.duration_s == pytest.approx(len(clips[0]) / 16000)
    assert isinstance(result.text, str) and result.speech_found == bool(result.text)
    prompt = tiny.model._build_text_prompt(call["context"][0], call["language"])
    assert prompt.endswith("language English<asr_text>") and "GitHub, Node.js" in prompt


def test_language_auto_lets_the_model_decide(tiny_dir, clips):
    transcriber = QwenAsrTranscriber(
        str(tiny_dir), device=DEVICE, compute_type="float32", language="auto", max_new_tokens=TOKENS
    )
    assert transcriber.language_name is None
    result = transcriber.transcribe_detailed(clips[2])
    # An untrained model emits no "language X<asr_text>" header, so no language is claimed.
    assert result.language is None


def test_detection_outside_the_languages_is_decoded_again_in_the_first(tiny_dir, clips, monkeypatch):
    transcriber = QwenAsrTranscriber(
        str(tiny_dir), device=DEVICE, compute_type="float32", language="auto", max_new_tokens=TOKENS
    )
    transcriber.set_language(None, ("fr", "de"))
    spy = Spy(transcriber.model)
    monkeypatch.setattr(transcriber.model, "transcribe", spy)
    result = transcriber.transcribe_detailed(clips[2])
    # The untrained model claims no language: the second pass names the list's first one in the prompt.
    assert result.speech_found
    assert [call["language"] for call in spy.calls] == [None, "French"]
    assert result.language == "fr"
    assert (transcriber.language, transcriber.languages) == (None, ("fr", "de"))  # restored


def test_batch_in_one_pass(tiny, clips, monkeypatch):
    spy = Spy(tiny.model)
    monkeypatch.setattr(tiny.model, "transcribe", spy)
    silence = np.zeros(0, dtype=np.float32)
    results = tiny.transcribe_batch([clips[0], silence, clips[1], clips[2]], vocabulary=["Kubernetes"])
    assert len(spy.calls) == 1 and len(spy.calls[0]["audio"]) == 3  # the empty clip never reaches the model
    assert [r.duration_s for r in results] == pytest.approx(
        [len(c) / 16000 for c in (clips[0], silence, *clips[1:])]
    )
    assert results[1].speech_found is False and results[1].text == ""
    assert all(r.language == "en" for r in results)


@pytest.mark.parametrize(
    "compute_type, dtype",
    [("bfloat16", torch.bfloat16), ("float16", torch.float16), ("auto", torch.bfloat16)],
)
def test_precision(tiny_dir, clips, compute_type, dtype):
    transcriber = QwenAsrTranscriber(
        str(tiny_dir), device=DEVICE, compute_type=compute_type, max_new_tokens=4
    )
    assert transcriber.model.dtype == dtype
    assert next(transcriber.model.model.parameters()).dtype == dtype
    assert isinstance(transcriber.transcribe(clips[0][:16000]), str)


def test_model_cache_is_honoured(tiny_dir, tmp_path, clips):
    # Lay the checkpoint out the way the hub cache does, under [paths] model_cache, and load it by name.
    repo = tmp_path / "models--Qwen--Qwen3-ASR-0.6B"
    shutil.copytree(tiny_dir, repo / "snapshots" / "0123abc")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abc")
    config = qwen_config("Qwen/Qwen3-ASR-0.6B")
    config.paths.model_cache = str(tmp_path)
    transcriber = create_transcriber(config, announce=lambda line: None)
    assert transcriber.model_path == repo / "snapshots" / "0123abc"
    assert isinstance(transcriber.transcribe(clips[0][:16000]), str)

    from keyvox.engines.models import local_status

    rows = {row.model.name: row for row in local_status(str(tmp_path))}
    assert rows["Qwen/Qwen3-ASR-0.6B"].source == "cache" and rows["Qwen/Qwen3-ASR-1.7B"].path is None


def test_missing_model_offline_is_one_line(tmp_path):
    config = qwen_config("Qwen/Qwen3-ASR-1.7B")
    config.paths.model_cache = str(tmp_path)
    with pytest.raises(ModelNotFound) as caught:
        create_transcriber(config, announce=lambda line: None)
    assert "HF_HUB_OFFLINE" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"language": "sw"}, ConfigError, 'language = "sw" is not supported by Qwen3-ASR'),
        ({"name": "tiny.en"}, ConfigError, 'name = "tiny.en" is a faster-whisper model'),
        ({"compute_type": "int8"}, ConfigError, 'compute_type = "int8" is not valid for qwen-asr'),
    ],
)
def test_config_mistakes(tiny_dir, change, error, words):
    change = dict(change)
    config = qwen_config(change.pop("name", tiny_dir), **change)
    with pytest.raises(error, match=words):
        create_transcriber(config, announce=lambda line: None)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_cuda_without_a_cuda_torch(tiny_dir):
    with pytest.raises(
        BackendUnavailable, match=r'device = "cuda" but this torch .* cannot reach a cuda device'
    ):
        QwenAsrTranscriber(str(tiny_dir), device="cuda")


def test_bad_folders(tmp_path, tiny_dir):
    with pytest.raises(ModelNotFound, match="no readable config.json"):
        QwenAsrTranscriber(str(tmp_path), device="cpu")
    whisper = tmp_path / "whisper"
    whisper.mkdir()
    (whisper / "config.json").write_text('{"model_type": "whisper"}')
    with pytest.raises(ModelNotFound, match='holds a "whisper" model, not Qwen3-ASR'):
        QwenAsrTranscriber(str(whisper), device="cpu")
    with pytest.raises(ConfigError, match='device = "tpu" is not valid'):
        QwenAsrTranscriber(str(tiny_dir), device="tpu")


def test_cli_transcribe(tiny_dir, manifest, capsys):
    import json

    from keyvox.cli.main import main

    clip = str(next(row for row in manifest if row["lang"] == "en")["path"])
    code = main(
        [
            "transcribe",
            "--backend",
            "qwen-asr",
            "--model",
            str(tiny_dir),
            "--device",
            DEVICE,
            "--compute-type",
            "float32",
            "--json",
            clip,
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    row = json.loads(out.strip().splitlines()[-1])
    assert row["file"] == clip and row["language"] == "en"
    assert f"loaded qwen-asr {tiny_dir} float32 on {DEVICE}" in err


def test_silence_never_reaches_the_model(tiny, clips, monkeypatch):
    spy = Spy(tiny.model)
    monkeypatch.setattr(tiny.model, "transcribe", spy)
    silence = np.zeros(16000, dtype=np.float32)
    quiet, _spoken = tiny.transcribe_batch([silence, clips[0]])
    assert len(spy.calls[0]["audio"]) == 1 and len(spy.calls[0]["audio"][0][0]) == len(clips[0])
    assert (quiet.text, quiet.speech_found, quiet.duration_s) == ("", False, 1.0)
    monkeypatch.setattr(tiny, "vad_filter", False)  # [model] vad_filter = false: the model hears everything
    tiny.transcribe_detailed(silence)
    assert len(spy.calls) == 2 and len(spy.calls[1]["audio"][0][0]) == 16000


def test_configured_vad_threshold_is_honoured(tiny_dir, monkeypatch):
    # Faint noise: Silero rates it ~0.05 speech, below the default 0.35 and above 0.01.
    noise = np.random.default_rng(0).normal(0, 0.01, 32000).astype(np.float32)
    strict = create_transcriber(qwen_config(tiny_dir), announce=lambda line: None)
    eager = create_transcriber(qwen_config(tiny_dir, vad_threshold=0.01), announce=lambda line: None)
    assert (strict.vad_threshold, eager.vad_threshold) == (0.35, 0.01)
    for transcriber in (strict, eager):
        monkeypatch.setattr(transcriber.model, "transcribe", Spy(transcriber.model))
    assert strict.transcribe_detailed(noise).speech_found is False and strict.model.transcribe.calls == []
    assert eager.transcribe_detailed(noise).speech_found is True and len(eager.model.transcribe.calls) == 1


def test_qwen_needs_the_vad_it_filters_with(tiny_dir, monkeypatch):
    # Uninstalling faster-whisper is not possible inside the test run: the VAD's absence is faked.
    monkeypatch.setattr("keyvox.audio.vad.available", lambda: False)
    with pytest.raises(BackendUnavailable, match="Silero VAD that faster-whisper ships.*pip install"):
        create_transcriber(qwen_config(tiny_dir), announce=lambda line: None)
    assert (
        create_transcriber(qwen_config(tiny_dir, vad_filter=False), announce=lambda line: None).vad_filter
        is False
    )


def test_long_audio_is_decoded_whole_in_pieces_with_context(tiny, clips, monkeypatch):
    monkeypatch.setattr(qwen_common, "QWEN_MAX_PIECE_S", 6.0)
    gap = np.zeros(8000, dtype=np.float32)
    audio = np.concatenate([clips[0], gap, clips[1], gap, clips[0]])
    spy = Spy(tiny.model)
    monkeypatch.setattr(tiny.model, "transcribe", spy)
    result = tiny.transcribe_detailed(audio, context="Earlier words.")
    heard = [len(call["audio"][0][0]) for call in spy.calls]
    assert len(heard) >= 3 and max(heard) <= 6 * 16000 and sum(heard) >= len(audio)  # every sample heard
    assert spy.calls[0]["context"] == ["Earlier words."]
    assert spy.calls[1]["context"][0].startswith("Earlier words. " + result.segments[0].text[:20])
    assert result.text == " ".join(segment.text for segment in result.segments)
