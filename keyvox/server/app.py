"""The ASGI application: OpenAI's ``/v1/audio/transcriptions`` and ``/v1/models``, ``/health``, and the
``/v1/events`` WebSocket. Built around an already loaded transcriber, so tests and the daemon can
share one model; in the daemon the requests queue on the daemon's engine worker behind dictation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from dataclasses import dataclass

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from keyvox.audio.format import SAMPLE_RATE
from keyvox.core.engine_worker import EngineWorker
from keyvox.core.pipeline import UtteranceResult
from keyvox.engines.base import Transcriber
from keyvox.server.events import EventHub, result_event
from keyvox.server.formats import RESPONSE_FORMATS, ApiError, error_response, render
from keyvox.server.limits import AuthMiddleware, ModelWorker, limited_receive, too_large
from keyvox.server.realtime import RealtimeService, realtime_route
from keyvox.text.chain import TextProcessor

log = logging.getLogger(__name__)

TRUE_WORDS = ("1", "true", "yes", "on")


@dataclass
class ServerSettings:
    """How one server instance behaves (from ``[server]`` and the command line)."""

    model_id: str = "keyvox"
    """The name ``/v1/models`` lists; requests may name any model, the loaded one answers."""
    max_upload_bytes: int = 25_000_000
    max_queue: int = 4
    api_key: str | None = None


def create_app(
    transcriber: Transcriber,
    chain: TextProcessor,
    settings: ServerSettings | None = None,
    hub: EventHub | None = None,
    engine: EngineWorker | None = None,
) -> Starlette:
    """The server around ``transcriber``; ``hub`` carries the daemon's events to ``/v1/events``; ``engine`` is
    the daemon's engine worker (without one the server starts its own and stops it on shutdown)."""
    settings = settings or ServerSettings()
    hub = hub or EventHub()
    own_engine = engine is None
    engine = engine or EngineWorker(transcriber)
    worker = ModelWorker(settings.max_queue, engine)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        hub.attach(asyncio.get_running_loop())
        try:
            yield
        finally:
            hub.detach()
            if own_engine:
                engine.close(timeout=0.5)

    async def health(_request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "model": transcriber.description,
                "queued": worker.admitted,
                "max_queue": worker.max_queue,
            }
        )

    async def models(_request: Request) -> Response:
        return JSONResponse(
            {
                "object": "list",
                "data": [{"id": settings.model_id, "object": "model", "created": 0, "owned_by": "keyvox"}],
            }
        )

    async def transcriptions(request: Request) -> Response:
        try:
            return await _transcriptions(request, transcriber, chain, settings, worker, hub)
        except ApiError as exc:
            return exc.response()
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is left to read it

    async def events(websocket: WebSocket) -> None:
        await _stream_events(websocket, hub)

    app = Starlette(
        routes=[
            Route("/health", health),
            Route("/v1/models", models),
            Route("/v1/audio/transcriptions", transcriptions, methods=["POST"]),
            WebSocketRoute("/v1/events", events),
            WebSocketRoute(
                "/v1/realtime",
                realtime_route(RealtimeService(transcriber, chain, worker, hub, settings.max_upload_bytes)),
            ),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
        lifespan=lifespan,
    )
    app.add_middleware(AuthMiddleware, api_key=settings.api_key)
    app.state.hub = hub
    app.state.worker = worker
    return app


async def _transcriptions(
    request: Request,
    transcriber: Transcriber,
    chain: TextProcessor,
    settings: ServerSettings,
    worker: ModelWorker,
    hub: EventHub,
) -> Response:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(
            415,
            f'Content-Type must be multipart/form-data with a "file" field, not "{content_type or "none"}".',
            code="unsupported_media_type",
        )
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise ApiError(400, f'Content-Length "{length}" is not a number.')
        if int(length) > settings.max_upload_bytes:
            raise too_large(settings.max_upload_bytes)  # refused before a byte of the body is read
    slot = worker.admit()
    submitted = False
    form = None
    try:
        limited = Request(request.scope, limited_receive(request.receive, settings.max_upload_bytes))
        try:
            form = await limited.form(max_files=1, max_fields=32)
        except (ApiError, ClientDisconnect):
            raise
        except HTTPException as exc:
            raise ApiError(400, f"Malformed multipart body ({exc.detail}).") from None
        except Exception as exc:
            raise ApiError(400, f"Malformed multipart body ({type(exc).__name__}).") from None
        request_fields = _read_fields(form)
        upload = form.get("file")
        data_size = await _size(upload)
        if data_size == 0:
            raise ApiError(400, "The uploaded file is empty.", param="file", code="empty_file")
        audio = await run_in_threadpool(decode_upload, upload.file)
        language = _check_language(transcriber, request_fields["language"])
        work = lambda engine: _transcribe(
            engine,
            chain,
            audio,
            request_fields["prompt"],
            request_fields["raw"],
        )
        submitted = True
        started = time.perf_counter()
        transcription, text = await worker.run(slot, work, language)
    finally:
        if not submitted:
            slot.release()
        if form is not None:
            await form.close()
    result = UtteranceResult(
        text, transcription, transcription.duration_s, started, delivered_at=time.perf_counter()
    )
    hub.publish(result_event(result, source="api"))
    return render(transcription, text, request_fields["response_format"])


def _read_fields(form) -> dict:
    """Check the form fields OpenAI defines; unknown extra fields are ignored, as OpenAI does."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(400, 'The "file" field is missing or is not a file upload.', param="file")
    response_format = str(form.get("response_format") or "json")
    if response_format not in RESPONSE_FORMATS:
        raise ApiError(
            400,
            f'response_format "{response_format}" is not supported (choose {", ".join(RESPONSE_FORMATS)}).',
            param="response_format",
        )
    temperature = form.get("temperature")
    if temperature not in (None, ""):
        try:
            value = float(str(temperature))
        except ValueError:
            value = float("nan")
        if not 0.0 <= value <= 1.0:
            raise ApiError(
                400, f'temperature "{temperature}" must be a number from 0 to 1.', param="temperature"
            )
    if str(form.get("stream", "")).lower() in TRUE_WORDS:
        raise ApiError(400, 'Streaming transcription is not supported; leave out "stream".', param="stream")
    language = str(form.get("language") or "").strip().lower()
    if language and not re.fullmatch(r"[a-z]{2,3}", language):
        raise ApiError(
            400, f'language "{language}" is not an ISO-639-1 code such as en, fr, de.', param="language"
        )
    return {
        "response_format": response_format,
        "language": language,
        "prompt": str(form.get("prompt") or "")[:2000],
        "raw": str(form.get("raw", "")).lower() in TRUE_WORDS,
    }


async def _size(upload: UploadFile) -> int:
    if upload.size is not None:
        return upload.size
    await upload.seek(0, 2)
    return upload.file.tell()


def decode_upload(fileobj) -> np.ndarray:
    """Any format FFmpeg reads (soundfile's formats without faster-whisper) to 16 kHz mono float32."""
    fileobj.seek(0)
    try:
        try:
            from faster_whisper.audio import decode_audio
        except ImportError:
            import soundfile

            from keyvox.audio.files import resample

            data, rate = soundfile.read(fileobj, dtype="float32", always_2d=True)
            audio = resample(data.mean(axis=1), rate)
        else:
            audio = decode_audio(fileobj, sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # decoders raise many types for undecodable input
        reason = (getattr(exc, "strerror", None) or str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise ApiError(
            400,
            f"Could not decode the audio file ({reason}); send WAV, FLAC, MP3, OGG, M4A or WebM.",
            param="file",
            code="invalid_audio",
        ) from None
    if audio.size == 0:
        raise ApiError(400, "The audio file holds no audio.", param="file", code="invalid_audio")
    return audio.astype(np.float32, copy=False)


def _check_language(transcriber: Transcriber, language: str) -> str:
    fixed = transcriber.language
    if language and fixed and language != fixed:
        raise ApiError(
            400,
            f'This server\'s model transcribes "{fixed}" only; leave out language or send "{fixed}".',
            param="language",
        )
    return language


def _transcribe(transcriber: Transcriber, chain: TextProcessor, audio: np.ndarray, prompt: str, raw: bool):
    """Runs on the engine thread, which alone touches the transcriber (the request's language is the job's)."""
    transcription = transcriber.transcribe_detailed(audio, context=prompt, vocabulary=chain.vocabulary)
    return transcription, transcription.text if raw else chain.process(transcription)


async def _stream_events(websocket: WebSocket, hub: EventHub) -> None:
    """Send every event until the client goes away; its messages are read only to notice that."""
    await websocket.accept()
    queue = hub.subscribe()

    async def until_closed() -> None:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass

    closed = asyncio.create_task(until_closed())
    try:
        while not closed.done():
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            await websocket.send_json(getter.result())
    except Exception:  # the client vanished mid-send
        pass
    finally:
        hub.unsubscribe(queue)
        closed.cancel()


async def _http_error(_request: Request, exc: HTTPException) -> Response:
    return error_response(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))


async def _server_error(_request: Request, exc: Exception) -> Response:
    log.exception("request failed", exc_info=exc)
    return error_response(500, f"Internal error: {type(exc).__name__}: {exc}", kind="server_error")
