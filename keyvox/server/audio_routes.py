"""``/v1/audio/transcriptions`` and ``/v1/audio/translations``: the upload read within the limits, decoded,
queued on the engine worker, and answered in the format asked for (or streamed, keyvox/server/stream.py).
"""

from __future__ import annotations

import time

import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from keyvox.audio.format import SAMPLE_RATE
from keyvox.core.engine_worker import EngineStopped
from keyvox.engines.base import Task, Transcriber, Transcription
from keyvox.server.compat import AudioRequest, read_request
from keyvox.server.formats import ApiError, render
from keyvox.server.limits import client_of, limited_receive, too_large
from keyvox.server.served import Served, publish
from keyvox.server.stream import stream_transcription
from keyvox.text.chain import TextProcessor


async def audio_endpoint(request: Request, served: Served, task: Task) -> Response:
    """One upload, answered in OpenAI's shapes; every refusal is an ``ApiError`` in OpenAI's envelope."""
    try:
        return await _answer(request, served, task)
    except ApiError as exc:
        return exc.response()
    except ClientDisconnect:
        return Response(status_code=400)  # nobody is left to read it


async def _answer(request: Request, served: Served, task: Task) -> Response:
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
        if int(length) > served.max_upload_bytes:
            raise too_large(served.max_upload_bytes)  # refused before a byte of the body is read
    slot = served.worker.admit(client_of(request.scope))
    submitted = False
    form = None
    try:
        limited = Request(request.scope, limited_receive(request.receive, served.max_upload_bytes))
        try:
            form = await limited.form(max_files=1, max_fields=32)
        except (ApiError, ClientDisconnect):
            raise
        except HTTPException as exc:
            raise ApiError(400, f"Malformed multipart body ({exc.detail}).") from None
        except Exception as exc:
            raise ApiError(400, f"Malformed multipart body ({type(exc).__name__}).") from None
        fields = read_request(form, task)
        _check_task(served.transcriber, fields)
        upload = form.get("file")
        if await _size(upload) == 0:
            raise ApiError(400, "The uploaded file is empty.", param="file", code="empty_file")
        audio = await run_in_threadpool(decode_upload, upload.file)
        language = _check_language(served.transcriber, fields.language)
        submitted = True
        if fields.stream:
            return stream_transcription(served, slot, audio, fields, language)
        started = time.perf_counter()
        try:
            transcription, text = await served.worker.run(
                slot,
                lambda engine: transcribe(engine, served.chain, audio, fields),
                language,
                audio_s=audio.shape[0] / SAMPLE_RATE,
            )
        except EngineStopped:
            raise _stopped() from None
    finally:
        if not submitted:
            slot.release()
        if form is not None:
            await form.close()
    publish(served.hub, transcription, text, started)
    return render(
        transcription,
        text,
        fields.response_format,
        task=fields.task,
        segments=fields.segments,
        words=fields.words,
    )


def transcribe(
    transcriber: Transcriber, chain: TextProcessor, audio: np.ndarray, fields: AudioRequest
) -> tuple[Transcription, str]:
    """Runs on the engine thread, which alone touches the transcriber (the request's language is the job's).
    Plain text answers take the fast right-sized window of dictation; timed ones the engine's own times."""
    if fields.timed:
        transcription = transcriber.transcribe_timed(
            audio,
            context=fields.prompt,
            vocabulary=chain.vocabulary,
            task=fields.task,
            words=fields.words,  # refused beforehand when the engine cannot time words
        )
    else:
        transcription = transcriber.transcribe_detailed(
            audio, context=fields.prompt, vocabulary=chain.vocabulary
        )
    return transcription, transcription.text if fields.raw else chain.process(transcription)


def _stopped() -> ApiError:
    return ApiError(
        503,
        "The model has stopped (the server is shutting down); retry against a running server.",
        kind="server_error",
        code="engine_stopped",
        headers={"Retry-After": "5"},
    )


def _check_task(transcriber: Transcriber, fields: AudioRequest) -> None:
    if fields.task is Task.TRANSLATE and not transcriber.supports_translation:
        raise ApiError(
            400,
            f"This server's model ({transcriber.model_name}) cannot translate: translation needs a "
            "multilingual Whisper model (base, small, medium, large-v3); English-only models (*.en) and "
            "other engines only transcribe.",
            param="model",
            code="translation_unsupported",
        )
    if fields.words and not transcriber.supports_word_timestamps:
        raise ApiError(
            400,
            f"This server's engine ({transcriber.backend}) does not time words; ask for segments only.",
            param="timestamp_granularities",
        )


async def _size(upload: UploadFile) -> int:
    if upload.size is not None:
        return upload.size
    await upload.seek(0, 2)
    return upload.file.tell()


def decode_upload(fileobj) -> np.ndarray:
    """Any format FFmpeg reads (WAV, FLAC, MP3, OGG, M4A, WebM; soundfile's formats without faster-whisper)
    to 16 kHz mono float32."""
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
