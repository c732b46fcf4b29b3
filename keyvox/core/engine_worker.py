"""The engine worker: one thread owns the loaded model, and every transcription in a running daemon goes
through it.

Dictation and the HTTP server share one model. Whisper-style engines are not safe to call from two
threads at once, and two decodes at once would halve the speed of both anyway, so jobs wait in a
priority queue: dictation goes first (someone is waiting with the cursor in a window), server requests
take their turn in arrival order. A server request that shares turns goes back to the end of the queue
after each piece of long audio (keyvox/core/sliced.py), so a long file does not hold up short ones. Each
job carries its own language, applied only on this thread, so a request's language can never leak into
a dictation.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

import numpy as np

from keyvox.core.sliced import SlicedRun
from keyvox.engines.base import LanguageChoice, SegmentSink, Task, Transcriber, Transcription
from keyvox.platform.heap import release_free_memory

log = logging.getLogger(__name__)


class Priority(IntEnum):
    """Lower runs first."""

    DICTATION = 0
    REQUEST = 1
    STOP = 2
    """Queued by ``close``: runs after everything already queued."""


@dataclass(order=True)
class Job:
    """One piece of work for the model; ``work`` gets the transcriber and its result fills ``future``."""

    priority: Priority
    number: int
    """Arrival order, so jobs of one priority run first come, first served."""
    work: Callable[[Transcriber], Any] = field(compare=False)
    language: str | None = field(default=None, compare=False)
    """A language for this job only, when the engine detects the language itself; None keeps the engine's."""
    future: Future = field(default_factory=Future, compare=False)
    model: str | None = field(default=None, compare=False)
    """Which of the worker's models runs it (a mode's ``model``); None: the main one."""
    shares_turns: bool = field(default=False, compare=False)
    """Let queued jobs run between the pieces of long audio (server requests)."""
    resume: SlicedRun | None = field(default=None, compare=False)
    """Set on the continuation of a job that paused between two pieces."""


class EngineStopped(RuntimeError):
    """The engine worker was closed; no more work is taken."""


class EngineWorker:
    """A priority queue and the one thread that owns ``transcriber``."""

    def __init__(self, transcriber: Transcriber, others: dict[str, Transcriber] | None = None) -> None:
        self.transcriber = transcriber
        self.others = others or {}
        """More loaded models, by name, kept warm for the modes that ask for them."""
        self._queue: queue.PriorityQueue[Job] = queue.PriorityQueue()
        self._numbers = itertools.count()
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="keyvox-engine", daemon=True)
        self._thread.start()

    def submit(
        self,
        work: Callable[[Transcriber], Any],
        *,
        priority: Priority,
        language: str | None = None,
        model: str | None = None,
        shares_turns: bool = False,
    ) -> Future:
        """Queue ``work(transcriber)`` (``model``'s, when given); the future holds its result or its exception.
        ``shares_turns``: between two pieces of long audio the job goes back to the end of its queue."""
        job = Job(priority, next(self._numbers), work, language, model=model, shares_turns=shares_turns)
        with self._lock:
            if self._closed:
                raise EngineStopped("the engine worker has stopped")
            self._queue.put(job)
        return job.future

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        priority: Priority,
        language: str | None = None,
        context: str = "",
        vocabulary: Sequence[str] = (),
    ) -> Future:
        """``transcribe_detailed`` on the engine thread; a future of the ``Transcription``."""
        return self.submit(
            lambda engine: engine.transcribe_detailed(audio, context=context, vocabulary=vocabulary),
            priority=priority,
            language=language,
        )

    def set_language(self, code: str | None, among: tuple[str, ...] = ()) -> None:
        """The engine's own language from the next job on (None detects it), changed on the engine thread."""
        self.submit(lambda engine: engine.set_language(code, among), priority=Priority.DICTATION).result()

    def for_dictation(
        self, language: LanguageChoice | None = None, model: str | None = None
    ) -> DictationTranscriber:
        """A ``Transcriber`` for the pipeline whose every call waits for this worker at dictation priority,
        in ``language`` when given (a mode's), else in the engine's own, with ``model`` when it is one of
        ``others``."""
        return DictationTranscriber(self, language, model if model in self.others else None)

    def close(self, timeout: float = 5.0) -> None:
        """Finish what is queued, then stop the thread; later submissions raise ``EngineStopped``."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(Job(Priority.STOP, next(self._numbers), lambda _engine: None))
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job.priority is Priority.STOP:
                return
            if job.resume is None and not job.future.set_running_or_notify_cancel():
                continue
            engine = self.others.get(job.model, self.transcriber) if job.model else self.transcriber
            if job.resume is not None or job.shares_turns:
                run = job.resume or SlicedRun(job.work, engine, job.future, self._continuation(job))
                with speaking(engine, job.language):  # per slice: other jobs run in their own language
                    run.step()
            else:
                try:
                    with speaking(engine, job.language):
                        value = job.work(engine)
                except BaseException as exc:  # handed to whoever waits; the worker keeps serving
                    job.future.set_exception(exc)
                else:
                    job.future.set_result(value)
            if job.priority is Priority.REQUEST and self._queue.empty():
                release_free_memory()  # a server request's buffers (dictation trims after delivery)

    def _continuation(self, job: Job) -> Callable[[SlicedRun], None]:
        def requeue(run: SlicedRun) -> None:
            # Straight into the queue, even after close(): STOP sorts after every request.
            self._queue.put(
                Job(
                    job.priority,
                    next(self._numbers),
                    job.work,
                    job.language,
                    job.future,
                    job.model,
                    resume=run,
                )
            )

        return requeue


@contextlib.contextmanager
def speaking(transcriber: Transcriber, language: str | None) -> Iterator[None]:
    """Use ``language`` for one job when the engine is set to detect the language (``language`` None).

    Only the engine thread calls this, and it restores the setting before the next job starts."""
    with choosing(
        transcriber, LanguageChoice(language) if language and transcriber.language is None else None
    ):
        yield


@contextlib.contextmanager
def choosing(transcriber: Transcriber, choice: LanguageChoice | None) -> Iterator[None]:
    """Use ``choice`` (a mode's language) for one job, whatever the engine is set to; None keeps the
    engine's. Only the engine thread calls this, and it restores the setting before the next job."""
    before = LanguageChoice(transcriber.language, transcriber.languages)
    swap = choice is not None and choice != before
    if swap:
        transcriber.set_language(choice.code, choice.among)
    try:
        yield
    finally:
        if swap:
            transcriber.set_language(before.code, before.among)


class DictationTranscriber:
    """The pipeline's view of the engine: the ``Transcriber`` protocol, each call run on the engine thread at
    dictation priority (the calling thread waits for it), and what the engine is and can do read from it."""

    def __init__(
        self, worker: EngineWorker, choice: LanguageChoice | None = None, model: str | None = None
    ) -> None:
        self._worker = worker
        self._model = model
        self._engine = worker.others[model] if model else worker.transcriber
        self._choice = choice

    @property
    def backend(self) -> str:
        return self._engine.backend

    @property
    def model_name(self) -> str:
        return self._engine.model_name

    @property
    def model_path(self) -> Path | None:
        return self._engine.model_path

    @property
    def device(self) -> str:
        return self._engine.device

    @property
    def compute_type(self) -> str:
        return self._engine.compute_type

    @property
    def description(self) -> str:
        return self._engine.description

    @property
    def supports_live_decoding(self) -> bool:
        return self._engine.supports_live_decoding

    @property
    def supports_context(self) -> bool:
        return self._engine.supports_context

    @property
    def supports_word_timestamps(self) -> bool:
        return self._engine.supports_word_timestamps

    @property
    def supports_dictation_word_times(self) -> bool:
        return self._engine.supports_dictation_word_times

    @property
    def supports_translation(self) -> bool:
        return self._engine.supports_translation

    @property
    def vad_threshold(self) -> float:
        return self._engine.vad_threshold

    @property
    def language(self) -> str | None:
        return self._choice.code if self._choice is not None else self._engine.language

    @property
    def languages(self) -> tuple[str, ...]:
        return self._choice.among if self._choice is not None else self._engine.languages

    def transcribe(self, audio: np.ndarray) -> str:
        return self.transcribe_detailed(audio).text

    def transcribe_detailed(
        self, audio: np.ndarray, *, context: str = "", vocabulary: Sequence[str] = (), words: bool = False
    ) -> Transcription:
        choice = self._choice

        def work(engine: Transcriber) -> Transcription:
            with choosing(engine, choice):
                return engine.transcribe_detailed(audio, context=context, vocabulary=vocabulary, words=words)

        return self._worker.submit(work, priority=Priority.DICTATION, model=self._model).result()

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
        choice = self._choice

        def work(engine: Transcriber) -> Transcription:
            with choosing(engine, choice):
                return engine.transcribe_timed(
                    audio,
                    context=context,
                    vocabulary=vocabulary,
                    task=task,
                    words=words,
                    on_segment=on_segment,
                )

        return self._worker.submit(work, priority=Priority.DICTATION, model=self._model).result()

    def set_language(self, code: str | None, among: tuple[str, ...] = ()) -> None:
        self._worker.set_language(code, among)

    def warm_up(self) -> None:
        self._worker.submit(lambda engine: engine.warm_up(), priority=Priority.DICTATION).result()
