"""Long audio, whole: split at pauses into pieces that fit one decoding window, then decode each piece
with the text before it as context.

Why not an engine's own long-form loop: faster-whisper's 30-second loop without timestamps moves on to
the next window even when the decoder stopped early, and silently drops whole sentences (71 % of the
words of a 6-minute file, against 3.5 % here; docs/decisions.md, "Long audio"). Here every sample belongs
to a piece, pieces follow each other without gaps, a piece fits one window, and a piece whose decoder
skipped its first or last words is decoded again in parts (``decode_checked``), so no audio is skipped.

Any backend can use this: it gives ``transcribe_in_pieces`` a function that decodes one piece with a
text context, and gets one ``Transcription`` back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from keyvox.audio import vad
from keyvox.audio.format import SAMPLE_RATE
from keyvox.engines.base import Segment, SegmentSink, Transcription
from keyvox.engines.spoken import drop_repeated_context
from keyvox.engines.turns import between_pieces

WHISPER_TARGET_PIECE_S = 15.0
"""Whisper pieces are cut at a pause near this length (up to the 27 s a window holds when nobody pauses).
Of 10, 15, 20 and 27 s it deleted the fewest words on the 2-minute file (0.7 %) and about as few as any
on the 6-minute one (3.3 %)."""
CUT_PAUSE_S = 0.3
"""A silence this long is a place to cut. The clips' own pauses between sentences are mostly 0.3-0.6 s;
VAD's usual 0.5 s found no cut at all in some 27 s stretches of continuous reading."""
OVERLAP_S = 1.0
"""Where nobody pauses for a whole piece, the next piece starts this much before the hard cut, so a word
cut in half is heard whole in one of them; the words heard twice are removed when joining."""
OVERLAP_MAX_WORDS = 6
"""At most this many words are looked for in both pieces around a hard cut (fast speech is ~4 words/s)."""
MAX_RECHECKS = 4
"""How many times one piece may be cut shorter because its decoder stopped early."""
CONTEXT_CHARS = 200
"""Text before a piece that is passed as its context: a long context full of one repeated phrase makes the
decoder stop early or loop (6-minute file, deleted words: 600 characters 6.7 %, 200 characters 4.2 %)."""


@dataclass(frozen=True)
class Piece:
    """One stretch of a long recording, as sample offsets."""

    start: int
    end: int
    overlaps_previous: bool = False
    """True after a hard cut: this piece starts ``OVERLAP_S`` before the previous one ends."""


def split_at_pauses(
    audio: np.ndarray,
    max_piece_s: float,
    *,
    target_piece_s: float | None = None,
    threshold: float = vad.SPEECH_THRESHOLD,
    overlap_s: float = OVERLAP_S,
) -> list[Piece]:
    """Cut ``audio`` into consecutive pieces covering every sample, each at most ``max_piece_s`` long.

    Each cut is at the longest pause between half of ``target_piece_s`` and all of it; failing that, at
    the first pause after it (up to ``max_piece_s``), or the last one before. Only where nobody pauses
    for ``max_piece_s`` is the cut hard, with the next piece starting ``overlap_s`` earlier.
    """
    total, limit = audio.shape[0], int(max_piece_s * SAMPLE_RATE)
    target = min(limit, int((target_piece_s or max_piece_s) * SAMPLE_RATE))
    if total <= target:
        return [Piece(0, total)]
    stamps = vad.speech_stamps(audio, min_silence_s=CUT_PAUSE_S, pad_s=0.0, threshold=threshold)
    # (middle of the pause, its length) for every pause between two stretches of speech
    pauses = [((a["end"] + b["start"]) // 2, b["start"] - a["end"]) for a, b in zip(stamps, stamps[1:])]
    pieces: list[Piece] = []
    start, overlapping = 0, False
    while total - start > target:
        preferred = [p for p in pauses if start + target // 2 < p[0] <= start + target]
        later = [p for p in pauses if start + target < p[0] <= start + limit]
        earlier = [p for p in pauses if start < p[0] <= start + target // 2]
        if preferred or later or earlier:
            cut = (max(preferred, key=lambda p: p[1]) if preferred else later[0] if later else earlier[-1])[0]
            pieces.append(Piece(start, cut, overlapping))
            start, overlapping = cut, False
        elif total - start <= limit:
            break  # no pause left, and the rest fits one window
        else:
            pieces.append(Piece(start, start + limit, overlapping))
            start, overlapping = start + limit - int(overlap_s * SAMPLE_RATE), True
    pieces.append(Piece(start, total, overlapping))
    return pieces


Decode = Callable[[np.ndarray, str], Transcription]
"""Decodes one piece (at most one window long) given the text before it."""


def transcribe_in_pieces(
    audio: np.ndarray,
    decode: Decode,
    *,
    max_piece_s: float,
    target_piece_s: float | None = None,
    context: str = "",
    threshold: float = vad.SPEECH_THRESHOLD,
    offset_s: float = 0.0,
    duration_s: float | None = None,
    keep_segments: bool = False,
    on_segment: SegmentSink | None = None,
    check_ends: bool = True,
) -> Transcription:
    """Decode ``audio`` piece by piece (see ``split_at_pauses``), each with what came before as context.

    ``offset_s`` is where ``audio`` starts in the recording (segments are timed from the recording's
    start); ``duration_s`` is the recording's length (default: this audio's). ``keep_segments`` keeps the
    segments each decode timed itself (shifted to the recording's clock, less the words heard twice);
    otherwise each decoded part is one segment. ``on_segment`` gets each segment as it is joined.
    ``check_ends`` re-decodes a piece whose decoder dropped its first or last words (``decode_checked``);
    a decoder that writes timestamps does not drop them, and its checks' short decodes of a lone word
    invented whole sentences ("Thank you very much for watching") on the joined English clips.
    """
    texts: list[str] = []
    segments: list[Segment] = []
    language: str | None = None
    found = False
    for number, piece in enumerate(
        split_at_pauses(audio, max_piece_s, target_piece_s=target_piece_s, threshold=threshold)
    ):
        if number:
            between_pieces()  # a server's other clients may decode between two pieces (engines/turns.py)
        piece_audio, before = audio[piece.start : piece.end], context_before(context, texts)
        decoded = (
            decode_checked(piece_audio, decode, before, threshold=threshold)
            if check_ends
            else [(0, decode(piece_audio, before))]
        )
        for start, result in decoded:
            text = result.text.strip()
            if piece.overlaps_previous and start == 0 and texts:
                text = drop_repeated_start(texts[-1], text)
            elif texts:
                text = drop_repeated_context(texts[-1], text)
            language = language or result.language
            found = found or result.speech_found
            if text:
                texts.append(text)
                begin = offset_s + (piece.start + start) / SAMPLE_RATE
                if keep_segments:
                    dropped = len(result.text.split()) - len(text.split())
                    parts = shifted(without_first_words(result.segments, dropped), begin, segments)
                else:
                    parts = [
                        Segment(
                            begin,
                            begin + int(result.duration_s * SAMPLE_RATE) / SAMPLE_RATE,
                            text,
                            max((s.no_speech_prob for s in result.segments), default=0.0),
                            min((s.avg_logprob for s in result.segments), default=0.0),
                        )
                    ]
                segments.extend(parts)
                for part in parts if on_segment else ():
                    on_segment(part)
    duration = audio.shape[0] / SAMPLE_RATE if duration_s is None else duration_s
    return Transcription(" ".join(texts), language, duration, segments, speech_found=found)


def without_first_words(segments: list[Segment], count: int) -> list[Segment]:
    """``segments`` less their first ``count`` words (those the join removed as heard twice)."""
    kept = []
    for segment in segments:
        words = segment.text.split()
        if count >= len(words):
            count -= len(words)
            continue
        if count:
            timed = segment.words[count:]
            start = timed[0].start if timed else segment.start
            segment = replace(segment, start=start, text=" ".join(words[count:]), words=timed)
            count = 0
        kept.append(segment)
    return kept


def shifted(parts: list[Segment], by: float, before: list[Segment]) -> list[Segment]:
    """``parts`` moved ``by`` seconds; none starts before the segments already joined end (a piece after a
    hard cut starts ``OVERLAP_S`` early)."""
    floor = before[-1].end if before else 0.0
    moved = []
    for part in parts:
        start = max(floor, part.start + by)
        end = max(start, part.end + by)
        words = [replace(w, start=max(start, w.start + by), end=max(start, w.end + by)) for w in part.words]
        moved.append(replace(part, start=start, end=end, words=words))
        floor = end
    return moved


def context_before(context: str, texts: list[str]) -> str:
    joined = " ".join(t for t in [context.strip(), *texts] if t)
    return joined[-CONTEXT_CHARS:] if CONTEXT_CHARS else ""


def decode_checked(
    audio: np.ndarray, decode: Decode, before: str, *, threshold: float = vad.SPEECH_THRESHOLD, depth: int = 0
) -> list[tuple[int, Transcription]]:
    """Decode one piece, and make sure the decoder kept its first and last words: (start sample, result)
    per part.

    Without timestamps a Whisper decoder may skip the first words of a window or end its text before the
    audio ends (on the 2-minute file: half of a clip of 15 spoken digits, at the start of a piece). The
    piece's first and last stretches of speech are decoded on their own as well; when one's words are
    missing from that end of the piece's text, it is kept on its own and the rest of the piece is decoded
    again (and checked the same way).
    """
    result = decode(audio, before)
    stamps = vad.speech_stamps(audio, min_silence_s=CUT_PAUSE_S, pad_s=0.0, threshold=threshold)
    if depth >= MAX_RECHECKS or len(stamps) < 2:
        return [(0, result)]
    words = _words(result.text)
    cut = (stamps[0]["end"] + stamps[1]["start"]) // 2
    head = decode(audio[:cut], before)
    if not heard_among(head.text, words[: len(_words(head.text)) + 4]):
        rest = decode_checked(
            audio[cut:],
            decode,
            f"{before} {head.text}".strip()[-CONTEXT_CHARS:],
            threshold=threshold,
            depth=depth + 1,
        )
        return [(0, head), *[(cut + start, part) for start, part in rest]]
    cut = (stamps[-2]["end"] + stamps[-1]["start"]) // 2
    tail = decode(audio[cut:], "")
    if not heard_among(tail.text, words[-(len(_words(tail.text)) + 4) :]):
        return [
            *decode_checked(audio[:cut], decode, before, threshold=threshold, depth=depth + 1),
            (cut, tail),
        ]
    return [(0, result)]


def heard_among(text: str, words: list[str]) -> bool:
    """True when at least half of ``text``'s words are among ``words``."""
    own = _words(text)
    return sum(1 for word in own if word in words) * 2 >= len(own)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


_WORD = re.compile(r"[\w']+")


def drop_repeated_start(previous: str, text: str, max_words: int = OVERLAP_MAX_WORDS) -> str:
    """``text`` without its first words when they repeat the end of ``previous`` (heard twice across a
    hard cut). One half-heard word at the very start of ``text`` may precede the repeat."""
    tail = [w.lower() for w in _WORD.findall(previous)][-max_words:]
    words = text.split()
    keys = [" ".join(_WORD.findall(w.lower())) for w in words]
    for skip in (0, 1):
        for size in range(min(len(tail), len(keys) - skip), skip, -1):  # a skipped word needs 2 to match
            if keys[skip : skip + size] == tail[-size:]:
                return " ".join(words[skip + size :])
    return text
