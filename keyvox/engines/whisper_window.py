"""Decoding one short utterance with a Whisper encoder window sized to the audio.

faster-whisper always pads audio to Whisper's 30-second window, so a 3-second utterance pays for
encoding 30 seconds: on 2 CPU cores with tiny.en that is ~0.27 s of a ~0.5 s transcription. CTranslate2's
encoder accepts fewer frames, so for dictation-length audio we encode only the speech plus a margin
and decode a single window ourselves. Longer audio goes through faster-whisper's usual 30-second loop.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.engines.base import Word
from keyvox.engines.spoken import spoken_tokens

HOP = 160  # samples per mel frame
FULL_WINDOW_FRAMES = 3000  # Whisper's 30 seconds
MARGIN_S = 2.0
"""Silence appended after the speech: with less, Whisper drops the last word or repeats itself."""
MIN_WINDOW_FRAMES = 1000
"""10 s. Shorter windows made tiny.en loop on short utterances ("firefox firefox firefox ...")."""
MAX_TOKENS_PER_S = 10.0
"""Cap on decoded tokens per second of audio (fast speech is ~5): a loop cannot run away."""
RETRY_WINDOW_FRAMES = 2000
"""20 s: the window a looping decode is tried again in before the slow path. It ended all four loops the
shared clips have in the 10 s window (16 s still looped once), at half the slow path's cost (0.25 s)."""
WINDOW_STEP_FRAMES = 200
"""Window lengths are rounded up to 2 s steps, so CTranslate2 sees few distinct shapes."""
MAX_WINDOW_AUDIO_S = 27.0
"""Above this the margin no longer fits into one 30 s window; use faster-whisper's long-form path."""


@dataclass
class WindowResult:
    text: str
    language: str
    no_speech_prob: float
    avg_logprob: float
    words: list[Word] = field(default_factory=list)
    """Each word with its time from the window's start, when asked for (``decode_window(words=True)``)."""


def window_frames(samples: int, min_frames: int = MIN_WINDOW_FRAMES) -> int:
    frames = math.ceil(samples / HOP + MARGIN_S * SAMPLE_RATE / HOP)
    return min(
        FULL_WINDOW_FRAMES, max(min_frames, math.ceil(frames / WINDOW_STEP_FRAMES) * WINDOW_STEP_FRAMES)
    )


def looks_repetitive(text: str, min_words: int = 3) -> bool:
    """True when a phrase of ``min_words`` or more words follows itself at once ("a b c a b c").

    Short windows occasionally make small models loop; such output is decoded again the slow way.
    """
    words = re.findall(r"[\w']+", text.lower())
    for size in range(min_words, len(words) // 2 + 1):
        for start in range(len(words) - 2 * size + 1):
            if words[start : start + size] == words[start + size : start + 2 * size]:
                return True
    return False


REPEATED_PHRASE_WORDS = 5
"""A phrase this long written twice anywhere in one window's output is a loop, not speech: no reference
text or tiny.en transcript of the 86 shared clips repeats one; 4 words flagged a read-out digit string."""
MAX_WORDS_PER_S = 6.0
"""More words than this per second of decoded audio (plus ``SPARE_WORDS``) is invented text. The
fastest of the shared clips says 5.6 words per second of detected speech."""
SPARE_WORDS = 3
"""Slack for very short audio, where one or two words are a large rate."""


def repeats_a_phrase(text: str, min_words: int = REPEATED_PHRASE_WORDS) -> bool:
    """True when a phrase of ``min_words`` words occurs twice anywhere, the copies not overlapping.

    A number counts a word per digit, as it was read out: tiny.en wrote "90210. 90210." for one "nine oh
    two one oh" on a 2-minute file."""
    words = spoken_tokens(text)
    first: dict[tuple[str, ...], int] = {}
    for start in range(len(words) - min_words + 1):
        phrase = tuple(words[start : start + min_words])
        if phrase in first and first[phrase] + min_words <= start:
            return True
        first.setdefault(phrase, start)
    return False


def too_many_words(text: str, seconds: float) -> bool:
    """True when ``text`` holds more words than ``seconds`` of speech could."""
    return len(re.findall(r"[\w']+", text)) > SPARE_WORDS + MAX_WORDS_PER_S * seconds


def untrustworthy(text: str, seconds: float) -> bool:
    """A window decode to do again the safe way: it loops, repeats a phrase, or says too much."""
    return looks_repetitive(text) or repeats_a_phrase(text) or too_many_words(text, seconds)


def max_new_tokens(samples: int) -> int:
    return int(8 + MAX_TOKENS_PER_S * samples / SAMPLE_RATE)


def detect_language(ct2, encoded, among: tuple[str, ...] = ()) -> str:
    """The most likely language of an encoded window, chosen among ``among`` when it lists any.

    CTranslate2 ranks every language the model knows, so a restriction is a filter on that ranking, not a
    hint (tests/engines/test_languages.py; benchmarks/languages.py measures it on the shared clips)."""
    if not ct2.is_multilingual:
        return "en"
    ranked = [token.strip("<|>") for token, _probability in ct2.detect_language(encoded)[0]]
    allowed = [code for code in ranked if code in among] if among else ranked
    return (allowed or ranked)[0]


def decode_window(
    model,
    audio: np.ndarray,
    *,
    language: str | None,
    beam_size: int,
    among: tuple[str, ...] = (),
    prompt: str = "",
    min_frames: int = MIN_WINDOW_FRAMES,
    words: bool = False,
) -> WindowResult:
    """Encode ``audio`` (at most ``MAX_WINDOW_AUDIO_S``) in a right-sized window and decode it once.

    ``model`` is a ``faster_whisper.WhisperModel``; its tokenizer, prompt layout and CTranslate2
    model are reused, only the window length differs from its own ``transcribe``. ``words``: time each
    word from the alignment heads' cross-attention (one more decoder pass over the text's tokens).
    """
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens

    frames = window_frames(audio.shape[0], min_frames)
    padded = np.zeros(frames * HOP, dtype=np.float32)
    padded[: audio.shape[0]] = audio
    features = model.feature_extractor(padded)[:, :frames]
    encoded = model.encode(features)

    ct2 = model.model
    if language is None:
        language = detect_language(ct2, encoded, among)
    tokenizer = Tokenizer(model.hf_tokenizer, ct2.is_multilingual, task="transcribe", language=language)
    previous = tokenizer.encode(" " + prompt.strip()) if prompt.strip() else []
    prompt_tokens = model.get_prompt(tokenizer, previous, without_timestamps=True)
    result = ct2.generate(
        encoded,
        [prompt_tokens],
        beam_size=beam_size,
        max_length=min(model.max_length, len(prompt_tokens) + max_new_tokens(audio.shape[0])),
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=list(get_suppressed_tokens(tokenizer, [-1])),
    )[0]
    tokens = [t for t in result.sequences_ids[0] if t < tokenizer.eot]
    text = tokenizer.decode(tokens).strip()
    avg_logprob = result.scores[0] if result.scores else 0.0
    timed = time_words(model, tokenizer, tokens, encoded, audio.shape[0]) if words and tokens else []
    return WindowResult(text, language, result.no_speech_prob, avg_logprob, timed)


def time_words(model, tokenizer, tokens: list[int], encoded, samples: int) -> list[Word]:
    """The decoded ``tokens`` as words with times (seconds from the window's start), clamped to the audio."""
    length = samples / SAMPLE_RATE
    aligned = model.find_alignment(tokenizer, [tokens], encoded, samples // HOP)[0]
    return [
        Word(min(float(w["start"]), length), min(float(w["end"]), length), w["word"], float(w["probability"]))
        for w in aligned
    ]
