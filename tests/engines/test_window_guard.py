"""The guard against repeated or invented text in a right-sized window decode: its rules on text, and the
engine's path through it on real speech with the real tiny.en model."""

from __future__ import annotations

import numpy as np
import pytest

from keyvox.audio.files import load_audio
from keyvox.audio.format import SAMPLE_RATE
from keyvox.audio.vad import speech_span
from keyvox.bench.wer import word_errors
from keyvox.engines.whisper_window import (
    MAX_WINDOW_AUDIO_S,
    MIN_WINDOW_FRAMES,
    RETRY_WINDOW_FRAMES,
    decode_window,
    repeats_a_phrase,
    too_many_words,
    untrustworthy,
)

MAX_WER = 0.12
"""tiny.en makes 0 errors in arctic_a0008, alone and said three times; one word in nine is allowed."""


@pytest.mark.parametrize(
    "text, repeated",
    [
        # The shape reported from a real session: a sentence's first words typed again after two others.
        (
            "He began a confused complaint against the wizard who had vanished behind the curtain on the left. "
            "Oh no, he began a confused complaint against the wizard who had vanished",
            True,
        ),
        # tiny.en's own window output for mfa_crossword.wav and mfa_whatscalled.wav.
        ("Montreal, but Montreal forced liner. Montreal forced liner. Montreal forced liner.", True),
        ("Montreal forced what's called a liner. Montreal forced what's called a liner.", True),
        ("1 0 0 1 9 0 2 1 0 0 1 8 0 3", False),  # digits read out repeat for real
        ("Here's some more word, word, word, word, word.", False),  # one word, not a phrase
        ("I don't know what to say, and I don't know why.", False),
    ],
)
def test_a_phrase_repeated_anywhere_is_untrustworthy(text, repeated):
    assert untrustworthy(text, 30.0) is repeated  # 30 s: room for every word, only repetition counts


def test_the_phrase_rule_finds_copies_apart():
    assert repeats_a_phrase("a b c d e x y a b c d e")
    assert not repeats_a_phrase("a b c d e x y a b c d")
    assert repeats_a_phrase(
        "Seven of hearts. 1,0001 90210. 90210. 01803."
    )  # one number read out, written twice
    assert not repeats_a_phrase("1 0 0 0 1. 9 0 2 1 0. 0 1 8 0 3.")


def test_too_many_words_for_the_speech():
    assert not too_many_words("Yes.", 0.3)
    assert not too_many_words("He began a confused complaint against the wizard", 2.0)
    assert too_many_words(" ".join(["word"] * 40), 4.0)  # 10 words a second: nobody speaks that fast


FLAGGED_BY_THE_DETECTOR = {"en/mfa/falsetto2.wav"}
"""Clips whose reference says more words than the detected speech could hold, because the detector misses
most of the speech: it hears 0.82 s of falsetto2's 3.5 s of falsetto, and 9 words are over 3 + 6 x 0.82
(7.9). Over the clip's whole length they fit. Such a clip is only decoded a second time, not changed."""


def test_no_reference_transcript_of_the_corpus_is_flagged(manifest):
    """The bounds leave every real transcript alone (else it would be decoded twice for nothing), judged over
    the seconds of speech the detector finds, as the engine judges its own text."""
    flagged = set()
    for row in manifest:
        audio = load_audio(row["path"])
        span = speech_span(audio)
        seconds = (span[1] - span[0]) / SAMPLE_RATE if span else row["duration_s"]
        assert not repeats_a_phrase(row["text"]), row["audio"]
        if too_many_words(row["text"], seconds):
            flagged.add(row["audio"])
            assert not too_many_words(row["text"], row["duration_s"]), row["audio"]
    assert len(manifest) >= 80
    assert flagged <= FLAGGED_BY_THE_DETECTOR, flagged


def speech_of(transcriber, audio: np.ndarray) -> np.ndarray:
    """The audio the engine decodes: the detected speech, as ``transcribe_detailed`` cuts it."""
    start, end = speech_span(audio, transcriber.vad_threshold)
    return audio[start:end]


def faster_whispers_own_text(transcriber, speech: np.ndarray) -> str:
    """faster-whisper's own ``transcribe`` loop (with its temperature fallback) on ``speech``, with the options
    the engine's guarded path gives it."""
    segments, _info = transcriber.model.transcribe(
        speech,
        language=transcriber.language,
        beam_size=transcriber.beam_size,
        vad_filter=False,
        condition_on_previous_text=False,
        without_timestamps=True,
    )
    return " ".join(segment.text.strip() for segment in segments).strip()


def sentence(manifest, name: str) -> tuple[np.ndarray, str]:
    row = next(r for r in manifest if r["audio"].endswith(name))
    return load_audio(row["path"]), row["text"]


def test_a_trustworthy_window_is_the_answer(tiny_en, manifest):
    audio, reference = sentence(manifest, "arctic_a0008.wav")
    speech = speech_of(tiny_en, audio)
    window = decode_window(tiny_en.model, speech, language="en", beam_size=tiny_en.beam_size)
    assert not untrustworthy(window.text, speech.shape[0] / SAMPLE_RATE), window.text
    assert tiny_en.transcribe_detailed(audio).text == window.text
    assert word_errors(reference, window.text, "en").rate <= MAX_WER, window.text


def test_a_window_that_repeats_itself_is_decoded_by_faster_whispers_own_loop(tiny_en, manifest):
    """Audio that says one sentence three times makes any decode of it repeat a phrase, so the guard fires
    whatever the model hears: the text is then faster-whisper's own loop's, and it holds all three."""
    one, reference = sentence(manifest, "arctic_a0008.wav")
    one = speech_of(tiny_en, one)
    gap = np.zeros(SAMPLE_RATE // 2, np.float32)
    audio = np.concatenate([gap, one, gap, one, gap, one, gap])
    speech = speech_of(tiny_en, audio)
    seconds = speech.shape[0] / SAMPLE_RATE
    assert seconds <= MAX_WINDOW_AUDIO_S  # one window's worth: the fast path is tried first
    for min_frames in (MIN_WINDOW_FRAMES, RETRY_WINDOW_FRAMES):  # the first try and the longer window
        window = decode_window(
            tiny_en.model, speech, language="en", beam_size=tiny_en.beam_size, min_frames=min_frames
        )
        assert untrustworthy(window.text, seconds), window.text
    text = tiny_en.transcribe_detailed(audio).text
    assert text == faster_whispers_own_text(tiny_en, speech)
    assert word_errors(" ".join([reference] * 3), text, "en").rate <= MAX_WER, text
