"""The Wyoming server, driven on loopback by the ``wyoming`` package's own ``AsyncTcpClient`` (the client Home
Assistant's Wyoming integration uses), around the real tiny.en model."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import wave

import httpx
import numpy as np
import pytest
from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info

from keyvox.audio.files import load_audio
from keyvox.bench.wer import word_errors
from keyvox.cli.main import build_parser, main
from keyvox.cli.serve import WYOMING_DEFAULT_URI
from keyvox.config.schema import Config
from keyvox.errors import KeyvoxError
from keyvox.server.app import ServerSettings, create_app
from keyvox.server.limits import is_loopback
from keyvox.server.run import listen, open_wyoming, server_chain, start_in_thread, wyoming_front
from keyvox.server.wyoming import DEFAULT_URI, ErrorCode, parse_uri
from tests.helpers.paths import REPO
from tests.helpers.serverkit import WatchedTranscriber

pytestmark = pytest.mark.slow

TIMEOUT_S = 60.0
"""Per event: generous, so a loaded 2-core CI machine never times out a decode."""
CHUNK_SAMPLES = 1024
"""Samples per audio-chunk that Wyoming satellites and wyoming-bench send by default."""
MAX_WER = 0.12
"""As in test_server.py: tiny.en makes no error in these ~5 s read clips; one error in 9 words is allowed."""


@pytest.fixture(scope="module")
def watched(tiny_en):
    return WatchedTranscriber(tiny_en)


def start(transcriber, **settings):
    config = Config()
    app = create_app(
        transcriber, server_chain(config), ServerSettings(model_id=transcriber.model_name, **settings)
    )
    front = wyoming_front(listen("127.0.0.1", 0), app, transcriber, config)
    return start_in_thread(app, "127.0.0.1", 0, wyoming=front)


@pytest.fixture(scope="module")
def server(watched):
    handle = start(watched)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def clip(manifest):
    """An English read-speech clip of about five seconds (16 kHz 16-bit mono WAV) and its reference."""
    rows = [r for r in manifest if r["lang"] == "en" and 3.0 <= r["duration_s"] <= 8.0]
    row = min(rows, key=lambda r: abs(r["duration_s"] - 5.0))
    with wave.open(str(row["path"]), "rb") as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (16000, 2, 1)
        row["pcm"] = wav.readframes(wav.getnframes())
    return row


def endpoint(handle) -> tuple[str, int]:
    where = parse_uri(handle.wyoming_uri)
    return where.host, where.port


def client(handle) -> AsyncTcpClient:
    host, port = endpoint(handle)
    return AsyncTcpClient(host, port, connect_timeout=TIMEOUT_S, read_timeout=TIMEOUT_S)


def audio_events(pcm: bytes, rate: int = 16000, width: int = 2, channels: int = 1) -> list[Event]:
    step = CHUNK_SAMPLES * width * channels
    chunks = [AudioChunk(rate, width, channels, pcm[i : i + step]).event() for i in range(0, len(pcm), step)]
    return [AudioStart(rate, width, channels).event(), *chunks, AudioStop().event()]


async def exchange(handle, events: list[Event], *, until_close: bool = True, count: int = 0) -> list[Event]:
    """Send ``events`` on one connection; read until it closes (or ``count`` events)."""
    async with client(handle) as connection:
        for event in events:
            await connection.write_event(event)
        answers = []
        while until_close or len(answers) < count:
            event = await connection.read_event()
            if event is None:
                break
            answers.append(event)
        return answers


def talk(handle, events: list[Event], **kwargs) -> list[Event]:
    return asyncio.run(exchange(handle, events, **kwargs))


def transcript_of(answers: list[Event]) -> str:
    """The text, after checking the events are the streaming sequence the Wyoming spec gives."""
    types = [event.type for event in answers]
    assert types[0] == "transcript-start" and types[-2:] == ["transcript", "transcript-stop"], types
    assert set(types[1:-2]) <= {"transcript-chunk"}, types
    text = Transcript.from_event(answers[-2]).text
    assert "".join(TranscriptChunk.from_event(e).text for e in answers[1:-2]) == text
    assert TranscriptStart.is_type(answers[0].type) and TranscriptStop.is_type(answers[-1].type)
    return text


def error_of(event: Event) -> Error:
    assert Error.is_type(event.type), event
    error = Error.from_event(event)
    assert error.text
    return error


def test_describe_answers_info_with_the_model_and_its_languages(server):
    (answer,) = talk(server, [Describe().event()], until_close=False, count=1)
    info = Info.from_event(answer)
    (program,) = info.asr
    assert program.name == "keyvox" and program.installed and program.supports_transcript_streaming
    (model,) = program.models
    assert model.name == "tiny.en" and model.installed
    assert model.languages == ["en"]  # tiny.en is English-only


def test_transcript_matches_the_file_path_on_the_same_clip(server, clip, tiny_en):
    """16 kHz 16-bit mono, as Home Assistant sends it: the same samples as decoding the file, so the same text."""
    answers = talk(server, [Transcribe(language="en").event(), *audio_events(clip["pcm"])])
    text = transcript_of(answers)  # and the server closed the connection: one utterance per connection
    chain = server_chain(Config())
    expected = chain.process(
        tiny_en.transcribe_detailed(load_audio(clip["path"]), vocabulary=chain.vocabulary)
    )
    assert text == expected and text
    assert Transcript.from_event(answers[-2]).language == "en"
    assert word_errors(clip["text"], text, "en").rate <= MAX_WER


def as_format(pcm16: bytes, rate: int, width: int, channels: int) -> bytes:
    """The 16 kHz clip as another microphone would send it: another rate, sample width and channel count."""
    samples = np.frombuffer(pcm16, dtype="<i2").astype(np.float64) / 32768.0
    count = int(len(samples) * rate / 16000)
    samples = np.interp(np.linspace(0, len(samples) - 1, count), np.arange(len(samples)), samples)
    scaled = np.round(samples * (2 ** (8 * width - 1) - 1)).astype(np.int64)
    frames = np.repeat(scaled[:, None], channels, axis=1).reshape(-1)
    if width == 3:
        little = frames.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
        return little.tobytes()
    return frames.astype({2: "<i2", 4: "<i4"}[width]).tobytes()


@pytest.mark.parametrize(("rate", "width", "channels"), [(44100, 4, 2), (48000, 3, 1), (22050, 2, 2)])
def test_audio_in_any_rate_width_and_channels_is_resampled(server, clip, rate, width, channels):
    pcm = as_format(clip["pcm"], rate, width, channels)
    text = transcript_of(talk(server, [Transcribe().event(), *audio_events(pcm, rate, width, channels)]))
    assert word_errors(clip["text"], text, "en").rate <= MAX_WER, text


def test_chunk_before_start_is_an_error_and_the_connection_still_serves(server, clip):
    events = [
        AudioChunk(16000, 2, 1, clip["pcm"][:3200]).event(),
        AudioChunk(16000, 2, 1, clip["pcm"][3200:6400]).event(),  # dropped quietly: one error per mistake
        Transcribe().event(),
        *audio_events(clip["pcm"]),
    ]
    answers = talk(server, events)
    assert error_of(answers[0]).code == ErrorCode.AUDIO_BEFORE_START.value
    assert word_errors(clip["text"], transcript_of(answers[1:]), "en").rate <= MAX_WER


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (AudioStart(16000, 5, 1).event(), ErrorCode.BAD_AUDIO),  # no 5-byte samples
        (AudioStart(0, 2, 1).event(), ErrorCode.BAD_AUDIO),
        (Event("audio-start", {"rate": 16000}), ErrorCode.BAD_EVENT),  # width and channels missing
        (Transcribe(language="fr").event(), ErrorCode.UNSUPPORTED_LANGUAGE),  # tiny.en is English-only
    ],
)
def test_bad_requests_get_an_error_event_and_the_server_keeps_serving(server, clip, bad, code):
    (answer,) = talk(server, [bad], until_close=False, count=1)
    assert error_of(answer).code == code.value
    text = transcript_of(talk(server, [Transcribe().event(), *audio_events(clip["pcm"])]))
    assert word_errors(clip["text"], text, "en").rate <= MAX_WER


def test_a_chunk_that_is_not_whole_samples_is_an_error(server, clip):
    events = [AudioStart(16000, 2, 1).event(), AudioChunk(16000, 2, 1, clip["pcm"][:101]).event()]
    (answer,) = talk(server, events, until_close=False, count=1)
    assert error_of(answer).code == ErrorCode.BAD_AUDIO.value
    (info,) = talk(server, [Describe().event()], until_close=False, count=1)
    assert Info.is_type(info.type)


def test_no_audio_gives_an_empty_transcript(server):
    answers = talk(server, [Transcribe().event(), AudioStart(16000, 2, 1).event(), AudioStop().event()])
    assert transcript_of(answers) == ""


def test_wyoming_and_http_share_the_one_engine_thread(server, watched, clip):
    """Wyoming and HTTP requests at once: every decode runs on the engine worker's thread, one at a time."""

    async def both() -> tuple[list[Event], list[httpx.Response]]:
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
            with open(clip["path"], "rb") as handle:
                data = handle.read()
            posts = [
                http.post(f"{server.url}/v1/audio/transcriptions", files={"file": ("a.wav", data)})
                for _ in range(2)
            ]
            wyoming = [exchange(server, [Transcribe().event(), *audio_events(clip["pcm"])]) for _ in range(2)]
            results = await asyncio.gather(*wyoming, *posts)
            return results[:2], results[2:]

    watched.threads.clear()
    spoken, posted = asyncio.run(both())
    for answers in spoken:
        assert word_errors(clip["text"], transcript_of(answers), "en").rate <= MAX_WER
    for response in posted:
        assert (
            response.status_code == 200
            and word_errors(clip["text"], response.json()["text"], "en").rate <= MAX_WER
        )
    # One decode at a time, always on the engine thread or the slice it waits for (keyvox/core/sliced.py).
    assert watched.most_active == 1 and watched.threads <= {"keyvox-engine", "keyvox-engine-slice"}


def test_a_full_queue_answers_server_busy(tiny_en, clip):
    handle = start(tiny_en, max_queue=0)
    try:
        answers = talk(
            handle, [Transcribe().event(), *audio_events(clip["pcm"][:32000])], until_close=False, count=1
        )
        assert error_of(answers[0]).code == ErrorCode.SERVER_BUSY.value
    finally:
        handle.stop()


def test_wyoming_listens_on_loopback_unless_told_otherwise():
    args = build_parser().parse_args(["serve", "--wyoming"])
    assert args.wyoming == WYOMING_DEFAULT_URI == DEFAULT_URI
    assert is_loopback(parse_uri(args.wyoming).host) and not args.wyoming_allow_remote
    sock = open_wyoming(DEFAULT_URI.rsplit(":", 1)[0] + ":0", allow_remote=False)
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()
    with pytest.raises(KeyvoxError, match="no API key"):
        open_wyoming("tcp://0.0.0.0:0", allow_remote=False)
    sock = open_wyoming("tcp://0.0.0.0:0", allow_remote=True)  # the explicit choice
    sock.close()


def test_open_bind_without_the_flag_is_refused_before_the_model_loads(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["serve", "--port", "0", "--wyoming", "tcp://0.0.0.0:0"]) == 2
    assert "--wyoming-allow-remote" in capsys.readouterr().err
    assert main(["serve", "--port", "0", "--wyoming", "udp://127.0.0.1:1"]) == 2


def test_keyvox_serve_wyoming_command_serves_both(tmp_path, clip):
    """The real command in its own process: HTTP and Wyoming from one model, until Ctrl+C."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "keyvox", "serve", "--port", "0", "--wyoming", "tcp://127.0.0.1:0"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = ""
        while "Wyoming" not in banner:
            line = process.stderr.readline()
            assert line, f"keyvox serve exited early: {banner}"
            banner += line
        uri = banner.split("Wyoming (Home Assistant) on ")[1].split(",")[0]
        url = banner.split("serving on ")[1].split()[0]
        handle = type("Handle", (), {"wyoming_uri": uri, "url": url})
        assert uri.startswith("tcp://127.0.0.1:")
        text = transcript_of(talk(handle, [Transcribe(language="en").event(), *audio_events(clip["pcm"])]))
        assert word_errors(clip["text"], text, "en").rate <= MAX_WER
        assert httpx.get(url.removesuffix("/v1") + "/health", timeout=TIMEOUT_S).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) in (0, 130)


def test_a_client_over_its_share_is_told_to_wait_then_served(tiny_en, clip):
    """The per-client share of the queue: Wyoming's answer to HTTP's 429 is an ``error`` event."""
    config = Config()
    settings = ServerSettings(model_id=tiny_en.model_name, max_queue=4, max_queue_per_client=1)
    app = create_app(tiny_en, server_chain(config), settings)
    handle = start_in_thread(
        app, "127.0.0.1", 0, wyoming=wyoming_front(listen("127.0.0.1", 0), app, tiny_en, config)
    )
    try:
        held = app.state.worker.admit(
            "127.0.0.1"
        )  # this address's one place, as a request still running holds it
        answers = talk(
            handle, [Transcribe().event(), *audio_events(clip["pcm"][:32000])], until_close=False, count=1
        )
        error = error_of(answers[0])
        assert error.code == ErrorCode.RATE_LIMITED.value and "retry in" in error.text
        held.release()
        text = transcript_of(talk(handle, [Transcribe(language="en").event(), *audio_events(clip["pcm"])]))
        assert word_errors(clip["text"], text, "en").rate <= MAX_WER
    finally:
        handle.stop()
