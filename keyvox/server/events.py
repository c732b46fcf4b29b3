"""The live event stream behind ``/v1/events``: dictation state, live words, finished transcriptions and
notices (the microphone lost and back, ...).

``EventHub.publish`` may be called from any thread (the hotkey listener, the pipeline worker); the
events are handed to the server's event loop, which fans them out to every connected WebSocket.
A slow client loses its oldest events rather than slowing dictation down.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import TYPE_CHECKING

from keyvox.core.presence import Observer
from keyvox.vocabulary import DaemonState, Notice

if TYPE_CHECKING:
    from keyvox.core.utterance import UtteranceResult

QUEUE_SIZE = 256
PARTIAL_INTERVAL_S = 0.5
"""At most two ``partial`` events a second: the live decoder revises its guess several times a second, and a
panel or overlay that redraws faster only flickers; the newest guess is always sent when the interval ends."""


class EventHub(Observer):
    """Thread-safe publish, async subscribe. One hub per process, shared by the daemon and the server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribers: set[asyncio.Queue] = set()
        self.last_state: dict = {"type": "state", "state": "idle", "time": time.time()}
        self._partial_lock = threading.Lock()
        """Held while a partial is chosen and handed to the loop, so that two are never handed over out
        of order (the timer's late guess after a newer one sent at once)."""
        self._partial_sent_at = -math.inf
        self._partial_pending: str | None = None
        self._partial_timer: threading.Timer | None = None

    # --- producers (any thread) -----------------------------------------------------------------

    def publish(self, event: dict) -> None:
        """Send ``event`` (a JSON-serialisable dict with a ``type``) to every subscriber; never blocks."""
        event = {**event, "time": event.get("time", time.time())}
        with self._lock:
            if event.get("type") == "state":
                self.last_state = event
            loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._fan_out, event)
        except RuntimeError:  # the loop closed between the check and the call
            pass

    def on_state(self, state: DaemonState) -> None:
        """``idle``, ``recording``, ``processing``, ``paused`` or ``error``."""
        if state is not DaemonState.RECORDING:
            self._drop_partial()
        self.publish({"type": "state", "state": state.value})

    def on_result(self, result: UtteranceResult) -> None:
        """``Pipeline(on_result=hub.on_result)``: one ``transcription`` event per finished utterance."""
        self._drop_partial()
        self.publish(result_event(result, source="dictation"))

    def on_notice(self, notice: Notice) -> None:
        """A ``notice`` event: ``kind`` (``microphone-lost``, ``microphone-back``, ...) and ``message``."""
        self.publish({"type": "notice", "kind": notice.kind.value, "message": notice.message})

    def on_partial(self, text: str) -> None:
        """``partial`` events with the live decoder's current guess, at most one per ``PARTIAL_INTERVAL_S``."""
        with self._partial_lock:
            wait = self._partial_sent_at + PARTIAL_INTERVAL_S - time.monotonic()
            if wait > 0:
                self._partial_pending = text  # only the newest guess matters; a timer sends it
                if self._partial_timer is None:
                    self._partial_timer = threading.Timer(wait, self._send_pending_partial)
                    self._partial_timer.daemon = True
                    self._partial_timer.start()
                return
            self._partial_pending = None  # an older guess a timer was about to send is out of date now
            self._partial_sent_at = time.monotonic()
            self.publish({"type": "partial", "text": text})

    def close(self) -> None:
        self._drop_partial()

    def _send_pending_partial(self) -> None:
        with self._partial_lock:
            text, self._partial_pending, self._partial_timer = self._partial_pending, None, None
            if text is None:
                return
            self._partial_sent_at = time.monotonic()
            self.publish({"type": "partial", "text": text})

    def _drop_partial(self) -> None:
        """A guess still waiting must not arrive after the final text."""
        with self._partial_lock:
            timer, self._partial_timer, self._partial_pending = self._partial_timer, None, None
            self._partial_sent_at = -math.inf
        if timer is not None:
            timer.cancel()

    # --- the server's side (its event loop) ----------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            self._loop = loop

    def detach(self) -> None:
        with self._lock:
            self._loop = None

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        queue.put_nowait(self.last_state)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self._subscribers.discard(queue)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def _fan_out(self, event: dict) -> None:
        for queue in list(self._subscribers):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)


def result_event(result: UtteranceResult, *, source: str) -> dict:
    """A ``transcription`` event from a pipeline result."""
    raw = result.raw
    latency = result.latency_s
    return {
        "type": "transcription",
        "source": source,
        "text": result.text,
        "raw_text": raw.text if raw else None,
        "language": raw.language if raw else None,
        "mode": result.mode,
        "duration_s": round(result.duration_s, 3),
        "latency_s": None if math.isnan(latency) else round(latency, 4),
        "error": result.error,
    }
