"""Live decoding replayed without waiting: the decisions and the text of a real-time run, in seconds.

``python3 -m keyvox.bench.replay --manifest ../shared/speech/manifest.jsonl --lang en --limit 15``

Each clip (cut at the release, as ``keyvox bench --release-tail`` does) is stepped through
``LiveDecoder`` the way the pipeline's worker would: a look every ``live_step_s`` of audio whenever
the (simulated) worker is free, each look taking the wall time it really took. The release wait is
what the worker still had to do when the clip ended plus ``finish``. It skips the real-time sleeps,
so a run over the corpus takes the decoding time only; ``keyvox bench --realtime`` remains the
measurement of record.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.core.live import LiveDecoder, LiveOptions
from keyvox.engines.base import Transcriber

CHUNK = 512


@dataclass
class Replay:
    text: str
    latency_s: float
    """Simulated release → transcript (the text chain and typing not included)."""
    held_busy_s: float
    """Wall seconds of live work while the key was held."""
    decodes: int
    pieces: int


def replay(
    transcriber: Transcriber,
    audio: np.ndarray,
    options: LiveOptions | None = None,
    step_s: float = 0.032,
    clock=time.perf_counter,
) -> Replay:
    """``clock``: ``time.process_time`` counts the CPU the work took instead of the wall time, which on a
    machine shared with other work is closer to what a quiet machine would take (1 decoding thread)."""
    live = LiveDecoder(transcriber, options=options or LiveOptions())
    every = int(step_s * SAMPLE_RATE)
    next_step, free_at, busy = every, 0.0, 0.0
    for end in range(CHUNK, audio.shape[0] + CHUNK, CHUNK):
        end = min(end, audio.shape[0])
        now = end / SAMPLE_RATE
        if end < next_step or now < free_at:
            continue
        next_step = end + every
        started = clock()
        live.step(audio[:end])
        took = clock() - started
        free_at, busy = now + took, busy + took
    wait = max(0.0, free_at - audio.shape[0] / SAMPLE_RATE)
    started = clock()
    result = live.finish(audio)
    return Replay(result.text, wait + clock() - started, busy, live.decodes, len(live.pieces))


def main() -> int:
    from keyvox.audio.files import load_audio
    from keyvox.bench.manifest import read_manifest
    from keyvox.bench.release import DEFAULT_TAIL_S, cut_at_release
    from keyvox.bench.summary import length_group, percentile
    from keyvox.bench.wer import corpus_wer, word_errors
    from keyvox.config.schema import Config
    from keyvox.engines.factory import create_transcriber

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--release-tail", type=float, default=DEFAULT_TAIL_S)
    parser.add_argument("--whole", action="store_true", help="also decode each clip whole after release")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="OPTION=VALUE",
        help="a LiveOptions field, e.g. speculate_pause_s=0.15",
    )
    parser.add_argument(
        "--cpu-clock",
        action="store_true",
        help="time each step by the CPU it used, not the wall clock (for a busy machine)",
    )
    parser.add_argument("--json")
    args = parser.parse_args()
    options = LiveOptions(**{k: float(v) for k, v in (s.split("=", 1) for s in args.set)})
    transcriber = create_transcriber(Config())
    rows, scores, whole_scores = [], [], []
    for clip in read_manifest(args.manifest, lang=args.lang, limit=args.limit):
        audio, cut = cut_at_release(load_audio(clip.audio), args.release_tail, transcriber.vad_threshold)
        run = replay(
            transcriber, audio, options, clock=time.process_time if args.cpu_clock else time.perf_counter
        )
        score = word_errors(clip.text, run.text, clip.lang)
        scores.append(score)
        row = {
            "clip": clip.entry,
            "duration_s": round(audio.shape[0] / SAMPLE_RATE, 2),
            "cut_s": round(cut, 2),
            "latency_s": round(run.latency_s, 3),
            "held_busy_share": round(run.held_busy_s * SAMPLE_RATE / audio.shape[0], 3),
            "decodes": run.decodes,
            "pieces": run.pieces,
            "wer": round(score.rate, 3),
            "text": run.text,
        }
        if args.whole:
            whole = transcriber.transcribe_detailed(audio).text
            whole_scores.append(word_errors(clip.text, whole, clip.lang))
            row["whole_wer"] = round(whole_scores[-1].rate, 3)
        rows.append(row)
        print(
            f"{row['duration_s']:5.1f}s cut {cut:4.2f} lat {run.latency_s:5.3f} busy {row['held_busy_share']:4.2f} "
            f"dec {run.decodes:2d} pcs {run.pieces} wer {score.rate:4.2f} {row.get('whole_wer', '')} {clip.name}",
            flush=True,
        )
    groups = {}
    for name in ("under_5s", "5_to_15s", "over_15s"):
        lat = [r["latency_s"] for r in rows if length_group(r["duration_s"]) == name]
        if lat:
            groups[name] = {"n": len(lat), "p50": percentile(lat, 50), "p95": percentile(lat, 95)}
    summary = {
        "options": options.__dict__,
        "clips": len(rows),
        "wer": round(corpus_wer(scores), 4),
        "whole_wer": round(corpus_wer(whole_scores), 4) if whole_scores else None,
        "latency_p50_s": percentile([r["latency_s"] for r in rows], 50),
        "latency_p95_s": percentile([r["latency_s"] for r in rows], 95),
        "groups": groups,
    }
    print(json.dumps(summary, indent=1))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"summary": summary, "clips": rows}, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
