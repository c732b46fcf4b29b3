"""Long audio, whole: split at pauses into one-window pieces, each decoded with the text before it.

The accuracy tests concatenate the shared English clips (half a second of silence between them) and
compare the long transcription with the same clips transcribed one by one.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile

from keyvox.audio.files import load_audio
from keyvox.audio.format import SAMPLE_RATE
from keyvox.bench.wer import word_errors
from keyvox.engines.long_audio import OVERLAP_S, drop_repeated_start, split_at_pauses
from tests.helpers.paths import REPO

GAP = np.zeros(SAMPLE_RATE // 2, dtype=np.float32)
MAX_DELETED_ABOVE = 0.01
MAX_WER_ABOVE = 0.02


@pytest.fixture(scope="module")
def english(manifest):
    rows = [row for row in manifest if row["lang"] == "en" and row.get("ref_quality") == "exact"]
    return [(load_audio(row["path"]), row["text"]) for row in rows]


def concatenation(clips, seconds: float) -> tuple[np.ndarray, list[int]]:
    """Clips in order (repeated as needed) with half a second of silence after each, and their indices."""
    parts, used, length = [], [], 0
    while length < seconds * SAMPLE_RATE:
        index = len(used) % len(clips)
        parts += [clips[index][0], GAP]
        used.append(index)
        length += clips[index][0].shape[0] + GAP.shape[0]
    return np.concatenate(parts), used


def test_pieces_fit_a_window_cover_everything_and_cut_in_pauses(english):
    audio, _ = concatenation(english, 120)
    pieces = split_at_pauses(audio, 27.0, target_piece_s=15.0)
    assert pieces[0].start == 0 and pieces[-1].end == audio.shape[0]
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:]))  # no gap, no overlap: every sample once
    assert all(p.end - p.start <= 27 * SAMPLE_RATE and not p.overlaps_previous for p in pieces)
    lengths = sorted((p.end - p.start) / SAMPLE_RATE for p in pieces)
    assert lengths[len(lengths) // 2] <= 15 and len(pieces) >= 120 // 15
    loudness = float(np.sqrt(np.mean(audio**2)))
    for piece in pieces[1:]:  # every cut is in a pause: the 0.1 s around it is far quieter than speech
        around = audio[piece.start - SAMPLE_RATE // 20 : piece.start + SAMPLE_RATE // 20]
        assert np.sqrt(np.mean(around**2)) < 0.4 * loudness, f"cut at {piece.start / SAMPLE_RATE:.2f} s"


def test_hard_cut_with_overlap_only_where_nobody_pauses():
    # Loud noise: the detector finds no speech and so no pause, the worst case for cutting.
    audio = np.random.default_rng(1).normal(0, 0.1, 70 * SAMPLE_RATE).astype(np.float32)
    pieces = split_at_pauses(audio, 27.0)
    assert [p.overlaps_previous for p in pieces] == [False, True, True]
    for a, b in zip(pieces, pieces[1:]):
        assert a.end - b.start == int(OVERLAP_S * SAMPLE_RATE)
    assert pieces[-1].end == audio.shape[0] and max(p.end - p.start for p in pieces) == 27 * SAMPLE_RATE


@pytest.mark.parametrize(
    "previous, text, joined",
    [
        ("and then we went to the", "went to the market early", "market early"),
        ("and then we went to the", "the market early", "market early"),
        (
            "and then we went to the",
            "o the market",
            "o the market",
        ),  # one word alone never counts after a skip
        ("and then we went to the", "ent to the market", "market"),  # a half-heard word before the repeat
        ("He said, Hello.", "hello there", "there"),
        ("nothing in common", "at all here", "at all here"),
        ("", "first words", "first words"),
    ],
)
def test_words_heard_twice_across_a_hard_cut_are_dropped(previous, text, joined):
    assert drop_repeated_start(previous, text) == joined


def score(reference: str, hypothesis: str) -> tuple[float, float]:
    errors = word_errors(reference, hypothesis)
    return errors.deletions / errors.reference_words, errors.rate


@pytest.fixture(scope="module")
def one_by_one(tiny_en, english):
    """Each clip transcribed on its own: the baseline a long file is held to."""
    return [tiny_en.transcribe(audio) for audio, _ in english]


@pytest.mark.slow
def test_two_minute_file_is_whole_through_the_cli(tmp_path, english, one_by_one):
    audio, used = concatenation(english, 120)
    path = tmp_path / "two-minutes.wav"
    soundfile.write(path, audio, SAMPLE_RATE)
    done = subprocess.run(
        [sys.executable, "-m", "keyvox", "transcribe", "--raw", str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert done.returncode == 0, done.stderr
    reference = " ".join(english[i][1] for i in used)
    deleted, wer = score(reference, done.stdout)
    base_deleted, base_wer = score(reference, " ".join(one_by_one[i] for i in used))
    print(
        f"{audio.shape[0] / SAMPLE_RATE:.0f} s whole: deleted {deleted:.1%} WER {wer:.3f}; "
        f"clip by clip: deleted {base_deleted:.1%} WER {base_wer:.3f}"
    )
    assert deleted <= base_deleted + MAX_DELETED_ABOVE, (deleted, base_deleted)
    assert wer <= base_wer + MAX_WER_ABOVE, (wer, base_wer)


@pytest.mark.slow
def test_ten_minute_recording_is_whole(tiny_en, english, one_by_one):
    audio, used = concatenation(english, 600)
    reference = " ".join(english[i][1] for i in used)
    result = tiny_en.transcribe_detailed(audio, context="A reading of short sentences.")
    deleted, wer = score(reference, result.text)
    base_deleted, base_wer = score(reference, " ".join(one_by_one[i] for i in used))
    print(
        f"{audio.shape[0] / SAMPLE_RATE:.0f} s whole: deleted {deleted:.1%} WER {wer:.3f}; "
        f"clip by clip: deleted {base_deleted:.1%} WER {base_wer:.3f}"
    )
    assert deleted <= base_deleted + MAX_DELETED_ABOVE, (deleted, base_deleted)
    assert wer <= base_wer + MAX_WER_ABOVE, (wer, base_wer)
    assert result.segments[-1].end > 590 and result.duration_s == pytest.approx(audio.shape[0] / SAMPLE_RATE)


@pytest.mark.slow
def test_long_dictation_final_decode_is_whole(tiny_en, english, one_by_one):
    """A 90 s toggle-mode dictation whose live decoding never ran: the release decodes it all."""
    from keyvox.core.live import LiveDecoder

    audio, used = concatenation(english, 90)
    reference = " ".join(english[i][1] for i in used)
    deleted, _wer = score(reference, LiveDecoder(tiny_en).finish(audio).text)
    base_deleted, _ = score(reference, " ".join(one_by_one[i] for i in used))
    assert deleted <= base_deleted + MAX_DELETED_ABOVE, (deleted, base_deleted)
