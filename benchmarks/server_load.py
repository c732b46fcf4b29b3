"""Load test for `keyvox serve`: requests/s and p50/p95 latency with 1, 4 and 16 concurrent clients.

Starts `keyvox serve` (the default CPU model unless a config says otherwise) in its own process on a
free loopback port, then sends a ~5 s clip from ../shared/speech from N client threads at once.

    PYTHONPATH=$PWD python3 benchmarks/server_load.py [--clients 1 4 16] [--requests 16]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests.helpers.paths import REPO

SPEECH = Path(os.environ.get("KEYVOX_SPEECH_DIR", REPO.parent / "shared" / "speech"))


def pick_clip(target_s: float = 5.0) -> dict:
    rows = [json.loads(line) for line in (SPEECH / "manifest.jsonl").read_text().splitlines() if line.strip()]
    english = [r for r in rows if r["lang"] == "en"]
    return min(english, key=lambda r: abs(r["duration_s"] - target_s))


def start_server(max_queue: int) -> tuple[subprocess.Popen, str, Path]:
    folder = Path(tempfile.mkdtemp(prefix="keyvox-load-"))
    (folder / "config.toml").write_text(
        f"version = 1\n[server]\nmax_queue = {max_queue}\n[history]\nenabled = false\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "keyvox", "serve", "--port", "0"],
        cwd=folder,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    banner = ""
    while "serving on" not in banner:
        line = process.stderr.readline()
        if not line:
            raise SystemExit(f"keyvox serve did not start:\n{banner}")
        banner += line
    print(banner.strip(), file=sys.stderr)
    return process, banner.split("serving on ")[1].split()[0], folder


def run_level(url: str, audio: bytes, clients: int, per_client: int) -> dict:
    latencies: list[float] = []
    refused = 0
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client() -> None:
        nonlocal refused
        with httpx.Client(timeout=600) as http:
            barrier.wait()
            for _ in range(per_client):
                started = time.perf_counter()
                response = http.post(
                    f"{url}/audio/transcriptions",
                    files={"file": ("clip.wav", audio)},
                    data={"model": "whisper-1"},
                )
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status_code == 200:
                        latencies.append(elapsed)
                    else:
                        refused += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "clients": clients,
        "requests": len(latencies),
        "refused_503": refused,
        "wall_s": round(wall, 2),
        "req_per_s": round(len(latencies) / wall, 3),
        "p50_s": round(statistics.median(latencies), 3),
        "p95_s": round(latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--requests", type=int, default=16, help="requests per level, shared by its clients")
    args = parser.parse_args()
    clip = pick_clip()
    audio = (SPEECH / clip["audio"]).read_bytes()
    process, url, _folder = start_server(max_queue=max(args.clients) * 2)
    try:
        httpx.post(f"{url}/audio/transcriptions", files={"file": ("clip.wav", audio)}, timeout=600)  # warm-up
        print(f"clip: {clip['audio']} ({clip['duration_s']} s); {os.cpu_count()} CPU cores")
        print(f"{'clients':>7} {'requests':>8} {'req/s':>7} {'p50 s':>7} {'p95 s':>7} {'503s':>5}")
        for clients in args.clients:
            row = run_level(url, audio, clients, max(1, args.requests // clients))
            print(
                f"{row['clients']:>7} {row['requests']:>8} {row['req_per_s']:>7} {row['p50_s']:>7} "
                f"{row['p95_s']:>7} {row['refused_503']:>5}",
                flush=True,
            )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
