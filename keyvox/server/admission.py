"""The bounded queue in front of the engine worker (keyvox/core/engine_worker.py), which owns the one
model: at most ``max_queue`` requests admitted (running or waiting), at most ``max_per_client`` of them
from one client, and a ``Retry-After`` from the measured service time for those refused.

A refused request is answered at once instead of piling up: 503 when the whole queue is full, 429 when
this client already holds its share. HTTP answers both in OpenAI's envelope; Wyoming and realtime turn
the same ``ApiError`` into their own ``error`` events.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from keyvox.core.engine_worker import EngineWorker, Priority
from keyvox.server.formats import ApiError
from keyvox.server.metrics import ServerMetrics

FIRST_GUESS_S = 1.0
"""Service time assumed before the first request is measured (tiny.en on 2 cores: ~0.5 s for a 5 s clip)."""
SMOOTHING = 0.2
"""Weight of the newest measurement in the moving average of the service time."""


class Slot:
    """One admitted request's place in the queue; released exactly once."""

    def __init__(self, worker: ModelWorker, client: str) -> None:
        self._worker = worker
        self.client = client
        self._released = False

    def release(self, *_ignored: Any) -> None:
        self._worker._release(self)


class ModelWorker:
    """Admission in front of the engine worker. Admitted requests run at request priority, so dictation in
    the same daemon always goes first, and a long file's pieces interleave with the others."""

    def __init__(
        self,
        max_queue: int,
        engine: EngineWorker,
        max_per_client: int = 0,
        metrics: ServerMetrics | None = None,
    ) -> None:
        self.max_queue = max_queue
        self.max_per_client = max_per_client
        """0: no share per client, only the whole queue's bound."""
        self.engine = engine
        self.metrics = metrics or ServerMetrics(())
        self._lock = threading.Lock()
        self._admitted = 0
        self._by_client: Counter[str] = Counter()
        self._seconds_per_job = FIRST_GUESS_S
        self._last_done: float | None = None

    @property
    def admitted(self) -> int:
        return self._admitted

    def admit(self, client: str = "") -> Slot:
        """A place in the queue for ``client`` (its address), or ``ApiError`` 503 (the queue is full) or 429
        (this client holds its share), each with ``Retry-After``."""
        with self._lock:
            if self._admitted >= self.max_queue:
                wait = self._wait(self._admitted)
                self.metrics.rejected.labels("server_busy").inc()
                raise ApiError(
                    503,
                    f"The server is busy ({self._admitted} requests queued); retry in {wait} s.",
                    kind="server_error",
                    code="server_busy",
                    headers={"Retry-After": str(wait)},
                )
            held = self._by_client[client]
            if self.max_per_client and held >= self.max_per_client:
                wait = self._wait(held)
                self.metrics.rejected.labels("rate_limit_exceeded").inc()
                raise ApiError(
                    429,
                    f"Too many requests from this client at once ({held} queued, [server] "
                    f"max_queue_per_client is {self.max_per_client}); retry in {wait} s.",
                    kind="requests",
                    code="rate_limit_exceeded",
                    headers={"Retry-After": str(wait)},
                )
            self._admitted += 1
            self._by_client[client] += 1
        return Slot(self, client)

    def _wait(self, ahead: int) -> int:
        return max(1, math.ceil(self._seconds_per_job * ahead))

    def _release(self, slot: Slot) -> None:
        with self._lock:
            if slot._released:
                return
            slot._released = True
            self._admitted -= 1
            self._by_client[slot.client] -= 1
            if self._by_client[slot.client] <= 0:
                del self._by_client[slot.client]

    async def run(
        self, slot: Slot, work: Callable[[Any], Any], language: str | None = None, audio_s: float = 0.0
    ) -> Any:
        """Run ``work(transcriber)`` on the engine thread; the slot is freed when the work ends, even if the
        client left. ``audio_s`` is counted as processed once it succeeds."""
        admitted = time.perf_counter()
        self.metrics.queue_depth.inc()
        try:
            future = self.engine.submit(
                lambda transcriber: self._timed(work, transcriber, admitted, audio_s),
                priority=Priority.REQUEST,
                language=language or None,
                shares_turns=True,  # a long file's pieces interleave with other clients' requests
            )
        except BaseException:  # the engine worker has stopped: nothing will ever free the slot
            self.metrics.queue_depth.dec()
            slot.release()
            raise

        def finished(done: Any) -> None:
            if done.cancelled():  # dropped before the model started on it
                self.metrics.queue_depth.dec()
            slot.release()

        future.add_done_callback(finished)
        return await asyncio.wrap_future(future)

    def _timed(self, work: Callable[[Any], Any], transcriber: Any, admitted: float, audio_s: float) -> Any:
        started = time.perf_counter()
        self.metrics.queue_depth.dec()
        self.metrics.in_flight.inc()
        self.metrics.queue_wait.observe(started - admitted)
        try:
            value = work(transcriber)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.processing.observe(time.perf_counter() - started)
            self._measured(started)
        self.metrics.audio.inc(audio_s)
        return value

    def _measured(self, started: float) -> None:
        """The service time: the gap between two answers while requests kept the model busy (a job's own
        wall time includes the pieces of others run between its own), else the job's own time."""
        now = time.perf_counter()
        with self._lock:
            busy = self._last_done is not None and self._admitted > 1
            seconds = min(now - self._last_done, now - started) if busy else now - started
            self._last_done = now
            # A moving average, so Retry-After follows the real speed of this model on this machine.
            self._seconds_per_job = (1 - SMOOTHING) * self._seconds_per_job + SMOOTHING * seconds
