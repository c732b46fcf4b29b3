"""Hardware detection on this very machine, plus the parsers for hardware that cannot exist here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from keyvox.platform import hardware
from keyvox.platform.hardware import detect_hardware
from tests.helpers.paths import REPO


def test_this_machine_cpu_facts():
    hw = detect_hardware()
    assert hw.system == "linux"
    assert hw.cpu_cores == len(os.sched_getaffinity(0))
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
    assert set(hw.cpu_features) == flags & set(hardware.CPU_FEATURES)
    assert hw.has_avx512 == ("avx512f" in flags)
    meminfo_kb = int(
        next(
            line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
        ).split()[1]
    )
    assert abs(hw.ram_mb - meminfo_kb / 1024) < 0.05 * meminfo_kb / 1024


def test_this_machine_nvidia_count_agrees_with_ctranslate2():
    import ctranslate2

    nvidia = [g for g in detect_hardware().gpus if g.vendor == "nvidia"]
    assert len(nvidia) == ctranslate2.get_cuda_device_count()


def test_detection_never_imports_torch():
    code = "import sys, keyvox.platform.hardware as h; h.detect_hardware(); print('torch' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert out.stdout.strip() == "False"


def test_nvidia_smi_listing(tmp_path, monkeypatch):
    # No NVIDIA driver can exist on this machine, so nvidia-smi is a script printing what the real one prints.
    tool = tmp_path / "nvidia-smi"
    tool.write_text("#!/bin/sh\nprintf '0, NVIDIA GeForce RTX 4090, 24564\\n1, NVIDIA RTX A2000, 6138\\n'\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    notes: list[str] = []
    gpus = hardware._nvidia_gpus(notes)
    assert [(g.name, g.vram_mb, g.torch_device, g.usable) for g in gpus] == [
        ("NVIDIA GeForce RTX 4090", 24564, "cuda:0", True),
        ("NVIDIA RTX A2000", 6138, "cuda:1", True),
    ]


def _card(root: Path, name: str, vendor: str, vram: int | None = None) -> None:
    device = root / name / "device"
    device.mkdir(parents=True)
    (device / "vendor").write_text(vendor + "\n")
    (device / "device").write_text("0x744c\n")
    if vram is not None:
        (device / "mem_info_vram_total").write_text(f"{vram}\n")


def test_sysfs_amd_and_intel(tmp_path):
    # A copy of the kernel's /sys/class/drm layout: AMD and Intel cards cannot be plugged in here.
    _card(tmp_path, "card0", "0x1002", 16 * 1024**3)
    _card(tmp_path, "card1", "0x8086")
    (tmp_path / "card0-DP-1").mkdir()  # connectors are not cards
    notes: list[str] = []
    amd = hardware._sysfs_gpus("amd", notes, root=tmp_path)
    intel = hardware._sysfs_gpus("intel", notes, root=tmp_path)
    assert [(g.vendor, g.vram_mb, g.torch_device) for g in amd] == [("amd", 16384, "cuda:0")]
    assert [(g.vendor, g.torch_device) for g in intel] == [("intel", "xpu:0")]
    # This machine has neither ROCm (/dev/kfd) nor Level Zero, so neither card may be used.
    assert amd[0].runtime == ("rocm" if Path("/dev/kfd").exists() else None)
    assert any("ROCm" in n for n in notes) and any("Level Zero" in n for n in notes)
    assert hardware._sysfs_gpus("nvidia", [], root=tmp_path) == []


@pytest.mark.skipif(Path("/sys/class/drm").is_dir(), reason="this machine has a DRM tree")
def test_no_drm_tree_is_said_in_the_notes():
    assert any("no /sys/class/drm" in note for note in detect_hardware().notes)
