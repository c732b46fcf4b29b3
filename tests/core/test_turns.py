"""A long file's pieces interleave with other requests on the engine worker, and the joined result is
exactly the one decoded in one go."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from keyvox.audio.files import load_audio
from keyvox.audio.format import SAMPLE_RATE
from keyvox.core.engine_worker import EngineWorker, Priority

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def long_audio(manifest):
    """The shared speech's long spontaneous clips joined with a pause: about 53 s, four or so pieces."""
    rows = [r for r in manifest if r.get("category") == "spontaneous_long"]
    assert len(rows) >= 2, "the shared speech should hold two spontaneous_long clips"
    pause = np.zeros(int(0.6 * SAMPLE_RATE), dtype=np.float32)
    return np.concatenate([part for row in rows for part in (load_audio(row["path"]), pause)])


@pytest.fixture(scope="module")
def short_audio(manifest):
    row = min((r for r in manifest if r["lang"] == "en"), key=lambda r: abs(r["duration_s"] - 3.0))
    return load_audio(row["path"])


@pytest.mark.parametrize("timed", [False, True], ids=["plain", "timed"])
def test_short_requests_run_between_the_pieces_of_a_long_one(tiny_en, long_audio, short_audio, timed):
    def decode(model, audio):
        return model.transcribe_timed(audio, words=True) if timed else model.transcribe_detailed(audio)

    uncut = decode(tiny_en, long_audio)
    assert len(uncut.segments) >= 2, "the long audio should be decoded in several pieces"
    engine = EngineWorker(tiny_en)
    finished: list[str] = []
    lock = threading.Lock()

    def job(name, audio):
        def work(model):
            result = decode(model, audio)
            with lock:
                finished.append(name)
            return result

        return work

    try:
        long_job = engine.submit(job("long", long_audio), priority=Priority.REQUEST, shares_turns=True)
        shorts = [
            engine.submit(job(f"short {i}", short_audio), priority=Priority.REQUEST, shares_turns=True)
            for i in range(2)
        ]
        cut = long_job.result(timeout=300)
        for short in shorts:
            assert short.result(timeout=60).text
    finally:
        engine.close()
    # Queued behind the long file, the short ones still finish before it: they ran between its pieces.
    assert finished[-1] == "long", finished
    assert cut.text == uncut.text
    assert cut.segments == uncut.segments


def test_a_paused_long_job_keeps_its_language_to_itself(tiny_en, long_audio, short_audio):
    """Each slice is run in the job's own language; a job run in between sees the engine's setting."""
    seen: list[tuple[str, str | None]] = []

    class Recorder:
        def __init__(self, inner):
            self.inner, self.language, self.languages = inner, None, ()

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def set_language(self, code, among=()):
            self.language, self.languages = code, among

        def transcribe_detailed(self, audio, **options):
            return self.inner.transcribe_detailed(audio, **options)

    recorder = Recorder(tiny_en)
    engine = EngineWorker(recorder)

    def work(name):
        def run(model):
            seen.append((name, model.language))
            result = model.transcribe_detailed(long_audio if name == "long" else short_audio)
            seen.append((name, model.language))
            return result

        return run

    try:
        long_job = engine.submit(work("long"), priority=Priority.REQUEST, language="en", shares_turns=True)
        short = engine.submit(work("short"), priority=Priority.REQUEST, shares_turns=True)
        long_job.result(timeout=300)
        short.result(timeout=60)
    finally:
        engine.close()
    assert ("short", None) in seen and ("short", "en") not in seen, seen
    assert all(language == "en" for name, language in seen if name == "long"), seen
    assert recorder.language is None
