"""OpenAI's realtime transcription API over WebSocket: ``/v1/realtime?intent=transcription``.

A client appends base64 pcm16 (24 kHz) with ``input_audio_buffer.append``; each turn ends either by the
server's voice-activity detection (``turn_detection: server_vad``, the default, with keyvox's streaming Silero
detector) or by the client's ``input_audio_buffer.commit`` (``turn_detection: null``). Every committed turn is
decoded on the shared engine thread, through the same admission queue as the HTTP and Wyoming requests, and
answered with ``conversation.item.input_audio_transcription.delta`` then ``.completed``, in commit order.

Both session shapes are read (keyvox/server/realtime_session.py); authentication is the app's middleware
(bearer header, ``openai-insecure-api-key.KEY`` subprotocol or ``api_key`` query, keyvox/server/limits.py).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
import uuid
from dataclasses import dataclass

import numpy as np
from starlette.websockets import WebSocket, WebSocketDisconnect

from keyvox.audio.format import SAMPLE_RATE
from keyvox.audio.vad_stream import WINDOW, StreamingVad
from keyvox.core.utterance import UtteranceResult
from keyvox.engines.base import Transcriber
from keyvox.server.admission import ModelWorker
from keyvox.server.events import EventHub, result_event
from keyvox.server.formats import ApiError
from keyvox.server.limits import client_of
from keyvox.server.pcm import BadAudio, GrowingSamples, PcmFormat, StreamResampler, to_mono
from keyvox.server.realtime_session import (
    RealtimeFailure,
    SessionConfig,
    Shape,
    session_view,
    updated,
)
from keyvox.text.chain import TextProcessor

log = logging.getLogger(__name__)

ROUTE = "/v1/realtime"
"""The route ``/metrics`` counts realtime turns under (statuses as HTTP's: 200, 429, 503, 500)."""

MIN_COMMIT_MS = 100
"""OpenAI refuses to commit less audio than this (``input_audio_buffer_commit_empty``)."""
BETA_PROTOCOL = "openai-beta.realtime-v1"


@dataclass
class RealtimeService:
    """What every realtime connection shares with the rest of the server."""

    transcriber: Transcriber
    chain: TextProcessor
    worker: ModelWorker
    hub: EventHub
    max_audio_bytes: int
    """The most float32 audio one turn may hold ([server] max_upload_mb, as for an upload)."""


def realtime_route(service: RealtimeService):
    """The WebSocket endpoint for Starlette's ``WebSocketRoute("/v1/realtime", ...)``."""

    async def endpoint(websocket: WebSocket) -> None:
        await RealtimeConnection(service, websocket).run()

    return endpoint


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def _offered(websocket: WebSocket) -> list[str]:
    return list(websocket.scope.get("subprotocols") or [])


def shape_of(websocket: WebSocket) -> Shape:
    """Beta clients say so with ``OpenAI-Beta: realtime=v1`` or the matching subprotocol."""
    beta = "realtime=v1" in websocket.headers.get("openai-beta", "") or BETA_PROTOCOL in _offered(websocket)
    return Shape.BETA if beta else Shape.GA


class RealtimeConnection:
    """One client's session: its settings, the audio of the turn not yet committed, and its decodes."""

    def __init__(self, service: RealtimeService, websocket: WebSocket) -> None:
        self.service = service
        self.websocket = websocket
        self.config = SessionConfig(shape=shape_of(websocket))
        self.session_id = new_id("sess")
        self.resampler = StreamResampler(self.config.rate)
        self.turns: asyncio.Queue[tuple[str, np.ndarray, SessionConfig]] = asyncio.Queue()
        self.previous_item: str | None = None
        self._new_buffer(0)

    def _new_buffer(self, start: int) -> None:
        """An empty turn beginning at sample ``start`` of the session (16 kHz), for the ``*_ms`` fields."""
        self.buffer = GrowingSamples()
        self.start = start
        self.vad = StreamingVad()
        self.scanned = 0
        self.speech_at: int | None = None
        self.speech_end = 0
        self.item_id = new_id("item")

    async def run(self) -> None:
        offered = _offered(self.websocket)
        await self.websocket.accept(subprotocol="realtime" if "realtime" in offered else None)
        intent = self.websocket.query_params.get("intent")
        decoder = asyncio.create_task(self._decode_turns())
        try:
            await self._announce("created")
            if intent not in (None, "transcription"):
                await self._error(RealtimeFailure(f"Only intent=transcription is served, not '{intent}'."))
            while True:
                message = await self.websocket.receive_text()
                try:
                    await self._handle(message)
                except RealtimeFailure as failure:
                    await self._error(failure, message)
        except (WebSocketDisconnect, RuntimeError, KeyError):
            pass  # the client closed, or sent a binary frame (Starlette's receive_text has no "text" then)
        finally:
            decoder.cancel()

    async def _handle(self, message: str) -> None:
        try:
            event = json.loads(message)
        except ValueError:
            raise RealtimeFailure("The message is not JSON.", code="invalid_json") from None
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise RealtimeFailure("Missing required parameter: 'type'.", code="missing_required_parameter")
        kind = event["type"]
        if kind in ("session.update", "transcription_session.update"):
            shape = Shape.GA if kind == "session.update" else Shape.BETA
            rate = self.config.rate
            self.config = updated(self.config, event, shape)
            if self.config.rate != rate:
                self.resampler = StreamResampler(self.config.rate)
            await self._announce("updated")
        elif kind == "input_audio_buffer.append":
            await self._append(event.get("audio"))
        elif kind == "input_audio_buffer.commit":
            await self._commit_all()
        elif kind == "input_audio_buffer.clear":
            self._new_buffer(self.start + self.buffer.size)
            await self.send({"type": "input_audio_buffer.cleared"})
        else:
            raise RealtimeFailure(f"Unsupported event type '{kind}'.", code="unknown_event", param="type")

    async def _append(self, audio: object) -> None:
        if not isinstance(audio, str):
            raise RealtimeFailure("Missing required parameter: 'audio'.", code="missing_required_parameter")
        try:
            samples = to_mono(base64.b64decode(audio, validate=True), PcmFormat(self.config.rate, 2, 1))
        except (binascii.Error, ValueError) as exc:
            reason = str(exc) if isinstance(exc, BadAudio) else "not base64"
            raise RealtimeFailure(
                f"Invalid 'audio': {reason}.", code="invalid_audio", param="audio"
            ) from None
        self.buffer.append(self.resampler.feed(samples))
        if self.buffer.samples.nbytes > self.service.max_audio_bytes:
            self._new_buffer(self.start + self.buffer.size)
            raise RealtimeFailure(
                "The audio buffer is longer than this server takes ([server] max_upload_mb); it was cleared.",
                code="input_audio_buffer_too_large",
            )
        if self.config.turn_detection is not None:
            await self._detect_turns()

    async def _detect_turns(self) -> None:
        """Server VAD over the new audio: ``speech_started``, then at enough silence ``speech_stopped`` and the
        turn's commit; what follows the turn starts the next one."""
        detection = self.config.turn_detection
        silence = detection.silence_ms * SAMPLE_RATE // 1000
        while True:
            audio = self.buffer.samples
            self.vad.feed(audio)
            probs = self.vad.probs
            cut = None
            for index in range(self.scanned, len(probs)):
                speech = probs[index] >= detection.threshold
                if self.speech_at is None:
                    if speech:
                        self.speech_at = index * WINDOW
                        self.speech_end = (index + 1) * WINDOW
                        await self.send(
                            {
                                "type": "input_audio_buffer.speech_started",
                                "audio_start_ms": self._ms(self.speech_at),
                                "item_id": self.item_id,
                            }
                        )
                elif speech:
                    self.speech_end = (index + 1) * WINDOW
                elif (index + 1) * WINDOW - self.speech_end >= silence:
                    cut = (index + 1) * WINDOW
                    break
            self.scanned = len(probs) if cut is None else cut // WINDOW
            if cut is None:
                return
            await self.send(
                {
                    "type": "input_audio_buffer.speech_stopped",
                    "audio_end_ms": self._ms(self.speech_end),
                    "item_id": self.item_id,
                }
            )
            padding = detection.padding_ms * SAMPLE_RATE // 1000
            await self._commit(audio[max(0, self.speech_at - padding) : cut])
            self._new_buffer(self.start + cut)
            self.buffer.append(audio[cut:])

    async def _commit_all(self) -> None:
        if self.buffer.size < MIN_COMMIT_MS * SAMPLE_RATE // 1000:
            raise RealtimeFailure(
                f"Error committing input audio buffer: buffer too small. Expected at least {MIN_COMMIT_MS}ms "
                f"of audio, but buffer only has {self._ms(self.buffer.size, absolute=False)}ms of audio.",
                code="input_audio_buffer_commit_empty",
            )
        await self._commit(self.buffer.samples)
        self._new_buffer(self.start + self.buffer.size)

    async def _commit(self, audio: np.ndarray) -> None:
        await self.send(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": self.previous_item,
                "item_id": self.item_id,
            }
        )
        self.previous_item = self.item_id
        self.turns.put_nowait((self.item_id, audio, self.config))

    async def _decode_turns(self) -> None:
        """Decode the committed turns one after another, so their transcripts come in commit order."""
        while True:
            item_id, audio, config = await self.turns.get()
            try:
                text, seconds = await self._decode(audio, config)
            except RealtimeFailure as failure:
                await self.send(
                    {
                        "type": "conversation.item.input_audio_transcription.failed",
                        "item_id": item_id,
                        "content_index": 0,
                        "error": {"type": "server_error", "code": failure.code, "message": failure.message},
                    }
                )
                continue
            base = {"item_id": item_id, "content_index": 0}
            if text:
                await self.send(
                    {"type": "conversation.item.input_audio_transcription.delta", **base, "delta": text}
                )
            await self.send(
                {
                    "type": "conversation.item.input_audio_transcription.completed",
                    **base,
                    "transcript": text,
                    "usage": {"type": "duration", "seconds": round(seconds, 3)},
                }
            )

    async def _decode(self, audio: np.ndarray, config: SessionConfig) -> tuple[str, float]:
        service = self.service
        try:
            slot = service.worker.admit(client_of(self.websocket.scope))
        except ApiError as exc:  # the queue's 429/503 as an error event; the session stays open
            service.worker.metrics.answered(ROUTE, exc.status)
            raise RealtimeFailure(exc.message, code=exc.code or "server_busy") from None
        chain = service.chain
        started = time.perf_counter()

        def work(engine: Transcriber):
            transcription = engine.transcribe_detailed(
                audio, context=config.prompt, vocabulary=chain.vocabulary
            )
            return transcription, chain.process(transcription)

        try:
            transcription, text = await service.worker.run(
                slot, work, config.language, audio_s=audio.shape[0] / SAMPLE_RATE
            )
        except Exception as exc:  # the engine's failure is this turn's answer; the session goes on
            service.worker.metrics.answered(ROUTE, 500, time.perf_counter() - started)
            log.exception("realtime transcription failed")
            raise RealtimeFailure(f"Transcription failed ({exc}).", code="transcription_failed") from None
        duration = audio.shape[0] / SAMPLE_RATE
        service.worker.metrics.answered(ROUTE, 200, time.perf_counter() - started)
        result = UtteranceResult(text, transcription, duration, started, delivered_at=time.perf_counter())
        service.hub.publish(result_event(result, source="realtime"))
        return text, duration

    def _ms(self, sample: int, *, absolute: bool = True) -> int:
        return int(((self.start if absolute else 0) + sample) * 1000 // SAMPLE_RATE)

    async def _announce(self, what: str) -> None:
        prefix = "transcription_session" if self.config.shape is Shape.BETA else "session"
        await self.send({"type": f"{prefix}.{what}", "session": session_view(self.config, self.session_id)})

    async def _error(self, failure: RealtimeFailure, message: str | None = None) -> None:
        client_event = None
        if message is not None:
            try:
                client_event = json.loads(message).get("event_id")
            except (ValueError, AttributeError):
                pass
        error = {
            "type": "invalid_request_error",
            "code": failure.code,
            "message": failure.message,
            "param": failure.param,
            "event_id": client_event,
        }
        await self.send({"type": "error", "error": error})

    async def send(self, event: dict) -> None:
        await self.websocket.send_text(json.dumps({"event_id": new_id("event"), **event}, ensure_ascii=False))
