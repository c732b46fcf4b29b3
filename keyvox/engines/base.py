"""The one protocol every speech-recognition engine implements.

Audio is always 16 kHz mono float32 in [-1, 1]. ``transcribe`` is the whole contract; the richer
``transcribe_detailed`` lets callers pass context and read the language and the no-speech evidence
that the text chain's hallucination guard needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from keyvox.audio.vad import SPEECH_THRESHOLD

SAMPLE_RATE = 16_000


@dataclass
class Segment:
    """One stretch of recognised speech."""

    start: float
    end: float
    text: str
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0


@dataclass
class Transcription:
    """What an engine heard in one piece of audio."""

    text: str
    language: str | None = None
    duration_s: float = 0.0
    segments: list[Segment] = field(default_factory=list)
    speech_found: bool = True
    """False when the engine's voice-activity detector found no speech at all."""


@runtime_checkable
class Transcriber(Protocol):
    """What the rest of keyvox needs from an engine."""

    description: str
    """Short human description, e.g. ``faster-whisper tiny.en int8 on cpu``."""
    supports_live_decoding: bool
    """True when decoding a few seconds is fast enough to do while the key is held (see keyvox/core/live.py)."""
    supports_context: bool
    """True when ``transcribe_detailed`` uses ``context`` (the text before the audio) to continue it."""
    vad_threshold: float
    """Speech probability above which the engine's voice-activity detector counts a frame as speech."""
    language: str | None
    """The spoken language as an ISO code; None detects it on every utterance."""

    def transcribe(self, audio: np.ndarray) -> str: ...

    def transcribe_detailed(
        self, audio: np.ndarray, *, context: str = "", vocabulary: Sequence[str] = ()
    ) -> Transcription: ...


class BaseTranscriber:
    """Shared plumbing: ``transcribe`` in terms of ``transcribe_detailed``, and input checks."""

    backend = ""
    model_name = ""
    description = "transcriber"
    supports_live_decoding = False
    """True when decoding a few seconds is fast enough to do while the key is held (see keyvox/core/live.py)."""
    supports_context = False
    """True when ``transcribe_detailed`` uses ``context`` to continue the text before the audio."""
    vad_threshold = SPEECH_THRESHOLD
    """Speech probability above which a frame counts as speech (``[model] vad_threshold``)."""

    def transcribe(self, audio: np.ndarray) -> str:
        return self.transcribe_detailed(audio).text

    def transcribe_detailed(
        self, audio: np.ndarray, *, context: str = "", vocabulary: Sequence[str] = ()
    ) -> Transcription:
        raise NotImplementedError

    def warm_up(self) -> None:
        """Run the engine once so the first real utterance does not pay for lazy initialisation."""

    language: str | None = None
    """The spoken language as an ISO code; None detects it on every utterance."""

    def set_language(self, code: str | None) -> None:
        """Use another spoken language from the next utterance on (the tray's language menu, a server request)."""
        self.language = code


def as_model_input(audio: np.ndarray) -> np.ndarray:
    """Return ``audio`` as contiguous float32 mono, refusing shapes that are surely a mistake."""
    audio = np.asarray(audio)
    if audio.ndim == 2 and 1 in audio.shape:
        audio = audio.reshape(-1)
    if audio.ndim != 1:
        raise ValueError(f"audio must be mono (1-D), got shape {audio.shape}")
    return np.ascontiguousarray(audio, dtype=np.float32)
