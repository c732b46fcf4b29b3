"""What ``/v1/audio/transcriptions`` answers: OpenAI's five response formats and its error shape."""

from __future__ import annotations

from starlette.responses import JSONResponse, PlainTextResponse, Response

from keyvox.engines.base import Transcription

RESPONSE_FORMATS = ("json", "text", "verbose_json", "srt", "vtt")


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


def render(transcription: Transcription, text: str, response_format: str) -> Response:
    """``text`` is what the text chain made of ``transcription`` (or its raw text)."""
    if response_format == "json":
        return JSONResponse({"text": text})
    if response_format == "text":
        return PlainTextResponse(text + "\n")
    cues = _cues(transcription, text)
    if response_format == "srt":
        blocks = [
            f"{i}\n{_stamp(start, ',')} --> {_stamp(end, ',')}\n{words}\n"
            for i, (start, end, words) in enumerate(cues, 1)
        ]
        return PlainTextResponse("\n".join(blocks), media_type="application/x-subrip")
    if response_format == "vtt":
        blocks = [f"{_stamp(start, '.')} --> {_stamp(end, '.')}\n{words}\n" for start, end, words in cues]
        return PlainTextResponse("WEBVTT\n\n" + "\n".join(blocks), media_type="text/vtt")
    return JSONResponse(verbose_json(transcription, text))


def verbose_json(transcription: Transcription, text: str) -> dict:
    segments = [
        {
            "id": i,
            "seek": 0,
            "start": round(s.start, 3),
            "end": round(s.end, 3),
            "text": s.text,
            "tokens": [],
            "temperature": 0.0,
            "avg_logprob": s.avg_logprob,
            "compression_ratio": 1.0,
            "no_speech_prob": s.no_speech_prob,
        }
        for i, s in enumerate(transcription.segments)
    ]
    return {
        "task": "transcribe",
        "language": transcription.language or "",
        "duration": transcription.duration_s,
        "text": text,
        "segments": segments,
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
