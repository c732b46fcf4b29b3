"""``backend = "auto"`` and ``name = "auto"``: a pure decision from hardware facts and installed engines.

Nothing here touches the machine: ``choose`` takes a ``Hardware`` and the set of installed backends,
so every row of the table below is tested with made-up machines.

| machine                      | backend        | device   | compute   | model (name = auto)                           |
|------------------------------|----------------|----------|-----------|-----------------------------------------------|
| NVIDIA GPU (CUDA)            | faster-whisper | cuda     | float16   | turbo >= 4 GB, small >= 2 GB or unknown, base |
| AMD (ROCm) or Intel GPU (L0) | qwen-asr       | cuda/xpu | bfloat16  | Qwen3-ASR-1.7B (>= 8 GB), else 0.6B           |
| Apple Silicon                | qwen-asr       | mps      | bfloat16  | by unified memory, as above                   |
| CPU only                     | faster-whisper | cpu      | int8      | tiny.en (language en), else base              |
| CPU, only qwen-asr installed | qwen-asr       | cpu      | bf16/fp32 | Qwen3-ASR-0.6B                                |

A GPU row falls through to the next one when its engine is not installed, so auto always lands on
something that can load. qwen-asr-vllm is never picked by auto: it is experimental and Linux only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass

from keyvox.errors import BackendUnavailable, ConfigError
from keyvox.platform.hardware import Gpu, Hardware

FASTER_WHISPER, QWEN, QWEN_VLLM = "faster-whisper", "qwen-asr", "qwen-asr-vllm"
QWEN_SMALL, QWEN_LARGE = "Qwen/Qwen3-ASR-0.6B", "Qwen/Qwen3-ASR-1.7B"
QWEN_FAMILY = (QWEN, QWEN_VLLM)


@dataclass(frozen=True)
class Choice:
    """The concrete engine, model, device and precision for a config, and why."""

    backend: str
    model: str
    device: str
    compute_type: str
    reason: str

    def summary(self) -> str:
        return f"{self.backend} {self.model} {self.compute_type} on {self.device} ({self.reason})"


def model_family(name: str) -> str | None:
    """Which engine family a model *name* belongs to, judged from the name alone (None: cannot tell)."""
    from keyvox.engines.registry import BACKENDS

    if name in BACKENDS[FASTER_WHISPER].model_names:
        return FASTER_WHISPER
    lowered = name.lower()
    if "qwen3-asr" in lowered:
        return QWEN
    if "whisper" in lowered:
        return FASTER_WHISPER
    return None


def choose(
    hardware: Hardware,
    installed: Collection[str],
    *,
    backend: str = "auto",
    name: str = "auto",
    language: str = "en",
    device: str = "auto",
    compute_type: str = "auto",
) -> Choice:
    """Resolve every ``auto`` in ``[model]``; explicit values are kept and checked against each other and
    against the machine (a device it does not have fails here, before anything loads)."""
    if device != "auto":
        check_device(hardware, device)
    if backend == "auto" and device != "auto":
        backend, device_hint, reason = _pick_backend(
            _only_device(hardware, device), installed, cpu_why=f'device = "{device}" set in config'
        )
    elif backend == "auto":
        backend, device_hint, reason = _pick_backend(hardware, installed)
    else:
        device_hint, reason = _device_for(backend, hardware), "set in config"
    family = model_family(name)
    if name != "auto" and family is not None and not _same_family(family, backend):
        raise ConfigError(
            f'[model] name = "{name}" is a {family} model, but the backend is {backend} ({reason}); '
            f'set backend = "{family}", or name = "auto" to let keyvox pick a {backend} model'
        )
    device = device if device != "auto" else device_hint
    if backend == FASTER_WHISPER and device.startswith("cuda") and not hardware.usable_gpus("nvidia"):
        raise BackendUnavailable(
            f'[model] device = "{device}" finds only an AMD GPU, and faster-whisper runs on '
            'NVIDIA GPUs only (CTranslate2 has no ROCm build); set backend = "qwen-asr" '
            'or device = "cpu"'
        )
    gpu = _gpu_for_device(hardware, device)
    if compute_type == "auto":
        compute_type = _compute_for(backend, device, hardware)
    if name == "auto":
        name, why = _model_for(backend, gpu, language)
        reason = f"{reason}; {why}"
    return Choice(backend, name, device, compute_type, reason)


def _same_family(family: str, backend: str) -> bool:
    return family == backend or (family == QWEN and backend in QWEN_FAMILY)


DEVICE_VENDORS = {"cuda": ("nvidia", "amd"), "xpu": ("intel",), "mps": ("apple",)}
"""GPU vendors behind each torch/CTranslate2 device name (ROCm builds of torch call AMD GPUs ``cuda``)."""
DEVICE_HARDWARE = {
    "cuda": "NVIDIA GPU with CUDA (or AMD GPU with ROCm)",
    "xpu": "Intel GPU with Level Zero",
    "mps": "Apple Silicon GPU",
}
DEVICE_NOTES = {"cuda": ("NVIDIA", "AMD"), "xpu": ("Intel",), "mps": ()}


def check_device(hw: Hardware, device: str) -> None:
    """Refuse, in one line with the fix, a device this machine does not have."""
    base = device.partition(":")[0]
    if base == "rocm":
        raise ConfigError(
            '[model] device = "rocm" is not a device name: AMD GPUs with ROCm are device = "cuda" '
            '(with a ROCm build of torch and backend = "qwen-asr"), or use device = "auto"'
        )
    if base not in DEVICE_VENDORS or [g for g in hw.usable_gpus() if g.vendor in DEVICE_VENDORS[base]]:
        return
    if base == "cuda" and any("CTranslate2 not installed" in note for note in hw.notes):
        return  # no CUDA probe here without CTranslate2: torch's own check in qwen-asr answers before loading
    found = [note for note in hw.notes if note.startswith(DEVICE_NOTES[base])]
    why = f" ({'; '.join(found)})" if found else ""
    raise BackendUnavailable(
        f'[model] device = "{device}" but this machine has no usable '
        f'{DEVICE_HARDWARE[base]}{why}; set device = "auto" or "cpu" (or pass --device cpu)'
    )


def _only_device(hw: Hardware, device: str) -> Hardware:
    """``hw`` as auto should see it when the device is given: only the GPUs behind that device."""
    vendors = DEVICE_VENDORS.get(device.partition(":")[0], ())
    return dataclasses.replace(hw, gpus=tuple(g for g in hw.gpus if g.vendor in vendors))


def _pick_backend(
    hw: Hardware, installed: Collection[str], cpu_why: str | None = None
) -> tuple[str, str, str]:
    nvidia, amd, intel, apple = (hw.usable_gpus(v) for v in ("nvidia", "amd", "intel", "apple"))
    if nvidia and FASTER_WHISPER in installed:
        return (
            FASTER_WHISPER,
            "cuda",
            f"auto: NVIDIA GPU ({nvidia[0].name}) found, faster-whisper is fastest there",
        )
    if nvidia and QWEN in installed:
        return QWEN, "cuda", f"auto: NVIDIA GPU ({nvidia[0].name}) found and only qwen-asr is installed"
    for gpus, label in (
        (amd, "AMD GPU with ROCm"),
        (intel, "Intel GPU with Level Zero"),
        (apple, "Apple GPU"),
    ):
        if gpus and QWEN in installed:
            return (
                QWEN,
                gpus[0].torch_device.replace(":0", ""),
                f"auto: {label} ({gpus[0].name}) found, qwen-asr runs on it through torch",
            )
    cpu_why = cpu_why or _cpu_reason(hw, nvidia or amd or intel or apple)
    if FASTER_WHISPER in installed:
        return FASTER_WHISPER, "cpu", f"auto: {cpu_why}; faster-whisper int8 is the lighter engine on a CPU"
    if QWEN in installed:
        return QWEN, "cpu", f"auto: {cpu_why}; qwen-asr is the only installed engine"
    from keyvox.engines.registry import BACKENDS, install_command

    raise BackendUnavailable(
        "no speech-recognition backend is installed; install one with: "
        f"{install_command(BACKENDS[FASTER_WHISPER])}"
    )


def _cpu_reason(hw: Hardware, gpus_present: list[Gpu]) -> str:
    unusable = [g for g in hw.gpus if not g.usable]
    if unusable:
        return f"{unusable[0].vendor} GPU found without its compute runtime, using the CPU ({hw.cpu_cores} cores)"
    if gpus_present:
        return f"{gpus_present[0].vendor} GPU found but qwen-asr is not installed, using the CPU ({hw.cpu_cores} cores)"
    return f"no usable GPU, using the CPU ({hw.cpu_cores} cores)"


def _device_for(backend: str, hw: Hardware) -> str:
    """The device ``auto`` means when the backend was chosen by the user."""
    if backend == FASTER_WHISPER:
        return "cuda" if hw.usable_gpus("nvidia") else "cpu"
    for vendor in ("nvidia", "amd", "intel") + (("apple",) if backend == QWEN else ()):
        gpus = hw.usable_gpus(vendor)
        if gpus:
            return gpus[0].torch_device.replace(":0", "")
    return "cpu"


def _gpu_for_device(hw: Hardware, device: str) -> Gpu | None:
    base, _, index = device.partition(":")
    if base == "cpu":
        return None
    wanted = {"cuda": ("nvidia", "amd"), "xpu": ("intel",), "mps": ("apple",)}.get(base, ())
    gpus = [g for g in hw.usable_gpus() if g.vendor in wanted]
    if index.isdigit():
        gpus = [g for g in gpus if g.index == int(index)] or gpus
    return gpus[0] if gpus else None


def _compute_for(backend: str, device: str, hw: Hardware) -> str:
    on_cpu = device.startswith("cpu")
    if backend == FASTER_WHISPER:
        return "int8" if on_cpu else "float16"
    # bfloat16 is the Qwen default; a CPU without native bf16 runs it slower than float32.
    return "float32" if on_cpu and not hw.cpu_bf16 else "bfloat16"


def _model_for(backend: str, gpu: Gpu | None, language: str) -> tuple[str, str]:
    english = language == "en"
    vram = gpu.vram_mb if gpu else None
    if backend == FASTER_WHISPER:
        if gpu is None:
            # The CPU defaults are the models that install from PyPI, so a first start works offline.
            return (
                ("tiny.en", "tiny.en: English on a CPU")
                if english
                else ("base", "base: multilingual on a CPU")
            )
        if vram is not None and vram >= 4096:
            return "large-v3-turbo", f"large-v3-turbo fits {_vram(vram)}"
        if vram is None or vram >= 2048:
            return ("small.en" if english else "small"), f"small fits {_vram(vram)}"
        return ("base.en" if english else "base"), f"base fits {_vram(vram)}"
    if gpu is not None and vram is not None and vram >= 8192:
        return QWEN_LARGE, f"Qwen3-ASR-1.7B fits {_vram(vram)}"
    where = _vram(vram) if gpu is not None else "the CPU"
    return QWEN_SMALL, f"Qwen3-ASR-0.6B suits {where}"


def _vram(vram_mb: int | None) -> str:
    return f"{vram_mb / 1024:.0f} GB of VRAM" if vram_mb else "a GPU of unknown memory"
