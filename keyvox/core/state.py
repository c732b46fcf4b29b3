"""The daemon's state as the user sees it: what the pipeline does, with pause and errors on top.

Three threads have news for it: the pipeline's worker (states, results), the main loop (pause, resume)
and the microphone's watchdog (lost, back). ``StateTracker`` keeps them under one lock and is the only
one that tells the observers the state, so a late "idle" from the worker can never overwrite "paused".
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from keyvox.core.presence import Observer
from keyvox.vocabulary import DaemonState, Notice, NoticeKind

if TYPE_CHECKING:
    from keyvox.core.utterance import UtteranceResult

BUSY = (DaemonState.RECORDING, DaemonState.PROCESSING)


class StateTracker:
    """Combines the pipeline's state with pause and errors; publishes each change to ``observer`` once.

    Shown, in order of precedence: paused; recording or processing; error (the last utterance failed, or
    the microphone is gone); idle. A failed utterance is forgotten when the next one starts or succeeds, a
    lost microphone when it is back."""

    def __init__(self, observer: Observer) -> None:
        self._observer = observer
        self._lock = threading.Lock()
        self._pipeline = DaemonState.IDLE
        self._paused = False
        self._utterance_failed = False
        self._microphone_lost = False
        self._published: DaemonState | None = None

    @property
    def state(self) -> DaemonState:
        with self._lock:
            return self._current()

    @property
    def paused(self) -> bool:
        with self._lock:
            return self._paused

    def announce(self) -> None:
        """Tell the observers the current state even when it has not changed (the daemon is ready)."""
        with self._lock:
            self._published = None
            self._publish()

    def on_pipeline_state(self, state: DaemonState) -> None:
        """The pipeline's ``on_state``: ``idle``, ``recording`` or ``processing`` (any thread)."""
        with self._lock:
            self._pipeline = DaemonState(state)
            if self._pipeline is DaemonState.RECORDING:
                self._utterance_failed = False
            self._publish()

    def on_result(self, result: UtteranceResult) -> None:
        with self._lock:
            self._utterance_failed = result.error is not None
            self._publish()

    def on_notice(self, notice: Notice) -> None:
        """The microphone's notices set and clear the error; the others leave the state alone."""
        with self._lock:
            if notice.kind is NoticeKind.MICROPHONE_LOST:
                self._microphone_lost = True
            elif notice.kind is NoticeKind.MICROPHONE_BACK:
                self._microphone_lost = False
            self._publish()

    def set_paused(self, paused: bool) -> bool:
        """Pause or resume; False when it already was."""
        with self._lock:
            if paused == self._paused:
                return False
            self._paused = paused
            self._publish()
            return True

    def _current(self) -> DaemonState:
        if self._paused:
            return DaemonState.PAUSED
        if self._pipeline in BUSY:
            return self._pipeline
        if self._utterance_failed or self._microphone_lost:
            return DaemonState.ERROR
        return DaemonState.IDLE

    def _publish(self) -> None:
        # Under the lock: two threads' changes reach the observers in the order they were made.
        state = self._current()
        if state is not self._published:
            self._published = state
            self._observer.on_state(state)
