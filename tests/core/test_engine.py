"""The engine worker: one thread owns the model, dictation jumps the queue, a job's language stays its own."""

from __future__ import annotations

import threading

import pytest

from keyvox.audio.files import load_audio
from keyvox.core.engine_worker import EngineStopped, EngineWorker, Priority


class LanguageRecorder:
    """The real model, recording the ``language`` setting each call saw and the thread of every call
    (instrumentation only); anything else is the real model's.

    Its ``language`` starts as None (detect), as a multilingual model's does; tiny.en itself ignores it."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.description = inner.description
        self.language = None
        self.languages = ()
        self.seen: list[tuple[str, str | None]] = []
        self.set_by: list[str] = []
        """Threads that changed the language."""
        self.warmed_up_on: list[str] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def warm_up(self) -> None:
        self.warmed_up_on.append(threading.current_thread().name)
        self.inner.warm_up()

    def set_language(self, code, among=()):
        self.set_by.append(threading.current_thread().name)
        self.language, self.languages = code, among

    def transcribe(self, audio):
        return self.transcribe_detailed(audio).text

    def transcribe_detailed(self, audio, *, context="", vocabulary=(), words=False):
        self.seen.append((threading.current_thread().name, self.language))
        return self.inner.transcribe_detailed(audio, context=context, vocabulary=vocabulary)


def clip_named(manifest, name):
    return next(row for row in manifest if row["audio"].endswith(name))


def test_dictation_runs_before_waiting_requests(tiny_en):
    engine = EngineWorker(tiny_en)
    try:
        gate, order = threading.Event(), []
        engine.submit(lambda _model: gate.wait(10), priority=Priority.REQUEST)
        jobs = [
            engine.submit(lambda _model, name=name: order.append(name), priority=priority)
            for name, priority in (
                ("request 1", Priority.REQUEST),
                ("request 2", Priority.REQUEST),
                ("dictation 1", Priority.DICTATION),
                ("request 3", Priority.REQUEST),
                ("dictation 2", Priority.DICTATION),
            )
        ]
        gate.set()
        for job in jobs:
            job.result(10)
        assert order == ["dictation 1", "dictation 2", "request 1", "request 2", "request 3"]
    finally:
        engine.close()


def test_each_job_keeps_its_language_and_the_model_one_thread(tiny_en, manifest):
    audio = load_audio(clip_named(manifest, "arctic_a0008.wav")["path"])
    model = LanguageRecorder(tiny_en)
    engine = EngineWorker(model)
    dictation = engine.for_dictation()
    try:
        requests = [
            engine.transcribe(audio, priority=Priority.REQUEST, language=lang) for lang in ("fr", "de")
        ]
        spoken = dictation.transcribe_detailed(audio)
        texts = [job.result(120).text for job in requests]
    finally:
        engine.close()
    assert sorted(str(lang) for _, lang in model.seen) == ["None", "de", "fr"]
    assert {thread for thread, _ in model.seen} == {"keyvox-engine"}
    assert model.language is None  # restored after every job
    assert spoken.text and texts == [spoken.text] * 2


def test_failures_reach_the_caller_and_the_worker_carries_on(tiny_en):
    engine = EngineWorker(tiny_en)
    try:

        def broken(_model):
            raise ValueError("engine exploded")

        with pytest.raises(ValueError, match="engine exploded"):
            engine.submit(broken, priority=Priority.DICTATION).result(10)
        assert (
            engine.submit(lambda model: model.description, priority=Priority.REQUEST).result(10)
            == tiny_en.description
        )
    finally:
        engine.close()
    with pytest.raises(EngineStopped):
        engine.submit(lambda _model: None, priority=Priority.DICTATION)


def test_dictation_view_passes_the_engine_abilities_through(tiny_en):
    from keyvox.core.engine_worker import DictationTranscriber
    from keyvox.engines.base import Transcriber

    engine = EngineWorker(tiny_en)
    try:
        view = engine.for_dictation()
        assert isinstance(view, Transcriber)
        assert "__getattr__" not in vars(DictationTranscriber), (
            "every member is declared, none forwarded blindly"
        )
        for name in (
            "backend",
            "model_name",
            "model_path",
            "device",
            "compute_type",
            "description",
            "supports_live_decoding",
            "supports_context",
            "vad_threshold",
            "language",
        ):
            assert getattr(view, name) == getattr(tiny_en, name), name
        assert (view.backend, view.model_name) == ("faster-whisper", "tiny.en")
        view.warm_up()  # a method call is run on the engine thread too
    finally:
        engine.close()


def test_warm_up_runs_on_the_engine_thread_and_the_caller_waits(tiny_en):
    model = LanguageRecorder(tiny_en)
    engine = EngineWorker(model)
    try:
        view = engine.for_dictation()
        view.warm_up()
        assert model.warmed_up_on == ["keyvox-engine"]
    finally:
        engine.close()


def test_the_dictation_view_changes_the_language_on_the_engine_thread(tiny_en):
    model = LanguageRecorder(tiny_en)
    engine = EngineWorker(model)
    try:
        view = engine.for_dictation()
        view.set_language("de")
        assert model.set_by == ["keyvox-engine"] and view.language == "de"
    finally:
        engine.close()


def test_a_modes_language_and_model_hold_for_its_jobs_only(tiny_en, manifest):
    from keyvox.engines.base import LanguageChoice

    main, other = LanguageRecorder(tiny_en), LanguageRecorder(tiny_en)  # two engines over one real model
    engine = EngineWorker(main, {"other": other})
    audio = load_audio(manifest[0]["path"])
    try:
        in_mode = engine.for_dictation(LanguageChoice(None, ("en", "de")), "other")
        assert in_mode.model_name == tiny_en.model_name and in_mode.languages == ("en", "de")
        in_mode.transcribe_detailed(audio)
        engine.for_dictation(LanguageChoice("fr")).transcribe_detailed(audio)
        engine.for_dictation().transcribe_detailed(audio)
        engine.for_dictation(model="not loaded").transcribe_detailed(audio)  # not loaded: the main model
    finally:
        engine.close()
    assert other.seen == [("keyvox-engine", None)] and other.languages == ()  # restored after its job
    assert main.seen == [("keyvox-engine", "fr"), ("keyvox-engine", None), ("keyvox-engine", None)]
