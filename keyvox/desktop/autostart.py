"""Start keyvox at login: ``keyvox autostart enable|disable|status`` (and the tray's checkbox).

One entry per system, in the user's own folders (nothing needs root):

- Linux with a systemd user session: a user unit, ``keyvox.service``, wanted by ``graphical-session.target``
  (so it starts once the desktop has exported DISPLAY/WAYLAND_DISPLAY); systemd restarts it on failure
  and its output goes to the journal (``journalctl --user -u keyvox``).
- Other Linux desktops: an XDG autostart entry, ``~/.config/autostart/keyvox.desktop``.
- Windows: ``keyvox.cmd`` in the Startup folder.
- macOS: a LaunchAgent, ``~/Library/LaunchAgents/io.keyvox.Keyvox.plist``; launchd restarts it on failure.

Where the system itself does not restart a program (XDG autostart, the Startup folder), the entry runs
``keyvox autostart run``: a small supervisor that restarts keyvox when it crashes and appends its output to
a log file. A second instance never runs: the daemon's control socket refuses it (exit status 2), and
neither systemd nor the supervisor restarts after that status, nor after a config error (also 2).
"""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from keyvox.errors import ExitCode, KeyvoxError
from keyvox.platform.session import Session, detect_session

UNIT_NAME = "keyvox.service"
DESKTOP_NAME = "keyvox.desktop"
AGENT_LABEL = "io.keyvox.Keyvox"
KINDS = ("systemd", "xdg", "windows", "macos")
NO_RESTART_CODES = (ExitCode.OK, ExitCode.USER_ERROR, ExitCode.INTERRUPTED)
"""Exit statuses after which keyvox must not be restarted: a clean stop, a user error (bad config, another
instance running), Ctrl+C."""
RESTART_DELAY_S = 5.0
RESTART_BURST = 5
"""The supervisor gives up after this many crashes within ``RESTART_WINDOW_S`` (systemd's default burst)."""
RESTART_WINDOW_S = 60.0
LOG_LIMIT_BYTES = 1_000_000
"""The supervisor's log is rotated once past this size (one old file kept): a year of daily use is ~100 kB."""


@dataclass(frozen=True)
class Entry:
    """One login entry: what kind, where its file goes, and what the file holds."""

    kind: str
    path: Path
    content: bytes
    link: Path | None = None
    """For systemd: the ``*.wants`` symlink that ``systemctl --user enable`` would make."""


# --- where and what ------------------------------------------------------------------------------


def detect_kind() -> str:
    session = detect_session()
    if session is Session.WINDOWS:
        return "windows"
    if session is Session.MACOS:
        return "macos"
    return "systemd" if systemd_user_session() else "xdg"


def systemd_user_session() -> bool:
    """True when a systemd user manager runs for this user (its private socket is in the runtime folder)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR") or (
        f"/run/user/{os.getuid()}" if hasattr(os, "getuid") else ""
    )
    return bool(runtime) and (Path(runtime) / "systemd" / "private").exists()


def keyvox_command(
    config: str | os.PathLike | None = None, *, supervised: bool = False, windowless: bool = False
) -> list[str]:
    """The command a login entry runs: this Python with ``-m keyvox`` (works in any venv, no PATH needed)."""
    python = Path(sys.executable)
    if windowless and (python.parent / "pythonw.exe").exists():
        python = python.parent / "pythonw.exe"  # no console window at login
    command = [str(python), "-m", "keyvox"]
    if config is not None:
        command += ["--config", str(Path(config).resolve())]
    if supervised:
        command += ["autostart", "run"]
    return command


def _config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def log_file() -> Path:
    """Where the supervisor writes keyvox's output."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        return Path.home() / "Library" / "Logs" / "keyvox.log"
    else:
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "keyvox" / "keyvox.log"


def entry(kind: str | None = None, config: str | os.PathLike | None = None) -> Entry:
    """The login entry for ``kind`` (default: this system's)."""
    kind = kind or detect_kind()
    if kind == "systemd":
        folder = _config_home() / "systemd" / "user"
        return Entry(
            kind,
            folder / UNIT_NAME,
            systemd_unit(keyvox_command(config)).encode(),
            folder / "graphical-session.target.wants" / UNIT_NAME,
        )
    if kind == "xdg":
        return Entry(
            kind,
            _config_home() / "autostart" / DESKTOP_NAME,
            desktop_entry(keyvox_command(config, supervised=True)).encode(),
        )
    if kind == "windows":
        appdata = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
        startup = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
        return Entry(
            kind,
            startup / "keyvox.cmd",
            windows_script(keyvox_command(config, supervised=True, windowless=True)).encode(),
        )
    if kind == "macos":
        return Entry(
            kind,
            Path.home() / "Library" / "LaunchAgents" / f"{AGENT_LABEL}.plist",
            launch_agent(keyvox_command(config), log_file()),
        )
    raise KeyvoxError(f"unknown autostart kind {kind!r}; use one of {', '.join(KINDS)}")


def systemd_unit(command: list[str]) -> str:
    return f"""[Unit]
Description=Keyvox push-to-talk dictation
PartOf=graphical-session.target
After=graphical-session.target

[Service]
Type=simple
ExecStart={" ".join(_systemd_quote(word) for word in command)}
Environment=PYTHONUNBUFFERED=1
Restart=on-failure
RestartSec={RESTART_DELAY_S:g}
# {ExitCode.USER_ERROR:d}: a config error or keyvox already running; restarting would not help.
RestartPreventExitStatus={ExitCode.USER_ERROR:d}

[Install]
WantedBy=graphical-session.target
"""


def _systemd_quote(word: str) -> str:
    if word and not any(c in word for c in " \t\"'\\$%;"):
        return word
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$").replace("%", "%%")
    return f'"{escaped}"'


def desktop_entry(command: list[str]) -> str:
    return f"""[Desktop Entry]
Type=Application
Name=Keyvox
Comment=Push-to-talk dictation
Exec={" ".join(_desktop_quote(word) for word in command)}
Icon=audio-input-microphone
Terminal=false
Categories=Utility;Accessibility;
X-GNOME-Autostart-enabled=true
"""


def _desktop_quote(word: str) -> str:
    """Quoting from the Desktop Entry spec's Exec key; ``%`` is doubled, escapes doubled again for the file."""
    word = word.replace("%", "%%")
    if word and not any(c in word for c in " \t\n\"'\\><~|&;$*?#()`"):
        return word
    inner = "".join("\\" + c if c in '"`$\\' else c for c in word)
    return '"' + inner.replace("\\", "\\\\") + '"'


def windows_script(command: list[str]) -> str:
    quoted = " ".join(f'"{word}"' for word in command[1:])
    # start "" detaches, so the console of the .cmd closes at once; the supervisor keeps a log file.
    return f'@echo off\r\nstart "" "{command[0]}" {quoted}\r\n'


def launch_agent(command: list[str], log: Path) -> bytes:
    return plistlib.dumps(
        {
            "Label": AGENT_LABEL,
            "ProgramArguments": command,
            "RunAtLoad": True,
            "KeepAlive": {"SuccessfulExit": False},  # restart after a crash, not after a clean quit
            "ThrottleInterval": int(RESTART_DELAY_S * 2),
            "ProcessType": "Interactive",
            "EnvironmentVariables": {"PYTHONUNBUFFERED": "1"},
            "StandardOutPath": str(log),
            "StandardErrorPath": str(log),
        }
    )


# --- public: what the CLI and the tray call ---------------------------------------------------------


def enable(config: str | os.PathLike | None = None, kind: str | None = None) -> Path:
    """Install the login entry (replacing an older one); returns its path. Starts nothing now."""
    target = entry(kind, config)
    target.path.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.path.with_name(target.path.name + ".tmp")
    temporary.write_bytes(target.content)
    os.replace(temporary, target.path)
    if target.link is not None:
        target.link.parent.mkdir(parents=True, exist_ok=True)
        target.link.unlink(missing_ok=True)
        target.link.symlink_to(Path("..") / target.path.name)
    if target.kind == "macos":
        log_file().parent.mkdir(parents=True, exist_ok=True)
    return target.path


def disable(kind: str | None = None) -> bool:
    """Remove the login entry; False when there was none."""
    target = entry(kind)
    found = is_enabled(kind)
    if target.link is not None:
        target.link.unlink(missing_ok=True)
    target.path.unlink(missing_ok=True)
    return found


def is_enabled(kind: str | None = None) -> bool:
    target = entry(kind)
    if target.link is not None:
        return target.link.is_symlink() and target.path.exists()
    return target.path.exists()


# --- the supervisor behind XDG autostart and the Startup folder -------------------------------------------


def run_supervised(config: str | os.PathLike | None = None, *, log: Path | None = None) -> int:
    """Run keyvox, restarting it after a crash, with its output appended to ``log``."""
    log = log or log_file()
    log.parent.mkdir(parents=True, exist_ok=True)
    crashes: list[float] = []
    while True:
        _rotate(log)
        with open(log, "ab") as out:
            out.write(f"--- keyvox starting {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
            out.flush()
            try:
                code = subprocess.run(
                    keyvox_command(config),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                ).returncode
            except KeyboardInterrupt:
                return ExitCode.INTERRUPTED
            out.write(f"--- keyvox exited with status {code}\n".encode())
        if code in NO_RESTART_CODES or code < 0:  # < 0: stopped by a signal (logout, kill): not a crash
            return code if code >= 0 else ExitCode.OK
        now = time.monotonic()
        crashes = [t for t in crashes if now - t < RESTART_WINDOW_S] + [now]
        if len(crashes) >= RESTART_BURST:
            with open(log, "ab") as out:
                out.write(
                    f"--- {RESTART_BURST} crashes within {RESTART_WINDOW_S:g} s; not restarting\n".encode()
                )
            return code
        time.sleep(RESTART_DELAY_S)


def _rotate(log: Path) -> None:
    try:
        if log.stat().st_size > LOG_LIMIT_BYTES:
            os.replace(log, log.with_name(log.name + ".1"))
    except FileNotFoundError:
        pass
