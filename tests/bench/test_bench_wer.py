"""WER scoring: Whisper's normalisers decide what counts as the same word."""

import math

import pytest

from keyvox.bench.wer import WordErrors, corpus_wer, count_words, normalize, word_errors


@pytest.mark.parametrize(
    "lang, text, expected",
    [
        ("en", "Hello, World!", "hello world"),
        ("en", "HE BEGAN A CONFUSED COMPLAINT", "he began a confused complaint"),
        ("en", "Mr. Quilter is here.", "mister quilter is here"),
        ("en", "twenty-one apples", "2 1 apples"),  # one digit per token: see the digit rows below
        ("en", "I've got the colour", "i have got the color"),
        ("en", "  spaced   out\ttext  ", "spaced out text"),
        ("en", "um, well uh yes", "well yes"),  # fillers are not words the speaker meant
        ("fr", "Bonjour, le Monde !", "bonjour le monde"),
        ("de", "Grüß Gott.", "grüß gott"),  # the basic normaliser keeps diacritics
        ("es", "¿Qué tal?", "qué tal"),
        ("zh", "你好，世界。", "你 好 世 界"),  # no spaces between words: scored per character
        ("ja", "こんにちは", "こ ん に ち は"),
        ("", "Unknown Language!", "unknown language"),
    ],
)
def test_normalize(lang, text, expected):
    assert normalize(text, lang) == expected


@pytest.mark.parametrize(
    "reference, hypothesis, errors, words",
    [
        ("he began a confused complaint", "He began a confused complaint.", 0, 5),
        ("Mister Quilter", "Mr. Quilter", 0, 2),
        ("the cat sat", "the cat sat down", 1, 3),  # insertion
        ("the cat sat", "the sat", 1, 3),  # deletion
        ("the cat sat", "the dog sat", 1, 3),  # substitution
        ("the cat sat", "", 3, 3),  # nothing typed
        ("", "", 0, 0),
        ("", "thank you", 2, 0),  # words out of silence
        # Spoken and written digits score alike (Whisper's normaliser alone joins one side, not the other).
        ("one zero zero one nine oh two", "1 0 0 1 9 0 2", 0, 7),
        ("one two three", "1, 2, 3.", 0, 3),
        (
            "zero one eight zero three",
            "01803.",
            0,
            5,
        ),  # a written leading zero is a spoken "zero", not nothing
        ("one zero zero zero one", "1 0001.", 0, 5),
        ("one two three", "1, 2, 4.", 1, 3),
        ("this one is good", "This one is good.", 0, 4),
    ],
)
def test_word_errors(reference, hypothesis, errors, words):
    result = word_errors(reference, hypothesis, "en")
    assert (result.errors, result.reference_words) == (errors, words)


@pytest.mark.parametrize(
    "hypothesis, deletions",
    [
        ("the cat sat down", 0),  # an insertion deletes nothing
        ("the sat", 1),
        ("the dog sat", 0),  # a substitution is not a deletion
        ("", 3),
    ],
)
def test_deletions_count_missing_reference_words(hypothesis, deletions):
    assert word_errors("the cat sat", hypothesis, "en").deletions == deletions


def test_rate_and_corpus_wer_weigh_by_reference_words():
    scores = [WordErrors(1, 10), WordErrors(1, 2)]
    assert scores[1].rate == 0.5
    assert corpus_wer(scores) == pytest.approx(2 / 12)  # not the mean of 0.1 and 0.5
    assert math.isnan(corpus_wer([]))
    assert WordErrors(2, 0).rate == 2.0


@pytest.mark.parametrize(
    "text, words", [("", 0), ("Thank you.", 2), (". . . .", 0), ("1 2 3", 3), ("you", 1)]
)
def test_count_words(text, words):
    assert count_words(text) == words
