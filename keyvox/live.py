"""Live decoding: transcribe while the key is still held, so little is left to do at release.

While recording, the pipeline's worker calls ``LiveDecoder.step`` on the audio so far. Voice
activity detection finds stretches of speech closed by a pause; each closed stretch is transcribed
right away (with the text before it as context, so the joins read naturally) and committed. When
the speaker merely pauses at the end, the open stretch is decoded speculatively: if nothing is said
after that, the speculation is already the answer at release. At release only the audio after the
last commit is left, and often not even that.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from keyvox.audio import vad
from keyvox.backends.base import SAMPLE_RATE, Segment, Transcriber, Transcription


@dataclass
class LiveOptions:
    commit_pause_s: float = 0.8
    """A pause this long closes a stretch of speech, which is then transcribed and kept."""
    min_commit_speech_s: float = 6.0
    """Less speech than this is left for the speculation or the final decode, which see it whole.
    Measured on the 73 English clips (WER live / whole-utterance): pieces at every 0.5 s pause of at
    least 1 s of speech 0.231 / 0.215; 0.5 s and 6 s 0.231; 0.8 s and 6 s 0.216; 0.8 s and 10 s 0.215.
    Decoding 6 s of speech at release takes ~0.1 s."""
    speculate_pause_s: float = 0.15
    """A pause this long at the end is worth decoding speculatively (the speaker may be done)."""
    max_realtime_factor: float = 0.8
    """A step slower than this fraction of real time means the engine cannot keep up: stop live work."""


@dataclass
class _Speculation:
    start: int
    end: int
    result: Transcription


@dataclass
class LiveDecoder:
    """The live state of one utterance; every method runs on the pipeline's worker thread."""

    transcriber: Transcriber
    vocabulary: Sequence[str] = ()
    options: LiveOptions = field(default_factory=LiveOptions)
    committed_end: int = 0
    """Samples before this are transcribed and final."""
    pieces: list[Transcription] = field(default_factory=list)
    speculation: _Speculation | None = None
    enabled: bool = True
    steps: int = 0

    def step(self, audio: np.ndarray) -> None:
        """Look at the audio recorded so far; commit closed stretches, or speculate on the open one."""
        if not self.enabled:
            return
        self.steps += 1
        region = audio[self.committed_end:]
        stamps = speech_stamps(region, self.options.commit_pause_s, self._threshold)
        if not stamps:
            return  # (never skip "silence" here: quiet speech VAD misses now may be found in the whole)
        pause = int(self.options.commit_pause_s * SAMPLE_RATE)
        closed = [s for i, s in enumerate(stamps) if i + 1 < len(stamps) or region.shape[0] - s["end"] >= pause]
        speech = sum(s["end"] - s["start"] for s in closed)
        if closed and speech >= self.options.min_commit_speech_s * SAMPLE_RATE:
            cut = closed[-1]["end"] + pause // 2
            self._commit(region[:cut], cut)
            return
        last_end = stamps[-1]["end"]
        open_since = region.shape[0] - last_end
        spec = self.speculation
        already = spec is not None and spec.start == self.committed_end and spec.end >= self.committed_end + last_end
        if open_since >= self.options.speculate_pause_s * SAMPLE_RATE and not already:
            result = self._decode(region)
            if result is not None:
                self.speculation = _Speculation(self.committed_end, self.committed_end + region.shape[0], result)

    def finish(self, audio: np.ndarray) -> Transcription:
        """The whole utterance's transcription, decoding only what live work has not covered."""
        region = audio[self.committed_end:]
        tail: Transcription | None = None
        if region.shape[0]:
            stamps = speech_stamps(region, self.options.commit_pause_s, self._threshold)
            spec = self.speculation
            if not stamps:
                tail = None
            elif (spec is not None and spec.start == self.committed_end
                  and self.committed_end + stamps[-1]["end"] <= spec.end
                  and quiet_after(region, spec.end - self.committed_end)):
                tail = spec.result
            else:
                tail = self.transcriber.transcribe_detailed(region, context=self._context(),
                                                            vocabulary=self.vocabulary)
        parts = self.pieces + ([tail] if tail is not None else [])
        return join(parts, audio.shape[0] / SAMPLE_RATE)

    @property
    def _threshold(self) -> float:
        return getattr(self.transcriber, "vad_threshold", vad.THRESHOLD)

    def _commit(self, audio: np.ndarray, length: int) -> None:
        result = self._decode(audio)
        if result is None:
            return
        self.pieces.append(result)
        self.committed_end += length
        self.speculation = None

    def _decode(self, audio: np.ndarray) -> Transcription | None:
        started = time.perf_counter()
        result = self.transcriber.transcribe_detailed(audio, context=self._context(), vocabulary=self.vocabulary)
        took = time.perf_counter() - started
        if took > self.options.max_realtime_factor * audio.shape[0] / SAMPLE_RATE:
            self.enabled = False  # keep the result, but leave the rest to the final decode
        return result

    def _context(self) -> str:
        return " ".join(p.text for p in self.pieces if p.text)


QUIET_RATIO = 0.15
"""Audio after a speculation counts as silence below this share of the speech's loudness (RMS). VAD
alone missed the quiet end of whispered and falsetto sentences, and the speculation then cut them short."""


def quiet_after(region: np.ndarray, end: int) -> bool:
    """True when nothing louder than background was recorded after sample ``end`` of ``region``."""
    after, before = _frame_loudness(region[end:]), _frame_loudness(region[:end])
    if after.size == 0 or before.size == 0:
        return True
    return float(np.percentile(after, 90)) <= QUIET_RATIO * float(np.percentile(before, 90))


def _frame_loudness(audio: np.ndarray, frame: int = SAMPLE_RATE // 50) -> np.ndarray:
    """RMS of each 20 ms frame."""
    count = audio.shape[0] // frame
    frames = audio[:count * frame].reshape(count, frame).astype(np.float64)
    return np.sqrt(np.mean(frames * frames, axis=1))


def speech_stamps(audio: np.ndarray, pause_s: float, threshold: float = vad.THRESHOLD) -> list[dict]:
    """Speech stretches (sample offsets), merging gaps shorter than ``pause_s``."""
    return vad.speech_stamps(audio, min_silence_s=pause_s, pad_s=0.1, threshold=threshold)


def join(parts: list[Transcription], duration_s: float) -> Transcription:
    """One transcription from consecutive pieces, with single spaces at the joins."""
    text = ""
    for part in parts:
        piece = drop_repeated_start(text, part.text.strip())
        text = f"{text} {piece}".strip() if piece else text
    segments: list[Segment] = [s for p in parts for s in p.segments]
    language = next((p.language for p in parts if p.language), None)
    return Transcription(text, language, duration_s, segments, speech_found=any(p.speech_found for p in parts))


def drop_repeated_start(before: str, piece: str) -> str:
    """``piece`` without leading words that only repeat the end of ``before``.

    Given the text before it as context, Whisper sometimes starts a piece by writing the context's last
    words again ("... a liner." + "A liner."); two or more such words are dropped at the join.
    """
    if not before or not piece:
        return piece
    tail = _words(before)
    tokens = piece.split()
    head = [_word(t) for t in tokens]
    for size in range(min(len(tail), len(tokens)), 1, -1):
        if all(head[:size]) and head[:size] == tail[-size:]:
            return " ".join(tokens[size:])
    return piece


def _word(token: str) -> str:
    return re.sub(r"[^\w']", "", token.lower())


def _words(text: str) -> list[str]:
    return [w for w in (_word(t) for t in text.split()) if w]
