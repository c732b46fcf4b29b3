"""Realtime transcription (``/v1/realtime?intent=transcription``) driven by the real ``openai`` client's realtime
connection and by raw ``websockets`` with the events OpenAI documents, around the real tiny.en model."""

from __future__ import annotations

import base64
import json
import wave

import numpy as np
import openai
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from keyvox.bench.wer import word_errors
from tests.helpers.serverkit import running_server

pytestmark = pytest.mark.slow

TIMEOUT_S = 60.0
"""Per event: generous, so a loaded 2-core CI machine never times out a decode."""
CHUNK = 2400
"""100 ms at 24 kHz: a microphone callback's worth, as realtime clients append it."""
MAX_WER = 0.12
"""As in test_server.py: tiny.en makes no error in these ~5 s read clips; one error in 9 words is allowed."""
KEY = "realtime-test-key"


@pytest.fixture(scope="module")
def server(tiny_en):
    with running_server(tiny_en, api_key=KEY) as handle:
        yield handle


@pytest.fixture(scope="module")
def clip(manifest):
    """An English read-speech clip of about five seconds, as 24 kHz pcm16 (what realtime clients send)."""
    rows = [r for r in manifest if r["lang"] == "en" and 3.0 <= r["duration_s"] <= 8.0]
    row = min(rows, key=lambda r: abs(r["duration_s"] - 5.0))
    with wave.open(str(row["path"]), "rb") as wav:
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    count = int(len(samples) * 24000 / 16000)
    row["pcm24"] = np.interp(
        np.linspace(0, len(samples) - 1, count), np.arange(len(samples)), samples
    ).astype("<i2")
    return row


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * 24000), dtype="<i2")


def chunks(pcm: np.ndarray) -> list[str]:
    return [base64.b64encode(pcm[i : i + CHUNK].tobytes()).decode() for i in range(0, len(pcm), CHUNK)]


def wer(clip: dict, text: str) -> float:
    return word_errors(clip["text"], text, "en").rate


def ws_url(handle, query: str = "intent=transcription") -> str:
    return handle.url.replace("http", "ws") + f"/v1/realtime?{query}"


def receive_until(socket, kind: str) -> list[dict]:
    events = []
    while not events or events[-1]["type"] != kind:
        events.append(json.loads(socket.recv(timeout=TIMEOUT_S)))
        assert events[-1]["type"] != "error" or kind == "error", events[-1]
    return events


GA_SESSION = {
    "type": "transcription",
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": 24000},
            "transcription": {"model": "gpt-4o-transcribe", "language": "en"},
            "turn_detection": {"type": "server_vad", "threshold": 0.5, "silence_duration_ms": 500},
        }
    },
}


def test_openai_client_streams_a_clip_and_gets_the_completed_transcript(server, clip):
    """GA session, server VAD: the clip in 100 ms chunks, then silence; the turn ends by itself."""
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY)
    audio = np.concatenate([silence(0.5), clip["pcm24"], silence(1.0)])
    with client.realtime.connect(model="gpt-4o-transcribe", extra_query={"intent": "transcription"}) as rt:
        assert rt.recv().type == "session.created"
        rt.session.update(session=GA_SESSION)
        assert rt.recv().type == "session.updated"
        for piece in chunks(audio):
            rt.input_audio_buffer.append(audio=piece)
        seen, deltas = [], []
        while True:
            event = rt.recv()
            seen.append(event.type)
            if event.type == "conversation.item.input_audio_transcription.delta":
                deltas.append(event.delta)
            if event.type == "conversation.item.input_audio_transcription.completed":
                break
        assert seen[:3] == [
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
            "input_audio_buffer.committed",
        ], seen
        assert "".join(deltas) == event.transcript
        assert wer(clip, event.transcript) <= MAX_WER, event.transcript
        assert event.usage.type == "duration" and 0 < event.usage.seconds < len(audio) / 24000 + 0.1


def test_beta_session_with_manual_commit(server, clip):
    """The older shape: ``transcription_session.update``, turn detection off, the client commits."""
    headers = {"Authorization": f"Bearer {KEY}", "OpenAI-Beta": "realtime=v1"}
    with connect(ws_url(server), additional_headers=headers, open_timeout=TIMEOUT_S) as socket:
        assert json.loads(socket.recv(timeout=TIMEOUT_S))["type"] == "transcription_session.created"
        session = {
            "input_audio_format": "pcm16",
            "input_audio_transcription": {"model": "whisper-1", "language": "en-US"},
            "turn_detection": None,
        }
        socket.send(json.dumps({"type": "transcription_session.update", "session": session}))
        (answer,) = receive_until(socket, "transcription_session.updated")
        assert answer["session"]["turn_detection"] is None
        assert answer["session"]["input_audio_transcription"]["language"] == "en"
        for piece in chunks(clip["pcm24"]):
            socket.send(json.dumps({"type": "input_audio_buffer.append", "audio": piece}))
        socket.send(json.dumps({"type": "input_audio_buffer.commit"}))
        events = receive_until(socket, "conversation.item.input_audio_transcription.completed")
        assert [e["type"] for e in events][
            0
        ] == "input_audio_buffer.committed"  # no VAD events when it is off
        completed = events[-1]
        assert completed["item_id"] == events[0]["item_id"]
        assert wer(clip, completed["transcript"]) <= MAX_WER


def test_server_vad_splits_turns_and_answers_them_in_order(server, clip):
    two_turns = np.concatenate([clip["pcm24"], silence(1.0), clip["pcm24"], silence(1.0)])
    headers = {"Authorization": f"Bearer {KEY}"}
    with connect(ws_url(server), additional_headers=headers, open_timeout=TIMEOUT_S) as socket:
        receive_until(socket, "session.created")
        socket.send(json.dumps({"type": "session.update", "session": GA_SESSION}))
        receive_until(socket, "session.updated")
        for piece in chunks(two_turns):
            socket.send(json.dumps({"type": "input_audio_buffer.append", "audio": piece}))
        first = receive_until(socket, "conversation.item.input_audio_transcription.completed")
        second = receive_until(socket, "conversation.item.input_audio_transcription.completed")
    commits = [e for e in first + second if e["type"] == "input_audio_buffer.committed"]
    assert len(commits) == 2 and commits[1]["previous_item_id"] == commits[0]["item_id"]
    assert [first[-1]["item_id"], second[-1]["item_id"]] == [c["item_id"] for c in commits]
    starts = [e["audio_start_ms"] for e in first + second if e["type"] == "input_audio_buffer.speech_started"]
    assert len(starts) == 2 and starts[1] > starts[0] + 1000 * len(clip["pcm24"]) / 24000
    for answer in (first[-1], second[-1]):
        assert wer(clip, answer["transcript"]) <= MAX_WER


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ({"type": "input_audio_buffer.commit"}, "input_audio_buffer_commit_empty"),
        ({"type": "input_audio_buffer.append", "audio": "not base64!"}, "invalid_audio"),
        ({"type": "input_audio_buffer.append", "audio": base64.b64encode(b"\x01").decode()}, "invalid_audio"),
        ({"type": "session.update", "session": {"type": "realtime"}}, "invalid_value"),
        (
            {
                "type": "session.update",
                "session": {"type": "transcription", "audio": {"input": {"format": {"type": "audio/pcmu"}}}},
            },
            "invalid_value",
        ),
        ({"type": "response.create"}, "unknown_event"),
    ],
)
def test_bad_events_get_an_error_event_and_the_session_goes_on(server, clip, event, code):
    headers = {"Authorization": f"Bearer {KEY}"}
    with connect(ws_url(server), additional_headers=headers, open_timeout=TIMEOUT_S) as socket:
        receive_until(socket, "session.created")
        socket.send(json.dumps({**event, "event_id": "client-1"}))
        (error,) = receive_until(socket, "error")
        assert error["error"]["code"] == code and error["error"]["message"]
        assert error["error"]["event_id"] == "client-1"
        manual = {**GA_SESSION, "audio": {"input": {**GA_SESSION["audio"]["input"], "turn_detection": None}}}
        socket.send(json.dumps({"type": "session.update", "session": manual}))
        receive_until(socket, "session.updated")
        for piece in chunks(clip["pcm24"]):
            socket.send(json.dumps({"type": "input_audio_buffer.append", "audio": piece}))
        socket.send(json.dumps({"type": "input_audio_buffer.commit"}))
        completed = receive_until(socket, "conversation.item.input_audio_transcription.completed")[-1]
        assert wer(clip, completed["transcript"]) <= MAX_WER


def test_the_key_by_header_subprotocol_or_query_and_nothing_else(server):
    for kwargs in (
        {},
        {"additional_headers": {"Authorization": "Bearer wrong"}},
        {"subprotocols": ["realtime", "openai-insecure-api-key.wrong"]},
    ):
        with pytest.raises(InvalidStatus):
            connect(ws_url(server), open_timeout=TIMEOUT_S, **kwargs)
    with pytest.raises(InvalidStatus):
        connect(ws_url(server, "intent=transcription&api_key=wrong"), open_timeout=TIMEOUT_S)
    with connect(
        ws_url(server), subprotocols=["realtime", f"openai-insecure-api-key.{KEY}"], open_timeout=TIMEOUT_S
    ) as socket:
        assert (
            socket.subprotocol == "realtime"
        )  # browsers drop a connection whose offered protocol is not taken
        assert json.loads(socket.recv(timeout=TIMEOUT_S))["type"] == "session.created"
    with connect(ws_url(server, f"intent=transcription&api_key={KEY}"), open_timeout=TIMEOUT_S) as socket:
        assert json.loads(socket.recv(timeout=TIMEOUT_S))["type"] == "session.created"


def test_a_client_over_its_share_gets_a_failed_turn_and_the_session_goes_on(tiny_en, clip):
    """The per-client share of the queue: realtime's answer to HTTP's 429 is OpenAI's ``...transcription.failed``
    event for that turn; the next turn of the same session is served once the client's place is free."""
    from keyvox.config.schema import Config
    from keyvox.server.app import ServerSettings, create_app
    from keyvox.server.run import server_chain, start_in_thread

    settings = ServerSettings(model_id=tiny_en.model_name, max_queue=4, max_queue_per_client=1)
    app = create_app(tiny_en, server_chain(Config()), settings)
    handle = start_in_thread(app, "127.0.0.1", 0)
    try:
        held = app.state.worker.admit(
            "127.0.0.1"
        )  # this address's one place, as a request still running holds it
        with connect(ws_url(handle), open_timeout=TIMEOUT_S) as socket:
            assert json.loads(socket.recv(timeout=TIMEOUT_S))["type"] == "session.created"
            session = {
                **GA_SESSION,
                "audio": {"input": {**GA_SESSION["audio"]["input"], "turn_detection": None}},
            }
            socket.send(json.dumps({"type": "session.update", "session": session}))
            receive_until(socket, "session.updated")

            def one_turn() -> None:
                for piece in chunks(clip["pcm24"]):
                    socket.send(json.dumps({"type": "input_audio_buffer.append", "audio": piece}))
                socket.send(json.dumps({"type": "input_audio_buffer.commit"}))

            one_turn()
            failed = receive_until(socket, "conversation.item.input_audio_transcription.failed")[-1]
            error = failed["error"]
            assert error["code"] == "rate_limit_exceeded" and "retry in" in error["message"], error
            held.release()
            one_turn()
            completed = receive_until(socket, "conversation.item.input_audio_transcription.completed")[-1]
            assert wer(clip, completed["transcript"]) <= MAX_WER
    finally:
        handle.stop()
