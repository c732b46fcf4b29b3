"""The load driver shared by benchmarks/server_load.py and tests/server/test_load.py: clients that each
send from their own loopback address (127.0.0.N), wait each ``Retry-After`` and try again, and count
what they were answered."""

from __future__ import annotations

import io
import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import numpy as np
import soundfile

from keyvox.audio.files import load_audio
from keyvox.audio.format import SAMPLE_RATE
from tests.helpers.paths import REPO

SPEECH = Path(os.environ.get("KEYVOX_SPEECH_DIR", REPO.parent / "shared" / "speech"))
PAUSE_S = 0.6
"""Silence between the clips joined into the long file, as between read sentences."""
MAX_TRIES = 50
"""A request refused this many times in a row counts as lost."""


@dataclass
class Tally:
    """What the clients saw, shared by their threads."""

    short_latency_s: list[float] = field(default_factory=list)
    """From the first try to the right answer, retries and their waits included."""
    long_latency_s: list[float] = field(default_factory=list)
    answered: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    """By status: 429, 503."""
    refused_without_retry_after: int = 0
    wrong_text: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    """Requests that never got an answer (an error, a timeout, or ``MAX_TRIES`` refusals)."""


def wav_bytes(audio: np.ndarray) -> bytes:
    out = io.BytesIO()
    soundfile.write(out, audio, SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()


def short_clips(limit_s: float = 5.0, count: int = 12) -> list[tuple[str, bytes]]:
    """English shared clips shorter than ``limit_s``: (name, WAV bytes)."""
    rows = [json.loads(line) for line in (SPEECH / "manifest.jsonl").read_text().splitlines() if line.strip()]
    chosen = [r for r in rows if r["lang"] == "en" and 1.0 <= r["duration_s"] < limit_s][:count]
    return [(row["audio"], wav_bytes(load_audio(SPEECH / row["audio"]))) for row in chosen]


def long_file(seconds: float) -> bytes:
    """English shared clips of 3 s and more joined with pauses until ``seconds`` long (none is that long)."""
    rows = [json.loads(line) for line in (SPEECH / "manifest.jsonl").read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["lang"] == "en" and r["duration_s"] >= 3.0]
    pause = np.zeros(int(PAUSE_S * SAMPLE_RATE), dtype=np.float32)
    parts, total, i = [], 0.0, 0
    while total < seconds:
        audio = load_audio(SPEECH / rows[i % len(rows)]["audio"])
        parts += [audio, pause]
        total += audio.shape[0] / SAMPLE_RATE + PAUSE_S
        i += 1
    return wav_bytes(np.concatenate(parts)[: int(seconds * SAMPLE_RATE)])


def client_for(number: int, timeout: float = 900.0) -> httpx.Client:
    """An HTTP client sending from loopback address 127.0.0.(10 + number)."""
    transport = httpx.HTTPTransport(local_address=f"127.0.0.{10 + number}")
    return httpx.Client(transport=transport, timeout=timeout)


def transcribe(http: httpx.Client, url: str, name: str, audio: bytes, tally: Tally, lock: threading.Lock):
    """One request until it is answered: waits each ``Retry-After`` and tries again. Returns the text and
    the seconds from the first try, or None when it was lost."""
    started = time.perf_counter()
    for _ in range(MAX_TRIES):
        try:
            response = http.post(
                f"{url}/v1/audio/transcriptions", files={"file": (name, audio)}, data={"model": "whisper-1"}
            )
        except httpx.HTTPError as exc:
            with lock:
                tally.lost.append(f"{name}: {type(exc).__name__}: {exc}")
            return None
        if response.status_code == 200:
            with lock:
                tally.answered += 1
            return response.json()["text"], time.perf_counter() - started
        if response.status_code in (429, 503):
            wait = response.headers.get("retry-after")
            with lock:
                tally.refused[str(response.status_code)] = tally.refused.get(str(response.status_code), 0) + 1
                if not (wait and wait.isdigit()):
                    tally.refused_without_retry_after += 1
            time.sleep(int(wait) if wait and wait.isdigit() else 1)
            continue
        with lock:
            tally.lost.append(f"{name}: HTTP {response.status_code}: {response.text[:200]}")
        return None
    with lock:
        tally.lost.append(f"{name}: refused {MAX_TRIES} times")
    return None


def expected_texts(url: str, clips: list[tuple[str, bytes]]) -> dict[str, str]:
    """What the server answers for each clip alone: the right text under load is the same text."""
    with client_for(0) as http:
        return {
            name: http.post(f"{url}/v1/audio/transcriptions", files={"file": (name, audio)}).json()["text"]
            for name, audio in clips
        }


def run_load(
    url: str,
    clips: list[tuple[str, bytes]],
    expected: dict[str, str],
    *,
    clients: int,
    seconds: float,
    long_audio: bytes | None = None,
    long_expected: str | None = None,
) -> Tally:
    """``clients`` threads send short clips in turn for ``seconds``; with ``long_audio`` one more sends the
    long file over and over. Requests started before the end are all waited for."""
    tally, lock = Tally(), threading.Lock()
    deadline = time.perf_counter() + seconds

    def short_client(number: int) -> None:
        with client_for(number) as http:
            turn = number
            while time.perf_counter() < deadline:
                name, audio = clips[turn % len(clips)]
                turn += 1
                answer = transcribe(http, url, name, audio, tally, lock)
                if answer is not None:
                    with lock:
                        tally.short_latency_s.append(answer[1])
                        if answer[0] != expected[name]:
                            tally.wrong_text.append(f"{name}: {answer[0]!r} != {expected[name]!r}")

    def long_client() -> None:
        with client_for(clients + 1) as http:
            while time.perf_counter() < deadline:
                answer = transcribe(http, url, "long.wav", long_audio, tally, lock)
                if answer is not None:
                    with lock:
                        tally.long_latency_s.append(answer[1])
                        if long_expected is not None and answer[0] != long_expected:
                            tally.wrong_text.append(f"long.wav: {len(answer[0])} characters differ")

    threads = [threading.Thread(target=short_client, args=(n + 1,)) for n in range(clients)]
    if long_audio is not None:
        threads.append(threading.Thread(target=long_client))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def over_the_limit(url: str, audio: bytes, burst: int) -> dict:
    """``burst`` requests at once, half from one address: some must be refused with 429/503 and a
    ``Retry-After``; once they are answered, a lone request must be answered again (the server recovered)."""
    statuses: list[int] = []
    retry_after: list[str | None] = []
    lock, gate = threading.Lock(), threading.Barrier(burst)

    def one(number: int) -> None:
        with client_for(number if number % 2 else 1) as http:
            gate.wait()
            response = http.post(f"{url}/v1/audio/transcriptions", files={"file": ("burst.wav", audio)})
            with lock:
                statuses.append(response.status_code)
                if response.status_code in (429, 503):
                    retry_after.append(response.headers.get("retry-after"))

    threads = [threading.Thread(target=one, args=(n + 1,)) for n in range(burst)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with client_for(0) as http:
        recovered = http.post(
            f"{url}/v1/audio/transcriptions", files={"file": ("after.wav", audio)}
        ).status_code
    return {
        "statuses": sorted(statuses),
        "refused_with_retry_after": sum(1 for value in retry_after if value and value.isdigit()),
        "refused": len(retry_after),
        "recovered_status": recovered,
    }


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))], 3)


def summary(tally: Tally) -> dict:
    row = asdict(tally)
    row["short_requests"] = len(tally.short_latency_s)
    row["short_p50_s"] = percentile(tally.short_latency_s, 0.5)
    row["short_p95_s"] = percentile(tally.short_latency_s, 0.95)
    row["short_latency_s"] = [round(v, 3) for v in tally.short_latency_s]
    row["long_latency_s"] = [round(v, 3) for v in tally.long_latency_s]
    return row
