"""Cutting a clip where a person would let go of the key.

Recorded clips end in a median 0.8-1.3 s of silence, but people release a push-to-talk key 0.1-0.3 s
after their last word. Fed whole, a clip gives live decoding a long quiet stretch to finish in before
the "release", and the benchmark flatters it. So each clip is cut at the end of its last speech plus
a release tail.
"""

from __future__ import annotations

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.audio.vad import SPEECH_THRESHOLD
from keyvox.audio.vad_stream import StreamingVad

DEFAULT_TAIL_S = 0.25
"""Seconds between the last word and the release: the middle of the 0.1-0.3 s people take."""


def cut_at_release(
    audio: np.ndarray, tail_s: float, threshold: float = SPEECH_THRESHOLD
) -> tuple[np.ndarray, float]:
    """``audio`` up to its last speech plus ``tail_s``, and the seconds cut off.

    The last speech is the end of the last 32 ms window the detector scores as speech. A negative
    ``tail_s`` keeps the clip whole; so does a clip with no speech found.
    """
    if tail_s < 0:
        return audio, 0.0
    detector = StreamingVad(threshold)
    detector.feed(audio)
    end = detector.last_speech_end()
    if end is None:
        return audio, 0.0
    keep = min(audio.shape[0], end + int(round(tail_s * SAMPLE_RATE)))
    return audio[:keep], (audio.shape[0] - keep) / SAMPLE_RATE
