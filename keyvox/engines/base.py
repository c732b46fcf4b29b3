"""The one protocol every speech-recognition engine implements.

Audio is always 16 kHz mono float32 in [-1, 1]. ``transcribe`` turns it into text; the richer
``transcribe_detailed`` lets callers pass context and read the language and the no-speech evidence
that the text chain's hallucination guard needs. An engine also declares what it is (backend, model,
device, precision) and what it can do, so callers read those instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from keyvox.audio.vad import SPEECH_THRESHOLD

if TYPE_CHECKING:
    from keyvox.config.schema import Config

SAMPLE_RATE = 16_000


@dataclass
class Word:
    """One word with its time in the recording (from an engine with ``supports_word_timestamps``)."""

    start: float
    end: float
    word: str
    """As the engine wrote it, with its leading space and punctuation."""
    probability: float = 1.0


@dataclass
class Segment:
    """One stretch of recognised speech."""

    start: float
    end: float
    text: str
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0
    words: list[Word] = field(default_factory=list)
    """Filled only by ``transcribe_timed(..., words=True)`` on an engine that can time words."""
    temperature: float = 0.0
    compression_ratio: float = 1.0


class Task(Enum):
    """What ``transcribe_timed`` writes: the spoken language, or English (Whisper's translate task)."""

    TRANSCRIBE = "transcribe"
    TRANSLATE = "translate"


SegmentSink = Callable[[Segment], None]
"""Called on the engine's thread with each segment once it is final (it is never taken back)."""


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
    """What the rest of keyvox needs from an engine, and what it may ask about it."""

    backend: str
    """The engine's name in the registry (keyvox/engines/registry.py), e.g. ``faster-whisper``."""
    model_name: str
    """The model as configured: a known name, a hub repo id or a local folder."""
    model_path: Path | None
    """The folder the weights were loaded from; None when they are not on this machine (remote)."""
    device: str
    """Where the model runs, resolved (``cpu``, ``cuda:0``); empty when not on this machine (remote)."""
    compute_type: str
    """The numeric precision it runs in, resolved (``int8``, ``bfloat16``); empty when not known here."""
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
    languages: tuple[str, ...]
    """When ``language`` is None, detection chooses among these only; empty: any the model knows. Engines
    that cannot rank languages (Qwen3-ASR, remote servers) detect freely and only honour a lock."""

    supports_word_timestamps: bool
    """True when ``transcribe_timed(..., words=True)`` times each word (Whisper's cross-attention)."""
    supports_translation: bool
    """True when ``transcribe_timed`` takes ``Task.TRANSLATE`` (a multilingual Whisper model)."""
    supports_dictation_word_times: bool
    """True when ``transcribe_detailed(..., words=True)`` fills its segments' ``words`` (live decoding
    commits the words two decodes agree on, up to a word's end: keyvox/core/agreement.py)."""

    def transcribe(self, audio: np.ndarray) -> str: ...

    def transcribe_detailed(
        self, audio: np.ndarray, *, context: str = "", vocabulary: Sequence[str] = (), words: bool = False
    ) -> Transcription:
        """The dictation path: the text of ``audio``, with ``context`` as the text before it; ``words``:
        also time each word, on an engine that ``supports_dictation_word_times`` (others ignore it)."""
        ...

    def transcribe_timed(
        self,
        audio: np.ndarray,
        *,
        context: str = "",
        vocabulary: Sequence[str] = (),
        task: Task = Task.TRANSCRIBE,
        words: bool = False,
        on_segment: SegmentSink | None = None,
    ) -> Transcription:
        """For files (the server): segments as the engine times them, words when asked and supported,
        each segment handed to ``on_segment`` as soon as it is final."""
        ...

    def set_language(self, code: str | None, among: tuple[str, ...] = ()) -> None:
        """Use another spoken language from the next utterance on (None detects it, among ``among``)."""
        ...

    def warm_up(self) -> None:
        """Run the engine once so the first real utterance does not pay for lazy initialisation."""
        ...


@dataclass(frozen=True)
class LanguageChoice:
    """The language for one utterance or request: locked to ``code``, or detected among ``among``."""

    code: str | None = None
    among: tuple[str, ...] = ()

    @classmethod
    def of(cls, language: str, languages: Sequence[str] = ()) -> LanguageChoice:
        """From config values: ``language`` "auto" or "" detects (among ``languages``); a single listed
        language is a lock."""
        code = None if language in ("", "auto") else language
        among = tuple(languages)
        if code is None and len(among) == 1:
            code, among = among[0], ()
        return cls(code, () if code else among)


class EngineClass(Protocol):
    """What the registry's ``class_name`` names: a class that builds a loaded transcriber from the config
    (the factory warms it afterwards)."""

    def from_config(self, config: Config) -> Transcriber: ...


class BaseTranscriber:
    """Shared plumbing: ``transcribe`` in terms of ``transcribe_detailed``, input checks, and the defaults
    of an engine that has no language to switch and nothing to warm up.

    A subclass sets ``backend`` (its registry name) as a class attribute and ``model_name``, ``device`` and
    ``compute_type`` once it has loaded."""

    backend: str
    model_name: str = ""
    """Set by the subclass once loaded; empty in a stand-in without a model."""
    model_path: Path | None = None
    device: str = ""
    compute_type: str = ""
    description = "transcriber"
    supports_live_decoding = False
    """True when decoding a few seconds is fast enough to do while the key is held (see keyvox/core/live.py)."""
    supports_context = False
    """True when ``transcribe_detailed`` uses ``context`` to continue the text before the audio."""
    vad_threshold = SPEECH_THRESHOLD
    """Speech probability above which a frame counts as speech (``[model] vad_threshold``)."""
    language: str | None = None
    """The spoken language as an ISO code; None detects it on every utterance."""
    languages: tuple[str, ...] = ()
    """When ``language`` is None, detection chooses among these only; empty: any."""
    supports_word_timestamps = False
    """True when ``transcribe_timed(..., words=True)`` times each word."""
    supports_translation = False
    """True when ``transcribe_timed`` takes ``Task.TRANSLATE``."""
    supports_dictation_word_times = False
    """True when ``transcribe_detailed(..., words=True)`` times each word."""

    def transcribe(self, audio: np.ndarray) -> str:
        return self.transcribe_detailed(audio).text

    def transcribe_timed(
        self,
        audio: np.ndarray,
        *,
        context: str = "",
        vocabulary: Sequence[str] = (),
        task: Task = Task.TRANSCRIBE,
        words: bool = False,
        on_segment: SegmentSink | None = None,
    ) -> Transcription:
        """An engine without its own timing: ``transcribe_detailed``'s segments, handed on once decoded."""
        if task is not Task.TRANSCRIBE:
            raise ValueError(f"{self.backend} cannot {task.value}")
        result = self.transcribe_detailed(audio, context=context, vocabulary=vocabulary)
        for segment in result.segments if on_segment else ():
            on_segment(segment)
        return result

    def transcribe_detailed(
        self, audio: np.ndarray, *, context: str = "", vocabulary: Sequence[str] = (), words: bool = False
    ) -> Transcription:
        raise NotImplementedError

    def warm_up(self) -> None:
        """Run the engine once so the first real utterance does not pay for lazy initialisation."""

    def set_language(self, code: str | None, among: tuple[str, ...] = ()) -> None:
        """Use another spoken language from the next utterance on (the tray's language menu, a server request,
        a mode)."""
        self.language, self.languages = code, tuple(among)


def as_model_input(audio: np.ndarray) -> np.ndarray:
    """Return ``audio`` as contiguous float32 mono, refusing shapes that are surely a mistake."""
    audio = np.asarray(audio)
    if audio.ndim == 2 and 1 in audio.shape:
        audio = audio.reshape(-1)
    if audio.ndim != 1:
        raise ValueError(f"audio must be mono (1-D), got shape {audio.shape}")
    return np.ascontiguousarray(audio, dtype=np.float32)
