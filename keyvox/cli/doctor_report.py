"""What ``keyvox doctor`` found, as typed values: keyvox/cli/doctor.py fills them in, prints them and writes
them as JSON; keyvox/cli/install_hints.py reads their fields to say how to install what is missing."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keyvox.engines.auto import Choice
    from keyvox.platform.hardware import Hardware


class Status(str, Enum):
    """How one check came out."""

    OK = "ok"
    MISSING = "missing"
    """Not installed or not found: the report's fixes say how to get it."""
    FAILED = "failed"
    """There, but it does not work (a broken config, a choice that cannot load)."""


class AudioStatus(str, Enum):
    """What the audio input check found, from the Python package down to the microphone."""

    OK = "ok"
    NO_SOUNDDEVICE = "no sounddevice"
    """The sounddevice package is not installed (the desktop extra)."""
    NO_PORTAUDIO = "no portaudio"
    """sounddevice imports, but the PortAudio library it wraps is not on the system."""
    CANNOT_LIST = "cannot list"
    """PortAudio runs but could not list the devices."""
    NO_INPUT = "no input"
    """Devices are listed, none of them records."""


class FixKind(str, Enum):
    """Where a fix installs from."""

    PYTHON = "python"
    """pip or pipx, into the environment keyvox runs from."""
    SYSTEM = "system"
    """The distribution's package manager."""


@dataclass(frozen=True)
class Fix:
    """One missing piece and the command that installs it on this machine."""

    missing: str
    """What is missing, as the report names it (``xdotool, xclip``, ``a speech engine``)."""
    kind: FixKind
    packages: tuple[str, ...]
    """Python requirements (``PYTHON``) or the package manager's names (``SYSTEM``); empty without a known manager."""
    command: str


@dataclass(frozen=True)
class BackendCheck:
    """One registered engine: installed here, and the versions that matter when it misbehaves."""

    name: str
    status: Status
    """``OK`` when installed, else ``MISSING``."""
    versions: dict[str, str]
    runs_on_this_platform: bool
    install: str
    """The command that installs it into keyvox's environment (empty when keyvox alone runs it)."""


@dataclass(frozen=True)
class PlanCheck:
    """What the factory would load for a config, or why it cannot."""

    choice: Choice | None
    error: str | None = None

    @property
    def status(self) -> Status:
        return Status.OK if self.choice is not None else Status.FAILED

    def to_json(self) -> dict[str, Any]:
        found = dataclasses.asdict(self.choice) if self.choice is not None else {"error": self.error}
        return {"status": self.status, **found}


@dataclass(frozen=True)
class ModelRow:
    """A known model and where it is on this machine."""

    name: str
    backend: str
    present: bool
    source: str
    path: str | None


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    channels: int
    default: bool


@dataclass(frozen=True)
class AudioCheck:
    status: AudioStatus
    error: str | None = None
    """The one line doctor prints for a status other than ``OK``."""
    input_devices: list[InputDevice] = field(default_factory=list)

    @property
    def available(self) -> bool:
        """Whether PortAudio could be asked for devices at all."""
        return self.status in (AudioStatus.OK, AudioStatus.NO_INPUT)


@dataclass(frozen=True)
class DisplayCheck:
    server: str | None
    """``x11``, ``wayland``, ``win32``, ``darwin``, or None (no display found)."""
    variables: dict[str, str | None]
    """The environment variables it was judged from."""


@dataclass(frozen=True)
class ConfigCheck:
    path: str | None
    error: str | None
    warnings: list[str]

    @property
    def status(self) -> Status:
        return Status.FAILED if self.error else Status.OK


@dataclass
class DoctorReport:
    """Everything ``keyvox doctor`` found; ``fixes`` is filled from the rest (keyvox/cli/install_hints.py)."""

    keyvox: str
    python: str
    platform: str
    hardware: Hardware
    backends: list[BackendCheck]
    auto: PlanCheck
    """``backend``, ``name``, ``device`` and ``compute_type`` all ``auto``, for this config's language."""
    configured: PlanCheck
    """The config as written."""
    models: list[ModelRow]
    audio: AudioCheck
    display: DisplayCheck
    output_tools: dict[str, str | None]
    """Each tool keyvox can type or paste with, and its path (None: not on PATH)."""
    wayland: list[str]
    """What typing, the hotkey and context do on this Wayland desktop (empty elsewhere)."""
    config: ConfigCheck
    fixes: list[Fix] = field(default_factory=list)
    cleanup: list = field(default_factory=list)
    """``CleanupCheck`` per mode (keyvox/cli/doctor_cleanup.py): where clean-up sends text, and whether it answers."""
    commands: list[str] = field(default_factory=list)
    """Voice commands: their keys, how the selection is read here, and where instructions would go."""

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (``keyvox doctor --json``)."""
        return {
            "keyvox": self.keyvox,
            "python": self.python,
            "platform": self.platform,
            "hardware": dataclasses.asdict(self.hardware),
            "backends": [
                {**dataclasses.asdict(b), "installed": b.status is Status.OK} for b in self.backends
            ],
            "auto": {**self.auto.to_json(), "configured": self.configured.to_json()},
            "models": [dataclasses.asdict(m) for m in self.models],
            "audio": {**dataclasses.asdict(self.audio), "available": self.audio.available},
            "display": {"server": self.display.server, **self.display.variables},
            "output_tools": dict(self.output_tools),
            "wayland": list(self.wayland),
            "config": {**dataclasses.asdict(self.config), "status": self.config.status},
            "fixes": [dataclasses.asdict(f) for f in self.fixes],
            "cleanup": [dataclasses.asdict(c) for c in self.cleanup],
            "commands": list(self.commands),
        }
