"""Segments and word times as OpenAI answers them, read by the real openai client, and subtitles read
by the ``srt`` and ``webvtt-py`` parsers: times in order, inside the audio, on short clips and on a
recording long enough to be decoded in pieces."""

from __future__ import annotations

import io

import openai
import pytest
import srt
import webvtt

from keyvox.bench.wer import word_errors

pytestmark = pytest.mark.slow

MAX_WER = 0.12
"""tiny.en makes no error in arctic_a0009's 9 words; one is allowed."""
LONG_MAX_WER = 0.08
"""tiny.en on the 45 s of joined clips: 0.018 through the timed pieces (0.026 through dictation's untimed
ones); a few more errors are allowed, none of a dropped clip (one clip is more than 8 % of the words)."""
SLACK_S = 0.05
"""Times are rounded to milliseconds; a segment may end this much past the audio's measured length."""


def client(handle) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{handle.url}/v1", api_key="unused", timeout=300)


def wer(reference: str, text: str) -> float:
    return word_errors(reference, text, "en").rate


def assert_in_order(spans: list[tuple[float, float]], duration: float) -> None:
    """Each span starts no earlier than the one before ends... and all lie inside the audio."""
    assert spans, "no times at all"
    previous_end = 0.0
    for start, end in spans:
        assert 0.0 <= start <= end <= duration + SLACK_S, (start, end, duration)
        assert start >= previous_end - 1e-6, spans
        previous_end = end


def transcribe(handle, path, **options):
    with open(path, "rb") as audio:
        return client(handle).audio.transcriptions.create(model="whisper-1", file=audio, **options)


def test_words_only_when_asked_for_and_segments_unless_only_words_are(tiny_server, short_clip):
    duration = short_clip["duration_s"]
    plain = transcribe(tiny_server, short_clip["path"], response_format="verbose_json")
    assert plain.words is None and plain.segments, plain
    worded = transcribe(
        tiny_server, short_clip["path"], response_format="verbose_json", timestamp_granularities=["word"]
    )
    assert worded.segments is None and worded.words, worded  # OpenAI leaves out what was not asked for
    assert_in_order([(w.start, w.end) for w in worded.words], duration)
    assert wer(short_clip["text"], " ".join(w.word for w in worded.words)) <= MAX_WER, worded.words
    both = transcribe(
        tiny_server,
        short_clip["path"],
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    assert both.words and both.segments
    # Whisper's own timing: speech does not start at the file's first sample, nor end at its last.
    first, last = both.segments[0], both.segments[-1]
    assert first.start > 0.0 or last.end < duration, (first, last)
    assert both.words[0].start >= first.start - SLACK_S and both.words[-1].end <= last.end + SLACK_S
    for segment in both.segments:
        assert segment.avg_logprob < 0.0 and 0.0 <= segment.no_speech_prob <= 1.0, segment
        assert segment.id == both.segments.index(segment) and segment.text.strip()


def test_a_long_recording_keeps_its_segments_across_the_pieces(tiny_server, long_recording):
    path, reference, duration = long_recording
    verbose = transcribe(
        tiny_server, path, response_format="verbose_json", timestamp_granularities=["segment", "word"]
    )
    assert verbose.duration == pytest.approx(duration, abs=0.01)
    assert len(verbose.segments) >= 8, [s.text for s in verbose.segments]  # at least one per joined clip
    assert_in_order([(s.start, s.end) for s in verbose.segments], duration)
    assert_in_order([(w.start, w.end) for w in verbose.words], duration)
    assert verbose.segments[-1].end > duration - 10.0  # the last pieces are timed where they are
    assert wer(reference, verbose.text) <= LONG_MAX_WER, verbose.text
    assert wer(reference, " ".join(s.text for s in verbose.segments)) <= LONG_MAX_WER
    # every word lies inside the segment that holds it
    spans = [(s.start - SLACK_S, s.end + SLACK_S) for s in verbose.segments]
    assert all(any(a <= w.start and w.end <= b for a, b in spans) for w in verbose.words)


def test_subtitles_are_the_segments_timed_as_the_engine_timed_them(tiny_server, long_recording):
    path, reference, duration = long_recording
    segments = transcribe(tiny_server, path, response_format="verbose_json").segments
    cues = list(srt.parse(transcribe(tiny_server, path, response_format="srt")))
    captions = webvtt.from_buffer(io.StringIO(transcribe(tiny_server, path, response_format="vtt")))
    assert len(cues) == len(captions) == len(segments) >= 8
    for cue, caption, segment in zip(cues, captions, segments):
        assert cue.start.total_seconds() == pytest.approx(segment.start, abs=0.001)
        assert cue.end.total_seconds() == pytest.approx(segment.end, abs=0.001)
        assert caption.start_in_seconds == int(segment.start) and caption.end_in_seconds == int(segment.end)
    assert_in_order([(c.start.total_seconds(), c.end.total_seconds()) for c in cues], duration)
    assert wer(reference, " ".join(c.content for c in cues)) <= LONG_MAX_WER
    assert wer(reference, " ".join(c.text for c in captions)) <= LONG_MAX_WER
