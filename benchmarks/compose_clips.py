"""A clip set with at least 20 utterances in each length group (< 5 s, 5-15 s, > 15 s), cut at the release.

The shared corpus holds few long English clips, so longer utterances are made by joining clips of the
same source folder (one speaker or recording set) with 0.6 s pauses, the way a person dictates several
sentences in one press. Every clip is then cut 0.25 s (``--release-tail``) after its last speech, so
``keyvox bench`` (with ``--release-tail -1``: already cut) and ``benchmarks/rig_latency.py`` play exactly
the same audio and their texts can be compared.

Usage: python3 benchmarks/compose_clips.py OUT_DIR [--per-group 20] [--manifest ../shared/speech/manifest.jsonl]
Writes OUT_DIR/*.wav and OUT_DIR/manifest.jsonl (keep OUT_DIR outside the repository).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from keyvox.audio.files import load_audio  # noqa: E402
from keyvox.bench.release import DEFAULT_TAIL_S, cut_at_release  # noqa: E402
from keyvox.bench.summary import length_group  # noqa: E402

PAUSE_S = 0.6
MAX_S = 30.0
"""Longer joins are left out: one dictation rarely runs past half a minute."""
GROUPS = ("under_5s", "5_to_15s", "over_15s")


def main() -> int:
    import soundfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--manifest", default=str(REPO.parent / "shared" / "speech" / "manifest.jsonl"))
    parser.add_argument("--lang", default="en")
    parser.add_argument("--per-group", type=int, default=20)
    parser.add_argument("--release-tail", type=float, default=DEFAULT_TAIL_S)
    args = parser.parse_args()
    base = Path(args.manifest).parent
    rows = [
        json.loads(line)
        for line in Path(args.manifest).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rows = [r for r in rows if r.get("lang", "") == args.lang]
    audio = {r["audio"]: cut_at_release(load_audio(base / r["audio"]), args.release_tail)[0] for r in rows}
    by_folder = defaultdict(list)
    for row in rows:
        by_folder[str(Path(row["audio"]).parent)].append(row)
    made = {group: [] for group in GROUPS}

    def add(parts: list[dict]) -> None:
        pause = np.zeros(int(PAUSE_S * 16000), np.float32)
        pieces = []
        for index, part in enumerate(parts):
            pieces += ([pause] if index else []) + [audio[part["audio"]]]
        joined = np.concatenate(pieces)
        if joined.shape[0] > MAX_S * 16000:
            return
        group = length_group(joined.shape[0] / 16000)
        if len(made[group]) >= args.per_group:
            return
        made[group].append(
            {
                "parts": [p["audio"] for p in parts],
                "audio": joined,
                "text": " ".join(p["text"] for p in parts),
                "category": parts[0].get("category", ""),
            }
        )

    for row in rows:  # the real clips first
        add([row])
    for size in range(2, 12):  # then joins of 2, 3, ... consecutive clips of one folder
        for folder_rows in by_folder.values():
            for start in range(0, len(folder_rows) - size + 1, size):
                add(folder_rows[start : start + size])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "manifest.jsonl").open("w", encoding="utf-8") as manifest:
        for group in GROUPS:
            for number, clip in enumerate(made[group]):
                name = f"{group}_{number:02d}.wav"
                soundfile.write(out / name, clip["audio"], 16000, subtype="PCM_16")
                manifest.write(
                    json.dumps(
                        {
                            "audio": name,
                            "text": clip["text"],
                            "lang": args.lang,
                            "duration_s": round(clip["audio"].shape[0] / 16000, 3),
                            "category": clip["category"],
                            "parts": clip["parts"],
                        }
                    )
                    + "\n"
                )
            print(f"{group}: {len(made[group])} clips", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
