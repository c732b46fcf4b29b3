"""The worker that joins recording, transcription, the text chain and output.

Threads: the hotkey listener and the audio callback only call ``Utterance.feed``/``finish``/``cancel``
(cheap, never blocking); one worker thread owns the model, so utterances are transcribed strictly in
order and the CPU is never oversubscribed. A new recording may start while an earlier one is still being
transcribed.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from keyvox.audio.format import SAMPLE_RATE
from keyvox.config.mode_choice import apply_mode
from keyvox.config.modes import ModeConfig
from keyvox.config.schema import Config
from keyvox.core.cleanup_step import CleanupStep
from keyvox.core.commands import CommandRunner
from keyvox.core.live import LiveDecoder
from keyvox.core.sinks import TextSink
from keyvox.core.utterance import PipelineOptions, Utterance, UtteranceResult
from keyvox.engines.base import LanguageChoice, Transcriber
from keyvox.platform.heap import release_free_memory
from keyvox.text.chain import TextProcessor
from keyvox.vocabulary import DaemonState

log = logging.getLogger(__name__)


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
        cleanup: CleanupStep | None = None,
        commands: CommandRunner | None = None,
    ) -> None:
        self.transcriber = transcriber
        self.engine_for = engine_for
        """The engine in another language or with another model, for a mode that sets one
        (``EngineWorker.for_dictation``); None: modes keep the engine as it is."""
        self.sinks_by_method = sinks_by_method or {}
        """Sinks for the ``[output] method`` a mode sets; any other method goes to ``sink``."""
        self.commands = commands
        """Carries out utterances recorded with the command key; None: they are dictated like any other."""
        self.chain = chain
        self.cleanup = cleanup or CleanupStep()
        """The language model's edit of the chain's text, for settings that turn it on."""
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

    def start_utterance(self, mode: ModeConfig | None = None, *, command: bool = False) -> Utterance:
        """A new recording, in ``mode`` when one applies (chosen at key-down: its key, or the window);
        ``command``: a spoken command on the selection (the command key), not dictation."""
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
                command=command and self.commands is not None,
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
        sink = self.sinks_by_method.get(mode.output, self.sink) if mode is not None else self.sink
        if utterance.command and self.commands is not None:
            spoken = self.chain.instruction_text(raw, utterance.settings)
            result.command = self.commands.run(spoken, sink, window, utterance.settings)
            result.text = result.command.after if result.command.status.changed_text else ""
            result.delivered_at = time.perf_counter()
            return result
        edit = self.chain.process_edit(raw, window_id=window, settings=utterance.settings)
        settings = utterance.settings or self.chain.config
        if settings.cleanup.enabled and edit.insert_text.strip():
            cleaned = self.cleanup.run(edit.insert_text, settings.cleanup)
            result.chain_text, result.cleanup = edit.insert_text, cleaned.outcome
            edit = dataclasses.replace(edit, insert_text=cleaned.text)  # typed once, whichever it is
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
