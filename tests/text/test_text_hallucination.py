"""Hallucination guard, both sides: silence phrases without speech evidence go, real speech stays.

The no-speech evidence here is written by hand because the bundled tiny.en model, with its VAD, does
not hallucinate on our silence and noise (checked in test_text_real_speech.py); the values mirror what
Whisper reports on silence (no_speech_prob near 0.9) and on speech (below 0.3).
"""

import pytest

from keyvox.engines.base import Segment, Transcription
from keyvox.text.hallucination import collapse_loops, guard, is_silence_phrase


def heard(text, no_speech, speech_found=True, logprob=-0.4):
    return Transcription(text, "en", 2.0, [Segment(0.0, 2.0, " " + text, no_speech, logprob)], speech_found)


@pytest.mark.parametrize(
    "transcription, expected",
    [
        # dropped: a known silence phrase and the engine's own evidence says no speech
        (heard("Thank you.", 0.92), ""),
        (heard("Thanks for watching!", 0.75), ""),
        (heard("you", 0.61), ""),
        (heard("Thank you. Thank you. Thank you.", 0.8), ""),
        (heard("Thank you. Bye!", 0.7), ""),
        (heard("[Music]", 0.7), ""),
        (heard("Thank you.", 0.1, speech_found=False), ""),
        (Transcription("Thank you.", "en", 2.0, [], speech_found=False), ""),
        (Transcription("Bye.", "en", 2.0, [], speech_found=False), ""),
        # subtitle credits are never dictated: dropped whatever the evidence
        (heard("Subtitles by the Amara.org community", 0.05), ""),
        (heard("Transcribed by ESO, translated by —", 0.2), ""),
        # kept: the same words with speech evidence
        (heard("Thank you.", 0.05), "Thank you."),
        (heard("Thanks for watching!", 0.3), "Thanks for watching!"),
        (heard("you", 0.2), "you"),
        (Transcription("Thank you.", "en", 2.0, [], speech_found=True), "Thank you."),
        # kept: real text even when the evidence is weak
        (heard("Send the report to Anna.", 0.9), "Send the report to Anna."),
        (heard("Thank you for the report.", 0.9), "Thank you for the report."),
        (heard("Thank you. See the report.", 0.9), "Thank you. See the report."),
        (Transcription("", "en", 1.0, [], speech_found=False), ""),
    ],
)
def test_guard(transcription, expected):
    assert guard(transcription) == expected


def test_only_the_hallucinated_segment_goes():
    transcription = Transcription(
        "Ship it on Monday. Thank you.",
        "en",
        8.0,
        [
            Segment(0.0, 3.0, " Ship it on Monday.", 0.02, -0.3),
            Segment(3.0, 8.0, " Thank you.", 0.85, -0.9),
        ],
    )
    assert guard(transcription) == "Ship it on Monday."


def test_threshold_is_configurable():
    assert guard(heard("Thank you.", 0.5), threshold=0.6) == "Thank you."
    assert guard(heard("Thank you.", 0.5), threshold=0.4) == ""


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I'm going to " * 6 + "do it.", "I'm going to do it."),
        ("Hi. I am going to, I am going to, I am going to, I am going to.", "Hi. I am going to."),
        ("the end " * 7, "the end"),
        ("ha " * 14, "ha"),
        # real repetition stays
        ("word word word word word", "word word word word word"),
        ("no, no, no", "no, no, no"),
        ("Very very very good.", "Very very very good."),
        ("I said I said it twice", "I said I said it twice"),
        ("1 2 3 1 2 3 1 2 3", "1 2 3 1 2 3 1 2 3"),
    ],
)
def test_collapse_loops(text, expected):
    assert collapse_loops(text.strip()) == expected


@pytest.mark.parametrize(
    "text, known",
    [
        ("Thank you.", True),
        ("THANKS FOR WATCHING!!", True),
        ("[Music]", True),
        ("...", True),
        ("Thank you, Anna.", False),
        ("Thanks for the help.", False),
        ("Thank you! Thank you.", True),
        ("Thank you. Call Anna.", False),
    ],
)
def test_silence_phrases(text, known):
    assert is_silence_phrase(text) is known
