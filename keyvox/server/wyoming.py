"""The Wyoming speech-to-text server (``keyvox serve --wyoming``), the protocol Home Assistant's local voice
pipeline speaks (github.com/OHF-Voice/wyoming; reference server: wyoming-faster-whisper).

One connection carries one utterance, as Home Assistant opens it: ``describe`` -> ``info``; then
``transcribe`` (language, model name), ``audio-start``, ``audio-chunk``..., ``audio-stop`` ->
``transcript-start``, ``transcript-chunk``, ``transcript`` (what older clients read), ``transcript-stop``,
and the connection closes. Decodes queue on the same ``ModelWorker`` as the HTTP server's requests, so
both fronts share the one engine thread and the one queue limit. A request that cannot be served gets a
Wyoming ``error`` event and the connection stays usable for another try.

Importing this module needs the ``wyoming`` package (in the ``server`` extra).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import urlparse

from wyoming.asr import Transcribe, Transcript, TranscriptChunk, TranscriptStart, TranscriptStop
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, async_read_event, async_write_event
from wyoming.info import AsrModel, AsrProgram, Attribution, Describe, Info
from wyoming.ping import Ping, Pong

from keyvox import __version__
from keyvox.audio.format import SAMPLE_RATE
from keyvox.core.utterance import UtteranceResult
from keyvox.engines.base import Transcriber
from keyvox.errors import KeyvoxError
from keyvox.server.admission import ModelWorker
from keyvox.server.events import EventHub, result_event
from keyvox.server.formats import ApiError
from keyvox.server.limits import is_loopback
from keyvox.server.pcm import BadAudio, PcmBuffer, PcmFormat, checked_format
from keyvox.text.chain import TextProcessor

log = logging.getLogger(__name__)

ROUTE = "wyoming"
"""The route ``/metrics`` counts Wyoming turns under (statuses as HTTP's: 200, 429, 503, 500)."""

DEFAULT_URI = "tcp://127.0.0.1:10300"
"""Loopback, on the port Home Assistant's Whisper add-on uses, so its Wyoming set-up form needs no edit."""
QWEN_BACKENDS = ("qwen-asr", "qwen-asr-vllm")
WHISPER_AUTHORS = Attribution(name="OpenAI", url="https://github.com/openai/whisper")
QWEN_AUTHORS = Attribution(name="Qwen", url="https://huggingface.co/Qwen")
KEYVOX = Attribution(name="keyvox", url="")
"""keyvox has no public home page to point at; Home Assistant shows the name alone then."""


class ErrorCode(str, Enum):
    """The ``code`` of the ``error`` events this server sends."""

    AUDIO_BEFORE_START = "audio_before_start"
    BAD_AUDIO = "bad_audio"
    BAD_EVENT = "bad_event"
    UNSUPPORTED_LANGUAGE = "unsupported_language"
    SERVER_BUSY = "server_busy"
    """The whole queue is full (HTTP's 503); retry after the seconds the text names."""
    RATE_LIMITED = "rate_limit_exceeded"
    """This client already holds its share of the queue (HTTP's 429)."""
    TRANSCRIPTION_FAILED = "transcription_failed"


class WyomingFailure(Exception):
    """A request this server refuses; becomes one ``error`` event."""

    def __init__(self, code: ErrorCode, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class Phase(Enum):
    """Where one connection is in its utterance."""

    IDLE = "idle"
    """Nothing asked yet, or the last request ended."""
    RECEIVING = "receiving"
    """Between ``audio-start`` and ``audio-stop``."""
    FAILED = "failed"
    """An error was sent: the rest of that audio is dropped quietly until the next ``audio-start``."""


@dataclass(frozen=True)
class Endpoint:
    """Where the Wyoming server listens (``tcp://HOST:PORT``)."""

    host: str
    port: int

    @property
    def uri(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp://{shown}:{self.port}"


def parse_uri(uri: str) -> Endpoint:
    """``tcp://HOST:PORT`` (the form wyoming-faster-whisper's ``--uri`` takes), or ``KeyvoxError``."""
    parsed = urlparse(uri)
    try:
        port = parsed.port
    except ValueError:
        port = None
    if parsed.scheme != "tcp" or not parsed.hostname or port is None:
        raise KeyvoxError(f'--wyoming "{uri}" is not tcp://HOST:PORT (for example {DEFAULT_URI})')
    return Endpoint(parsed.hostname, port)


def check_bind(endpoint: Endpoint, allow_remote: bool) -> None:
    """Refuse to serve Wyoming beyond this machine unless asked to: the protocol has no way to send a key."""
    if not allow_remote and not is_loopback(endpoint.host):
        raise KeyvoxError(
            f"listening for Wyoming on {endpoint.host} would let any machine that reaches port "
            f"{endpoint.port} use this server, and Wyoming has no API key; add --wyoming-allow-remote if that "
            "is what you want (a trusted network, Home Assistant on another box), or listen on 127.0.0.1"
        )


def served_languages(transcriber: Transcriber) -> list[str]:
    """The languages a request may ask for: the fixed one, else those detection is restricted to
    (``[model] languages``), else all the engine's model knows."""
    if transcriber.language:
        return [transcriber.language]
    if transcriber.languages:
        return sorted(transcriber.languages)
    if transcriber.backend in QWEN_BACKENDS:
        from keyvox.engines.qwen_common import QWEN_LANGUAGES

        return sorted(QWEN_LANGUAGES)
    try:
        from faster_whisper.tokenizer import _LANGUAGE_CODES
    except ImportError:  # a remote backend without faster-whisper here: the far server decides
        return []
    return sorted(_LANGUAGE_CODES)


def describe(transcriber: Transcriber) -> Info:
    """The ``info`` answer: one ASR program (keyvox) with the loaded model and its languages."""
    model = AsrModel(
        name=transcriber.model_name,
        attribution=QWEN_AUTHORS if transcriber.backend in QWEN_BACKENDS else WHISPER_AUTHORS,
        installed=True,
        description=transcriber.description,
        version=None,
        languages=served_languages(transcriber),
    )
    program = AsrProgram(
        name="keyvox",
        attribution=KEYVOX,
        installed=True,
        description=f"keyvox speech recognition ({transcriber.description})",
        version=__version__,
        models=[model],
        supports_transcript_streaming=True,
    )
    return Info(asr=[program])


def request_language(transcriber: Transcriber, asked: str | None) -> str | None:
    """The language code for one utterance from ``transcribe``'s ``language`` (``en``, ``en-US``, ``auto``)."""
    code = (asked or "").strip().lower().replace("_", "-").split("-")[0]
    if code in ("", "auto"):
        return None
    languages = served_languages(transcriber)
    if languages and code not in languages:
        served = ", ".join(languages[:12]) + (", ..." if len(languages) > 12 else "")
        raise WyomingFailure(
            ErrorCode.UNSUPPORTED_LANGUAGE,
            f'this server\'s model does not transcribe "{asked}" (it serves {served})',
        )
    return code


@dataclass
class WyomingService:
    """What every Wyoming connection shares: the model's facts, the text chain, the queue and the events."""

    transcriber: Transcriber
    """Read for its facts only; decoding happens on the engine thread behind ``worker``."""
    chain: TextProcessor
    worker: ModelWorker
    hub: EventHub
    max_audio_bytes: int
    """The most float32 audio one utterance may hold ([server] max_upload_mb, as for an upload)."""
    info: Event = field(init=False)

    def __post_init__(self) -> None:
        self.info = describe(self.transcriber).event()


class Connection:
    """One client's events, in order, and the utterance they build."""

    def __init__(self, service: WyomingService, writer: asyncio.StreamWriter) -> None:
        self.service = service
        self.writer = writer
        self.phase = Phase.IDLE
        self.language: str | None = None
        self.format: PcmFormat | None = None
        self.buffer = PcmBuffer(service.max_audio_bytes)

    async def handle(self, event: Event) -> bool:
        """Answer one event; False once the utterance is answered and the connection should close."""
        try:
            return await self._dispatch(event)
        except WyomingFailure as failure:
            await self._fail(failure.code, failure.text)
        except BadAudio as exc:
            await self._fail(ErrorCode.BAD_AUDIO, str(exc))
        except (KeyError, TypeError, ValueError) as exc:
            await self._fail(
                ErrorCode.BAD_EVENT, f"malformed {event.type} event ({type(exc).__name__}: {exc})"
            )
        return True

    async def _dispatch(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.send(self.service.info)
        elif Ping.is_type(event.type):
            await self.send(Pong(text=Ping.from_event(event).text).event())
        elif Transcribe.is_type(event.type):
            self._reset()
            self.language = request_language(self.service.transcriber, Transcribe.from_event(event).language)
        elif AudioStart.is_type(event.type):
            start = AudioStart.from_event(event)
            self.format = checked_format(start.rate, start.width, start.channels)
            self.buffer = PcmBuffer(self.service.max_audio_bytes)
            self.phase = Phase.RECEIVING
        elif AudioChunk.is_type(event.type):
            self._take_chunk(event)
        elif AudioStop.is_type(event.type):
            if self.phase is Phase.RECEIVING:
                await self._answer()
                return False
            if self.phase is Phase.IDLE:
                raise WyomingFailure(ErrorCode.AUDIO_BEFORE_START, "audio-stop came before audio-start")
            self._reset()
        # Anything else (select-program, events of other domains) is dropped, as the protocol asks.
        return True

    def _take_chunk(self, event: Event) -> None:
        if self.phase is Phase.FAILED:
            return
        if self.phase is not Phase.RECEIVING:
            raise WyomingFailure(
                ErrorCode.AUDIO_BEFORE_START, "audio-chunk came before audio-start; send audio-start first"
            )
        chunk = AudioChunk.from_event(event)
        self.buffer.add(chunk.audio, checked_format(chunk.rate, chunk.width, chunk.channels))

    async def _answer(self) -> None:
        """Decode the utterance on the engine thread and send the transcript, streamed and whole."""
        audio = self.buffer.audio()
        self._reset()
        if audio.size == 0:
            text, language = "", None  # nothing heard, as the reference server answers
        else:
            text, language = await self._decode(audio)
        await self.send(TranscriptStart(language=language).event())
        if text:
            await self.send(TranscriptChunk(text=text).event())
        await self.send(Transcript(text=text, language=language).event())
        await self.send(TranscriptStop().event())

    async def _decode(self, audio) -> tuple[str, str | None]:
        service = self.service
        peer = self.writer.get_extra_info("peername")
        try:
            slot = service.worker.admit(str(peer[0]) if isinstance(peer, tuple) else "")
        except ApiError as exc:  # the queue's 429/503 as an error event (Wyoming has no status codes)
            service.worker.metrics.answered(ROUTE, exc.status)
            code = ErrorCode.RATE_LIMITED if exc.status == 429 else ErrorCode.SERVER_BUSY
            raise WyomingFailure(code, exc.message) from None
        chain = service.chain
        started = time.perf_counter()

        def work(engine: Transcriber):
            transcription = engine.transcribe_detailed(audio, vocabulary=chain.vocabulary)
            return transcription, chain.process(transcription)

        try:
            transcription, text = await service.worker.run(
                slot, work, self.language, audio_s=audio.shape[0] / SAMPLE_RATE
            )
        except Exception as exc:  # the engine's failure is the client's answer; the server goes on
            service.worker.metrics.answered(ROUTE, 500, time.perf_counter() - started)
            log.exception("Wyoming transcription failed")
            raise WyomingFailure(ErrorCode.TRANSCRIPTION_FAILED, f"transcription failed ({exc})") from None
        service.worker.metrics.answered(ROUTE, 200, time.perf_counter() - started)
        result = UtteranceResult(
            text, transcription, transcription.duration_s, started, delivered_at=time.perf_counter()
        )
        service.hub.publish(result_event(result, source="wyoming"))
        return text, transcription.language or self.language

    async def _fail(self, code: ErrorCode, text: str) -> None:
        self._reset()
        self.phase = Phase.FAILED
        await self.send(Error(text=text, code=code.value).event())

    def _reset(self) -> None:
        self.phase = Phase.IDLE
        self.format = None
        self.buffer = PcmBuffer(self.service.max_audio_bytes)

    async def send(self, event: Event) -> None:
        await async_write_event(event, self.writer)


async def serve_wyoming(service: WyomingService, sock: socket.socket) -> None:
    """Accept Wyoming connections on ``sock`` until cancelled; each runs as its own task."""
    connections: set[asyncio.Task] = set()

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        connections.add(task)
        try:
            await _converse(Connection(service, writer), reader)
        finally:
            connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    server = await asyncio.start_server(accept, sock=sock)
    try:
        async with server:
            await server.serve_forever()
    finally:
        for task in list(connections):
            task.cancel()


async def _converse(connection: Connection, reader: asyncio.StreamReader) -> None:
    try:
        while (event := await async_read_event(reader)) is not None:
            if not await connection.handle(event):
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        pass  # the client went away mid-event
