"""Raw PCM from streaming clients to 16 kHz mono float32: every sample width, channel mixing, the checks."""

from __future__ import annotations

import numpy as np
import pytest

from keyvox.server.pcm import (
    BadAudio,
    GrowingSamples,
    PcmBuffer,
    PcmFormat,
    StreamResampler,
    checked_format,
    to_mono,
)

VALUES = np.array([0.0, 0.5, -0.5, -1.0])
"""Exactly representable at every width, so each decoder must give them back exactly."""


def encoded(width: int) -> bytes:
    if width == 1:
        return (VALUES * 128 + 128).astype(np.uint8).tobytes()
    scaled = (VALUES * (1 << (8 * width - 1))).astype(np.int64)
    if width == 3:
        return scaled.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    return scaled.astype({2: "<i2", 4: "<i4"}[width]).tobytes()


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_every_width_decodes_to_the_same_samples(width):
    samples = to_mono(encoded(width), PcmFormat(16000, width, 1))
    assert samples.dtype == np.float32
    np.testing.assert_array_equal(samples, VALUES.astype(np.float32))


def test_channels_are_mixed_down_to_mono():
    left = np.array([1000, -2000, 3000], dtype="<i2")
    right = np.array([3000, 2000, -3000], dtype="<i2")
    stereo = np.stack([left, right], axis=1).reshape(-1).tobytes()
    mono = to_mono(stereo, PcmFormat(16000, 2, 2))
    np.testing.assert_allclose(mono, np.array([2000, 0, 0]) / 32768, atol=1e-7)


@pytest.mark.parametrize(
    ("rate", "width", "channels", "wrong"),
    [
        (0, 2, 1, "rate"),
        (16000, 5, 1, "width"),
        (16000, 2, 0, "channels"),
        ("16000", 2, 1, "rate"),
        (True, 2, 1, "rate"),
    ],
)
def test_formats_no_microphone_produces_are_refused(rate, width, channels, wrong):
    with pytest.raises(BadAudio, match=wrong):
        checked_format(rate, width, channels)


def test_a_partial_sample_is_refused():
    with pytest.raises(BadAudio, match="whole number"):
        to_mono(b"\x00\x01\x02", PcmFormat(16000, 2, 1))


def test_the_buffer_resamples_each_run_of_one_rate_once():
    buffer = PcmBuffer(limit_bytes=10_000_000)
    second = np.zeros(48000, dtype="<i2").tobytes()
    buffer.add(second[:48000], PcmFormat(48000, 2, 1))  # one second at 48 kHz, in two chunks
    buffer.add(second[48000:], PcmFormat(48000, 2, 1))
    buffer.add(np.zeros(8000, dtype="<i2").tobytes(), PcmFormat(8000, 2, 1))  # one second at 8 kHz
    assert buffer.audio().shape == (16000 + 16000,)


def test_the_buffer_refuses_audio_past_its_limit():
    buffer = PcmBuffer(limit_bytes=4 * 16000)  # one second of float32
    buffer.add(np.zeros(16000, dtype="<i2").tobytes(), PcmFormat(16000, 2, 1))
    with pytest.raises(BadAudio, match="longer than"):
        buffer.add(np.zeros(2, dtype="<i2").tobytes(), PcmFormat(16000, 2, 1))
    assert PcmBuffer(limit_bytes=1).empty


@pytest.mark.parametrize(("rate", "piece"), [(24000, 2400), (24000, 777), (44100, 1000), (8000, 333)])
def test_streamed_resampling_has_no_seam_at_chunk_boundaries(rate, piece):
    """Chunk by chunk gives the samples one interpolation over the whole signal gives, wherever the cuts are."""
    signal = np.sin(np.arange(rate) / rate * 2 * np.pi * 440).astype(np.float32)
    resampler = StreamResampler(rate)
    streamed = np.concatenate([resampler.feed(signal[i : i + piece]) for i in range(0, len(signal), piece)])
    positions = np.arange(streamed.shape[0]) * rate / 16000
    assert positions[-1] <= len(signal) - 1 and abs(streamed.shape[0] - 16000) <= 1
    np.testing.assert_allclose(streamed, np.interp(positions, np.arange(len(signal)), signal), atol=1e-5)


def test_growing_samples_keep_every_piece_in_order():
    store = GrowingSamples()
    pieces = [np.full(n, n, dtype=np.float32) for n in (10, 16000, 40000, 3)]
    for piece in pieces:
        store.append(piece)
    np.testing.assert_array_equal(store.samples, np.concatenate(pieces))
    assert store.size == 56013
