"""backend = "auto": every row of the decision table, as a pure function of made-up machines."""

from __future__ import annotations

import pytest

from keyvox.engines.auto import choose, model_family
from keyvox.errors import BackendUnavailable, ConfigError
from keyvox.platform.hardware import Gpu, Hardware

BOTH = {"faster-whisper", "qwen-asr"}


def machine(*gpus: Gpu, features: tuple[str, ...] = ("avx", "avx2")) -> Hardware:
    return Hardware(
        system="linux",
        machine="x86_64",
        cpu_model="Test CPU",
        cpu_cores=8,
        cpu_features=features,
        ram_mb=16384,
        gpus=gpus,
    )


NVIDIA_24G = Gpu("nvidia", "RTX 4090", 24564, 0, "cuda", "cuda:0")
NVIDIA_3G = Gpu("nvidia", "GTX 1060 3GB", 3072, 0, "cuda", "cuda:0")
NVIDIA_1G = Gpu("nvidia", "GT 710", 1024, 0, "cuda", "cuda:0")
NVIDIA_UNKNOWN = Gpu("nvidia", "NVIDIA GPU", None, 0, "cuda", "cuda:0")
AMD_16G = Gpu("amd", "Radeon RX 7800 XT", 16368, 0, "rocm", "cuda:0")
AMD_4G_NO_ROCM = Gpu("amd", "Radeon Vega 8", 4096, 0, None, "cuda:0")
INTEL_ARC_6G = Gpu("intel", "Arc A380", 6144, 0, "level-zero", "xpu:0")
APPLE = Gpu("apple", "Apple Silicon GPU", 16384, 0, "metal", "mps")


@pytest.mark.parametrize(
    "hw, installed, language, expected",
    [
        # NVIDIA -> faster-whisper float16 on CUDA, model by VRAM
        (machine(NVIDIA_24G), BOTH, "en", ("faster-whisper", "large-v3-turbo", "cuda", "float16")),
        (machine(NVIDIA_3G), BOTH, "en", ("faster-whisper", "small.en", "cuda", "float16")),
        (machine(NVIDIA_3G), BOTH, "de", ("faster-whisper", "small", "cuda", "float16")),
        (machine(NVIDIA_1G), BOTH, "fr", ("faster-whisper", "base", "cuda", "float16")),
        (machine(NVIDIA_UNKNOWN), BOTH, "en", ("faster-whisper", "small.en", "cuda", "float16")),
        # NVIDIA but only qwen-asr installed -> qwen-asr on CUDA
        (machine(NVIDIA_24G), {"qwen-asr"}, "en", ("qwen-asr", "Qwen/Qwen3-ASR-1.7B", "cuda", "bfloat16")),
        # AMD with ROCm -> qwen-asr on torch's "cuda" (ROCm builds use that name); Intel -> xpu
        (machine(AMD_16G), BOTH, "en", ("qwen-asr", "Qwen/Qwen3-ASR-1.7B", "cuda", "bfloat16")),
        (machine(INTEL_ARC_6G), BOTH, "en", ("qwen-asr", "Qwen/Qwen3-ASR-0.6B", "xpu", "bfloat16")),
        (machine(APPLE), BOTH, "en", ("qwen-asr", "Qwen/Qwen3-ASR-1.7B", "mps", "bfloat16")),
        # AMD/Intel GPU but qwen-asr missing, or no ROCm runtime -> the CPU row
        (machine(AMD_16G), {"faster-whisper"}, "en", ("faster-whisper", "tiny.en", "cpu", "int8")),
        (machine(AMD_4G_NO_ROCM), BOTH, "en", ("faster-whisper", "tiny.en", "cpu", "int8")),
        # CPU only -> faster-whisper int8, tiny.en for English, base otherwise (both install offline)
        (machine(), BOTH, "en", ("faster-whisper", "tiny.en", "cpu", "int8")),
        (machine(), BOTH, "de", ("faster-whisper", "base", "cpu", "int8")),
        (machine(), BOTH, "auto", ("faster-whisper", "base", "cpu", "int8")),
        (machine(), {"faster-whisper", "qwen-asr-vllm"}, "en", ("faster-whisper", "tiny.en", "cpu", "int8")),
        # CPU only with only qwen-asr -> qwen-asr 0.6B; bfloat16 only where the CPU computes it natively
        (machine(), {"qwen-asr"}, "en", ("qwen-asr", "Qwen/Qwen3-ASR-0.6B", "cpu", "float32")),
        (
            machine(features=("avx512f", "avx512_bf16")),
            {"qwen-asr"},
            "en",
            ("qwen-asr", "Qwen/Qwen3-ASR-0.6B", "cpu", "bfloat16"),
        ),
    ],
)
def test_decision_table(hw, installed, language, expected):
    choice = choose(hw, installed, language=language)
    assert (choice.backend, choice.model, choice.device, choice.compute_type) == expected
    assert choice.reason.startswith("auto: ")


def test_reasons_say_why():
    assert "NVIDIA GPU (RTX 4090)" in choose(machine(NVIDIA_24G), BOTH).reason
    assert "24 GB of VRAM" in choose(machine(NVIDIA_24G), BOTH).reason
    assert "without its compute runtime" in choose(machine(AMD_4G_NO_ROCM), BOTH).reason
    assert "qwen-asr is not installed" in choose(machine(AMD_16G), {"faster-whisper"}).reason
    assert "no usable GPU" in choose(machine(), BOTH).reason


def test_nothing_installed_is_a_clear_error():
    with pytest.raises(BackendUnavailable, match="no speech-recognition backend is installed.*pip install"):
        choose(machine(), set())
    with pytest.raises(BackendUnavailable):
        choose(machine(), {"qwen-asr-vllm"})  # never picked by auto: experimental


def test_explicit_values_are_kept():
    choice = choose(
        machine(NVIDIA_24G),
        BOTH,
        backend="faster-whisper",
        name="medium",
        device="cuda:1",
        compute_type="int8_float16",
    )
    assert (choice.backend, choice.model, choice.device, choice.compute_type) == (
        "faster-whisper",
        "medium",
        "cuda:1",
        "int8_float16",
    )
    assert choice.reason == "set in config"


def test_explicit_backend_gets_a_fitting_model_and_device():
    choice = choose(machine(AMD_16G), BOTH, backend="qwen-asr")
    assert (choice.model, choice.device, choice.compute_type) == ("Qwen/Qwen3-ASR-1.7B", "cuda", "bfloat16")
    assert choose(machine(AMD_16G), BOTH, backend="faster-whisper").device == "cpu"  # CTranslate2 has no ROCm
    assert choose(machine(), BOTH, backend="qwen-asr-vllm").model == "Qwen/Qwen3-ASR-0.6B"


@pytest.mark.parametrize(
    "hw, backend, name",
    [
        (machine(NVIDIA_24G), "auto", "Qwen/Qwen3-ASR-1.7B"),  # auto picks faster-whisper, name is Qwen's
        (machine(AMD_16G), "auto", "large-v3-turbo"),  # auto picks qwen-asr, name is Whisper's
        (machine(), "faster-whisper", "Qwen/Qwen3-ASR-0.6B"),
        (machine(), "qwen-asr", "tiny.en"),
        (machine(), "qwen-asr-vllm", "distil-large-v3"),
    ],
)
def test_model_of_the_other_backend_fails_before_loading(hw, backend, name):
    with pytest.raises(ConfigError) as caught:
        choose(hw, BOTH, backend=backend, name=name)
    message = str(caught.value)
    assert f'name = "{name}"' in message and "\n" not in message and "set backend" in message


def test_model_family():
    assert model_family("tiny.en") == "faster-whisper"
    assert model_family("Systran/faster-whisper-small") == "faster-whisper"
    assert model_family("Qwen/Qwen3-ASR-1.7B") == "qwen-asr"
    assert model_family("/models/my-finetune") is None  # a folder is judged by its contents, at load time
