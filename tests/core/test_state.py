"""The state the user sees: the pipeline's state with pause and errors on top, published by one tracker.

Pipelines here are real; their engines stand in for a slow model and for a crash (neither can be had on
demand without a model, and the model's own words are not what is checked).
"""

from __future__ import annotations

import io
import queue
import threading
import time

import numpy as np

from keyvox.audio.capture import CHUNK_SAMPLES, Recorder
from keyvox.config.keys import parse_key_spec
from keyvox.config.schema import AudioConfig, Config
from keyvox.core.pipeline import Pipeline
from keyvox.core.presence import Observer, Presence
from keyvox.core.sinks import CollectingSink
from keyvox.core.state import StateTracker
from keyvox.core.utterance import PipelineOptions
from keyvox.desktop.daemon import Daemon
from keyvox.desktop.hotkey.machine import Action, PushToTalk
from keyvox.desktop.reports import ResultReport
from keyvox.desktop.sounds import Sounds
from keyvox.desktop.status import StatusLine
from keyvox.engines.base import BaseTranscriber, Transcription
from keyvox.text.chain import TextProcessor
from keyvox.vocabulary import DaemonState, Notice, NoticeKind

IDLE, RECORDING, PROCESSING, PAUSED, ERROR = (
    DaemonState.IDLE,
    DaemonState.RECORDING,
    DaemonState.PROCESSING,
    DaemonState.PAUSED,
    DaemonState.ERROR,
)


class States(Observer):
    def __init__(self) -> None:
        self.seen: list[DaemonState] = []

    def on_state(self, state: DaemonState) -> None:
        self.seen.append(state)


class SlowEngine(BaseTranscriber):
    """Takes ``seconds`` per utterance, so its "idle" comes well after anything the main thread did."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def transcribe_detailed(self, audio, *, context="", vocabulary=(), words=False):
        time.sleep(self.seconds)
        return Transcription("")


class FailsOnce(BaseTranscriber):
    """Crashes on the first utterance (as a GPU driver fault would), hears nothing in the next."""

    def __init__(self) -> None:
        self.calls = 0

    def transcribe_detailed(self, audio, *, context="", vocabulary=(), words=False):
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("device lost")
        return Transcription("")


def speak(utterance, seconds: float = 0.5) -> None:
    for _ in range(int(seconds * 16_000 / CHUNK_SAMPLES)):
        utterance.feed(np.full(CHUNK_SAMPLES, 0.01, np.float32))


def test_pause_survives_a_late_idle_from_another_thread():
    states = States()
    tracker = StateTracker(states)
    tracker.on_pipeline_state(RECORDING)
    tracker.on_pipeline_state(PROCESSING)
    assert tracker.set_paused(True)
    late = threading.Thread(
        target=tracker.on_pipeline_state, args=(IDLE,)
    )  # the worker, done after the pause
    late.start()
    late.join()
    assert tracker.state is PAUSED and states.seen == [RECORDING, PROCESSING, PAUSED]
    assert not tracker.set_paused(True)  # already paused: nothing to tell
    tracker.set_paused(False)
    assert states.seen[-1] is IDLE  # the idle the worker reported while paused


def test_daemon_paused_mid_utterance_stays_paused_after_the_worker_finishes():
    """Pause while recording: the daemon finishes the utterance, whose transcription ends (on the worker's
    thread) after the pause; the state stays paused until resume."""
    states = States()
    presence = Presence([states])
    tracker = StateTracker(presence)
    status = StatusLine(io.StringIO())
    pipeline = Pipeline(
        SlowEngine(0.3),
        TextProcessor(Config()),
        CollectingSink(),
        options=PipelineOptions(min_duration_s=0.05, live_decoding=False),
        on_state=tracker.on_pipeline_state,
        on_result=ResultReport(status, tracker, presence, None, backend="", model="").on_result,
    )
    actions: queue.Queue[Action] = queue.Queue()
    machine = PushToTalk(parse_key_spec("ctrl_r"), post=actions.put)
    recorder = Recorder()  # never opened: the test feeds the utterance itself
    daemon = Daemon(
        AudioConfig(min_duration_s=0.05),
        actions,
        machine=machine,
        recorder=recorder,
        pipeline=pipeline,
        tracker=tracker,
        sounds=Sounds(False),
        status=status,
    )
    try:
        daemon.handle(Action.START)
        speak(daemon.utterance)
        time.sleep(0.1)  # held longer than min_duration_s
        daemon.handle(Action.PAUSE)
        assert tracker.state is PAUSED
        assert pipeline.wait_idle(5)
        assert pipeline.state is IDLE  # the worker is done and said so...
        assert tracker.state is PAUSED and states.seen == [
            RECORDING,
            PROCESSING,
            PAUSED,
        ]  # ...and nobody saw it
        daemon.handle(Action.START)
        assert daemon.utterance is None and "paused: not recording" in status.stream.getvalue()
        daemon.handle(Action.RESUME)
        assert states.seen[-1] is IDLE
    finally:
        pipeline.close()


def test_a_failed_utterance_is_an_error_until_the_next_one_starts():
    states = States()
    presence = Presence([states])
    tracker = StateTracker(presence)
    status = StatusLine(io.StringIO())
    pipeline = Pipeline(
        FailsOnce(),
        TextProcessor(Config()),
        CollectingSink(),
        options=PipelineOptions(min_duration_s=0.05, live_decoding=False),
        on_state=tracker.on_pipeline_state,
        on_result=ResultReport(status, tracker, presence, None, backend="", model="").on_result,
    )
    try:
        utterance = pipeline.start_utterance()
        speak(utterance)
        assert utterance.finish()
        assert pipeline.wait_idle(5)
        assert tracker.state is ERROR and states.seen == [RECORDING, PROCESSING, ERROR]
        utterance = pipeline.start_utterance()
        assert states.seen[-1] is RECORDING  # a new utterance: the error is behind us
        speak(utterance)
        assert utterance.finish()
        assert pipeline.wait_idle(5)
        assert states.seen[-2:] == [PROCESSING, IDLE]
    finally:
        pipeline.close()


def test_a_lost_microphone_is_an_error_until_it_is_back_and_pause_comes_first():
    states = States()
    tracker = StateTracker(states)
    tracker.announce()
    tracker.on_notice(Notice(NoticeKind.MICROPHONE_LOST, "gone"))
    tracker.on_notice(Notice(NoticeKind.INSERT_FAILED, "on the clipboard"))  # no error: the text is safe
    tracker.on_pipeline_state(RECORDING)
    tracker.on_pipeline_state(IDLE)  # a recording while it is gone does not clear it
    tracker.set_paused(True)
    tracker.set_paused(False)
    tracker.on_notice(Notice(NoticeKind.MICROPHONE_BACK, "back"))
    assert states.seen == [IDLE, ERROR, RECORDING, ERROR, PAUSED, ERROR, IDLE]
