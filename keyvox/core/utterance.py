"""One key press's recording (``Utterance``), what became of it (``UtteranceResult``), and the options
that bound both."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.config.modes import ModeConfig
from keyvox.config.schema import Config
from keyvox.core.commands import CommandResult
from keyvox.core.live import LiveDecoder
from keyvox.engines.base import Transcriber, Transcription
from keyvox.text.cleanup import CleanupOutcome

INITIAL_BUFFER_S = 30


@dataclass
class UtteranceResult:
    """One finished utterance, with the timings the benchmark and history report."""

    text: str
    raw: Transcription | None
    duration_s: float
    released_at: float
    """``time.perf_counter()`` when the key was released."""
    transcribed_at: float = 0.0
    delivered_at: float = 0.0
    error: str | None = None
    audio: np.ndarray | None = field(default=None, repr=False)
    """The utterance's audio, for history's ``store_audio``."""
    window: str | None = None
    """The window the text went to, where the desktop tells it (an X11 window id), else None."""
    mode: str | None = None
    """The ``[[mode]]`` the utterance was dictated in; None: the top-level settings."""
    model: str | None = None
    """The model that transcribed it (a mode may bring its own)."""
    chain_text: str | None = None
    """The text chain's text before clean-up by the language model; None when no clean-up ran."""
    cleanup: CleanupOutcome | None = None
    """What the clean-up gave (accepted or why not), when one ran; ``text`` is what was typed."""
    command: CommandResult | None = None
    """For a spoken command (the command key): what it did to the selection; None for dictation."""

    @property
    def latency_s(self) -> float:
        """Release → text delivered."""
        return self.delivered_at - self.released_at if self.delivered_at else float("nan")


@dataclass
class PipelineOptions:
    min_duration_s: float = 0.3
    """Shorter recordings are accidental taps and are dropped."""
    max_duration_s: float = 120.0
    live_decoding: bool = True
    """Transcribe while the key is held (see keyvox/core/live.py), for engines that support it."""
    live_step_s: float = 0.032
    """How much new audio makes the worker look at a recording again: every recorder chunk. A look only
    feeds the new audio to the voice-activity detector (under 1 ms), and the pause that starts a
    speculation is noticed at most this late (replayed p50 0.157 s at 0.1 s, 0.132 s at every chunk)."""
    partial_every_s: float = 0.5
    """``on_partial`` is called at most this often while the key is held."""

    @classmethod
    def from_config(cls, config) -> PipelineOptions:
        return cls(
            min_duration_s=config.audio.min_duration_s,
            max_duration_s=config.audio.max_duration_s,
            live_decoding=config.model.live_decoding,
        )


class Utterance:
    """Audio of one key press, filled by the capture callback.

    It knows nothing of the pipeline: ``on_step`` asks for a live look at the audio, ``on_finish`` hands
    the utterance over at release, ``on_close`` reports a dropped or cancelled one.
    """

    def __init__(
        self,
        number: int,
        options: PipelineOptions,
        live: LiveDecoder | None,
        *,
        transcriber: Transcriber,
        settings: Config | None = None,
        mode: ModeConfig | None = None,
        command: bool = False,
        on_step: Callable[[Utterance], None],
        on_finish: Callable[[Utterance, float], None],
        on_close: Callable[[], None],
    ) -> None:
        self.number = number
        self.options = options
        # One buffer that doubles when full: feeding is a copy into place, and the worker's snapshots
        # are views, so live decoding never re-joins the recording chunk by chunk.
        self._buffer = np.empty(INITIAL_BUFFER_S * SAMPLE_RATE, np.float32)
        self._samples = 0
        self._lock = threading.Lock()
        self.closed = False
        self.started_at = time.perf_counter()
        self.live = live
        self.transcriber = transcriber
        """The engine in the utterance's language (a mode may choose another)."""
        self.settings = settings
        """The config this utterance runs with when a mode applies (else None: the text chain's own)."""
        self.mode = mode
        self.command = command
        """A spoken command on the selection, not dictation: its text is never typed as it is."""
        self._on_step, self._on_finish, self._on_close = on_step, on_finish, on_close
        self._step_every = max(1, int(options.live_step_s * SAMPLE_RATE))
        self._step_at = self._step_every
        self.step_pending = False
        self.partial_text = ""
        """The provisional text last reported through ``on_partial``."""
        self.partial_at = 0.0

    @property
    def duration_s(self) -> float:
        return self._samples / SAMPLE_RATE

    def feed(self, chunk: np.ndarray) -> None:
        """Append 16 kHz mono float32 samples; ignored once the utterance is finished or cancelled."""
        with self._lock:
            if self.closed:
                return
            room = int(self.options.max_duration_s * SAMPLE_RATE) - self._samples
            if room <= 0:
                return
            chunk = np.asarray(chunk, dtype=np.float32).reshape(-1)[:room]
            end = self._samples + chunk.shape[0]
            if end > self._buffer.shape[0]:
                grown = np.empty(max(end, 2 * self._buffer.shape[0]), np.float32)
                grown[: self._samples] = self._buffer[: self._samples]
                self._buffer = grown
            self._buffer[self._samples : end] = chunk
            self._samples = end
            # One look queued at a time: a busy worker skips looks instead of piling them up.
            wants_step = self.live is not None and self._samples >= self._step_at and not self.step_pending
            if wants_step:
                self.step_pending = True
                self._step_at = self._samples + self._step_every
        if wants_step:
            self._on_step(self)

    def audio(self) -> np.ndarray:
        """The audio so far (a view: later feeds only write past its end)."""
        with self._lock:
            return self._buffer[: self._samples]

    def finish(self) -> bool:
        """Key released: queue the audio for transcription. False if it was too short to keep."""
        with self._lock:
            if self.closed:
                return False
            self.closed = True
        released = time.perf_counter()
        if self.duration_s < self.options.min_duration_s:
            self._on_close()
            return False
        self._on_finish(self, released)
        return True

    def cancel(self) -> None:
        with self._lock:
            self.closed = True
            self._samples = 0
        self._on_close()
