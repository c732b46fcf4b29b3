"""Cutting clips where people let go of the key (``keyvox bench --release-tail``), on real speech."""

import numpy as np
import pytest

from keyvox.audio.files import load_audio
from keyvox.audio.format import SAMPLE_RATE
from keyvox.audio.vad_stream import StreamingVad
from keyvox.bench.release import cut_at_release


def test_a_clip_is_cut_at_its_last_speech_plus_the_tail(manifest):
    row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))
    speech = load_audio(row["path"])
    padded = np.concatenate([speech, np.zeros(2 * SAMPLE_RATE, np.float32)])  # a key held 2 s too long
    cut, removed = cut_at_release(padded, 0.25)
    short, removed_short = cut_at_release(padded, 0.1)
    assert cut.shape[0] - short.shape[0] == int(0.15 * SAMPLE_RATE)
    assert removed >= 2.0 and removed_short == pytest.approx(removed + 0.15)
    detector = StreamingVad()
    detector.feed(cut)
    end = detector.last_speech_end()
    assert end is not None and cut.shape[0] - end == int(0.25 * SAMPLE_RATE)  # the speech itself is all there
    whole, nothing = cut_at_release(padded, -1)
    assert whole.shape == padded.shape and nothing == 0.0


def test_silence_is_left_whole():
    silence = np.zeros(SAMPLE_RATE, np.float32)
    audio, removed = cut_at_release(silence, 0.25)
    assert audio.shape == silence.shape and removed == 0.0
