"""Backend registry and the one factory that builds a transcriber from the config.

Adding an engine is one module in this package plus one ``BackendSpec`` line below. Nothing here
imports an engine's package until that engine is asked for, so ``keyvox --help`` stays instant.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from keyvox.backends.base import BaseTranscriber, Transcriber, Transcription
from keyvox.backends.qwen_common import QWEN_COMPUTE_TYPES, QWEN_DEVICES, QWEN_MODELS
from keyvox.errors import BackendUnavailable, ConfigError

if TYPE_CHECKING:
    from keyvox.backends.auto import Choice
    from keyvox.config import Config

__all__ = ["BACKENDS", "BackendSpec", "Transcriber", "Transcription", "BaseTranscriber",
           "create_transcriber", "backend_names", "is_installed", "installed_backends", "plan", "resolve_backend"]


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
    "tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en",
    "large-v1", "large-v2", "large-v3", "large-v3-turbo", "turbo",
    "distil-large-v3", "distil-medium.en", "distil-small.en",
)

BACKENDS: dict[str, BackendSpec] = {spec.name: spec for spec in (
    BackendSpec(
        name="faster-whisper",
        module="keyvox.backends.faster_whisper",
        class_name="FasterWhisperTranscriber",
        package="faster_whisper",
        install='pip install "keyvox[whisper]"',
        compute_types=("auto", "float16", "int8", "int8_float16", "int8_float32", "float32"),
        default_compute_type="auto",
        devices=("auto", "cuda", "cpu"),
        models=WHISPER_MODELS,
    ),
    BackendSpec("qwen-asr", "keyvox.backends.qwen_asr", "QwenAsrTranscriber", "qwen_asr",
                'pip install torch==2.13.0 "keyvox[qwen]" && pip install --no-deps qwen-asr==0.0.6',
                QWEN_COMPUTE_TYPES, "bfloat16", QWEN_DEVICES, QWEN_MODELS),
    BackendSpec("qwen-asr-vllm", "keyvox.backends.qwen_asr_vllm", "QwenAsrVllmTranscriber", "vllm",
                'pip install "keyvox[vllm]"', QWEN_COMPUTE_TYPES, "bfloat16", ("auto", "cuda", "cpu"), QWEN_MODELS,
                platforms=("linux",)),
    BackendSpec(name="remote", module="keyvox.backends.remote", class_name="RemoteTranscriber", package="httpx",
                install='pip install "keyvox[server]"', compute_types=("auto",), default_compute_type="auto",
                devices=("auto", "cpu", "cuda"), models=()),
)}

AUTO = "auto"


def backend_names() -> list[str]:
    """Every name ``[model] backend`` accepts."""
    return [AUTO, *BACKENDS]


def is_installed(name: str) -> bool:
    return importlib.util.find_spec(BACKENDS[name].package) is not None


def installed_backends() -> list[str]:
    return [name for name in BACKENDS if is_installed(name)]


def plan(config: Config, *, backend: str | None = None) -> Choice:
    """Every ``auto`` in ``[model]`` resolved from this machine's hardware and installed engines.

    ``backend`` pins the engine (a backend's own ``from_config`` passes its name).
    """
    from keyvox.backends.auto import Choice, choose
    from keyvox.hardware import detect_hardware

    model = config.model
    chosen = backend or model.backend
    if chosen in BACKENDS and not BACKENDS[chosen].models:
        # An engine elsewhere (remote): nothing on this machine to choose, the server decides.
        return Choice(chosen, model.name, model.device, model.compute_type, "set in config")
    choice = choose(detect_hardware(), installed_backends(), backend=chosen, name=model.name,
                    language=model.language, device=model.device, compute_type=model.compute_type)
    spec = BACKENDS[choice.backend]
    if choice.compute_type not in spec.compute_types:
        raise ConfigError(f"[model] compute_type = \"{choice.compute_type}\" is not valid for {choice.backend} "
                          f"({choice.reason}); choose {', '.join(spec.compute_types)}")
    if choice.device.partition(":")[0] not in spec.devices:
        raise ConfigError(f"[model] device = \"{choice.device}\" is not valid for {choice.backend} "
                          f"({choice.reason}); choose {', '.join(spec.devices)}")
    return choice


def resolve_backend(config: Config) -> tuple[str, str]:
    """The concrete backend for ``config`` and the reason it was chosen."""
    choice = plan(config)
    return choice.backend, choice.reason


def check_platform(spec: BackendSpec, platform: str | None = None) -> None:
    platform = platform or sys.platform
    if not any(platform.startswith(p) for p in spec.platforms):
        hint = ' (use backend = "qwen-asr": the same models on torch)' if spec.name == "qwen-asr-vllm" else ""
        raise BackendUnavailable(f"backend \"{spec.name}\" runs only on {', '.join(spec.platforms)}, "
                                 f"not on {platform}{hint}")


def create_transcriber(config: Config, *, announce: Callable[[str], None] | None = None) -> Transcriber:
    """Build, load and warm the transcriber the config asks for.

    What ``auto`` chose, and why, goes to ``announce`` (default: a line on stderr).
    """
    backend = config.model.backend
    if backend != AUTO and backend not in BACKENDS:
        raise ConfigError(
            f"[model] backend = \"{backend}\" is not a known backend (choose {', '.join(backend_names())})"
        )
    if backend != AUTO:
        check_platform(BACKENDS[backend])
    choice = plan(config)
    spec = BACKENDS[choice.backend]
    if not is_installed(choice.backend):
        raise BackendUnavailable(
            f"backend \"{choice.backend}\" needs the {spec.package} package, which is not installed; "
            f"install it with: {spec.install}"
        )
    if BACKENDS[choice.backend].models and AUTO in (config.model.backend, config.model.name, config.model.device,
                                                    config.model.compute_type):
        (announce or _to_stderr)(f"keyvox: using {choice.summary()}")
    concrete = dataclasses.replace(config, model=dataclasses.replace(
        config.model, backend=choice.backend, name=choice.model, device=choice.device,
        compute_type=choice.compute_type))
    module = importlib.import_module(spec.module)
    cls = getattr(module, spec.class_name)
    return cls.from_config(concrete)


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
