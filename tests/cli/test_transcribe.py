"""`keyvox transcribe` on real speech with the real default model, and the faster-whisper backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import soundfile

from keyvox.audio.format import SAMPLE_RATE
from keyvox.bench.wer import corpus_wer, word_errors
from tests.helpers.paths import REPO as REPO_ROOT

WER_MARGIN = 0.02
"""How much worse than faster-whisper's own ``transcribe()`` keyvox may be per category: 2 words in 100."""
WER_BOUNDS = {
    # faster-whisper's own transcribe() with tiny.en int8, beam 5, its VAD filter on (keyvox's defaults),
    # plus WER_MARGIN (python3 -m tests.helpers.faster_whisper_wer). keyvox: 0.029, 0.024, 0.074, 0.439.
    "read_audiobook": 0.038 + WER_MARGIN,  # 4 errors in 105 words, 7 clips
    "read_sentence": 0.085 + WER_MARGIN,  # 7 in 82, 9 clips
    "spontaneous_long": 0.082 + WER_MARGIN,  # 10 in 122, 2 clips
    "spontaneous_short": 0.431 + WER_MARGIN,  # 113 in 262, 44 clips (mumbled, falsetto, whispered names)
}
WER_CATEGORIES = tuple(WER_BOUNDS)


def keyvox(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [sys.executable, "-m", "keyvox", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600
    )


def wer(reference: str, hypothesis: str) -> float:
    return word_errors(reference, hypothesis, "en").rate


@pytest.mark.slow
def test_default_model_meets_the_wer_bound_of_every_english_category(manifest, tmp_path):
    rows = [r for r in manifest if r["lang"] == "en" and r.get("category") in WER_CATEGORIES]
    assert len(rows) >= 60
    result = keyvox("transcribe", "--json", *[str(r["path"]) for r in rows], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["file"] for o in outputs] == [str(r["path"]) for r in rows]
    assert all(set(o) == {"file", "text", "language", "duration_s", "seconds"} for o in outputs)
    scores = defaultdict(list)
    for row, out in zip(rows, outputs):
        scores[row["category"]].append(word_errors(row["text"], out["text"], "en"))
        assert out["language"] == "en"
        assert out["duration_s"] == pytest.approx(row["duration_s"], abs=0.05)
        assert 0 < out["seconds"] < out["duration_s"], "transcription must run faster than real time"
    wers = {cat: corpus_wer(scores[cat]) for cat in WER_CATEGORIES}
    print("WER per category:", wers)
    assert {cat for cat, score in wers.items() if score > WER_BOUNDS[cat]} == set(), (wers, WER_BOUNDS)


def _write(path: Path, audio: np.ndarray) -> str:
    soundfile.write(path, audio.astype(np.float32), SAMPLE_RATE)
    return str(path)


def noise(kind: str, seconds: float, level: float, seed: int = 1) -> np.ndarray:
    """White, pink or brown noise at a given RMS level."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(int(seconds * SAMPLE_RATE))
    if kind == "white":
        shaped = white
    elif kind == "brown":
        shaped = np.cumsum(white)
        shaped -= np.convolve(shaped, np.ones(1601) / 1601, mode="same")  # keep it from drifting away
    else:  # pink: 1/f spectrum
        spectrum = np.fft.rfft(white)
        spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1))
        shaped = np.fft.irfft(spectrum, white.size)
    return shaped / (np.sqrt(np.mean(shaped**2)) + 1e-12) * level


@pytest.mark.parametrize("kind, level", [("silence", 0.0), ("white", 0.003), ("pink", 0.01), ("brown", 0.01)])
def test_silence_and_low_noise_give_empty_text(tiny_en, kind, level):
    audio = np.zeros(3 * SAMPLE_RATE, np.float32) if kind == "silence" else noise(kind, 3, level)
    result = tiny_en.transcribe_detailed(audio.astype(np.float32))
    assert result.text == ""
    assert tiny_en.transcribe(audio.astype(np.float32)) == ""


def test_missing_and_undecodable_files_do_not_stop_the_others(tmp_path, manifest):
    garbage = tmp_path / "garbage.mp3"
    garbage.write_bytes(os.urandom(4096))
    clip = str(manifest[0]["path"])
    result = keyvox("transcribe", str(tmp_path / "missing.wav"), str(garbage), clip, cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("keyvox: error:")]
    assert (
        len(errors) == 2
        and "missing.wav: no such file" in errors[0]
        and "garbage.mp3: cannot decode" in errors[1]
    )
    assert "Traceback" not in result.stderr
    assert "wizard" in result.stdout.lower()


def test_transcribes_flac_ogg_and_stereo_48k(tmp_path, manifest):
    """Any container and rate is converted to 16 kHz mono before the model sees it."""
    row = manifest[0]
    audio, rate = soundfile.read(row["path"], dtype="float32")
    up = np.interp(np.arange(0, len(audio), rate / 48000), np.arange(len(audio)), audio)
    stereo = np.stack([up, up], axis=1)
    soundfile.write(tmp_path / "clip.flac", audio, rate)
    soundfile.write(tmp_path / "clip.ogg", stereo, 48000)
    result = keyvox(
        "transcribe", "--json", str(tmp_path / "clip.flac"), str(tmp_path / "clip.ogg"), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    for line in result.stdout.splitlines():
        out = json.loads(line)
        assert wer(row["text"], out["text"]) <= 0.15, out
        assert out["duration_s"] == pytest.approx(row["duration_s"], abs=0.05)


def test_english_only_model_rejects_other_languages(tmp_path, manifest):
    result = keyvox(
        "transcribe", "--model", "tiny.en", "--language", "fr", str(manifest[0]["path"]), cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        'keyvox: error: command line: [model] language = "fr" cannot be used with the English-only model '
        'tiny.en (set language = "en", or pick a multilingual model such as base)'
    )


@pytest.mark.slow
def test_multilingual_base_detects_and_forces_language(tmp_path, manifest):
    french = next(r for r in manifest if r["lang"] == "fr" and r["duration_s"] > 3)
    detected = keyvox(
        "transcribe", "--json", "--model", "base", "--language", "auto", str(french["path"]), cwd=tmp_path
    )
    assert detected.returncode == 0, detected.stderr
    assert json.loads(detected.stdout)["language"] == "fr"
    forced = keyvox(
        "transcribe", "--json", "--model", "base", "--language", "fr", str(french["path"]), cwd=tmp_path
    )
    assert json.loads(forced.stdout)["language"] == "fr"
