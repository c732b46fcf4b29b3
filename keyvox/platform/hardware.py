"""What this machine has for speech recognition: GPUs (NVIDIA, AMD, Intel, Apple) and the CPU.

Detection never imports torch (seconds of start-up and gigabytes of memory for a yes/no answer):
NVIDIA is found through CTranslate2's CUDA device count and ``nvidia-smi``, AMD through ROCm's
``rocm-smi`` and the kernel's ``/sys/class/drm``, Intel through the same sysfs tree and the Level
Zero loader, Apple Silicon from the platform, and the CPU from ``/proc/cpuinfo``. When torch has
already been imported by someone else, its answers are used as extra evidence, never as the only one.

A GPU counts as *usable* only when the runtime that drives it is present (CUDA for NVIDIA, ROCm's
``/dev/kfd`` for AMD, Level Zero for Intel): a card with no compute runtime cannot run a model.
"""

from __future__ import annotations

import ctypes.util
import functools
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# CPU features that decide how fast CTranslate2 and torch run on the CPU.
CPU_FEATURES = (
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512_vnni",
    "avx512_bf16",
    "amx_bf16",
    "neon",
    "asimd",
)
VENDOR_IDS = {"0x10de": "nvidia", "0x1002": "amd", "0x8086": "intel"}


@dataclass(frozen=True)
class Gpu:
    """One graphics processor and whether a model can run on it."""

    vendor: str
    """``nvidia``, ``amd``, ``intel`` or ``apple``."""
    name: str
    vram_mb: int | None
    """Dedicated memory, or None when it could not be read (Apple: the unified memory)."""
    index: int = 0
    runtime: str | None = None
    """The compute stack that drives it (``cuda``, ``rocm``, ``level-zero``, ``metal``), or None when absent."""
    torch_device: str = "cpu"
    """The torch device string a model on this GPU would use (ROCm builds of torch call AMD GPUs ``cuda``)."""

    @property
    def usable(self) -> bool:
        return self.runtime is not None


@dataclass(frozen=True)
class Hardware:
    """Facts about this machine, gathered once; every field is plain data so doctor can print it."""

    system: str
    """``linux``, ``windows`` or ``darwin``."""
    machine: str
    cpu_model: str
    cpu_cores: int
    """Logical cores this process may use."""
    cpu_features: tuple[str, ...]
    ram_mb: int | None
    gpus: tuple[Gpu, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    """How each fact was found, and what could not be checked."""

    def usable_gpus(self, vendor: str | None = None) -> list[Gpu]:
        return [g for g in self.gpus if g.usable and (vendor is None or g.vendor == vendor)]

    @property
    def has_avx512(self) -> bool:
        return "avx512f" in self.cpu_features

    @property
    def cpu_bf16(self) -> bool:
        """True when the CPU computes bfloat16 natively (AVX-512 BF16 or AMX), so bf16 is not slower than fp32."""
        return "avx512_bf16" in self.cpu_features or "amx_bf16" in self.cpu_features


@functools.lru_cache(maxsize=1)
def detect_hardware() -> Hardware:
    """Look at this machine once per process (the answer does not change while keyvox runs)."""
    notes: list[str] = []
    model, features = _cpu_info(notes)
    gpus = [*_nvidia_gpus(notes), *_sysfs_gpus("amd", notes), *_sysfs_gpus("intel", notes), *_apple_gpu()]
    gpus += _torch_hip_gpus(gpus, notes)
    return Hardware(
        system=_system(),
        machine=platform.machine(),
        cpu_model=model,
        cpu_cores=_cores(),
        cpu_features=features,
        ram_mb=_ram_mb(),
        gpus=tuple(gpus),
        notes=tuple(notes),
    )


def _system() -> str:
    return {"win32": "windows", "darwin": "darwin"}.get(
        sys.platform, "linux" if sys.platform.startswith("linux") else sys.platform
    )


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _cpu_info(notes: list[str]) -> tuple[str, tuple[str, ...]]:
    model, flags = platform.processor() or platform.machine(), set()
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        notes.append("CPU features not read (/proc/cpuinfo is missing on this system)")
        return model, ()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware", "cpu model") and value.strip():
            model = value.strip()
        elif key in ("flags", "features"):
            flags.update(value.split())
    return model, tuple(f for f in CPU_FEATURES if f in flags)


def _ram_mb() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1 << 20)
    except (AttributeError, ValueError, OSError):
        return None


def _run(command: list[str], timeout: float = 5.0) -> str | None:
    """Output of a vendor tool, or None when it is missing or fails (a broken driver must not stop keyvox)."""
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


# --- NVIDIA -------------------------------------------------------------------------------------


def _nvidia_gpus(notes: list[str]) -> list[Gpu]:
    count = _ctranslate2_cuda_count(notes)
    listing = _run(["nvidia-smi", "--query-gpu=index,name,memory.total", "--format=csv,noheader,nounits"])
    gpus = []
    for line in (listing or "").splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 3 and parts[0].isdigit():
            vram = int(float(parts[2])) if parts[2].replace(".", "", 1).isdigit() else None
            gpus.append(Gpu("nvidia", parts[1], vram, int(parts[0]), "cuda", f"cuda:{parts[0]}"))
    if gpus:
        notes.append(f"NVIDIA: {len(gpus)} GPU(s) listed by nvidia-smi")
        return gpus
    if count:
        notes.append(f"NVIDIA: CTranslate2 sees {count} CUDA device(s); nvidia-smi unavailable, VRAM unknown")
        return [Gpu("nvidia", "NVIDIA GPU", None, i, "cuda", f"cuda:{i}") for i in range(count)]
    notes.append(
        "NVIDIA: none (no CUDA device seen by CTranslate2, no nvidia-smi)"
        if count == 0
        else "NVIDIA: none (no nvidia-smi; CTranslate2 not installed)"
    )
    return []


def _ctranslate2_cuda_count(notes: list[str]) -> int | None:
    try:
        import ctranslate2
    except ImportError:
        return None
    try:
        return int(ctranslate2.get_cuda_device_count())
    except (RuntimeError, OSError) as exc:
        notes.append(f"NVIDIA: CTranslate2 could not query CUDA ({str(exc).splitlines()[0][:120]})")
        return 0


# --- AMD and Intel, through the kernel's DRM tree -------------------------------------------------


def _sysfs_gpus(vendor: str, notes: list[str], root: Path = Path("/sys/class/drm")) -> list[Gpu]:
    """Cards of one vendor listed by the kernel, with VRAM where the driver reports it."""
    if not sys.platform.startswith("linux") and root == Path("/sys/class/drm"):
        notes.append(
            f"{'AMD' if vendor == 'amd' else 'Intel'} GPU: detected on Linux only; set device yourself"
        )
        return []
    cards = []
    for card in sorted(root.glob("card[0-9]*")) if root.is_dir() else []:
        if "-" in card.name:
            continue  # connectors such as card0-HDMI-A-1
        device = card / "device"
        vendor_id = _read(device / "vendor")
        if VENDOR_IDS.get(vendor_id or "") != vendor:
            continue
        vram = _read(device / "mem_info_vram_total")  # amdgpu (and xe for Intel discrete cards)
        vram_mb = int(vram) // (1 << 20) if vram and vram.isdigit() else None
        cards.append((card, vram_mb, _read(device / "device") or "?"))
    if not cards:
        where = "no /sys/class/drm on this system" if not root.is_dir() else "none in /sys/class/drm"
        notes.append(f"{'AMD' if vendor == 'amd' else 'Intel'} GPU: {where}")
        return []
    if vendor == "amd":
        runtime = "rocm" if Path("/dev/kfd").exists() else None
        names = _rocm_names()
        notes.append(
            f"AMD: {len(cards)} GPU(s) in /sys/class/drm; ROCm "
            + ("present (/dev/kfd)" if runtime else "absent (no /dev/kfd), so the GPU cannot run models")
        )
        return [
            Gpu("amd", names.get(i, f"AMD GPU {dev}"), vram, i, runtime, f"cuda:{i}")
            for i, (_card, vram, dev) in enumerate(cards)
        ]
    runtime = "level-zero" if ctypes.util.find_library("ze_loader") else None
    notes.append(
        f"Intel: {len(cards)} GPU(s) in /sys/class/drm; Level Zero "
        + ("present" if runtime else "absent (no libze_loader), so the GPU cannot run models")
    )
    return [
        Gpu("intel", f"Intel GPU {dev}", vram, i, runtime, f"xpu:{i}")
        for i, (_card, vram, dev) in enumerate(cards)
    ]


def _rocm_names() -> dict[int, str]:
    output = _run(["rocm-smi", "--showproductname", "--json"])
    if not output:
        return {}
    try:
        data = json.loads(output)
    except ValueError:
        return {}
    names = {}
    for key, info in data.items():
        if key.startswith("card") and key[4:].isdigit() and isinstance(info, dict):
            name = info.get("Card Series") or info.get("Card series") or info.get("Card model")
            if name:
                names[int(key[4:])] = str(name)
    return names


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None


def _torch_hip_gpus(found: list[Gpu], notes: list[str]) -> list[Gpu]:
    """A ROCm build of torch that someone already imported can vouch for AMD GPUs sysfs did not show."""
    torch = sys.modules.get("torch")
    if torch is None or any(g.vendor == "amd" for g in found) or not getattr(torch.version, "hip", None):
        return []
    try:
        count = torch.cuda.device_count()
    except Exception:  # a broken ROCm install raises many kinds of error; all mean "cannot use it"
        return []
    notes.append(f"AMD: torch (ROCm {torch.version.hip}) sees {count} GPU(s)")
    return [Gpu("amd", torch.cuda.get_device_name(i), None, i, "rocm", f"cuda:{i}") for i in range(count)]


# --- Apple ----------------------------------------------------------------------------------------


def _apple_gpu() -> list[Gpu]:
    if sys.platform != "darwin" or platform.machine() != "arm64":
        return []
    ram = _ram_mb()
    return [Gpu("apple", "Apple Silicon GPU", ram, 0, "metal", "mps")]
