"""What OpenAI's audio endpoints accept, read the way the clients people point at keyvox send it: the form
fields of ``/v1/audio/transcriptions`` and ``/v1/audio/translations``, with the spellings real clients use
("" or ``auto`` for any language, BCP-47 tags such as ``en-US``) and the rules
OpenAI's reference sets between the fields (words only in ``verbose_json``, streams only as text)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from starlette.datastructures import FormData, UploadFile

from keyvox.engines.base import Task
from keyvox.server.formats import ApiError, ResponseFormat

TRUE_WORDS = ("1", "true", "yes", "on")

MAX_PROMPT_CHARS = 2000
"""Whisper's prompt window is 224 tokens; more text than this is never read."""


TIMED_FORMATS = (ResponseFormat.VERBOSE_JSON, ResponseFormat.SRT, ResponseFormat.VTT)
"""Formats that carry the engine's segment times."""
STREAMED_FORMATS = (ResponseFormat.JSON, ResponseFormat.TEXT)
"""Formats a ``stream=true`` request may name: the events carry text, as OpenAI's do."""


class Granularity(Enum):
    """``timestamp_granularities[]``: which times a ``verbose_json`` answer carries."""

    SEGMENT = "segment"
    WORD = "word"


@dataclass(frozen=True)
class AudioRequest:
    """One request's fields, checked."""

    task: Task
    """Transcribe (``/transcriptions``) or translate to English (``/translations``)."""
    response_format: ResponseFormat = ResponseFormat.JSON
    language: str = ""
    """ISO-639-1 code, or empty to detect it."""
    prompt: str = ""
    raw: bool = False
    """keyvox's own field: the engine's words without the text chain."""
    stream: bool = False
    granularities: tuple[Granularity, ...] = ()

    @property
    def timed(self) -> bool:
        """True when the answer needs the engine's own segment times (or words, or a stream of them)."""
        return self.response_format in TIMED_FORMATS or self.stream or self.task is Task.TRANSLATE

    @property
    def words(self) -> bool:
        return Granularity.WORD in self.granularities

    @property
    def segments(self) -> bool:
        """OpenAI's answer leaves out segments when only words were asked for."""
        return not self.granularities or Granularity.SEGMENT in self.granularities


def read_request(form: FormData, task: Task) -> AudioRequest:
    """Check the fields OpenAI defines. ``model`` is not read: one server holds one model, which answers
    whatever a client names (``whisper-1``, ``gpt-4o-transcribe``: clients send OpenAI's names by default).
    Unknown fields (``vad_filter``, ``chunking_strategy``) are ignored, as OpenAI's own server does."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ApiError(400, 'The "file" field is missing or is not a file upload.', param="file")
    response_format = _response_format(str(form.get("response_format") or "json"))
    _check_temperature(form.get("temperature"))
    stream = str(form.get("stream", "")).strip().lower() in TRUE_WORDS
    if stream and response_format not in STREAMED_FORMATS:
        raise ApiError(
            400,
            f'stream=true answers text events; response_format "{response_format.value}" cannot be '
            "streamed (use json or text).",
            param="stream",
        )
    granularities = _granularities(form)
    if granularities and response_format is not ResponseFormat.VERBOSE_JSON:
        raise ApiError(
            400,
            "timestamp_granularities needs response_format verbose_json.",
            param="timestamp_granularities",
        )
    return AudioRequest(
        task=task,
        response_format=response_format,
        language=normalise_language(str(form.get("language") or "")) if task is Task.TRANSCRIBE else "",
        prompt=str(form.get("prompt") or "")[:MAX_PROMPT_CHARS],
        raw=str(form.get("raw", "")).lower() in TRUE_WORDS,
        stream=stream,
        granularities=granularities,
    )


def normalise_language(value: str) -> str:
    """An ISO-639-1 code from what clients send: "" and ``auto`` detect (Obsidian Whisper sends ""), a
    BCP-47 tag gives its language (openai_stt_ha sends Home Assistant's "en-US")."""
    text = value.strip().lower().replace("_", "-")
    if text in ("", "auto"):
        return ""
    primary = text.split("-", 1)[0]
    if not re.fullmatch(r"[a-z]{2,3}", primary) or not re.fullmatch(r"[a-z0-9-]+", text):
        raise ApiError(
            400,
            f'language "{value}" is not an ISO-639-1 code (en, fr, de) or a BCP-47 tag (en-US).',
            param="language",
        )
    return primary


def _response_format(value: str) -> ResponseFormat:
    try:
        return ResponseFormat(value)
    except ValueError:
        choices = ", ".join(f.value for f in ResponseFormat)
        raise ApiError(
            400, f'response_format "{value}" is not supported (choose {choices}).', param="response_format"
        ) from None


def _check_temperature(temperature: object) -> None:
    if temperature in (None, ""):
        return
    try:
        value = float(str(temperature))
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise ApiError(400, f'temperature "{temperature}" must be a number from 0 to 1.', param="temperature")


def _granularities(form: FormData) -> tuple[Granularity, ...]:
    """The openai client sends ``timestamp_granularities[]`` once per value; curl users often leave out
    the brackets."""
    values = [*form.getlist("timestamp_granularities[]"), *form.getlist("timestamp_granularities")]
    chosen = []
    for value in values:
        try:
            chosen.append(Granularity(str(value).strip()))
        except ValueError:
            raise ApiError(
                400,
                f'timestamp_granularities "{value}" is not supported (choose word, segment).',
                param="timestamp_granularities",
            ) from None
    return tuple(dict.fromkeys(chosen))
