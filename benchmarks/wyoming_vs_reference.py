"""`keyvox serve --wyoming` against Home Assistant's reference Wyoming server, wyoming-faster-whisper, with the
same tiny.en weights on the same clips: word error rate and latency, measured by wyoming-bench's own code.

Each server runs alone in its own process (one after the other, so neither takes CPU from the other), and
every clip is sent once per round in both of wyoming-bench's modes: non_streaming (read until ``transcript``)
and streaming (read until ``transcript-stop``). Latency is wyoming-bench's ``total_s``: from the first event
sent to the answer, with the audio sent as fast as the socket takes it, so it is the server's decode time
plus the protocol's. WER is keyvox's scorer (Whisper's English normaliser, as every keyvox result uses) and
wyoming-bench's own, both over the whole set.

Both servers get the model, beam size, CPU threads and precision keyvox's default config resolves to;
everything else is each server's own default (keyvox filters silence with its Silero VAD settings, the
reference server runs without ``--vad-filter``, as its add-on does by default).

    PYTHONPATH=$PWD python3 benchmarks/wyoming_vs_reference.py [--clips 40] [--rounds 3]

The same measurement with wyoming-bench's command line (text report only) is printed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

from tests.helpers.paths import REPO

SPEECH = Path(os.environ.get("KEYVOX_SPEECH_DIR", REPO.parent / "shared" / "speech"))
MODES = ("non_streaming", "streaming")
START_TIMEOUT_S = 120.0
"""A cold model load on a loaded 2-core machine takes a few seconds; this only catches a server that hangs."""


def english_clips(count: int) -> list[dict]:
    """The first ``count`` English clips of the shared set that are 16 kHz 16-bit mono WAV, in manifest order."""
    rows = [json.loads(line) for line in (SPEECH / "manifest.jsonl").read_text().splitlines() if line.strip()]
    chosen = []
    for row in rows:
        path = SPEECH / row["audio"]
        if row["lang"] != "en" or path.suffix != ".wav":
            continue
        with wave.open(str(path), "rb") as wav:
            if (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) != (16000, 2, 1):
                continue
        chosen.append({**row, "path": path})
        if len(chosen) == count:
            break
    return chosen


def write_corpus(clips: list[dict], folder: Path) -> Path:
    """wyoming-bench's corpus layout: ``<id>.wav`` beside ``<id>.txt``."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, clip in enumerate(clips):
        stem = f"{number:03d}-{clip['path'].stem}"
        (folder / f"{stem}.wav").symlink_to(clip["path"])
        (folder / f"{stem}.txt").write_text(clip["text"], encoding="utf-8")
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keyvox_settings() -> dict:
    """What keyvox's default config runs: the model folder, beam, threads and precision, resolved."""
    from keyvox.config.schema import Config
    from keyvox.engines.faster_whisper import pick_threads
    from keyvox.engines.models import resolve_whisper_model

    config = Config()
    return {
        "model": "tiny.en",
        "model_dir": str(resolve_whisper_model("tiny.en", config.paths.model_cache).path),
        "beam_size": config.model.beam_size,
        "cpu_threads": pick_threads(config.model.cpu_threads),
        "compute_type": "int8",
        "language": "en",
    }


def start_keyvox(port: int, folder: Path) -> subprocess.Popen:
    (folder / "config.toml").write_text(
        'version = 1\n[model]\nname = "tiny.en"\ncompute_type = "int8"\n[history]\nenabled = false\n'
    )
    command = [sys.executable, "-m", "keyvox", "serve", "--port", "0", "--wyoming", f"tcp://127.0.0.1:{port}"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(command, cwd=folder, env=env, stderr=subprocess.DEVNULL)


def start_reference(port: int, settings: dict, folder: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "wyoming_faster_whisper",
        "--uri",
        f"tcp://127.0.0.1:{port}",
        "--stt-library",
        "faster-whisper",
        "--model",
        settings["model_dir"],  # a CTranslate2 folder: faster-whisper loads it as it is, no download
        "--data-dir",
        str(folder),
        "--local-files-only",
        "--language",
        settings["language"],
        "--beam-size",
        str(settings["beam_size"]),
        "--cpu-threads",
        str(settings["cpu_threads"]),
        "--compute-type",
        settings["compute_type"],
    ]
    return subprocess.Popen(command, cwd=folder, stderr=subprocess.DEVNULL)


async def wait_ready(port: int, process: subprocess.Popen) -> dict:
    """The server's ``info``, once it answers ``describe``."""
    from wyoming.client import AsyncTcpClient
    from wyoming.info import Describe

    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server on port {port} exited with status {process.returncode}")
        try:
            async with AsyncTcpClient("127.0.0.1", port, connect_timeout=2, read_timeout=30) as client:
                await client.write_event(Describe().event())
                event = await client.read_event()
                if event is not None and event.type == "info":
                    return event.data
        except OSError:
            pass
        await asyncio.sleep(0.5)
    raise SystemExit(f"the server on port {port} did not answer describe in {START_TIMEOUT_S:.0f} s")


def modes_of(info: dict) -> tuple[str, ...]:
    """Streaming only where the server advertises it, as wyoming-bench's command line decides."""
    return MODES if info["asr"][0].get("supports_transcript_streaming") else MODES[:1]


async def measure(port: int, corpus: Path, modes: tuple[str, ...], rounds: int, warmup: int) -> list:
    """wyoming-bench's own measurement of every clip, ``rounds`` times per mode, after ``warmup`` untimed runs."""
    from wyoming.asr import Transcribe
    from wyoming_bench.stt.client import measure_stt_once
    from wyoming_bench.stt.corpus import load_corpus

    samples = load_corpus(corpus)
    transcribe = Transcribe(language="en")
    runs = []
    for mode in modes:
        for _ in range(warmup):
            await measure_stt_once("127.0.0.1", port, mode, samples[0], transcribe, 1024, 60, 300)
        for _ in range(rounds):
            for sample in samples:
                runs.append(
                    await measure_stt_once("127.0.0.1", port, mode, sample, transcribe, 1024, 60, 300)
                )
    return runs


def first_round(done: list) -> dict:
    """Each clip's first timed answer, for reading what a server heard."""
    first: dict[str, dict] = {}
    for m in done:
        first.setdefault(
            m.sample_id, {"id": m.sample_id, "total_s": round(m.total_s, 4), "text": m.hypothesis}
        )
    return first


def summary(runs: list, modes: tuple[str, ...]) -> dict:
    from keyvox.bench.wer import corpus_wer, word_errors

    out: dict = {mode: "not advertised by the server" for mode in MODES if mode not in modes}
    for mode in modes:
        done = [m for m in runs if m.mode == mode and m.ok]
        times = sorted(m.total_s for m in done)
        out[mode] = {
            "runs": sum(1 for m in runs if m.mode == mode),
            "failed": [f"{m.sample_id}: {m.error}" for m in runs if m.mode == mode and not m.ok],
            "wer_keyvox_scorer": round(
                corpus_wer([word_errors(m.reference, m.hypothesis, "en") for m in done]), 4
            )
            if done
            else None,
            "wer_wyoming_bench": round(
                sum(m.sub + m.ins + m.del_ for m in done) / max(1, sum(m.n_ref_words for m in done)), 4
            )
            if done
            else None,
            "latency_p50_s": round(statistics.median(times), 4) if times else None,
            "latency_p95_s": round(times[min(len(times) - 1, int(0.95 * len(times)))], 4) if times else None,
            "latency_mean_s": round(statistics.fmean(times), 4) if times else None,
            "clips": list(first_round(done).values()),
        }
    return out


async def bench_one(name: str, start, settings: dict, corpus: Path, args, folder: Path) -> dict:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    process = start(port, folder)
    try:
        info = await wait_ready(port, process)
        modes = modes_of(info)
        runs = await measure(port, corpus, modes, args.rounds, args.warmup)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    program = info["asr"][0]
    print(f"{name}: {program['name']} {program.get('version')}, {len(runs)} runs", file=sys.stderr)
    return {"program": program["name"], "version": program.get("version"), **summary(runs, modes)}


async def run(args) -> dict:
    from importlib.metadata import version

    clips = english_clips(args.clips)
    settings = keyvox_settings()
    folder = Path(tempfile.mkdtemp(prefix="keyvox-wyoming-bench-"))
    corpus = write_corpus(clips, folder / "corpus")
    results = {
        "keyvox": await bench_one("keyvox", start_keyvox, settings, corpus, args, folder / "keyvox"),
        "wyoming-faster-whisper": await bench_one(
            "wyoming-faster-whisper",
            lambda port, where: start_reference(port, settings, where),
            settings,
            corpus,
            args,
            folder / "reference",
        ),
    }
    return {
        "command": "PYTHONPATH=$PWD python3 benchmarks/wyoming_vs_reference.py "
        f"--clips {args.clips} --rounds {args.rounds} --warmup {args.warmup}",
        "cli_equivalent": f"wyoming-bench stt 127.0.0.1:KEYVOX_PORT 127.0.0.1:REFERENCE_PORT --corpus $CORPUS "
        f'--mode both --rounds {args.rounds} --warmup {args.warmup} --config \'{{"language":"en"}}\'',
        "commit": subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform()},
        "versions": {
            p: version(p) for p in ("wyoming", "wyoming-bench", "wyoming-faster-whisper", "faster-whisper")
        },
        # The weights' folder is this machine's; the result names the model (and $CORPUS the corpus folder).
        "settings": {key: value for key, value in settings.items() if key != "model_dir"},
        "clips": [str(c["path"].relative_to(SPEECH)) for c in clips],
        "audio_s": round(sum(c["duration_s"] for c in clips), 2),
        "servers": results,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clips", type=int, default=40, help="English clips from the shared set (default 40)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed runs of every clip per mode (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per mode first (default 1)")
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks" / "results" / "wyoming-vs-reference.json"
    )
    args = parser.parse_args()
    report = asyncio.run(run(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    for name, result in report["servers"].items():
        for mode in MODES:
            row = result[mode]
            if isinstance(row, str):
                print(f"{name:24} {mode:14} {row}")
                continue
            print(
                f"{name:24} {mode:14} WER {row['wer_keyvox_scorer']} (wyoming-bench {row['wer_wyoming_bench']})  "
                f"p50 {row['latency_p50_s']} s  p95 {row['latency_p95_s']} s  failed {len(row['failed'])}"
            )
    print(f"wrote {args.out}\nsame runs with wyoming-bench's command line: {report['cli_equivalent']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
