"""`keyvox serve` under load: 8 clients at once on loopback, short dictations mixed with one 6-minute file.

Two runs of ``--seconds`` each against the same server: short clips only, then the same with one more
client sending the long file over and over. Reported: short-request latency p50/p95 of both runs (the
fairness of the engine queue: a long file's pieces interleave with short requests, so p95 should grow by
about one piece, not by the whole file), and that nothing was lost: every request ended with its right
text (the text the server gave the same clip alone, before the runs), each 429/503 carrying a
``Retry-After`` that the client waited and retried. A last burst goes past the limits on purpose and
checks that the server says 429/503 and then answers again.

Each client sends from its own loopback address (127.0.0.N), so the per-client share
(``max_queue_per_client``) tells them apart as it would tell apart machines.

    PYTHONPATH=$PWD python3 benchmarks/server_load.py [--clients 8] [--seconds 120] [--long-s 360]

Writes benchmarks/results/server-load.json with the command in it (``--out`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.helpers.loadkit import (
    client_for,
    expected_texts,
    long_file,
    over_the_limit,
    run_load,
    short_clips,
    summary,
)
from tests.helpers.paths import REPO


def start_server(max_queue: int, per_client: int) -> tuple[subprocess.Popen, str]:
    folder = Path(tempfile.mkdtemp(prefix="keyvox-load-"))
    (folder / "config.toml").write_text(
        f"version = 1\n[server]\nmax_queue = {max_queue}\nmax_queue_per_client = {per_client}\n"
        "[history]\nenabled = false\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "keyvox", "serve", "--port", "0"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(REPO), "XDG_CONFIG_HOME": str(folder)},
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
    return process, banner.split("serving on ")[1].split()[0].removesuffix("/v1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=120.0, help="length of each of the two runs")
    parser.add_argument("--long-s", type=float, default=360.0, help="length of the long file")
    parser.add_argument("--max-queue", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=2, help="[server] max_queue_per_client")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "server-load.json")
    args = parser.parse_args()
    clips, long_audio = short_clips(), long_file(args.long_s)
    process, url = start_server(args.max_queue, args.per_client)
    try:
        expected = expected_texts(url, clips)
        with client_for(0) as http:
            started = time.perf_counter()
            long_expected = http.post(
                f"{url}/v1/audio/transcriptions", files={"file": ("long.wav", long_audio)}
            )
            long_alone_s = time.perf_counter() - started
        shorts_only = run_load(url, clips, expected, clients=args.clients, seconds=args.seconds)
        mixed = run_load(
            url,
            clips,
            expected,
            clients=args.clients,
            seconds=args.seconds,
            long_audio=long_audio,
            long_expected=long_expected.json()["text"],
        )
        burst = over_the_limit(url, clips[0][1], args.max_queue * 2)
        metrics = httpx.get(f"{url}/metrics").text
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    result = {
        "command": "PYTHONPATH=$PWD python3 benchmarks/server_load.py " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
        "settings": vars(args) | {"out": str(args.out.name)},
        "long_alone_s": round(long_alone_s, 2),
        "short_only": summary(shorts_only),
        "with_long_file": summary(mixed),
        "over_the_limit": burst,
        "nothing_lost": not (shorts_only.lost or mixed.lost or shorts_only.wrong_text or mixed.wrong_text),
        "metrics_after": metrics,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    for name in ("short_only", "with_long_file"):
        row = result[name]
        print(
            f"{name:>15}: {row['short_requests']} short requests, p50 {row['short_p50_s']} s, "
            f"p95 {row['short_p95_s']} s, refused {row['refused']}, lost {len(row['lost'])}, "
            f"wrong {len(row['wrong_text'])}, long answers {len(row['long_latency_s'])}"
        )
    print(f"over the limit: {burst}; nothing lost: {result['nothing_lost']}; wrote {args.out}")


if __name__ == "__main__":
    main()
