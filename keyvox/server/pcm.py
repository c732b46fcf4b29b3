"""Raw PCM from streaming clients (Wyoming's audio chunks, realtime's base64 pcm16) to the 16 kHz mono
float32 every engine takes.

Clients send little-endian integer samples of any common rate, width and channel count; an utterance is
kept at the rate it came in and resampled once at its end, so no seam is left at every chunk boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from keyvox.audio.files import resample
from keyvox.audio.format import SAMPLE_RATE

MIN_RATE = 8_000
"""Telephone audio, the lowest rate speech travels at; anything slower is a mistake in the client."""
MAX_RATE = 192_000
"""The highest rate common audio interfaces record at."""
MAX_CHANNELS = 8
"""7.1 surround; more channels than this is not a microphone."""
WIDTHS = (1, 2, 3, 4)
"""Bytes per sample: unsigned 8-bit, and signed 16-, 24- and 32-bit, as Wyoming's own converter reads them."""


class BadAudio(ValueError):
    """Audio a client sent that cannot be read; the message says what was wrong, for the client."""


@dataclass(frozen=True)
class PcmFormat:
    """How a client's raw samples are laid out."""

    rate: int
    """Samples per second, per channel."""
    width: int
    """Bytes per sample."""
    channels: int
    """Interleaved channels; mixed down to mono."""

    @property
    def frame_bytes(self) -> int:
        return self.width * self.channels


def checked_format(rate: object, width: object, channels: object) -> PcmFormat:
    """The format, or ``BadAudio`` naming the value no microphone produces."""
    for name, value in (("rate", rate), ("width", width), ("channels", channels)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise BadAudio(f"audio {name} must be a whole number, not {value!r}")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise BadAudio(f"audio rate {rate} Hz is outside {MIN_RATE}-{MAX_RATE} Hz")
    if width not in WIDTHS:
        raise BadAudio(f"audio width {width} bytes is not one of {', '.join(map(str, WIDTHS))}")
    if not 1 <= channels <= MAX_CHANNELS:
        raise BadAudio(f"audio channels {channels} is outside 1-{MAX_CHANNELS}")
    return PcmFormat(rate, width, channels)


def to_mono(payload: bytes, fmt: PcmFormat) -> np.ndarray:
    """Little-endian integer samples to mono float32 in [-1, 1), at ``fmt.rate``."""
    if len(payload) % fmt.frame_bytes:
        raise BadAudio(
            f"{len(payload)} bytes is not a whole number of {fmt.width}-byte samples "
            f"on {fmt.channels} channel(s)"
        )
    if fmt.width == 1:
        samples = (np.frombuffer(payload, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif fmt.width == 3:
        triples = np.frombuffer(payload, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        values = triples[:, 0] | (triples[:, 1] << 8) | (triples[:, 2] << 16)
        values = np.where(values >= 1 << 23, values - (1 << 24), values)
        samples = values.astype(np.float32) / float(1 << 23)
    else:
        dtype = np.dtype("<i2") if fmt.width == 2 else np.dtype("<i4")
        samples = np.frombuffer(payload, dtype=dtype).astype(np.float32) / float(1 << (8 * fmt.width - 1))
    if fmt.channels > 1:
        samples = samples.reshape(-1, fmt.channels).mean(axis=1)
    return samples.astype(np.float32, copy=False)


@dataclass
class PcmBuffer:
    """One utterance's audio as it arrives, kept at the client's rate until ``audio()`` resamples it once."""

    limit_bytes: int
    """The most float32 audio held before ``add`` refuses more (the server's upload limit)."""
    _pieces: list[tuple[int, np.ndarray]] = field(default_factory=list)
    _held: int = 0

    def add(self, payload: bytes, fmt: PcmFormat) -> None:
        samples = to_mono(payload, fmt)
        self._held += samples.nbytes
        if self._held > self.limit_bytes:
            raise BadAudio(
                f"the utterance is longer than this server takes ({self.limit_bytes / 1_000_000:g} MB of audio, "
                "[server] max_upload_mb)"
            )
        if samples.size:
            self._pieces.append((fmt.rate, samples))

    @property
    def empty(self) -> bool:
        return not self._pieces

    def audio(self) -> np.ndarray:
        """Everything so far at 16 kHz; each run of one rate is resampled as a whole."""
        runs: list[tuple[int, list[np.ndarray]]] = []
        for rate, samples in self._pieces:
            if runs and runs[-1][0] == rate:
                runs[-1][1].append(samples)
            else:
                runs.append((rate, [samples]))
        parts = [resample(np.concatenate(pieces), rate, SAMPLE_RATE) for rate, pieces in runs]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


@dataclass
class StreamResampler:
    """Linear resampling to 16 kHz chunk by chunk, for audio that must be looked at as it arrives (the
    realtime API's server VAD): each output sample is interpolated where a one-pass resampling would put it,
    so there is no seam at chunk boundaries."""

    rate: int
    _tail: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    """Input samples the next output still interpolates between."""
    _position: float = 0.0
    """Where the next output sample falls, in input samples from ``_tail[0]``."""

    def feed(self, samples: np.ndarray) -> np.ndarray:
        if self.rate == SAMPLE_RATE:
            return samples
        data = np.concatenate([self._tail, samples])
        step = self.rate / SAMPLE_RATE
        last = data.shape[0] - 1
        if last < 0 or self._position > last:
            self._tail = data
            return np.zeros(0, dtype=np.float32)
        count = int((last - self._position) // step) + 1
        out = np.interp(self._position + np.arange(count) * step, np.arange(data.shape[0]), data)
        following = self._position + count * step
        drop = min(int(following), last)
        self._tail, self._position = data[drop:], following - drop
        return out.astype(np.float32)


@dataclass
class GrowingSamples:
    """Samples appended piece by piece into one array that doubles when full: a realtime turn gets ten
    appends a second, and concatenating the whole turn at each would copy it ten times a second."""

    _data: np.ndarray = field(default_factory=lambda: np.zeros(SAMPLE_RATE, dtype=np.float32))
    size: int = 0

    def append(self, samples: np.ndarray) -> None:
        needed = self.size + samples.shape[0]
        if needed > self._data.shape[0]:
            grown = np.zeros(max(needed, 2 * self._data.shape[0]), dtype=np.float32)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : needed] = samples
        self.size = needed

    @property
    def samples(self) -> np.ndarray:
        """The samples so far (a view: copy it before appending more if it must not change)."""
        return self._data[: self.size]
