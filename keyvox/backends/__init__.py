"""Backend registry and the one factory that builds a transcriber from the config.

Adding an engine is one module in this package plus one ``BackendSpec`` line below. Nothing here
imports an engine's package until that engine is asked for, so ``keyvox --help`` stays instant.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import TYPE_CHECKING

from keyvox.backends.base import BaseTranscriber, Transcriber, Transcription
from keyvox.errors import BackendUnavailable, ConfigError

if TYPE_CHECKING:
    from keyvox.config import Config

__all__ = ["BACKENDS", "BackendSpec", "Transcriber", "Transcription", "BaseTranscriber",
           "create_transcriber", "backend_names", "is_installed", "resolve_backend"]


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


def resolve_backend(config: Config) -> tuple[str, str]:
    """The concrete backend for ``config`` and the reason it was chosen."""
    name = config.model.backend
    if name != AUTO:
        return name, "set in config"
    if is_installed("faster-whisper"):
        return "faster-whisper", "auto: faster-whisper is installed"
    installed = [n for n in BACKENDS if is_installed(n)]
    if installed:
        return installed[0], f"auto: {installed[0]} is the only installed backend"
    raise BackendUnavailable(
        f"no speech-recognition backend is installed; install one with: {BACKENDS['faster-whisper'].install}"
    )


def create_transcriber(config: Config) -> Transcriber:
    """Build, load and warm the transcriber the config asks for."""
    name, _reason = resolve_backend(config)
    spec = BACKENDS.get(name)
    if spec is None:
        raise ConfigError(
            f"[model] backend = \"{name}\" is not a known backend (choose {', '.join(backend_names())})"
        )
    if not is_installed(name):
        raise BackendUnavailable(
            f"backend \"{name}\" needs the {spec.package} package, which is not installed; install it with: {spec.install}"
        )
    module = importlib.import_module(spec.module)
    cls = getattr(module, spec.class_name)
    return cls.from_config(config)
