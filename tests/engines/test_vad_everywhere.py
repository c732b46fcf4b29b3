"""Every engine filters silence with the configured ``[model] vad_threshold`` (Qwen: tests/engines/test_qwen_asr.py)."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from keyvox.audio import vad
from keyvox.audio.vad import SPEECH_THRESHOLD
from keyvox.config.schema import Config
from keyvox.engines.base import BaseTranscriber
from keyvox.engines.factory import create_transcriber
from keyvox.engines.remote import RemoteError, RemoteTranscriber

# Faint noise: Silero rates it ~0.05 speech, below the default 0.35 and above 0.01.
NOISE = np.random.default_rng(0).normal(0, 0.01, 32000).astype(np.float32)


def test_protocol_default_is_the_measured_threshold():
    assert (
        BaseTranscriber.vad_threshold
        == SPEECH_THRESHOLD
        == vad.SPEECH_THRESHOLD
        == Config().model.vad_threshold
    )


@pytest.mark.slow
def test_faster_whisper_honours_the_threshold(tiny_en):
    config = Config()
    config.model.vad_threshold = 0.01
    eager = create_transcriber(config, announce=lambda line: None)
    assert (tiny_en.vad_threshold, eager.vad_threshold) == (0.35, 0.01)
    assert tiny_en.transcribe_detailed(NOISE).speech_found is False
    assert eager.transcribe_detailed(NOISE).speech_found is True  # heard, whatever the model makes of it


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_remote_keeps_silence_home():
    # Nothing listens on the port: a request would fail, so an empty answer proves none was sent.
    url = f"http://127.0.0.1:{closed_port()}/v1"
    quiet = RemoteTranscriber(url, timeout=2).transcribe_detailed(NOISE)
    assert (quiet.text, quiet.speech_found) == ("", False)
    with pytest.raises(RemoteError, match="cannot reach"):
        RemoteTranscriber(url, timeout=2, vad_threshold=0.01).transcribe_detailed(NOISE)
    with pytest.raises(RemoteError, match="cannot reach"):
        RemoteTranscriber(url, timeout=2, vad_filter=False).transcribe_detailed(NOISE)
