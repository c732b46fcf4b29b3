"""The realtime API's session settings in both shapes, read as OpenAI documents them."""

from __future__ import annotations

import pytest

from keyvox.server.realtime_session import (
    REALTIME_RATE,
    RealtimeFailure,
    SessionConfig,
    Shape,
    TurnDetection,
    session_view,
    updated,
)


def test_ga_update_sets_language_prompt_and_turn_detection():
    session = {
        "type": "transcription",
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": {"model": "gpt-4o-transcribe", "language": "en-GB", "prompt": "Quilter"},
                "turn_detection": {"type": "server_vad", "threshold": 0.6, "silence_duration_ms": 800},
                "noise_reduction": {"type": "near_field"},  # accepted, ignored
            }
        },
        "include": ["item.input_audio_transcription.logprobs"],
    }
    config = updated(SessionConfig(), {"session": session}, Shape.GA)
    assert (config.language, config.prompt, config.model) == ("en", "Quilter", "gpt-4o-transcribe")
    assert config.turn_detection == TurnDetection(threshold=0.6, padding_ms=300, silence_ms=800)
    view = session_view(config, "sess_1")
    assert view["type"] == "transcription" and view["audio"]["input"]["turn_detection"]["threshold"] == 0.6


def test_beta_update_and_turn_detection_off():
    session = {
        "input_audio_format": "pcm16",
        "input_audio_transcription": {"language": "auto"},
        "turn_detection": None,
    }
    config = updated(SessionConfig(), {"session": session}, Shape.BETA)
    assert config.shape is Shape.BETA and config.rate == REALTIME_RATE
    assert config.language is None and config.turn_detection is None
    view = session_view(config, "sess_2")
    assert view["input_audio_format"] == "pcm16" and view["turn_detection"] is None


def test_an_update_keeps_what_it_does_not_name():
    first = updated(SessionConfig(), {"session": {"audio": {"input": {"turn_detection": None}}}}, Shape.GA)
    second = updated(
        first, {"session": {"audio": {"input": {"transcription": {"language": "en"}}}}}, Shape.GA
    )
    assert second.turn_detection is None and second.language == "en"


@pytest.mark.parametrize(
    "session",
    [
        None,
        {"type": "realtime"},
        {"input_audio_format": "g711_ulaw"},
        {"turn_detection": {"type": "server_vad", "threshold": 2}},
        {"turn_detection": {"type": "server_vad", "silence_duration_ms": -5}},
        {"turn_detection": {"type": "push_to_talk"}},
    ],
)
def test_settings_keyvox_cannot_honour_are_refused(session):
    shape = Shape.BETA if session and "input_audio_format" in session else Shape.GA
    if session and "turn_detection" in session:
        shape = Shape.BETA
    with pytest.raises(RealtimeFailure):
        updated(SessionConfig(), {"session": session}, shape)
