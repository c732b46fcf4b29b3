"""Fixtures of the OpenAI-compatibility tests: a real server around tiny.en, a short clip and a long
recording made of real clips joined end to end."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from keyvox.audio.files import load_audio
from keyvox.audio.format import SAMPLE_RATE
from tests.helpers.serverkit import running_server

PAUSE_S = 0.6
"""Silence between the joined clips, as between read sentences (long audio is cut at such pauses)."""


@pytest.fixture(scope="module")
def tiny_server(tiny_en):
    with running_server(tiny_en, max_queue=4) as handle:
        yield handle


@pytest.fixture(scope="module")
def english_clips(manifest):
    """English read-speech clips of three to eight seconds, in the manifest's order."""
    return [r for r in manifest if r["lang"] == "en" and 3.0 <= r["duration_s"] <= 8.0]


@pytest.fixture(scope="module")
def short_clip(english_clips):
    """arctic_a0009 when it is there (tiny.en makes no error in it through the server)."""
    return min(english_clips, key=lambda r: abs(r["duration_s"] - 5.0))


@pytest.fixture(scope="module")
def long_recording(english_clips, tmp_path_factory):
    """About 45 s of real speech in one WAV: longer than one Whisper window, so the engine decodes it in
    pieces. Returns (path, reference text, duration in seconds)."""
    rows = english_clips[:8]
    pause = np.zeros(int(PAUSE_S * SAMPLE_RATE), dtype=np.float32)
    audio = np.concatenate([part for row in rows for part in (load_audio(row["path"]), pause)])
    path = tmp_path_factory.mktemp("long") / "joined.wav"
    soundfile.write(path, audio, SAMPLE_RATE, subtype="PCM_16")
    return path, " ".join(row["text"] for row in rows), audio.shape[0] / SAMPLE_RATE
