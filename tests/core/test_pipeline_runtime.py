"""The pipeline as the daemon drives it: chunked audio, ordered results, re-insert, a failing engine."""

from __future__ import annotations

import numpy as np
import pytest

from keyvox.audio.capture import CHUNK_SAMPLES
from keyvox.audio.files import load_audio
from keyvox.config.schema import Config
from keyvox.core.pipeline import Pipeline
from keyvox.core.sinks import CollectingSink
from keyvox.engines.base import BaseTranscriber
from keyvox.text.chain import TextProcessor

pytestmark = pytest.mark.slow


def feed(pipeline: Pipeline, audio: np.ndarray) -> bool:
    utterance = pipeline.start_utterance()
    for start in range(0, audio.shape[0], CHUNK_SAMPLES):
        utterance.feed(audio[start : start + CHUNK_SAMPLES])
    return utterance.finish()


def test_reinsert_repeats_the_last_text_in_queue_order(tiny_en, manifest):
    row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))
    sink = CollectingSink()
    pipeline = Pipeline(tiny_en, TextProcessor(Config()), sink)
    pipeline.reinsert_last()  # nothing dictated yet: nothing to repeat
    assert feed(pipeline, load_audio(row["path"]))
    pipeline.reinsert_last()  # queued behind the utterance, so it repeats that utterance's text
    assert pipeline.wait_idle(60)
    assert len(sink.texts) == 2 and sink.texts[0] == sink.texts[1]
    assert "letter" in sink.texts[0].lower()
    pipeline.close()


class BrokenEngine(BaseTranscriber):
    """Stands in for an engine that crashes (a GPU driver fault cannot be produced on demand)."""

    description = "broken"
    backend = "faster-whisper"
    model_name = "broken"

    def __init__(self, real) -> None:
        self.real = real
        self.calls = 0

    def transcribe_detailed(self, audio, *, context="", vocabulary=(), words=False):
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("device lost")
        return self.real.transcribe_detailed(audio, context=context, vocabulary=vocabulary)


def test_a_failing_engine_is_reported_and_the_next_utterance_works(tiny_en, manifest):
    row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))
    audio = load_audio(row["path"])
    results = []
    sink = CollectingSink()
    pipeline = Pipeline(BrokenEngine(tiny_en), TextProcessor(Config()), sink, on_result=results.append)
    feed(pipeline, audio)
    feed(pipeline, audio)
    assert pipeline.wait_idle(60)
    assert results[0].error == "transcription failed: device lost"
    assert results[1].error is None and sink.texts == [results[1].text]
    pipeline.close()
