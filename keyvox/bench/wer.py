"""Word error rate the way Whisper's authors score it: normalise both texts, then count edits with jiwer.

English uses Whisper's English normaliser (spellings, numbers, "mr" → "mister", ...); other languages
use its basic normaliser (case, punctuation, symbols). Languages written without spaces between words
are scored per character, since a "word" there is a whole sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from keyvox.errors import KeyvoxError

_DIGIT_JOIN = re.compile(r"(?<=\d)(?=\d)")
_LEADING_ZERO = re.compile(r"\b0\d+\b")
INSTALL_HINT = 'pip install "keyvox[bench]"'
# Written without spaces between words: scored per character (character error rate).
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "my", "km", "yue"})


@dataclass(frozen=True)
class WordErrors:
    """Edit counts of one hypothesis against one reference."""

    errors: int
    """Substitutions + deletions + insertions."""
    reference_words: int
    deletions: int = 0
    """Reference words missing from the hypothesis altogether (part of ``errors``)."""

    @property
    def rate(self) -> float:
        """Errors per reference word; an empty reference scores 0 if nothing was said back, else 1 per word."""
        if self.reference_words == 0:
            return float(self.errors)
        return self.errors / self.reference_words


@cache
def _normalizer(kind: str):
    try:
        from whisper_normalizer.basic import BasicTextNormalizer
        from whisper_normalizer.english import EnglishTextNormalizer
    except ImportError:
        raise KeyvoxError(
            f"scoring needs the whisper-normalizer package; install it with: {INSTALL_HINT}"
        ) from None
    if kind == "english":
        return EnglishTextNormalizer()
    return BasicTextNormalizer(split_letters=kind == "letters")


def normalize(text: str, lang: str = "en") -> str:
    """Text reduced to what scoring compares: lower case, no punctuation, one space between tokens."""
    lang = (lang or "").lower()
    kind = "english" if lang == "en" else "letters" if lang in UNSPACED_LANGUAGES else "basic"
    if kind == "english":
        # Whisper's normaliser reads a written "0001" as the number 1, but keeps spoken "zero zero zero one"
        # as "0001": written digits with a leading zero are spelled out one by one first.
        text = _LEADING_ZERO.sub(lambda match: " ".join(match.group()), text)
    text = _normalizer(kind)(text)
    if kind != "english":
        return " ".join(text.split())
    # Whisper's English normaliser joins spoken digits ("one zero zero" -> "100") but leaves written
    # ones apart ("1 0 0"), and turns a lone "1" into "one": one digit per token, and "one" as "1", put
    # both forms on the same footing (the same on both sides, so "one" the pronoun costs nothing).
    return " ".join("1" if word == "one" else word for word in _DIGIT_JOIN.sub(" ", text).split())


def word_errors(reference: str, hypothesis: str, lang: str = "en") -> WordErrors:
    """Edits needed to turn the normalised ``hypothesis`` into the normalised ``reference``."""
    ref, hyp = normalize(reference, lang).split(), normalize(hypothesis, lang).split()
    if not ref or not hyp:  # jiwer before 3.1 refuses empty input; the answer is plain counting
        return WordErrors(len(ref) + len(hyp), len(ref), len(ref) if not hyp else 0)
    try:
        import jiwer
    except ImportError:
        raise KeyvoxError(f"scoring needs the jiwer package; install it with: {INSTALL_HINT}") from None
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    return WordErrors(out.substitutions + out.deletions + out.insertions, len(ref), out.deletions)


def corpus_wer(scores: list[WordErrors]) -> float:
    """All errors over all reference words (long clips weigh more, as in every published WER)."""
    words = sum(s.reference_words for s in scores)
    if words == 0:
        return float("nan")
    return sum(s.errors for s in scores) / words


def count_words(text: str) -> int:
    """Words a user would find typed (tokens with a letter or digit): what the silence set counts.

    Punctuation-only output such as ". . ." is not a word, but it is still typed: the silence set
    also counts the clips where anything at all came out (``silence_typed``).
    """
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))
