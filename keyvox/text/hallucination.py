"""Hallucination guard: text the engine invents when there is no speech, and decoding loops.

Whisper-family models were trained on subtitled video, so on silence or noise they tend to produce
the phrases that close videos ("Thank you.", "Thanks for watching!", "Subtitles by the Amara.org
community"). Such a phrase is dropped only when the engine's own evidence says there was no speech:
the voice-activity detector found none, or the segment's no-speech probability is high. The same
words spoken for real come with low no-speech probability and are kept.
"""

from __future__ import annotations

import re

from keyvox.engines.base import Transcription

# Normalised (lowercase, no punctuation) whole-segment phrases seen on silence.
SILENCE_PHRASES = frozenset(
    {
        "thank you",
        "thank you very much",
        "thank you so much",
        "thanks",
        "thank you for watching",
        "thanks for watching",
        "thank you so much for watching",
        "thanks for watching and see you next time",
        "thank you for watching and see you next time",
        "see you next time",
        "please subscribe",
        "please like and subscribe",
        "like and subscribe",
        "subscribe to my channel",
        "you",
        "bye",
        "bye bye",
        "goodbye",
        "so",
        "oh",
        "okay",
        "music",
        "applause",
        "silence",
        "",
    }
)
# Credits copied from subtitle files: nobody dictates these, so they go whatever the evidence.
CREDIT_PATTERN = re.compile(
    r"\b(?:amara\.org|subtitles? (?:by|made by|created by)|subtitled by|captions? by|captioning by|"
    r"transcribed by|translated by|transcript by)\b",
    re.IGNORECASE,
)

DEFAULT_NO_SPEECH_THRESHOLD = 0.6


def normalise(text: str) -> str:
    """Lowercase words only: ``"Thanks for watching!"`` -> ``"thanks for watching"``."""
    return " ".join(re.findall(r"[\w']+", text.lower().replace("[", " ").replace("]", " ")))


def is_silence_phrase(text: str) -> bool:
    """Every sentence of ``text`` is a known silence phrase ("Thank you. Thank you."), or it is a credit."""
    if CREDIT_PATTERN.search(text):
        return True
    sentences = [normalise(piece) for piece in re.split(r"[.!?…]+", text)]
    return all(sentence in SILENCE_PHRASES for sentence in sentences if sentence) or not any(sentences)


def guard(transcription: Transcription, threshold: float = DEFAULT_NO_SPEECH_THRESHOLD) -> str:
    """The transcription's text without segments that are silence hallucinations."""
    text = transcription.text.strip()
    if not text:
        return ""
    if CREDIT_PATTERN.search(text) and not transcription.segments:
        return ""
    if not transcription.segments:
        # Only the whole-text verdict is possible without segments.
        return "" if not transcription.speech_found and is_silence_phrase(text) else text
    kept = [
        segment
        for segment in transcription.segments
        if not _is_hallucinated(segment.text, segment.no_speech_prob, transcription.speech_found, threshold)
    ]
    if len(kept) == len(transcription.segments):
        return text
    return "".join(segment.text for segment in kept).strip()


def _is_hallucinated(text: str, no_speech_prob: float, speech_found: bool, threshold: float) -> bool:
    if CREDIT_PATTERN.search(text):
        return True
    return is_silence_phrase(text) and (not speech_found or no_speech_prob >= threshold)


def collapse_loops(text: str, max_phrase_words: int = 8) -> str:
    """Collapse a phrase repeated back to back so often that only a decoding loop explains it.

    A phrase of ``k`` words repeated ``r`` times counts as a loop when ``r >= 3`` and ``k * r >= 12``:
    "I'm going to" x 4 collapses, while real repetition such as "word word word word word" or
    "no, no, no" is kept.
    """
    words = text.split()
    keys = [normalise(word) for word in words]
    out: list[str] = []
    index = 0
    while index < len(words):
        best: tuple[int, int] | None = None
        for size in range(1, max_phrase_words + 1):
            phrase = keys[index : index + size]
            if len(phrase) < size or not any(phrase):
                break
            repeats = 1
            while keys[index + repeats * size : index + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats >= 3 and size * repeats >= 12 and (best is None or size * repeats > best[0] * best[1]):
                best = (size, repeats)
        if best is None:
            out.append(words[index])
            index += 1
            continue
        size, repeats = best
        copy = words[index : index + size]
        last = words[index + size * repeats - 1]
        # Keep the loop's final punctuation ("... going to go.") on the single copy.
        copy[-1] = copy[-1].rstrip(",;") + (last[len(last.rstrip(".!?")) :] if last[-1:] in ".!?" else "")
        out.extend(copy)
        index += size * repeats
    return " ".join(out) if len(out) != len(words) else text
