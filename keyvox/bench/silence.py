"""The no-speech set: recordings where the right output is nothing at all.

Dictation tools are judged harshly for typing "Thank you." into a document when the user pressed the
key and said nothing. The set is generated (no files): digital silence and white, pink and brown
noise at two low levels, the kind of hiss and rumble a quiet room and a cheap microphone give.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keyvox.audio.format import SAMPLE_RATE

LEVELS_DBFS = (-55.0, -40.0)
"""RMS levels of the noise clips: a quiet room, and a noisy fan or laptop microphone."""
DEFAULT_SECONDS = 3.0


@dataclass(frozen=True)
class NoiseClip:
    name: str
    audio: np.ndarray

    @property
    def duration_s(self) -> float:
        return self.audio.shape[0] / SAMPLE_RATE


def silence_set(seconds: float = DEFAULT_SECONDS, seed: int = 0) -> list[NoiseClip]:
    """Silence, then each noise colour at each level; the same samples every run (fixed seed)."""
    count = int(seconds * SAMPLE_RATE)
    rng = np.random.default_rng(seed)
    clips = [NoiseClip("silence", np.zeros(count, np.float32))]
    for colour in ("white", "pink", "brown"):
        shape = coloured_noise(colour, count, rng)
        for level in LEVELS_DBFS:
            clips.append(NoiseClip(f"{colour} {level:.0f} dBFS", scale_to_dbfs(shape, level)))
    return clips


def coloured_noise(colour: str, count: int, rng: np.random.Generator) -> np.ndarray:
    """Noise whose power falls as 1/f^0 (white), 1/f (pink) or 1/f^2 (brown), shaped in the frequency domain."""
    exponent = {"white": 0.0, "pink": 0.5, "brown": 1.0}[colour]
    spectrum = np.fft.rfft(rng.standard_normal(count))
    freqs = np.fft.rfftfreq(count, 1 / SAMPLE_RATE)
    freqs[0] = freqs[1]  # no division by zero at DC; the DC bin is removed below anyway
    spectrum /= freqs**exponent
    spectrum[0] = 0
    return np.fft.irfft(spectrum, count)


def scale_to_dbfs(audio: np.ndarray, dbfs: float) -> np.ndarray:
    rms = float(np.sqrt(np.mean(audio**2))) or 1.0
    return (audio * (10 ** (dbfs / 20) / rms)).astype(np.float32)
