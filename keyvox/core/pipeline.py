"""The worker that joins recording, transcription, the text chain and output.

Threads: the hotkey listener and the audio callback only call ``Utterance.feed``/``finish``/``cancel``
(cheap, never blocking); one worker thread owns the model, so utterances are transcribed strictly in
order and the CPU is never oversubscribed. A new recording may start while an earlier one is still being
transcribed.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.config.mode_choice import apply_mode
from keyvox.config.modes import ModeConfig
from keyvox.config.schema import Config
from keyvox.core.live import LiveDecoder
from keyvox.engines.base import LanguageChoice, Transcriber, Transcription
from keyvox.platform.heap import release_free_memory
from keyvox.text.chain import TextProcessor
from keyvox.vocabulary import DaemonState

log = logging.getLogger(__name__)

INITIAL_BUFFER_S = 30


class TextSink(Protocol):
    """Where finished text goes (the output chain in the daemon, a list in the benchmark)."""

    def deliver(self, text: str) -> None: ...

    def delete_chars(self, count: int) -> None: ...

    def focused_window(self) -> str | None: ...

    def press_submit(self, keys: str) -> None:
        """Press ``keys`` (``enter``, ``ctrl+enter``, ``shift+enter``) after the text: a mode's ``submit``."""
        ...


class BaseSink:
    """A ``TextSink`` with the defaults for one that has no window (a list, a socket)."""

    def deliver(self, text: str) -> None:
        raise NotImplementedError

    def delete_chars(self, count: int) -> None:
        """Take back ``count`` characters before the cursor ("scratch that"); a plain sink cannot."""

    def focused_window(self) -> str | None:
        """An id of the window the text goes to, when the sink can tell (spacing follows it)."""
        return None

    def press_submit(self, keys: str) -> None:
        """A plain sink has no window to press keys in."""


@dataclass(frozen=True)
class LiveStep:
    """Worker job: look at a recording still in progress (live decoding)."""

    utterance: Utterance


@dataclass(frozen=True)
class Finish:
    """Worker job: the key came up; transcribe what is left and deliver."""

    utterance: Utterance
    released_at: float


@dataclass(frozen=True)
class Reinsert:
    """Worker job: deliver the last text again (double-tap), after anything still queued."""


@dataclass(frozen=True)
class Stop:
    """Worker job: end the worker thread."""


Job = LiveStep | Finish | Reinsert | Stop


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


class Pipeline:
    """Runs transcribe → text chain → sink on one worker thread, in submission order."""

    def __init__(
        self,
        transcriber: Transcriber,
        chain: TextProcessor,
        sink: TextSink,
        *,
        options: PipelineOptions | None = None,
        on_result: Callable[[UtteranceResult], None] | None = None,
        on_state: Callable[[DaemonState], None] | None = None,
        on_partial: Callable[[str], None] | None = None,
        engine_for: Callable[[LanguageChoice | None, str | None], Transcriber] | None = None,
        sinks_by_method: dict[str, TextSink] | None = None,
    ) -> None:
        self.transcriber = transcriber
        self.engine_for = engine_for
        """The engine in another language or with another model, for a mode that sets one
        (``EngineWorker.for_dictation``); None: modes keep the engine as it is."""
        self.sinks_by_method = sinks_by_method or {}
        """Sinks for the ``[output] method`` a mode sets; any other method goes to ``sink``."""
        self.chain = chain
        self.sink = sink
        self.options = options or PipelineOptions()
        self.on_result = on_result
        self.on_state = on_state
        """Called with ``idle``, ``recording`` or ``processing`` after each change, from the thread that made it."""
        self.on_partial = on_partial
        """Called on the worker with the provisional text while the key is held, whenever it changed
        (at most every ``partial_every_s``); the raw engine text of the pieces so far."""
        self._queue: queue.Queue[Job] = queue.Queue()
        self._recording: Utterance | None = None
        self._pending = 0
        self._count = 0
        self.last_text: str | None = None
        """The last text delivered; double-tap re-inserts it."""
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._reporting = threading.Lock()
        """Held while a state is read and reported, so reports from two threads arrive in order."""
        self._worker = threading.Thread(target=self._run, name="keyvox-worker", daemon=True)
        self._worker.start()

    # --- called from the hotkey / audio threads -------------------------------------------------

    def start_utterance(self, mode: ModeConfig | None = None) -> Utterance:
        """A new recording, in ``mode`` when one applies (chosen at key-down: its key, or the window)."""
        self.chain.reload_if_changed()  # a [dictionary] edit biases this utterance's decoding already
        settings = apply_mode(self.chain.config, mode) if mode is not None else None
        transcriber = self._transcriber_for(settings)
        live = None
        if self.options.live_decoding and transcriber.supports_live_decoding:
            live = LiveDecoder(transcriber, self.chain.vocabulary_for(settings))
        with self._lock:
            self._count += 1
            self._recording = Utterance(
                self._count,
                self.options,
                live,
                transcriber=transcriber,
                settings=settings,
                mode=mode,
                on_step=self._queue_step,
                on_finish=self._submit,
                on_close=self._notify_state,
            )
            recording = self._recording
        self._notify_state()
        return recording

    @property
    def state(self) -> DaemonState:
        """``recording``, ``processing`` or ``idle``."""
        with self._lock:
            if self._recording is not None and not self._recording.closed:
                return DaemonState.RECORDING
            return DaemonState.PROCESSING if self._pending else DaemonState.IDLE

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every submitted utterance is delivered."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def reinsert_last(self) -> None:
        """Deliver the last delivered text again (double-tap); nothing happens when there is none yet.

        It goes through the worker queue, so it lands after any utterance still being transcribed."""
        with self._lock:
            self._pending += 1
        self._queue.put(Reinsert())

    def close(self, timeout: float = 5.0) -> None:
        self._queue.put(Stop())
        self._worker.join(timeout)

    # --- internals ------------------------------------------------------------------------------

    def _transcriber_for(self, settings: Config | None) -> Transcriber:
        """The engine in the language and with the model ``settings`` ask for; the pipeline's own when they
        ask for neither."""
        if settings is None or self.engine_for is None:
            return self.transcriber
        model, own = settings.model, self.chain.config.model
        language = (model.language, model.languages) != (own.language, own.languages)
        other = model.name if model.name != own.name else None
        if not language and other is None:
            return self.transcriber
        choice = LanguageChoice.of(model.language, model.languages) if language else None
        return self.engine_for(choice, other)

    def _queue_step(self, utterance: Utterance) -> None:
        self._queue.put(LiveStep(utterance))

    def _submit(self, utterance: Utterance, released_at: float) -> None:
        with self._lock:
            self._pending += 1
        self._queue.put(Finish(utterance, released_at))
        self._notify_state()

    def _notify_state(self) -> None:
        if not self.on_state:
            return
        # Read and reported under one lock: a report that was overtaken by a newer change still carries
        # the newest state, so the last one reported is always the current one.
        with self._reporting:
            try:
                self.on_state(self.state)
            except Exception:  # a broken status display must never stop dictation
                log.exception("state callback failed")

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if isinstance(job, Stop):
                return
            if isinstance(job, LiveStep):
                self._live_step(job.utterance)
                continue
            try:
                if isinstance(job, Reinsert):
                    if self.last_text:
                        self.sink.deliver(self.last_text)
                    continue
                result = self._process(job.utterance, job.released_at)
                if self.on_result:
                    self.on_result(result)
                release_free_memory()  # after delivery: the utterance's buffers are free now
            except Exception:
                log.exception("%s failed", job)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()
                self._notify_state()

    def _live_step(self, utterance: Utterance) -> None:
        utterance.step_pending = False
        if utterance.closed or utterance.live is None:
            return  # released or cancelled meanwhile: the final job does the rest
        try:
            utterance.live.step(utterance.audio())
        except Exception:  # live work is an optimisation; the final decode still covers everything
            log.exception("live decoding step failed")
            utterance.live = None
            return
        if self.on_partial is not None:
            self._report_partial(utterance)

    def _report_partial(self, utterance: Utterance) -> None:
        """Tell ``on_partial`` the provisional text when it changed, at most every ``partial_every_s``."""
        now = time.perf_counter()
        if utterance.closed or now - utterance.partial_at < self.options.partial_every_s:
            return
        text = utterance.live.provisional_text()
        if text == utterance.partial_text:
            return
        utterance.partial_text, utterance.partial_at = text, now
        try:
            self.on_partial(text)
        except Exception:  # an overlay must never stop dictation
            log.exception("partial text callback failed")

    def _process(self, utterance: Utterance, released_at: float) -> UtteranceResult:
        audio = utterance.audio()
        mode = utterance.mode
        result = UtteranceResult(
            "",
            None,
            audio.shape[0] / SAMPLE_RATE,
            released_at,
            audio=audio,
            mode=mode.name if mode else None,
            model=utterance.transcriber.model_name,
        )
        try:
            if utterance.live is not None:
                raw = utterance.live.finish(audio)
            else:
                raw = utterance.transcriber.transcribe_detailed(
                    audio, vocabulary=self.chain.vocabulary_for(utterance.settings)
                )
        except Exception as exc:  # the daemon outlives a failing engine; the error is reported, not raised
            log.error("transcription failed: %s", exc)
            result.error = f"transcription failed: {exc}"
            return result
        result.raw = raw
        result.transcribed_at = time.perf_counter()
        window = result.window = self._focused_window()
        edit = self.chain.process_edit(raw, window_id=window, settings=utterance.settings)
        sink = self.sinks_by_method.get(mode.output, self.sink) if mode is not None else self.sink
        if edit.delete_chars:
            sink.delete_chars(edit.delete_chars)  # "scratch that"
        result.text = edit.insert_text
        if result.text:
            sink.deliver(result.text)
            self.last_text = result.text
            if mode is not None and mode.submit:
                sink.press_submit(mode.submit)
        self.chain.record_edit(edit, window)
        result.delivered_at = time.perf_counter()
        return result

    def _focused_window(self) -> str | None:
        """The window the text goes to, when the sink can tell; spacing and "scratch that" follow it."""
        try:
            return self.sink.focused_window()
        except Exception:  # an unknown window only costs context, never the text
            return None


@dataclass
class CollectingSink(BaseSink):
    """A sink that keeps what it is given (benchmarks, tests, ``--dry-run``)."""

    texts: list[str] = field(default_factory=list)

    def deliver(self, text: str) -> None:
        self.texts.append(text)
