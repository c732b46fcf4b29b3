"""A job that gives the model to other work between the pieces of long audio.

The engine worker runs such a job on a thread of its own, one slice at a time: the engine thread starts
(or resumes) it and waits; at a piece boundary (keyvox/engines/turns.py) the job queues its own
continuation at the back of the queue and hands control back, so every job queued meanwhile runs before
its next piece. Only one thread ever runs model code at a time, the engine thread or the slice it waits
for, so an engine that is not safe to call from two threads at once stays safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from keyvox.engines.base import Transcriber
from keyvox.engines.turns import turns_given


class SlicedRun:
    """One job's work on its own thread, run by ``step`` up to its next piece boundary or its end."""

    def __init__(
        self,
        work: Callable[[Transcriber], Any],
        engine: Transcriber,
        future: Future,
        requeue: Callable[[SlicedRun], None],
    ) -> None:
        self._work = work
        self._engine = engine
        self._future = future
        self._requeue = requeue
        self._go = threading.Semaphore(0)
        self._back = threading.Semaphore(0)
        self._thread: threading.Thread | None = None

    def step(self) -> None:
        """On the engine thread: let the job run until it pauses or ends, and wait for that."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._main, name="keyvox-engine-slice", daemon=True)
            self._thread.start()
        else:
            self._go.release()
        self._back.acquire()

    def _main(self) -> None:
        try:
            with turns_given(self._pause):
                value = self._work(self._engine)
        except BaseException as exc:  # handed to whoever waits; the worker keeps serving
            self._future.set_exception(exc)
        else:
            self._future.set_result(value)
        finally:
            self._back.release()

    def _pause(self) -> None:
        self._requeue(self)  # behind everything queued so far
        self._back.release()
        self._go.acquire()
