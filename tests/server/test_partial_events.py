"""``partial`` events on ``/v1/events``: the live words reach a real WebSocket client, throttled, never late."""

from __future__ import annotations

import json
import time

import pytest

from keyvox.core.presence import Presence
from keyvox.core.utterance import UtteranceResult
from keyvox.server.events import PARTIAL_INTERVAL_S, EventHub
from keyvox.vocabulary import DaemonState
from tests.helpers.serverkit import running_server

pytestmark = pytest.mark.slow


def receive_until(events, done, timeout: float = 10.0) -> list[tuple[float, dict]]:
    received = []
    deadline = time.monotonic() + timeout
    while True:
        event = json.loads(events.recv(timeout=max(0.1, deadline - time.monotonic())))
        received.append((time.monotonic(), event))
        if done(event):
            return received


def test_partial_words_are_streamed_at_most_twice_a_second_and_never_after_the_result(tiny_en):
    from websockets.sync.client import connect

    hub = EventHub()
    presence = Presence()
    presence.add(hub)
    words = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "again", "and", "again"]
    with (
        running_server(tiny_en, hub=hub) as handle,
        connect(handle.url.replace("http", "ws") + "/v1/events", open_timeout=10) as events,
    ):
        assert json.loads(events.recv(timeout=10))["state"] == "idle"
        presence.on_state(DaemonState.RECORDING)
        guesses = [" ".join(words[:n]) for n in range(1, len(words) + 1)]
        started = time.monotonic()
        for guess in guesses:  # the live decoder revises its guess every 0.1 s here
            presence.on_partial(guess)
            time.sleep(0.1)
        spoken_for = time.monotonic() - started
        received = receive_until(events, lambda e: e.get("text") == guesses[-1])
        # The last guess made it out; now a guess still in the throttle must not follow the final text.
        presence.on_partial("a stale guess")
        presence.on_result(UtteranceResult(text="Final text.", raw=None, duration_s=1.2, released_at=0.0))
        presence.on_state(DaemonState.IDLE)
        after = receive_until(events, lambda e: e.get("state") == "idle")
        time.sleep(PARTIAL_INTERVAL_S + 0.3)
        presence.on_state(DaemonState.RECORDING)  # anything late would arrive before this state
        late = receive_until(events, lambda e: e.get("state") == "recording")

    partials = [(at, e) for at, e in received if e["type"] == "partial"]
    assert all(set(e) == {"type", "text", "time"} for _, e in partials)
    # About two a second: 12 guesses over ~1.2 s become 3 or 4 events, the newest guess always among them.
    assert 2 <= len(partials) <= spoken_for / PARTIAL_INTERVAL_S + 2, [e["text"] for _, e in partials]
    sent = [e["time"] for _, e in partials]
    assert all(b - a >= PARTIAL_INTERVAL_S - 0.05 for a, b in zip(sent, sent[1:])), sent
    texts = [e["text"] for _, e in partials]
    assert texts[0] == guesses[0] and texts[-1] == guesses[-1] and texts == sorted(texts, key=guesses.index)
    kinds = [e["type"] for _, e in after + late]
    assert "partial" not in kinds and kinds[0] == "transcription"
    assert [e for _, e in after if e["type"] == "transcription"][0]["text"] == "Final text."


def test_a_waiting_guess_never_follows_a_newer_one(monkeypatch):
    """The newest guess goes out at once when the interval has passed; the older one a timer was about to
    send must not come after it (seen in CI on a loaded machine: "... jumps over" before "... jumps")."""
    import asyncio

    clock = [100.0]
    # The OS clock is the boundary faked: the race needs the interval over before the timer thread runs,
    # which the real clock cannot order on demand (EventHub takes no clock of its own).
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    hub = EventHub()
    loop = asyncio.new_event_loop()
    hub.attach(loop)  # events wait in the loop until it runs, in the order they were handed over
    subscriber = hub.subscribe()
    hub.on_partial("the")  # sent at once
    clock[0] += 0.1
    hub.on_partial("the quick")  # waits: a timer will send it when the interval ends
    clock[0] += PARTIAL_INTERVAL_S  # the interval is over before that timer has run
    hub.on_partial("the quick brown")  # so the newest guess goes at once
    time.sleep(PARTIAL_INTERVAL_S + 0.2)  # the timer runs now (threading keeps its own clock)
    monkeypatch.undo()
    try:
        loop.run_until_complete(asyncio.sleep(0))
    finally:
        hub.detach()
        loop.close()
    events = [subscriber.get_nowait() for _ in range(subscriber.qsize())]
    assert events[0]["type"] == "state"  # what every subscriber gets first
    assert [(e["type"], e["text"]) for e in events[1:]] == [
        ("partial", "the"),
        ("partial", "the quick brown"),
    ]
