"""Live decoding: transcribe while the key is still held, so little is left to do at release.

While recording, the pipeline's worker calls ``LiveDecoder.step`` on the audio so far, at every recorder
chunk of new audio when it is free. A voice-activity detector that keeps its state (keyvox/audio/vad_stream.py)
is fed only the new audio. Stretches of speech closed by a long pause are transcribed (with the text
before them as context, so the joins read naturally) and committed. As soon as the speaker has been
quiet for ``speculate_pause_s`` (0.2 s), the open stretch is decoded speculatively: people let go of
the key 0.1-0.3 s after their last word, so that decode is usually done or nearly done at release,
and if nothing was said after it, it is the answer. A speculation made at a pause that later closes a
stretch becomes that stretch's committed piece without decoding again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.audio.vad_stream import StreamingVad
from keyvox.core.agreement import AgreementOptions, LeadIn, Look, agree
from keyvox.engines.base import Segment, Transcriber, Transcription
from keyvox.engines.spoken import drop_repeated_context, spoken_tokens


@dataclass
class LiveOptions:
    commit_pause_s: float = 0.8
    """A pause this long closes a stretch of speech, which is then transcribed and kept."""
    min_commit_speech_s: float = 6.0
    """Less speech than this is left for the speculation or the final decode, which see it whole (~0.1 s
    for 6 s at release). With ``commit_pause_s`` 0.8: live WER 0.216, whole-utterance 0.215 (73 clips)."""
    max_open_s: float = 20.0
    """An open stretch longer than this is committed at its last speculation (made at a 0.2 s pause) once
    the speaker goes on, so speech without a 0.8 s pause never reaches the release whole, past the 27 s
    one window decodes (a 51 s dictation waited 4.7 s without it)."""
    speculate_pause_s: float = 0.2
    """This much quiet after the last speech window makes the open stretch worth decoding: the speaker
    may be done, and people release the key 0.1-0.3 s after their last word. Replayed: 0.2 s WER 0.210
    and p50 0.15 s; 0.12 s p50 0.10 s but WER 0.219, cutting the tail of the last word."""
    agree_every_s: float = 0.0
    """While the speaker goes on, decode the open stretch again after this much new audio and commit the
    words successive decodes agree on (keyvox/core/agreement.py), so at release only the audio after them
    is left; 0: off. Off by default: with tiny.en every variant tried cost words on the 73 English clips
    (replayed WER 0.2065 off, 0.211-0.248 on; benchmarks/README.md)."""
    min_agree_s: float = 2.0
    """An open stretch shorter than this is left whole: at release it costs little to decode."""
    max_realtime_factor: float = 0.8
    """Live decodes adding up to more than this fraction of the recording so far mean the engine cannot
    keep up: stop live work. Judged on the total, not per decode: a decode has a fixed cost, so one slow
    decode of half a second of speech on a busy machine says nothing about the dictation."""


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
    decodes: int = 0
    busy_s: float = 0.0
    """Seconds spent decoding while the key was held."""
    agreement: AgreementOptions = field(default_factory=AgreementOptions)
    looks: list[Look] = field(default_factory=list)
    """The last decodes of the open stretch, with their words' times, oldest first, to agree with the next."""
    lead_in: LeadIn | None = None
    """The committed words just before the last cut between two words, decoded again with the audio after
    it: Whisper started a decode cut there by leaving out its first words, or mishearing them."""
    _recording: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32), repr=False)
    looked_at: int = 0
    """The sample the last decode of the open stretch reached."""
    vad: StreamingVad = field(init=False)

    def __post_init__(self) -> None:
        self.vad = StreamingVad(self.transcriber.vad_threshold)

    @property
    def agreeing(self) -> bool:
        return self.options.agree_every_s > 0 and self.transcriber.supports_dictation_word_times

    def step(self, audio: np.ndarray) -> bool:
        """Look at the audio recorded so far; commit closed stretches, or speculate on the open one.

        Returns True when the provisional text (``provisional_text``) may have changed.
        """
        if not self.enabled:
            return False
        self._recording = audio
        self.steps += 1
        self.vad.feed(audio)  # only the windows not seen yet
        heard = self.vad.fed
        stamps = self.vad.stamps(self.committed_end, self.options.commit_pause_s)
        if not stamps:
            return False  # (never skip "silence" here: quiet speech VAD misses now may be found in the whole)
        region = audio[self.committed_end : heard]
        pause = int(self.options.commit_pause_s * SAMPLE_RATE)
        closed = [
            s for i, s in enumerate(stamps) if i + 1 < len(stamps) or region.shape[0] - s["end"] >= pause
        ]
        speech = sum(s["end"] - s["start"] for s in closed)
        if closed and speech >= self.options.min_commit_speech_s * SAMPLE_RATE:
            cut = min(region.shape[0], closed[-1]["end"] + pause // 2)
            self._commit(region[:cut], cut, self.committed_end + closed[-1]["end"])
            return True
        speech_end = self.vad.last_speech_end(self.committed_end)
        spec = self.speculation
        if (
            spec is not None
            and spec.start == self.committed_end
            and speech_end is not None
            and speech_end > spec.end
            and spec.end - spec.start >= self.options.max_open_s * SAMPLE_RATE
        ):
            # speech went on after the pause it was decoded at
            self.pieces.append(self._whole(spec.result, audio[spec.start : spec.end]))
            self.committed_end, self.speculation = spec.end, None
            return True
        if speech_end is None or heard - speech_end < self.options.speculate_pause_s * SAMPLE_RATE:
            return self._look(region, heard)
        if self._covers(speech_end):
            return False
        result = self._decode(region)
        if result is None:
            return False
        self.speculation = _Speculation(self.committed_end, heard, result)
        self._agree(result, heard)
        return True

    def finish(self, audio: np.ndarray) -> Transcription:
        """The whole utterance's transcription, decoding only what live work has not covered."""
        region = audio[self.committed_end :]
        self._recording = audio
        tail: Transcription | None = None
        if region.shape[0]:
            self.vad.feed(audio)
            stamps = self.vad.stamps(self.committed_end, self.options.commit_pause_s)
            speech_end = self.vad.last_speech_end(self.committed_end)
            spec = self.speculation
            if not stamps:
                tail = None
            elif self._covers(speech_end if speech_end is not None else self.committed_end) and quiet_after(
                region, spec.end - self.committed_end
            ):
                tail = spec.result
            else:
                tail = self._transcribe(region, words=False)
            if tail is not None and speech_s(stamps) >= self.options.min_commit_speech_s:
                # (a short tail is one sentence: no time spent on it at release)
                tail = self._whole(tail, region, held=False)
        parts = self.pieces + ([tail] if tail is not None else [])
        return join(parts, audio.shape[0] / SAMPLE_RATE)

    def provisional_text(self) -> str:
        """Committed pieces and the current speculation, as the engine wrote them (no text chain)."""
        parts = self.pieces + ([self.speculation.result] if self.speculation is not None else [])
        return join(parts, 0.0).text

    def _look(self, region: np.ndarray, heard: int) -> bool:
        """Decode the open stretch while the speaker goes on, every ``agree_every_s`` of new audio, and
        commit what this decode and the one before agree on."""
        if (
            not self.agreeing
            or heard - self.looked_at < self.options.agree_every_s * SAMPLE_RATE
            or region.shape[0] < self.options.min_agree_s * SAMPLE_RATE
        ):
            return False
        result = self._decode(region)
        return result is not None and self._agree(result, heard)

    def _agree(self, result: Transcription, heard: int) -> bool:
        """Commit the words ``result`` (a decode of the open stretch up to ``heard``) and the decode before
        it agree on; True when something was committed."""
        self.looked_at = heard
        if not self.agreeing:
            return False
        words = tuple(w for segment in result.segments for w in segment.words)
        look = Look.of(self.committed_end, heard, words)
        self.looks = [*(old for old in self.looks if old.start == look.start), look][-self.agreement.looks :]
        agreement = agree(self.looks, self.agreement)
        if agreement is None:
            return False
        seconds = agreement.cut / SAMPLE_RATE
        self.pieces.append(
            Transcription(agreement.text, result.language, seconds, [Segment(0.0, seconds, agreement.text)])
        )
        self.lead_in = LeadIn.before(self.looks[-1], agreement, self.committed_end + agreement.cut)
        self.committed_end += agreement.cut
        self.looks = [old.after(agreement) for old in self.looks]
        spec = self.speculation
        if spec is not None and spec.result is result:
            # Decoded at a pause: the rest of it still covers the audio after the commit up to the pause.
            rest = "".join(w.word for w in self.looks[-1].words).strip()
            remainder = Transcription(rest, result.language, (spec.end - self.committed_end) / SAMPLE_RATE)
            self.speculation = _Speculation(self.committed_end, spec.end, remainder)
        else:
            self.speculation = None
        return True

    def _covers(self, speech_end: int) -> bool:
        """True when the speculation decoded the open stretch up to ``speech_end`` (an absolute sample)."""
        spec = self.speculation
        return spec is not None and spec.start == self.committed_end and spec.end >= speech_end

    def _commit(self, audio: np.ndarray, length: int, speech_end: int) -> None:
        spec = self.speculation
        if self._covers(speech_end) and spec.end <= self.committed_end + length:
            result = spec.result  # decoded during the pause already: the audio after it holds no speech
        else:
            result = self._decode(audio)
            if result is None:
                return
        self.pieces.append(self._whole(result, audio))
        self.committed_end += length
        self.speculation = None

    def _whole(self, result: Transcription, audio: np.ndarray, *, held: bool = True) -> Transcription:
        """``result`` of the uncommitted ``audio``, or its stretches of speech decoded one by one when it
        says too little for the speech in it: Whisper drops a stretch now and then from a window that holds
        several (a read-out number after "... seven of hearts.", or before "Author of ..."), and alone
        each stretch comes through. ``held``: the key is still down (else the release waits on this)."""
        stretches = [
            {"start": s["start"], "end": min(s["end"], audio.shape[0])}
            for s in self.vad.stamps(self.committed_end, STRETCH_PAUSE_S)
            if s["start"] < audio.shape[0]
        ]
        min_rate = MIN_WORDS_PER_SPEECH_S if held else MIN_WORDS_PER_SPEECH_S_AT_RELEASE
        if len(stretches) < 2 or spoken_words(result.text) >= min_rate * speech_s(stretches):
            return result
        parts: list[Transcription] = []
        context = self._context()
        started = time.perf_counter()
        for start, end in group_stretches(stretches):
            part = self.transcriber.transcribe_detailed(
                audio[start:end], context=context, vocabulary=self.vocabulary
            )
            parts.append(part)
            context = f"{context} {part.text}".strip()
        if held:  # live work, judged against real time like any decode
            self.busy_s += time.perf_counter() - started
        again = join(parts, result.duration_s)
        return again if words_found(result.text, again.text) >= MIN_WORDS_FOUND else result

    def _decode(self, audio: np.ndarray) -> Transcription | None:
        started = time.perf_counter()
        self.decodes += 1
        context = self._context() if self.transcriber.supports_context else ""
        result = self._transcribe(audio, words=self.agreeing, context=context)
        self.busy_s += time.perf_counter() - started
        heard_s = max(self.vad.fed / SAMPLE_RATE, MIN_JUDGED_S)
        if self.busy_s > self.options.max_realtime_factor * heard_s:
            self.enabled = False  # keep the result, but leave the rest to the final decode
        return result

    def _transcribe(self, region: np.ndarray, *, words: bool, context: str | None = None) -> Transcription:
        """``region`` (the audio from ``committed_end``) decoded; after a cut between two words, with the
        committed words just before it decoded again and left out (``LeadIn``)."""
        context = self._context() if context is None else context
        lead = self.lead_in
        if lead is None or lead.at != self.committed_end or not lead.samples:
            return self.transcriber.transcribe_detailed(
                region, context=context, vocabulary=self.vocabulary, words=words
            )
        audio = self._recording[lead.at - lead.samples : lead.at + region.shape[0]]
        result = self.transcriber.transcribe_detailed(
            audio, context=context, vocabulary=self.vocabulary, words=words
        )
        return lead.strip(result)

    def _context(self) -> str:
        return " ".join(p.text for p in self.pieces if p.text)


MIN_WORDS_PER_SPEECH_S = 3.0
"""A committed piece with fewer words than this per second of detected speech, and more than one stretch,
is decoded again stretch by stretch (while the key is held): Whisper drops a whole stretch now and then
from a window that holds several. People say 2.5 words a second; on four 90 s dictations 3.0 found a
lost 10-word number that 2.0 let go, and left the other WERs as they were."""
MIN_WORDS_PER_SPEECH_S_AT_RELEASE = 2.0
"""The same check on a long final stretch after release, where each extra decode is waiting time: only
the clear cases (the pieces that lost a number said 1.0 and 1.8)."""
MIN_WORDS_FOUND = 5
"""The second decode is kept when it says at least this many words more that the first left out."""
STRETCH_PAUSE_S = 0.4
"""The pause that separates stretches when a piece is decoded stretch by stretch."""
MIN_STRETCH_S = 1.5
"""Stretches shorter than this are decoded with their neighbour: alone, Whisper makes up words for them."""


def speech_s(stamps: list[dict]) -> float:
    return sum(s["end"] - s["start"] for s in stamps) / SAMPLE_RATE


def spoken_words(text: str) -> int:
    return len(spoken_tokens(text))


def words_found(before: str, after: str) -> int:
    """Words ``after`` adds to ``before``, not counting runs that only say again what ``before`` says
    (decoded alone, a stretch sometimes repeats its context: "... 10 of clubs. Go forward 10 meters.")."""
    old, new = spoken_tokens(before), spoken_tokens(after)
    said = f" {' '.join(old)} "
    found = 0
    for _, old_start, old_end, new_start, new_end in SequenceMatcher(
        a=old, b=new, autojunk=False
    ).get_opcodes():
        added = (new_end - new_start) - (old_end - old_start)
        if added > 0 and f" {' '.join(new[new_start:new_end])} " not in said:
            found += added
    return found


def group_stretches(stretches: list[dict]) -> list[tuple[int, int]]:
    """``(start, end)`` sample ranges covering ``stretches``, each at least ``MIN_STRETCH_S`` where possible."""
    groups: list[list[int]] = []
    for stretch in stretches:
        start, end = stretch["start"], stretch["end"]
        if groups and groups[-1][1] - groups[-1][0] < MIN_STRETCH_S * SAMPLE_RATE:
            groups[-1][1] = end
        else:
            groups.append([start, end])
    if len(groups) > 1 and groups[-1][1] - groups[-1][0] < MIN_STRETCH_S * SAMPLE_RATE:
        last = groups.pop()
        groups[-1][1] = last[1]
    return [(start, end) for start, end in groups]


MIN_JUDGED_S = 3.0
"""Keeping up is judged over at least this much recording: the first decode alone says little."""

QUIET_RATIO = 0.15
"""Audio after a speculation counts as silence below this share of the speech's loudness (RMS). VAD
alone missed the quiet end of whispered and falsetto sentences, and the speculation then cut them short."""


MIN_WORD_S = 0.1
"""Less audio than this after a speculation cannot hold a word it left out, however loud: it is the
breath or room noise before the release (keeping the speculation cut two 25 s clips' waits 0.53 -> 0.25 s)."""


def quiet_after(region: np.ndarray, end: int) -> bool:
    """True when nothing louder than background, or too little to be a word, was recorded after sample
    ``end`` of ``region``."""
    if region.shape[0] - end < MIN_WORD_S * SAMPLE_RATE:
        return True
    after, before = _frame_loudness(region[end:]), _frame_loudness(region[:end])
    if after.size == 0 or before.size == 0:
        return True
    return float(np.percentile(after, 90)) <= QUIET_RATIO * float(np.percentile(before, 90))


def _frame_loudness(audio: np.ndarray, frame: int = SAMPLE_RATE // 50) -> np.ndarray:
    """RMS of each 20 ms frame."""
    count = audio.shape[0] // frame
    frames = audio[: count * frame].reshape(count, frame).astype(np.float64)
    return np.sqrt(np.mean(frames * frames, axis=1))


def join(parts: list[Transcription], duration_s: float) -> Transcription:
    """One transcription from consecutive pieces, with single spaces at the joins."""
    text = ""
    for part in parts:
        piece = drop_repeated_context(text, part.text.strip())
        text = f"{text} {piece}".strip() if piece else text
    segments: list[Segment] = [s for p in parts for s in p.segments]
    language = next((p.language for p in parts if p.language), None)
    return Transcription(
        text, language, duration_s, segments, speech_found=any(p.speech_found for p in parts)
    )
