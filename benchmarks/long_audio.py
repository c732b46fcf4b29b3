"""Long audio, whole: one long file made of the English clips against the same clips one by one.

Builds a concatenation of the shared English clips (half a second of silence between clips, clips
repeated to reach the length asked for), transcribes it in one call, and scores it against the joined
references; then transcribes the same clips one by one. Prints the share of reference words deleted
and the WER of both, and the decoding time.

    python3 benchmarks/long_audio.py --minutes 6            # every English clip once (~6.8 min)
    python3 benchmarks/long_audio.py --minutes 10 --model tiny.en
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from keyvox.audio.files import load_audio
from keyvox.audio.format import SAMPLE_RATE
from keyvox.bench.wer import word_errors

GAP_S = 0.5
SPEECH_DIR = Path(
    os.environ.get("KEYVOX_SPEECH_DIR", Path(__file__).resolve().parents[2] / "shared" / "speech")
)


def english_clips(speech_dir: Path = SPEECH_DIR) -> list[tuple[np.ndarray, str]]:
    """(audio, reference) for every exact English clip, in manifest order."""
    clips = []
    for line in (speech_dir / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else None
        if row and row["lang"] == "en" and row.get("ref_quality") == "exact":
            clips.append((load_audio(speech_dir / row["audio"]), row["text"]))
    return clips


def concatenate(
    clips: list[tuple[np.ndarray, str]], seconds: float
) -> tuple[np.ndarray, list[tuple[np.ndarray, str]]]:
    """Clips (repeated in order) until ``seconds`` is reached, with ``GAP_S`` of silence between them; also
    returns the clips used, so the clip-by-clip baseline hears exactly the same speech."""
    gap = np.zeros(int(GAP_S * SAMPLE_RATE), dtype=np.float32)
    used, parts, length, i = [], [], 0, 0
    while length < seconds * SAMPLE_RATE:
        audio, text = clips[i % len(clips)]
        parts += [audio, gap]
        used.append((audio, text))
        length += audio.shape[0] + gap.shape[0]
        i += 1
    return np.concatenate(parts), used


def score(reference: str, hypothesis: str) -> tuple[float, float]:
    """(share of reference words deleted, WER)."""
    errors = word_errors(reference, hypothesis)
    return errors.deletions / errors.reference_words, errors.rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=6.0)
    parser.add_argument("--model", default="tiny.en")
    args = parser.parse_args()
    from keyvox.config.schema import Config
    from keyvox.engines.factory import create_transcriber

    config = Config()
    config.model.name = args.model
    transcriber = create_transcriber(config)
    audio, used = concatenate(english_clips(), args.minutes * 60)
    reference = " ".join(text for _, text in used)
    started = time.perf_counter()
    whole = transcriber.transcribe(audio)
    took = time.perf_counter() - started
    deleted, wer = score(reference, whole)
    one_by_one = " ".join(transcriber.transcribe(clip) for clip, _ in used)
    base_deleted, base_wer = score(reference, one_by_one)
    print(f"{audio.shape[0] / SAMPLE_RATE:.0f} s of audio, {len(used)} clips, {transcriber.description}")
    print(f"whole file : deleted {deleted:.1%}  WER {wer:.3f}  ({took:.1f} s)")
    print(f"clip by clip: deleted {base_deleted:.1%}  WER {base_wer:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
