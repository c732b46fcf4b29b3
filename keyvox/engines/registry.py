"""The engine registry: what keyvox knows about each engine before importing it.

Adding an engine is one module in this package plus one ``BackendSpec`` line below. Nothing here
imports an engine's package, so ``keyvox --help`` and the config check stay instant.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass

from keyvox.engines.qwen_common import QWEN_COMPUTE_TYPES, QWEN_DEVICES, QWEN_MODELS
from keyvox.errors import BackendUnavailable


@dataclass(frozen=True)
class BackendSpec:
    """What keyvox knows about an engine before importing it."""

    name: str
    module: str
    class_name: str
    package: str
    """Importable package whose presence means the engine is installed."""
    install: str
    """The exact command that installs it."""
    compute_types: tuple[str, ...]
    default_compute_type: str
    devices: tuple[str, ...]
    models: tuple[str, ...]
    """Model names the engine knows by heart (a local directory path is always accepted too)."""
    platforms: tuple[str, ...] = ("linux", "win32", "darwin")
    """Values of ``sys.platform`` (prefix) the engine runs on."""


WHISPER_MODELS = (
    "tiny",
    "tiny.en",
    "base",
    "base.en",
    "small",
    "small.en",
    "medium",
    "medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large-v3-turbo",
    "turbo",
    "distil-large-v3",
    "distil-medium.en",
    "distil-small.en",
)

BACKENDS: dict[str, BackendSpec] = {
    spec.name: spec
    for spec in (
        BackendSpec(
            name="faster-whisper",
            module="keyvox.engines.faster_whisper",
            class_name="FasterWhisperTranscriber",
            package="faster_whisper",
            install='pip install "keyvox[whisper]"',
            compute_types=("auto", "float16", "int8", "int8_float16", "int8_float32", "float32"),
            default_compute_type="auto",
            devices=("auto", "cuda", "cpu"),
            models=WHISPER_MODELS,
        ),
        BackendSpec(
            "qwen-asr",
            "keyvox.engines.qwen_asr",
            "QwenAsrTranscriber",
            "qwen_asr",
            'pip install torch==2.13.0 "keyvox[qwen]" && pip install --no-deps qwen-asr==0.0.6',
            QWEN_COMPUTE_TYPES,
            "bfloat16",
            QWEN_DEVICES,
            QWEN_MODELS,
        ),
        BackendSpec(
            "qwen-asr-vllm",
            "keyvox.engines.qwen_asr_vllm",
            "QwenAsrVllmTranscriber",
            "vllm",
            'pip install "keyvox[vllm]"',
            QWEN_COMPUTE_TYPES,
            "bfloat16",
            ("auto", "cuda", "cpu"),
            QWEN_MODELS,
            platforms=("linux",),
        ),
        BackendSpec(
            name="remote",
            module="keyvox.engines.remote",
            class_name="RemoteTranscriber",
            package="httpx",
            install='pip install "keyvox[server]"',
            compute_types=("auto",),
            default_compute_type="auto",
            devices=("auto", "cpu", "cuda"),
            models=(),
        ),
    )
}

AUTO = "auto"


def backend_names() -> list[str]:
    """Every name ``[model] backend`` accepts."""
    return [AUTO, *BACKENDS]


def is_installed(name: str) -> bool:
    return importlib.util.find_spec(BACKENDS[name].package) is not None


def installed_backends() -> list[str]:
    return [name for name in BACKENDS if is_installed(name)]


def check_platform(spec: BackendSpec, platform: str | None = None) -> None:
    platform = platform or sys.platform
    if not any(platform.startswith(p) for p in spec.platforms):
        hint = ' (use backend = "qwen-asr": the same models on torch)' if spec.name == "qwen-asr-vllm" else ""
        raise BackendUnavailable(
            f'backend "{spec.name}" runs only on {", ".join(spec.platforms)}, not on {platform}{hint}'
        )
