"""The generated no-speech set and the real-time feed."""

import time

import numpy as np
import pytest

from keyvox.audio.capture import CHUNK_SAMPLES
from keyvox.audio.format import SAMPLE_RATE
from keyvox.bench.sides import feed_audio
from keyvox.bench.silence import LEVELS_DBFS, coloured_noise, silence_set


def test_silence_set_levels_and_lengths():
    clips = silence_set(seconds=2.0)
    assert [c.name for c in clips][:3] == ["silence", "white -55 dBFS", "white -40 dBFS"]
    assert len(clips) == 1 + 3 * len(LEVELS_DBFS)
    assert not clips[0].audio.any()
    for clip in clips:
        assert clip.audio.dtype == np.float32 and clip.duration_s == 2.0
    for clip in clips[1:]:
        level = float(clip.name.split()[1])
        rms_db = 20 * np.log10(np.sqrt(np.mean(clip.audio.astype(np.float64) ** 2)))
        assert rms_db == pytest.approx(level, abs=0.1)
        assert np.abs(clip.audio).max() < 0.1  # low level: nowhere near speech loudness
    again = silence_set(seconds=2.0)
    assert all(np.array_equal(a.audio, b.audio) for a, b in zip(clips, again))


@pytest.mark.parametrize("colour, slope", [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_noise_colour_has_its_spectral_slope(colour, slope):
    noise = coloured_noise(colour, SAMPLE_RATE * 4, np.random.default_rng(1))
    power = np.abs(np.fft.rfft(noise)) ** 2
    freqs = np.fft.rfftfreq(noise.shape[0], 1 / SAMPLE_RATE)
    band = (freqs > 50) & (freqs < 5000)
    fitted = np.polyfit(np.log10(freqs[band]), np.log10(power[band]), 1)[0]
    assert fitted == pytest.approx(slope, abs=0.15)


def test_realtime_feed_keeps_wall_clock_pace_and_loses_nothing():
    audio = np.random.default_rng(2).normal(size=int(0.55 * SAMPLE_RATE)).astype(np.float32)
    arrivals, chunks = [], []
    started = time.perf_counter()

    def feed(chunk):
        arrivals.append(time.perf_counter() - started)
        chunks.append(chunk)

    feed_audio(feed, audio, realtime=True, chunk=1600)
    assert np.array_equal(np.concatenate(chunks), audio)
    assert [c.shape[0] for c in chunks] == [1600] * 5 + [800]
    # A chunk arrives once its last sample has been "spoken", never earlier.
    for number, at in enumerate(arrivals):
        assert at >= min((number + 1) * 0.1, 0.55) - 0.002
    assert arrivals[-1] < 0.55 * 2  # and the whole clip takes about as long as it lasts, not twice as long


def test_offline_feed_does_not_wait():
    audio = np.zeros(SAMPLE_RATE * 30, np.float32)
    started = time.perf_counter()
    count = []
    feed_audio(count.append, audio, realtime=False)
    assert time.perf_counter() - started < 1.0 and len(count) == -(-audio.shape[0] // CHUNK_SAMPLES)
