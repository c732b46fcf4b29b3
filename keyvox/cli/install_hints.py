"""The exact command that installs what is missing, for this system: its package manager and how keyvox
itself was installed (pipx, or a virtual environment). ``keyvox doctor`` prints these; README.md shows
the same commands. What an engine needs comes from its registry entry (keyvox/engines/registry.py);
what is missing, from the fields of doctor's report (keyvox/cli/doctor_report.py).
"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from keyvox.cli.doctor_report import AudioStatus, DoctorReport, Fix, FixKind, Status

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
DEFAULT_ENGINE = "faster-whisper"
"""What doctor offers to install when no engine is: the one ``auto`` picks on any machine without a GPU."""
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


def backend_requirements(backend: str) -> list[str]:
    """What pip installs for one engine, from its registry entry (empty when keyvox alone runs it)."""
    from keyvox.engines.registry import BACKENDS

    install = BACKENDS[backend].install
    if install is None:
        return []
    requirements = extra_requirements(install.extra) or [f"keyvox[{install.extra}]"]
    if install.only:
        requirements = [r for r in requirements if requirement_name(r) in install.only] or requirements
    return requirements


def backend_install(backend: str, installer: Installer | None = None) -> str:
    """The command that installs one engine into keyvox's own environment (empty when nothing is needed)."""
    from keyvox.engines.registry import BACKENDS

    install = BACKENDS[backend].install
    if install is None:
        return ""
    installer = installer or current_installer()
    command = installer.command(backend_requirements(backend))
    if install.no_deps:
        command += f" && {installer.command(list(install.no_deps), no_deps=True)}"
    return command


def requirement_name(requirement: str) -> str:
    """The distribution a requirement names: ``httpx>=0.27`` -> ``httpx`` (compared case-insensitively)."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    return match.group(0).lower() if match else ""


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


def system_packages(missing: list[str], manager: str | None) -> tuple[str, ...]:
    """The package manager's names for the missing pieces (keys of SYSTEM_PACKAGES); empty without a known one."""
    if manager not in SYSTEM_PACKAGES:
        return ()
    names = SYSTEM_PACKAGES[manager]
    return tuple(dict.fromkeys(names[m] for m in missing))


def system_install(missing: list[str], manager: str | None) -> str | None:
    """``sudo apt install ...`` for the missing pieces (keys of SYSTEM_PACKAGES), or None without a known manager."""
    packages = system_packages(missing, manager)
    if not packages or manager is None:
        return None
    return f"{INSTALL_VERBS[manager]} {' '.join(packages)}"


def fixes(report: DoctorReport) -> list[Fix]:
    """For a doctor report: each missing piece with the command that installs it here."""
    installer = current_installer()
    found: list[Fix] = []
    if all(b.status is not Status.OK for b in report.backends):
        found.append(
            Fix(
                "a speech engine",
                FixKind.PYTHON,
                tuple(backend_requirements(DEFAULT_ENGINE)),
                backend_install(DEFAULT_ENGINE, installer),
            )
        )
    desktop_python = extra_requirements("desktop")
    if report.audio.status is AudioStatus.NO_SOUNDDEVICE and desktop_python:
        found.append(
            Fix(
                "the desktop runtime (sounddevice, pynput)",
                FixKind.PYTHON,
                tuple(desktop_python),
                installer.command(desktop_python),
            )
        )
    if report.display.server in DESKTOP_NEEDS:  # a Linux desktop, or none yet; not Windows or macOS
        missing = [
            tool
            for tool in DESKTOP_NEEDS[report.display.server]
            if (tool == "portaudio" and report.audio.status is AudioStatus.NO_PORTAUDIO)
            or (tool != "portaudio" and not report.output_tools.get(tool))
        ]
        manager = package_manager()
        if missing:
            command = system_install(missing, manager)
            packages = system_packages(missing, manager)
            found.append(
                Fix(
                    ", ".join(missing),
                    FixKind.SYSTEM,
                    packages,
                    command or f"install {', '.join(missing)} with your package manager",
                )
            )
    return found
