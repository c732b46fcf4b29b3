"""A 90-second toggle-mode dictation on the rig lands whole: long speech is never cut short or skipped.

The recording runs far past one Whisper window (30 s), so live decoding commits pieces while it runs and
the release decodes the rest. Every clip of the recording must be heard, and the typed text must read
as well as the worse of two baselines: the same clips transcribed one by one, and keyvox's file path
(long audio split at pauses) on the very audio the daemon recorded, which history keeps
(``store_audio``). The microphone path (PulseAudio, PortAudio) hears slightly different audio than the
file, and tiny.en's reading of it moves (see ``MAX_WER_ABOVE_ON_THE_RIG``), so neither baseline alone is
a fair bar.
"""

from __future__ import annotations

from difflib import SequenceMatcher

import pytest
import soundfile

from keyvox.audio.format import SAMPLE_RATE
from keyvox.bench.wer import normalize
from keyvox.desktop.history import History
from tests.engines.test_long_audio import concatenation, score

pytestmark = pytest.mark.slow

MIN_SHARE_HEARD = 0.5
"""Each clip must have at least this share of its words typed: a skipped stretch or a cut-off end leaves a
clip with next to nothing, while tiny.en misreading a run of digits ("oh two one") costs a quarter."""
MAX_WER_ABOVE_ON_THE_RIG = 0.05
"""WER above the worse baseline. Live decoding splits the recording elsewhere than the file path does, and
tiny.en's reading of short commands moves with the split: on seven recordings of this dictation the typed
text scored 0.038 to 0.075 and the file path on the same audio 0.019 to 0.066, mostly "ten of clubs" read
as "10 of close" or not (four words, 0.019). A lost sentence fails the per-clip check long before this.
Accuracy of live decoding against whole decodes is measured by ``keyvox bench`` (benchmarks/README.md)."""
MAX_DELETED_ABOVE_ON_THE_RIG = 0.025
"""Deleted words above the worse baseline: a run of four read-out digits dropped by tiny.en (1.9 %) is
not a lost stretch, which costs 5 % or more here."""

CONFIG = """
version = 1
[hotkey]
mode = "toggle"
[output]
method = "type"
[history]
store_audio = true
"""


def test_ninety_second_toggle_dictation_lands_whole(desktop, window, tiny_en, manifest, tmp_path):
    from keyvox.audio.files import load_audio

    rows = [row for row in manifest if row["lang"] == "en" and row.get("ref_quality") == "exact"]
    english = [(load_audio(row["path"]), row["text"]) for row in rows]
    audio, used = concatenation(english, 90)
    path = tmp_path / "ninety-seconds.wav"
    soundfile.write(path, audio, SAMPLE_RATE)
    reference = " ".join(english[i][1] for i in used)
    base_deleted, base_wer = score(reference, " ".join(tiny_en.transcribe(english[i][0]) for i in used))

    keyvox = desktop.start_keyvox(CONFIG, name="long-dictation")
    try:
        keyvox.wait_for(r"^Ready: press Right Ctrl to start and stop dictation", 120)
        mark = keyvox.mark()
        desktop.key("tap")
        keyvox.wait_for(r"^\[recording\]", 10, since=mark)
        desktop.pulse.play(path)
        desktop.key("tap")
        typed = window.wait_for_text(timeout=120, settle=1.5)
    finally:
        assert keyvox.stop() == 0, keyvox.output()
    history = History(desktop.data_home / "keyvox" / "history.sqlite3")
    try:
        entry = history.search()[0]  # the newest: the rig's history holds the session's other dictations too
    finally:
        history.close()
    assert entry.text.strip() == typed.strip()
    heard, rate = soundfile.read(entry.audio_path, dtype="float32")
    assert rate == SAMPLE_RATE and heard.shape[0] >= audio.shape[0] - SAMPLE_RATE // 2
    file_deleted, file_wer = score(reference, tiny_en.transcribe_detailed(heard).text)
    deleted, wer = score(reference, typed)
    heard_share = shares_heard([english[i][1] for i in used], typed)
    print(
        f"{audio.shape[0] / SAMPLE_RATE:.0f} s dictated: deleted {deleted:.1%} WER {wer:.3f}; "
        f"clip by clip: deleted {base_deleted:.1%} WER {base_wer:.3f}; "
        f"the recorded audio as a file: deleted {file_deleted:.1%} WER {file_wer:.3f}; "
        f"least heard clip {min(heard_share):.0%}\n{typed}"
    )
    assert min(heard_share) >= MIN_SHARE_HEARD, (heard_share, typed)
    assert deleted <= max(base_deleted, file_deleted) + MAX_DELETED_ABOVE_ON_THE_RIG, (deleted, typed)
    assert wer <= max(base_wer, file_wer) + MAX_WER_ABOVE_ON_THE_RIG, (wer, typed)


def shares_heard(references: list[str], hypothesis: str) -> list[float]:
    """For each reference in order, the share of its words found in ``hypothesis`` (aligned as a whole)."""
    words = [normalize(reference).split() for reference in references]
    said = [word for clip in words for word in clip]
    found = [False] * len(said)
    for block in SequenceMatcher(
        a=said, b=normalize(hypothesis).split(), autojunk=False
    ).get_matching_blocks():
        found[block.a : block.a + block.size] = [True] * block.size
    shares, start = [], 0
    for clip in words:
        shares.append(sum(found[start : start + len(clip)]) / max(len(clip), 1))
        start += len(clip)
    return shares
