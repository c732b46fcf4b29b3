"""Committing the words successive decodes agree on (keyvox/core/agreement.py), on the real tiny.en model and
real speech: word times from the dictation path, the agreement of three decodes of a growing recording,
and the live decoder that commits them while the key is held."""

from __future__ import annotations

import pytest

from keyvox.audio.files import load_audio
from keyvox.audio.format import SAMPLE_RATE
from keyvox.bench.replay import replay
from keyvox.bench.wer import word_errors
from keyvox.core.agreement import Agreement, AgreementOptions, LeadIn, Look, agree
from keyvox.core.live import LiveOptions
from keyvox.engines.base import Segment, Transcription, Word
from keyvox.engines.spoken import spoken_tokens


@pytest.fixture(scope="module")
def long_read(manifest):
    """Fast speech for 26 s with few pauses: what agreement is for."""
    clip = next(row for row in manifest if row["audio"] == "en/mfa/acoustic_corpus.wav")
    return clip, load_audio(clip["path"])


def timed(tiny_en, audio, end_s: float) -> tuple[Look, Transcription]:
    end = int(end_s * SAMPLE_RATE)
    result = tiny_en.transcribe_detailed(audio[:end], words=True)
    return Look.of(0, end, (w for s in result.segments for w in s.words)), result


def test_the_dictation_path_times_each_word_inside_the_audio(tiny_en, long_read):
    _, audio = long_read
    result = tiny_en.transcribe_detailed(audio, words=True)
    words = [w for s in result.segments for w in s.words]
    assert "".join(w.word for w in words).strip() == result.text
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert all(0 <= w.start <= w.end <= audio.shape[0] / SAMPLE_RATE for w in words)
    assert tiny_en.transcribe_detailed(audio).segments[0].words == []  # only when asked: it costs a pass


def test_three_decodes_of_a_growing_recording_commit_words_all_three_say(tiny_en, long_read):
    _, audio = long_read
    looks = [timed(tiny_en, audio, end)[0] for end in (6.0, 7.0, 8.0)]
    agreement = agree(looks, AgreementOptions())
    assert agreement is not None
    committed = spoken_tokens(agreement.text)
    for look in looks:
        said = [t for w in look.words for t in spoken_tokens(w.word)]
        assert said[: len(committed)] == committed
    # the cut lies before the next word and leaves the edge of the shortest look alone
    following = looks[-1].words[agreement.words]
    assert agreement.cut <= following.start * SAMPLE_RATE
    assert agreement.cut <= (6.0 - AgreementOptions().edge_s) * SAMPLE_RATE + 0.05 * SAMPLE_RATE
    # two looks are not enough with the default of three
    assert agree(looks[1:], AgreementOptions()) is None


def test_looks_that_disagree_commit_nothing(tiny_en, long_read):
    _, audio = long_read
    first, _ = timed(tiny_en, audio, 6.0)
    changed = Look(first.start, first.end, (Word(0.0, 0.3, " Something"), *first.words[1:]))
    assert agree([changed, first, first], AgreementOptions()) is None


def test_a_lead_in_is_left_out_of_the_decode_after_the_cut():
    lead = LeadIn(at=48_000, samples=9_600, tokens=("the", "acoustic"))
    words = [Word(0.1, 0.3, " the"), Word(0.3, 0.6, " acoustic"), Word(0.62, 1.0, " corpus.")]
    decoded = Transcription("the acoustic corpus.", "en", 2.0, [Segment(0.0, 2.0, "x", words=words)])
    stripped = lead.strip(decoded)
    assert stripped.text == "corpus."
    assert [w.word for w in stripped.segments[0].words] == [" corpus."]
    assert stripped.segments[0].words[0].start == pytest.approx(0.02)
    # a decode that heard the lead-in otherwise keeps all it said
    assert lead.strip(Transcription("a caustic corpus.", "en", 2.0)).text == "a caustic corpus."
    assert Agreement("x", 1, 1).cut == 1


def test_the_live_decoder_commits_while_held_and_keeps_the_words(tiny_en, long_read):
    clip, audio = long_read
    off = replay(tiny_en, audio, LiveOptions())
    on = replay(tiny_en, audio, LiveOptions(agree_every_s=1.0))
    assert on.pieces > off.pieces  # words were committed before the release
    assert (
        word_errors(clip["text"], on.text, "en").rate <= word_errors(clip["text"], off.text, "en").rate + 0.05
    )
