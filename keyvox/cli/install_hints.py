"""The exact command that installs what is missing, for this system: its package manager and how keyvox
itself was installed (pipx, or a virtual environment). ``keyvox doctor`` prints these; README.md shows
the same commands.
"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

# System packages per package manager for what keyvox uses outside Python. Keys are what doctor checks.
SYSTEM_PACKAGES: dict[str, dict[str, str]] = {
    "apt": {
        "portaudio": "libportaudio2",
        "xdotool": "xdotool",
        "xclip": "xclip",
        "xsel": "xsel",
        "wtype": "wtype",
        "wl-copy": "wl-clipboard",
        "ydotool": "ydotool",
    },
    "dnf": {
        "portaudio": "portaudio",
        "xdotool": "xdotool",
        "xclip": "xclip",
        "xsel": "xsel",
        "wtype": "wtype",
        "wl-copy": "wl-clipboard",
        "ydotool": "ydotool",
    },
    "pacman": {
        "portaudio": "portaudio",
        "xdotool": "xdotool",
        "xclip": "xclip",
        "xsel": "xsel",
        "wtype": "wtype",
        "wl-copy": "wl-clipboard",
        "ydotool": "ydotool",
    },
}
INSTALL_VERBS = {"apt": "sudo apt install", "dnf": "sudo dnf install", "pacman": "sudo pacman -S"}
# What dictation needs from the system on each display server (xsel and ydotool are fallbacks only).
DESKTOP_NEEDS = {
    "x11": ("portaudio", "xdotool", "xclip"),
    "wayland": ("portaudio", "wtype", "wl-copy"),
    None: ("portaudio", "xdotool", "xclip", "wtype", "wl-copy"),
}
# Distribution families by the ID / ID_LIKE words of /etc/os-release.
_FAMILIES = {
    "debian": "apt",
    "ubuntu": "apt",
    "fedora": "dnf",
    "rhel": "dnf",
    "centos": "dnf",
    "arch": "pacman",
}

# qwen-asr's own requirements pull a web demo (gradio, flask, ...) that inference never imports, so it is
# installed without them, after keyvox[qwen] (which lists what inference needs, torch pinned).
QWEN_ASR = "qwen-asr==0.0.6"


@dataclass(frozen=True)
class Installer:
    """How Python packages get into the environment keyvox runs from."""

    kind: str
    """``pipx`` (keyvox installed with pipx) or ``pip`` (a virtual environment, or any other Python)."""
    python: str

    def command(self, requirements: list[str], *, no_deps: bool = False) -> str:
        quoted = " ".join(shlex.quote(r) for r in requirements)
        if self.kind == "pipx" and no_deps:
            # pipx 1.1 (Debian 12) `inject --pip-args=--no-deps` installs, then fails looking for the
            # skipped dependencies' metadata; pip run inside keyvox's environment does it cleanly.
            return f"pipx runpip keyvox install --no-deps {quoted}"
        if self.kind == "pipx":
            return f"pipx inject keyvox {quoted}"
        return f"{shlex.quote(self.python)} -m pip install {'--no-deps ' if no_deps else ''}{quoted}"


def current_installer() -> Installer:
    """pipx keeps each app in ``.../pipx/venvs/<app>``; anything else is installed into with pip."""
    kind = "pipx" if Path(sys.prefix).parts[-3:-1] == ("pipx", "venvs") else "pip"
    return Installer(kind, sys.executable)


def extra_requirements(extra: str) -> list[str]:
    """The requirements keyvox's metadata lists for ``extra`` (``[all]`` style extras expanded)."""
    try:
        requires = importlib.metadata.requires("keyvox") or []
    except importlib.metadata.PackageNotFoundError:
        return []
    found: list[str] = []
    for line in requires:
        requirement, _, marker = line.partition(";")
        if not re.search(rf"extra\s*==\s*['\"]{re.escape(extra)}['\"]", marker):
            continue
        nested = re.fullmatch(r"keyvox\[([\w,\s-]+)\]", requirement.strip())
        if nested:
            for inner in nested.group(1).split(","):
                found += [r for r in extra_requirements(inner.strip()) if r not in found]
            continue
        platform = re.sub(rf"\s*(and\s+)?extra\s*==\s*['\"]{re.escape(extra)}['\"]", "", marker).strip()
        if not platform or _applies_here(platform):
            found.append(requirement.strip())
    return found


def _applies_here(marker: str) -> bool:
    """Whether an environment marker such as ``sys_platform == "linux"`` holds on this machine."""
    try:
        from packaging.markers import Marker
    except ImportError:  # packaging comes with pip and setuptools, but is no dependency of keyvox
        return True
    return Marker(marker).evaluate()


def backend_install(backend: str, installer: Installer | None = None) -> str:
    """The command that installs one engine into keyvox's own environment."""
    installer = installer or current_installer()
    extra = {"faster-whisper": "offline", "qwen-asr": "qwen", "qwen-asr-vllm": "vllm", "remote": "server"}[
        backend
    ]
    requirements = extra_requirements(extra) or [f"keyvox[{extra}]"]
    if backend == "remote":
        requirements = [r for r in requirements if r.startswith("httpx")] or requirements
    command = installer.command(requirements)
    if backend == "qwen-asr":
        command += f" && {installer.command([QWEN_ASR], no_deps=True)}"
    return command


def package_manager(os_release: Path = Path("/etc/os-release")) -> str | None:
    """apt, dnf or pacman, from the distribution named in /etc/os-release; None elsewhere."""
    try:
        text = os_release.read_text(encoding="utf-8")
    except OSError:
        return None
    fields = dict(re.findall(r"^(ID|ID_LIKE)=\"?([^\"\n]*)\"?$", text, re.MULTILINE))
    for word in (fields.get("ID", "") + " " + fields.get("ID_LIKE", "")).split():
        if word in _FAMILIES:
            return _FAMILIES[word]
    return None


def system_install(missing: list[str], manager: str | None) -> str | None:
    """``sudo apt install ...`` for the missing pieces (keys of SYSTEM_PACKAGES), or None without a known manager."""
    if not missing or manager not in SYSTEM_PACKAGES:
        return None
    names = SYSTEM_PACKAGES[manager]
    return f"{INSTALL_VERBS[manager]} {' '.join(dict.fromkeys(names[m] for m in missing))}"


def fixes(report: dict) -> list[dict[str, str]]:
    """For a doctor report: each missing piece with the command that installs it here."""
    installer = current_installer()
    found: list[dict[str, str]] = []
    if not any(b["installed"] for b in report["backends"]):
        found.append({"missing": "a speech engine", "command": backend_install("faster-whisper", installer)})
    audio = report["audio"]
    desktop_python = extra_requirements("desktop")
    if not audio["available"] and "sounddevice" in (audio["error"] or "") and desktop_python:
        found.append(
            {
                "missing": "the desktop runtime (sounddevice, pynput)",
                "command": installer.command(desktop_python),
            }
        )
    if report["display"]["server"] in DESKTOP_NEEDS:  # a Linux desktop, or none yet; not Windows or macOS
        missing = [
            tool
            for tool in DESKTOP_NEEDS[report["display"]["server"]]
            if (tool == "portaudio" and "PortAudio library not found" in (audio["error"] or ""))
            or (tool != "portaudio" and not report["output_tools"].get(tool))
        ]
        manager = package_manager()
        if missing:
            command = (
                system_install(missing, manager) or f"install {', '.join(missing)} with your package manager"
            )
            found.append({"missing": ", ".join(missing), "command": command})
    return found
