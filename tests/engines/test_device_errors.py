"""A device the machine does not have is a one-line error with the fix, before any model loads, and the
``using …`` line tells the truth about what was chosen."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from keyvox.engines.auto import choose
from keyvox.errors import BackendUnavailable, ConfigError
from keyvox.platform.hardware import Gpu, Hardware, detect_hardware
from tests.helpers.paths import REPO

BOTH = {"faster-whisper", "qwen-asr"}
NVIDIA = Gpu("nvidia", "RTX 4090", 24564, 0, "cuda", "cuda:0")
AMD = Gpu("amd", "Radeon RX 7800 XT", 16368, 0, "rocm", "cuda:0")
PROBED = ("NVIDIA: none (no CUDA device seen by CTranslate2, no nvidia-smi)",)


def machine(*gpus: Gpu, notes: tuple[str, ...] = PROBED) -> Hardware:
    return Hardware(
        system="linux",
        machine="x86_64",
        cpu_model="Test CPU",
        cpu_cores=8,
        cpu_features=("avx2",),
        ram_mb=16384,
        gpus=gpus,
        notes=notes,
    )


@pytest.mark.parametrize(
    "device, hardware",
    [
        ("cuda", "NVIDIA GPU"),
        ("cuda:0", "NVIDIA GPU"),
        ("xpu", "Intel GPU"),
        ("mps", "Apple Silicon GPU"),
    ],
)
@pytest.mark.parametrize("backend", ["auto", "faster-whisper", "qwen-asr"])
def test_missing_device_is_refused_with_the_fix(device, hardware, backend):
    with pytest.raises(BackendUnavailable) as caught:
        choose(machine(), BOTH, backend=backend, device=device)
    message = str(caught.value)
    assert "\n" not in message
    assert f'device = "{device}"' in message and hardware in message and 'device = "auto" or "cpu"' in message


def test_rocm_is_named_cuda():
    with pytest.raises(ConfigError, match='AMD GPUs with ROCm are device = "cuda"'):
        choose(machine(AMD), BOTH, device="rocm")


def test_faster_whisper_refuses_an_amd_gpu():
    with pytest.raises(BackendUnavailable, match="NVIDIA GPUs only"):
        choose(machine(AMD), BOTH, backend="faster-whisper", device="cuda")
    assert choose(machine(AMD), BOTH, backend="qwen-asr", device="cuda").device == "cuda"


def test_present_devices_are_kept():
    assert choose(machine(NVIDIA), BOTH, device="cuda").device == "cuda"
    assert choose(machine(AMD), BOTH, device="cuda").backend == "qwen-asr"


def test_without_ctranslate2_cuda_is_left_to_torch():
    # No CTranslate2 means no CUDA probe here; qwen-asr's own torch check answers before loading.
    unprobed = machine(notes=("NVIDIA: none (no nvidia-smi; CTranslate2 not installed)",))
    assert choose(unprobed, {"qwen-asr"}, device="cuda").device == "cuda"


def test_reason_matches_the_device_given():
    choice = choose(machine(NVIDIA), BOTH, device="cpu")
    assert (choice.backend, choice.device) == ("faster-whisper", "cpu")
    assert 'device = "cpu" set in config' in choice.reason and "NVIDIA" not in choice.reason
    gpu = choose(machine(NVIDIA), BOTH, device="cuda")
    assert "NVIDIA GPU (RTX 4090)" in gpu.reason and "CPU" not in gpu.reason


@pytest.mark.skipif(bool(detect_hardware().usable_gpus()), reason="needs a machine without a GPU")
def test_transcribe_on_a_missing_gpu_is_one_line(manifest):
    clip = next(row["path"] for row in manifest if row["lang"] == "en")
    done = subprocess.run(
        [sys.executable, "-m", "keyvox", "transcribe", "--device", "cuda", str(clip)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert 'device = "cuda"' in lines[0] and "cpu" in lines[0] and "Traceback" not in done.stderr
    assert done.stdout == ""
