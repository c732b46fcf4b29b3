"""The session settings of OpenAI's realtime transcription API, in both shapes clients send: the GA one
(``session.update`` with ``session.type = "transcription"`` and ``audio.input``) and the older beta one
(``transcription_session.update`` with ``input_audio_format`` and ``input_audio_transcription``).

Only what keyvox acts on is kept; every other field (noise reduction, logprobs, ...) is accepted and ignored,
as OpenAI ignores what a model does not support.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from enum import Enum

from keyvox.server.pcm import MAX_RATE, MIN_RATE

REALTIME_RATE = 24_000
"""The only rate OpenAI's ``audio/pcm`` (beta: ``pcm16``) takes, and the one every realtime client sends."""


class Shape(Enum):
    """Which generation of the API a client speaks; the server answers in the same one."""

    GA = "ga"
    BETA = "beta"


class RealtimeFailure(Exception):
    """A client event the server refuses; becomes one ``error`` event (the connection stays open)."""

    def __init__(self, message: str, *, code: str = "invalid_value", param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param


@dataclass(frozen=True)
class TurnDetection:
    """Server VAD: a turn ends after ``silence_ms`` below ``threshold``; ``padding_ms`` before speech is kept."""

    threshold: float = 0.5
    """OpenAI's default speech probability for ``server_vad``."""
    padding_ms: int = 300
    """OpenAI's default ``prefix_padding_ms``."""
    silence_ms: int = 500
    """OpenAI's default ``silence_duration_ms``."""


@dataclass(frozen=True)
class SessionConfig:
    """What one realtime transcription session does with its audio."""

    shape: Shape = Shape.GA
    rate: int = REALTIME_RATE
    """Samples per second of the pcm16 the client appends."""
    model: str = "whisper-1"
    """Echoed back; the loaded model answers."""
    language: str | None = None
    prompt: str = ""
    turn_detection: TurnDetection | None = field(default_factory=TurnDetection)
    """None: the client commits each turn itself (``input_audio_buffer.commit``)."""


def updated(config: SessionConfig, message: dict, shape: Shape) -> SessionConfig:
    """``config`` with a ``session.update`` / ``transcription_session.update`` applied."""
    session = message.get("session")
    if not isinstance(session, dict):
        raise RealtimeFailure("Missing required parameter: 'session'.", code="missing_required_parameter")
    config = replace(config, shape=shape)
    if shape is Shape.GA:
        kind = session.get("type", "transcription")
        if kind != "transcription":
            raise RealtimeFailure(
                f"This server only transcribes: session.type must be 'transcription', not '{kind}'.",
                param="session.type",
            )
        audio_input = (session.get("audio") or {}).get("input") or {}
        fmt, transcription = audio_input.get("format"), audio_input.get("transcription")
        detection_given, detection = "turn_detection" in audio_input, audio_input.get("turn_detection")
    else:
        fmt, transcription = session.get("input_audio_format"), session.get("input_audio_transcription")
        detection_given, detection = "turn_detection" in session, session.get("turn_detection")
    if fmt is not None:
        config = replace(config, rate=_rate_of(fmt))
    if isinstance(transcription, dict):
        language = str(transcription.get("language") or "").strip().lower().split("-")[0]
        config = replace(
            config,
            model=str(transcription.get("model") or config.model),
            language=None if language in ("", "auto") else language,
            prompt=str(transcription.get("prompt") or "")[:2000],
        )
    if detection_given:
        config = replace(config, turn_detection=_turn_detection(detection))
    return config


def _rate_of(fmt: object) -> int:
    if fmt == "pcm16":
        return REALTIME_RATE
    if isinstance(fmt, dict) and fmt.get("type") == "audio/pcm":
        rate = fmt.get("rate", REALTIME_RATE)
        if isinstance(rate, int) and MIN_RATE <= rate <= MAX_RATE:
            return rate
        raise RealtimeFailure(f"Invalid audio rate {rate!r}; send 24000.", param="audio.input.format.rate")
    raise RealtimeFailure(
        f"Unsupported input audio format {fmt!r}; this server takes pcm16 (audio/pcm) at 24 kHz.",
        param="audio.input.format",
    )


def _turn_detection(value: object) -> TurnDetection | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type", "server_vad") not in ("server_vad", "semantic_vad"):
        raise RealtimeFailure(
            "turn_detection must be null or {'type': 'server_vad', ...}.", param="turn_detection"
        )
    default = TurnDetection()
    threshold = value.get("threshold", default.threshold)
    if not isinstance(threshold, int | float) or not 0.0 <= threshold <= 1.0:
        raise RealtimeFailure(
            "turn_detection.threshold must be from 0 to 1.", param="turn_detection.threshold"
        )
    return TurnDetection(
        threshold=float(threshold),
        padding_ms=_whole_ms(value, "prefix_padding_ms", default.padding_ms),
        silence_ms=_whole_ms(value, "silence_duration_ms", default.silence_ms),
    )


def _whole_ms(value: dict, key: str, default: int) -> int:
    ms = value.get(key, default)
    if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms <= 10_000:
        raise RealtimeFailure(f"turn_detection.{key} must be whole milliseconds from 0 to 10000.", param=key)
    return ms


def session_view(config: SessionConfig, session_id: str) -> dict:
    """The session as ``session.created`` / ``session.updated`` (or the beta events) show it."""
    transcription = {"model": config.model, "language": config.language, "prompt": config.prompt}
    detection = config.turn_detection
    turn = (
        None
        if detection is None
        else {
            "type": "server_vad",
            "threshold": detection.threshold,
            "prefix_padding_ms": detection.padding_ms,
            "silence_duration_ms": detection.silence_ms,
        }
    )
    if config.shape is Shape.BETA:
        return {
            "id": session_id,
            "object": "realtime.transcription_session",
            "input_audio_format": "pcm16",
            "input_audio_transcription": copy.copy(transcription),
            "turn_detection": turn,
            "input_audio_noise_reduction": None,
            "include": [],
        }
    return {
        "type": "transcription",
        "id": session_id,
        "object": "realtime.transcription_session",
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": config.rate},
                "transcription": transcription,
                "turn_detection": turn,
                "noise_reduction": None,
            }
        },
        "include": [],
    }
