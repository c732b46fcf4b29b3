"""The transcription server, driven over real HTTP on loopback by the real openai client."""

from __future__ import annotations

import json
import socket
import threading

import httpx
import openai
import pytest

from keyvox.audio.files import load_audio
from keyvox.bench.wer import word_errors
from keyvox.cli.main import main
from keyvox.core.pipeline import Pipeline
from keyvox.core.sinks import CollectingSink
from keyvox.errors import KeyvoxError
from keyvox.server.events import EventHub
from keyvox.server.run import api_key_for
from tests.helpers.serverkit import WatchedTranscriber, raw_exchange, running_server

pytestmark = pytest.mark.slow

BOUNDARY = "kvboundary"
FILE_PART = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n'
    "Content-Type: audio/wav\r\n\r\n"
).encode()


@pytest.fixture(scope="module")
def watched(tiny_en):
    return WatchedTranscriber(tiny_en)


@pytest.fixture(scope="module")
def server(watched):
    with running_server(watched, max_queue=2) as handle:
        yield handle


@pytest.fixture(scope="module")
def clips(manifest):
    """English read-speech clips of about five seconds, with their reference text."""
    rows = [r for r in manifest if r["lang"] == "en" and 3.0 <= r["duration_s"] <= 8.0]
    return sorted(rows, key=lambda r: abs(r["duration_s"] - 5.0))[:3]


def client(handle, **kwargs) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{handle.url}/v1", api_key=kwargs.pop("api_key", "unused"), **kwargs)


MAX_WER = 0.12
"""Word error rate allowed against a clip's reference: tiny.en makes 0 errors in the 9 words of
arctic_a0009 (``clips[0]``) through the server; one error is allowed."""


def wer(clip: dict, text: str) -> float:
    return word_errors(clip["text"], text, "en").rate


def subtitle_text(subtitles: str) -> str:
    """The spoken words of an SRT or WebVTT document (no header, cue numbers or timings)."""
    lines = [line for line in subtitles.splitlines() if line.strip()]
    return " ".join(
        line for line in lines if line != "WEBVTT" and "-->" not in line and not line.strip().isdigit()
    )


def post(handle, **kwargs) -> httpx.Response:
    return httpx.post(f"{handle.url}/v1/audio/transcriptions", timeout=60, **kwargs)


def assert_openai_error(response: httpx.Response, status: int, param: str | None = None) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["message"]
    if param:
        assert error["param"] == param
    return error


def test_openai_client_gets_every_response_format(server, clips):
    api = client(server)
    clip = clips[0]
    with open(clip["path"], "rb") as audio:
        result = api.audio.transcriptions.create(model="whisper-1", file=audio)
    assert wer(clip, result.text) <= MAX_WER, result.text
    with open(clip["path"], "rb") as audio:
        text = api.audio.transcriptions.create(
            model="tiny.en",
            file=audio,
            response_format="text",
            prompt="Oz, wizard.",
            temperature=0.0,
            language="en",
        )
    assert wer(clip, text) <= MAX_WER and text.endswith("\n"), text
    with open(clip["path"], "rb") as audio:
        verbose = api.audio.transcriptions.create(model="tiny.en", file=audio, response_format="verbose_json")
    assert verbose.language == "en" and verbose.duration == pytest.approx(clip["duration_s"], abs=0.05)
    assert verbose.segments and verbose.segments[-1].end <= clip["duration_s"] + 0.5
    assert wer(clip, verbose.text) <= MAX_WER, verbose.text
    with open(clip["path"], "rb") as audio:
        srt = api.audio.transcriptions.create(model="tiny.en", file=audio, response_format="srt")
    assert srt.startswith("1\n00:00:") and " --> " in srt and wer(clip, subtitle_text(srt)) <= MAX_WER, srt
    with open(clip["path"], "rb") as audio:
        vtt = api.audio.transcriptions.create(model="tiny.en", file=audio, response_format="vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:") and wer(clip, subtitle_text(vtt)) <= MAX_WER, vtt


def test_models_and_health(server):
    models = client(server).models.list()
    assert [m.id for m in models.data] == ["tiny.en"]
    health = httpx.get(f"{server.url}/health").json()
    assert health["status"] == "ok" and "tiny.en" in health["model"] and health["max_queue"] == 2


def test_bad_fields_get_openai_errors(server, clips):
    path = clips[0]["path"]
    with open(path, "rb") as audio:
        assert_openai_error(
            post(server, files={"file": audio}, data={"response_format": "xml"}), 400, "response_format"
        )
    with open(path, "rb") as audio:
        assert_openai_error(
            post(server, files={"file": audio}, data={"temperature": "hot"}), 400, "temperature"
        )
    with open(path, "rb") as audio:
        assert_openai_error(
            post(server, files={"file": audio}, data={"temperature": "3"}), 400, "temperature"
        )
    with open(path, "rb") as audio:
        assert_openai_error(
            post(server, files={"file": audio}, data={"language": "french!"}), 400, "language"
        )
    with open(path, "rb") as audio:  # tiny.en cannot honour another language, so it says so
        assert_openai_error(post(server, files={"file": audio}, data={"language": "fr"}), 400, "language")
    assert_openai_error(
        post(server, data={"model": "whisper-1"}, files={"other": ("a.txt", b"x")}), 400, "file"
    )
    assert_openai_error(post(server, data={"file": "not a file"}, files={"x": ("a", b"1")}), 400, "file")
    with pytest.raises(openai.BadRequestError) as caught:
        client(server).audio.transcriptions.create(model="whisper-1", file=("e.wav", b""))
    assert caught.value.status_code == 400 and caught.value.code == "empty_file"


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        (b'{"file": "a.wav"}', "application/json", 415),
        (b"", None, 415),
        (b"garbage", f"multipart/form-data; boundary={BOUNDARY}", 400),
        (b"garbage", "multipart/form-data", 400),
        (
            FILE_PART + b"RIFF....WAVEfmt and then the upload simply stops",
            f"multipart/form-data; boundary={BOUNDARY}",
            400,
        ),
        (
            FILE_PART + b"\x00\xff" * 3000 + f"\r\n--{BOUNDARY}--\r\n".encode(),
            f"multipart/form-data; boundary={BOUNDARY}",
            400,
        ),
        (
            FILE_PART + b"this is not audio at all " * 400 + f"\r\n--{BOUNDARY}--\r\n".encode(),
            f"multipart/form-data; boundary={BOUNDARY}",
            400,
        ),
    ],
    ids=[
        "json",
        "no-content-type",
        "garbage-multipart",
        "no-boundary",
        "truncated-multipart",
        "garbage-bytes",
        "text-as-audio",
    ],
)
def test_malformed_requests_get_4xx_and_the_server_lives_on(server, body, content_type, status):
    headers = {"content-type": content_type} if content_type else {}
    assert_openai_error(post(server, content=body, headers=headers), status)
    assert httpx.get(f"{server.url}/health").json()["queued"] == 0


def test_truncated_body_from_a_vanished_client_leaves_the_server_serving(server):
    port = int(server.url.rsplit(":", 1)[1])
    head = (
        f"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + FILE_PART + b"RIFF" + b"\0" * 1000)
        sock.shutdown(socket.SHUT_WR)
        sock.recv(1000)  # the server closes the connection; nothing useful can be answered
    health = httpx.get(f"{server.url}/health").json()
    assert health["status"] == "ok" and health["queued"] == 0


def test_100_mb_upload_is_refused_before_it_is_read(server):
    port = int(server.url.rsplit(":", 1)[1])
    total = 100_000_000
    head = (
        f"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: x\r\nContent-Length: {total}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n"
    ).encode()
    status, body, sent = raw_exchange(port, head, (b"\0" * 65536 for _ in range(total // 65536)))
    assert status == 413 and json.loads(body)["error"]["code"] == "request_too_large"
    assert sent < 10_000_000  # declared too big: answered without waiting for the body


def test_100_mb_chunked_upload_is_cut_off_at_the_limit(server):
    """No Content-Length to go by, so the limit is enforced while the body streams in."""
    port = int(server.url.rsplit(":", 1)[1])
    head = (
        f"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n"
    ).encode()
    block = b"\0" * 65536

    def chunks():
        yield b"%x\r\n%s\r\n" % (len(FILE_PART), FILE_PART)
        for _ in range(100_000_000 // len(block)):
            yield b"%x\r\n%s\r\n" % (len(block), block)

    status, body, sent = raw_exchange(port, head, chunks())
    assert status == 413 and json.loads(body)["error"]["param"] == "file"
    assert 25_000_000 <= sent < 60_000_000
    assert httpx.get(f"{server.url}/health").json()["queued"] == 0


def test_concurrent_clients_beyond_the_bound_get_503_with_retry_after(server, watched, clips):
    data = clips[0]["path"].read_bytes()
    start = threading.Barrier(8)
    outcomes: list = []

    def one_client():
        api = client(server, max_retries=0, timeout=120)
        start.wait()
        try:
            outcomes.append(api.audio.transcriptions.create(model="whisper-1", file=("clip.wav", data)).text)
        except openai.APIStatusError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=one_client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if not isinstance(o, str)]
    assert texts and refused, outcomes
    assert len(texts) + len(refused) == 8 and len(set(texts)) == 1
    assert wer(clips[0], texts[0]) <= MAX_WER, texts[0]
    for error in refused:
        assert error.status_code == 503 and int(error.response.headers["retry-after"]) >= 1
        assert error.response.json()["error"]["code"] == "server_busy"
    # One decode at a time, always on the engine thread or the slice it waits for (keyvox/core/sliced.py).
    assert watched.most_active == 1 and watched.threads <= {"keyvox-engine", "keyvox-engine-slice"}
    assert httpx.get(f"{server.url}/health").json()["queued"] == 0


def test_event_stream_carries_pipeline_state_and_transcriptions(tiny_en, clips):
    from websockets.sync.client import connect

    from keyvox.config.schema import Config
    from keyvox.text.chain import TextProcessor

    hub = EventHub()
    with (
        running_server(tiny_en, hub=hub) as handle,
        connect(handle.url.replace("http", "ws") + "/v1/events", open_timeout=10) as events,
    ):
        assert json.loads(events.recv(timeout=10)) == {**hub.last_state, "state": "idle"}
        pipeline = Pipeline(
            tiny_en, TextProcessor(Config()), CollectingSink(), on_state=hub.on_state, on_result=hub.on_result
        )
        utterance = pipeline.start_utterance()
        utterance.feed(load_audio(clips[0]["path"]))
        utterance.finish()
        assert pipeline.wait_idle(60)
        received = []
        while not received or received[-1] != {"type": "state", "state": "idle"}:
            event = json.loads(events.recv(timeout=30))
            event.pop("time")
            received.append(event)
        pipeline.close()
    states = [e["state"] for e in received if e["type"] == "state"]
    assert states[0] == "recording" and "processing" in states and states[-1] == "idle"
    spoken = [e for e in received if e["type"] == "transcription"]
    assert len(spoken) == 1 and spoken[0]["source"] == "dictation" and spoken[0]["latency_s"] > 0
    assert wer(clips[0], spoken[0]["text"]) <= MAX_WER and wer(clips[0], spoken[0]["raw_text"]) <= MAX_WER, (
        spoken
    )


def test_api_transcriptions_are_published_as_events(tiny_en, clips):
    import time

    from websockets.sync.client import connect

    hub = EventHub()
    with running_server(tiny_en, hub=hub) as handle:
        with connect(handle.url.replace("http", "ws") + "/v1/events") as events:
            json.loads(events.recv(timeout=10))  # the current state comes first
            assert hub.subscriber_count == 1
            with open(clips[0]["path"], "rb") as audio:
                text = client(handle).audio.transcriptions.create(model="whisper-1", file=audio).text
            event = json.loads(events.recv(timeout=30))
        deadline = time.monotonic() + 10
        while hub.subscriber_count and time.monotonic() < deadline:  # a closed client is let go
            time.sleep(0.05)
        assert hub.subscriber_count == 0
    assert event["type"] == "transcription" and event["source"] == "api" and event["text"] == text
    assert wer(clips[0], text) <= MAX_WER, text
    hub.publish({"type": "state", "state": "idle"})  # after the server stopped: dropped, no error


def test_listening_beyond_loopback_needs_a_key(monkeypatch, capsys):
    for host in ("127.0.0.1", "::1", "localhost"):
        assert api_key_for(host, "") is None
    with pytest.raises(KeyvoxError, match="api_key_env"):
        api_key_for("0.0.0.0", "")
    monkeypatch.delenv("KEYVOX_TEST_KEY", raising=False)
    with pytest.raises(KeyvoxError, match="KEYVOX_TEST_KEY.*not set"):
        api_key_for("0.0.0.0", "KEYVOX_TEST_KEY")
    monkeypatch.setenv("KEYVOX_TEST_KEY", "s3cret")
    assert api_key_for("0.0.0.0", "KEYVOX_TEST_KEY") == "s3cret"
    # The command refuses before loading any model, with one line that says how to fix it.
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("keyvox: error: ") and error.count("\n") == 1 and "api_key_env" in error


def test_a_server_on_all_interfaces_checks_the_bearer_token(tiny_en, clips, monkeypatch):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    from keyvox.config.schema import Config
    from keyvox.server.run import start_background

    monkeypatch.setenv("KEYVOX_TEST_KEY", "s3cret-key")
    config = Config()
    config.server.host, config.server.port, config.server.api_key_env = "0.0.0.0", 0, "KEYVOX_TEST_KEY"
    handle = start_background(config, tiny_en, EventHub())
    local = handle.url.replace("0.0.0.0", "127.0.0.1")
    try:
        with open(clips[0]["path"], "rb") as audio:
            error = assert_openai_error(
                httpx.post(f"{local}/v1/audio/transcriptions", files={"file": audio}), 401
            )
        assert error["code"] == "invalid_api_key"
        for wrong in ("wrong", "s3cret-ke", "s3cret-key-and-more"):
            with pytest.raises(openai.AuthenticationError):
                client(type(handle)(None, None, local), api_key=wrong, max_retries=0).models.list()
        api = client(type(handle)(None, None, local), api_key="s3cret-key")
        assert api.models.list().data[0].id == "tiny.en"
        with open(clips[0]["path"], "rb") as audio:
            assert (
                wer(clips[0], api.audio.transcriptions.create(model="whisper-1", file=audio).text) <= MAX_WER
            )
        assert httpx.get(f"{local}/health").status_code == 200  # probes need no key
        with pytest.raises(InvalidStatus):
            connect(local.replace("http", "ws") + "/v1/events", open_timeout=10)
        with connect(
            local.replace("http", "ws") + "/v1/events",
            additional_headers={"Authorization": "Bearer s3cret-key"},
        ) as events:
            assert json.loads(events.recv(timeout=10))["type"] == "state"
    finally:
        handle.stop()


def test_keyvox_serve_command_serves_until_interrupted(tmp_path, clips):
    """The real command in its own process: loads the configured model, answers, stops on Ctrl+C."""
    import os
    import signal
    import subprocess
    import sys

    from tests.helpers.paths import REPO

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "keyvox", "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = ""
        while "serving on" not in banner:
            line = process.stderr.readline()
            assert line, f"keyvox serve exited early: {banner}"
            banner += line
        url = banner.split("serving on ")[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1") and "loopback only" in banner
        api = openai.OpenAI(base_url=url, api_key="unused")
        with open(clips[0]["path"], "rb") as audio:
            text = api.audio.transcriptions.create(model="whisper-1", file=audio, response_format="text")
        assert wer(clips[0], text) <= MAX_WER, text
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) in (0, 130)
