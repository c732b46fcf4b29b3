"""What ``/v1/audio/transcriptions`` and ``/translations`` answer: OpenAI's five response formats, its
usage note and its error shape."""

from __future__ import annotations

import math
from enum import Enum

from starlette.responses import JSONResponse, PlainTextResponse, Response

from keyvox.engines.base import Segment, Task, Transcription


class ResponseFormat(Enum):
    """OpenAI's ``response_format`` values."""

    JSON = "json"
    TEXT = "text"
    VERBOSE_JSON = "verbose_json"
    SRT = "srt"
    VTT = "vtt"


class ApiError(Exception):
    """A request the server refuses; becomes ``{"error": {...}}`` with ``status``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        kind: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.kind = kind
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return error_response(
            self.status, self.message, param=self.param, code=self.code, kind=self.kind, headers=self.headers
        )


def error_response(
    status: int,
    message: str,
    *,
    param: str | None = None,
    code: str | None = None,
    kind: str = "invalid_request_error",
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def usage(transcription: Transcription) -> dict:
    """OpenAI's note for models billed by duration: whole seconds of audio, rounded up."""
    return {"type": "duration", "seconds": math.ceil(round(transcription.duration_s, 3))}


def render(
    transcription: Transcription,
    text: str,
    response_format: ResponseFormat | str,
    *,
    task: Task = Task.TRANSCRIBE,
    segments: bool = True,
    words: bool = False,
) -> Response:
    """``text`` is what the text chain made of ``transcription`` (or its raw text); ``segments`` and
    ``words`` are the ``verbose_json`` parts asked for (OpenAI's ``timestamp_granularities``)."""
    response_format = ResponseFormat(response_format)
    if response_format is ResponseFormat.JSON:
        return JSONResponse({"text": text, "usage": usage(transcription)})
    if response_format is ResponseFormat.TEXT:
        return PlainTextResponse(text + "\n")
    cues = _cues(transcription, text)
    if response_format is ResponseFormat.SRT:
        blocks = [
            f"{i}\n{_stamp(start, ',')} --> {_stamp(end, ',')}\n{words}\n"
            for i, (start, end, words) in enumerate(cues, 1)
        ]
        return PlainTextResponse("\n".join(blocks), media_type="application/x-subrip")
    if response_format is ResponseFormat.VTT:
        blocks = [f"{_stamp(start, '.')} --> {_stamp(end, '.')}\n{words}\n" for start, end, words in cues]
        return PlainTextResponse("WEBVTT\n\n" + "\n".join(blocks), media_type="text/vtt")
    return JSONResponse(verbose_json(transcription, text, task=task, segments=segments, words=words))


def verbose_json(
    transcription: Transcription,
    text: str,
    *,
    task: Task = Task.TRANSCRIBE,
    segments: bool = True,
    words: bool = False,
) -> dict:
    """OpenAI's ``verbose_json``: segments (unless only words were asked for), words only when asked."""
    body = {
        "task": task.value,
        "language": transcription.language or "",
        "duration": transcription.duration_s,
        "text": text,
    }
    if segments:
        body["segments"] = [_segment(i, s) for i, s in enumerate(transcription.segments)]
    if words:
        body["words"] = [
            {"word": w.word.strip(), "start": round(w.start, 3), "end": round(w.end, 3)}
            for s in transcription.segments
            for w in s.words
        ]
    body["usage"] = usage(transcription)
    return body


def _segment(number: int, segment: Segment) -> dict:
    return {
        "id": number,
        "seek": int(segment.start * 100),  # Whisper's seek is in 10 ms mel frames
        "start": round(segment.start, 3),
        "end": round(segment.end, 3),
        "text": segment.text,
        "tokens": [],
        "temperature": segment.temperature,
        "avg_logprob": segment.avg_logprob,
        "compression_ratio": segment.compression_ratio,
        "no_speech_prob": segment.no_speech_prob,
    }


def _cues(transcription: Transcription, text: str) -> list[tuple[float, float, str]]:
    """Timed lines for subtitles, carrying ``text`` (what the text chain made of the engine's words), so
    subtitles read like the other formats: its words are laid over the engine's segments in proportion to
    each segment's words (one to one when the chain only changed case and punctuation)."""
    segments = [s for s in transcription.segments if s.text.strip()]
    words = text.split()
    if not segments:
        return [(0.0, transcription.duration_s, text)] if text else []
    counts = [len(s.text.split()) for s in segments]
    total, seen, taken = sum(counts), 0, 0
    cues = []
    for segment, count in zip(segments, counts):
        seen += count
        until = round(len(words) * seen / total)
        if until > taken:
            cues.append((segment.start, segment.end, " ".join(words[taken:until])))
        taken = until
    return cues


def _stamp(seconds: float, separator: str) -> str:
    millis = int(round(max(0.0, seconds) * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
