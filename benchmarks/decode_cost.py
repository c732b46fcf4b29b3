"""What one window decode costs on this machine, part by part: where the release wait of a sentence that
runs up to the release goes.

For a few shared clips (a 1-7 s sentence each, decoded whole, as after a release with nothing
speculated), with the default model: the whole ``decode_window`` call with 1 and 2 threads, the encoder
alone, the beam-5 and greedy search, and the search with the sentence's own text forced as a prefix
(all but its last four tokens), which is what reusing an earlier guess at the release would cost.
Best of ``--repeat`` wall times per row, on a quiet machine.

Usage: python3 benchmarks/decode_cost.py [--repeat 5] [--json benchmarks/results/decode-cost.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CLIPS = (
    "en/commands/cards_005.wav",
    "en/librispeech/61-70968-0000.wav",
    "en/librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
)


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return round(min(times), 4)


def measure(model, audio, repeat: int) -> dict:
    import numpy as np
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens

    from keyvox.engines.whisper_window import HOP, decode_window, max_new_tokens, window_frames

    def encode():  # what decode_window does before its search
        frames = window_frames(audio.shape[0])
        padded = np.zeros(frames * HOP, dtype=np.float32)
        padded[: audio.shape[0]] = audio
        return model.encode(model.feature_extractor(padded)[:, :frames])

    encoded = encode()
    tokenizer = Tokenizer(model.hf_tokenizer, False, task="transcribe", language="en")
    suppress = list(get_suppressed_tokens(tokenizer, [-1]))
    start = model.get_prompt(tokenizer, [], without_timestamps=True)
    limit = len(start) + max_new_tokens(audio.shape[0])

    def search(beam: int, prefix: list[int] = ()):
        return model.model.generate(
            encoded,
            [start + list(prefix)],
            beam_size=beam,
            max_length=limit,
            suppress_blank=True,
            suppress_tokens=suppress,
        )[0]

    tokens = [t for t in search(5).sequences_ids[0] if t < tokenizer.eot]
    return {
        "tokens": len(tokens),
        "decode_window_s": best_of(repeat, lambda: decode_window(model, audio, language="en", beam_size=5)),
        "encode_s": best_of(repeat, encode),
        "beam5_search_s": best_of(repeat, lambda: search(5)),
        "greedy_search_s": best_of(repeat, lambda: search(1)),
        "beam5_forced_prefix_s": best_of(repeat, lambda: search(5, tokens[:-4])),
    }


def main() -> int:
    from faster_whisper import WhisperModel

    from keyvox.audio.files import load_audio
    from keyvox.bench.command import machine_info
    from keyvox.bench.sides import baseline_model_path
    from keyvox.config.schema import Config
    from keyvox.engines.factory import create_transcriber

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speech", default=str(REPO.parent / "shared" / "speech"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json")
    args = parser.parse_args()
    config = Config()
    path = baseline_model_path(config, create_transcriber(config))
    rows = []
    for threads in (1, 2):
        model = WhisperModel(str(path), device="cpu", compute_type="int8", cpu_threads=threads)
        for name in CLIPS:
            audio = load_audio(str(Path(args.speech) / name))
            row = {
                "clip": name,
                "threads": threads,
                "audio_s": round(audio.shape[0] / 16000, 2),
                **measure(model, audio, args.repeat),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    result = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "command": "python3 benchmarks/decode_cost.py " + " ".join(sys.argv[1:]),
        "model": str(path.name),
        "rows": rows,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
