"""``keyvox doctor``: what this machine offers keyvox, and what keyvox would do with it.

Everything is looked up live (nothing is assumed from the platform), so the report is the truth about
the machine it runs on. ``collect`` gives the typed report (keyvox/cli/doctor_report.py; ``--json``
prints its ``to_json()``); ``render`` the text.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import platform
import shutil

from keyvox import __version__
from keyvox.cli.doctor_cleanup import cleanup_checks, render_cleanup
from keyvox.cli.doctor_report import (
    AudioCheck,
    AudioStatus,
    BackendCheck,
    ConfigCheck,
    DisplayCheck,
    DoctorReport,
    InputDevice,
    ModelRow,
    PlanCheck,
    Status,
)
from keyvox.cli.install_hints import backend_install, fixes
from keyvox.desktop.selection import command_lines
from keyvox.errors import KeyvoxError

OUTPUT_TOOLS = ("xdotool", "xclip", "xsel", "wtype", "ydotool", "wl-copy")


def collect(config_path: str | None = None) -> DoctorReport:
    """The whole report."""
    from keyvox.platform.hardware import detect_hardware

    config, config_check = _config(config_path)
    auto, configured = _plans(config)
    report = DoctorReport(
        keyvox=__version__,
        python=platform.python_version(),
        platform=platform.platform(),
        hardware=detect_hardware(),
        backends=_backends(),
        auto=auto,
        configured=configured,
        models=_models(config.paths.model_cache),
        audio=_audio(),
        display=_display(),
        output_tools={tool: shutil.which(tool) for tool in OUTPUT_TOOLS},
        wayland=_wayland_hints(),
        config=config_check,
        commands=command_lines(config),
    )
    report.cleanup = cleanup_checks(config)
    report.fixes = fixes(report)  # after the rest: it reads the report
    return report


def _config(path: str | None):
    from keyvox.config.load import load_config
    from keyvox.config.schema import Config

    try:
        loaded = load_config(path)
    except KeyvoxError as exc:
        return Config(), ConfigCheck(path, str(exc), [])
    return loaded.config, ConfigCheck(str(loaded.path) if loaded.path else None, None, list(loaded.warnings))


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _backends() -> list[BackendCheck]:
    from keyvox.engines.registry import BACKENDS, is_installed, runs_here

    return [
        BackendCheck(
            name=spec.name,
            status=Status.OK if is_installed(spec.name) else Status.MISSING,
            versions={d: v for d in spec.distributions if (v := _version(d))},
            runs_on_this_platform=runs_here(spec),
            install=backend_install(spec.name),
        )
        for spec in BACKENDS.values()
    ]


def _plans(config) -> tuple[PlanCheck, PlanCheck]:
    """What ``backend = "auto"`` / ``name = "auto"`` would pick here, for this config's language; and what
    the config as written would load."""
    from keyvox.engines.factory import plan
    from keyvox.engines.registry import BACKENDS, check_platform, is_installed

    auto = dataclasses.replace(
        config,
        model=dataclasses.replace(
            config.model, backend="auto", name="auto", device="auto", compute_type="auto"
        ),
    )
    checks = []
    for cfg in (auto, config):
        try:
            choice = plan(cfg)
            check_platform(BACKENDS[choice.backend])
            if not is_installed(choice.backend):
                raise KeyvoxError(
                    f'backend "{choice.backend}" is not installed; install it with: '
                    f"{backend_install(choice.backend)}"
                )
            checks.append(PlanCheck(choice))
        except KeyvoxError as exc:
            checks.append(PlanCheck(None, str(exc)))
    return checks[0], checks[1]


def _models(model_cache: str) -> list[ModelRow]:
    from keyvox.engines.models import local_status

    return [
        ModelRow(
            name=row.model.name,
            backend=row.model.backend,
            present=row.path is not None,
            source=row.source,
            path=str(row.path) if row.path else None,
        )
        for row in local_status(model_cache)
    ]


def _audio() -> AudioCheck:
    try:
        import sounddevice
    except ImportError:
        return AudioCheck(
            AudioStatus.NO_SOUNDDEVICE, 'sounddevice is not installed (pip install "keyvox[desktop]")'
        )
    except OSError as exc:  # the module imports, but PortAudio itself is missing
        return AudioCheck(
            AudioStatus.NO_PORTAUDIO, f"PortAudio library not found ({exc}); install libportaudio2"
        )
    try:
        devices = sounddevice.query_devices()
        default_in = sounddevice.default.device[0]
    except Exception as exc:  # PortAudio reports host problems with its own error type
        return AudioCheck(AudioStatus.CANNOT_LIST, f"PortAudio could not list devices: {exc}")
    inputs = [
        InputDevice(i, d["name"], d["max_input_channels"], i == default_in)
        for i, d in enumerate(devices)
        if d["max_input_channels"] > 0
    ]
    if not inputs:
        return AudioCheck(AudioStatus.NO_INPUT, "no input device found")
    return AudioCheck(AudioStatus.OK, None, inputs)


def _display() -> DisplayCheck:
    from keyvox.platform.session import find_session

    env = {key: os.environ.get(key) or None for key in ("WAYLAND_DISPLAY", "DISPLAY", "XDG_SESSION_TYPE")}
    session = find_session(env)
    return DisplayCheck(session.value if session else None, env)


def _wayland_hints() -> list[str]:
    from keyvox.desktop.output.wayland import doctor_hints

    return doctor_hints()


# --- text -----------------------------------------------------------------------------------------


def render(report: DoctorReport) -> str:
    hw = report.hardware
    lines = [f"keyvox {report.keyvox} on Python {report.python} ({report.platform})", "", "Hardware"]
    features = ", ".join(hw.cpu_features) or "none"
    lines.append(f"  CPU: {hw.cpu_model}, {hw.cpu_cores} cores, features: {features}")
    if hw.ram_mb:
        lines.append(f"  RAM: {hw.ram_mb / 1024:.1f} GB")
    for gpu in hw.gpus:
        vram = f"{gpu.vram_mb / 1024:.1f} GB" if gpu.vram_mb else "memory unknown"
        runtime = gpu.runtime or "NO compute runtime"
        lines.append(f"  GPU: {gpu.vendor} {gpu.name} ({vram}, {runtime}, torch device {gpu.torch_device})")
    if not hw.gpus:
        lines.append("  GPU: none found")
    lines += [f"  note: {note}" for note in hw.notes]
    lines += ["", "Backends"]
    for row in report.backends:
        versions = ", ".join(f"{k} {v}" for k, v in row.versions.items())
        if row.status is not Status.OK:
            state = f"not installed: {row.install}"
        else:
            state = f"installed ({versions})" if versions else "installed"
        if not row.runs_on_this_platform:
            state += " [does not run on this platform]"
        lines.append(f"  {row.name:<15} {state}")
    lines += ["", "Auto choice"]
    lines.append(f"  {_choice(report.auto)}")
    lines.append(f"  with your config: {_choice(report.configured)}")
    lines += ["", "Models on this machine"]
    present = [m for m in report.models if m.present]
    lines += [f"  {m.name:<20} {m.backend:<15} {m.source}: {m.path}" for m in present] or ["  none"]
    audio = report.audio
    lines += ["", "Audio input"]
    lines += [
        f"  [{d.index}] {d.name} ({d.channels} ch){' default' if d.default else ''}"
        for d in audio.input_devices
    ]
    if audio.error:
        lines.append(f"  {audio.error}")
    lines += [
        "",
        "Desktop",
        f"  display server: {report.display.server or 'none (no DISPLAY or WAYLAND_DISPLAY)'}",
    ]
    tools = report.output_tools
    lines.append("  output tools: " + ", ".join(f"{t} {'yes' if p else 'no'}" for t, p in tools.items()))
    lines += [f"  {hint}" for hint in report.wayland]
    lines += ["", "Voice commands", *(f"  {line}" for line in report.commands)]
    config = report.config
    lines += ["", "Config", f"  file: {config.path or 'none (defaults in use)'}"]
    if config.error:
        lines.append(f"  error: {config.error}")
    lines += [f"  warning: {w}" for w in config.warnings]
    lines += render_cleanup(report.cleanup)
    if report.fixes:
        lines += ["", "To install what is missing"]
        lines += [f"  {fix.missing}: {fix.command}" for fix in report.fixes]
    return "\n".join(lines) + "\n"


def _choice(check: PlanCheck) -> str:
    if check.choice is None:
        return f"error: {check.error}"
    choice = check.choice
    return f"{choice.backend} {choice.model} {choice.compute_type} on {choice.device} ({choice.reason})"


def problems(report: DoctorReport) -> bool:
    """True when something stops keyvox from working as configured (doctor then exits 1)."""
    return (
        report.config.status is Status.FAILED
        or report.configured.status is Status.FAILED
        or all(b.status is not Status.OK for b in report.backends)
    )
