"""The headless GNOME rig: mutter 43 (``--headless --wayland --no-x11``) on a private session bus, GTK 3
and GTK 4 text windows, PulseAudio's virtual microphone and the real ``keyvox`` daemon.

GNOME binds keys in its own settings, not in a config file: a custom shortcut runs ``keyvox press`` /
``keyvox release`` (or ``keyvox toggle``), so the tests run those commands as the shortcut would.
``XDG_CURRENT_DESKTOP=GNOME`` is what a GNOME session sets for its applications. Root is fine here
(mutter does not refuse it, unlike sway).
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.helpers.wayland.wayland_rig import SYSTEM_PYTHON, GtkWindow, stop_all
from tests.helpers.x11.rig import REPO, Keyvox, Pulse, wait_until

REQUIRED = ("mutter", "dbus-daemon", "pulseaudio", "pacat", "paplay")


def missing_tools() -> list[str]:
    missing = [tool for tool in REQUIRED if shutil.which(tool) is None]
    probe = "import gi; gi.require_version('Gtk', '3.0'); gi.require_version('Gtk', '4.0')"
    if subprocess.run([SYSTEM_PYTHON, "-c", probe.split(";")[0]], capture_output=True).returncode:
        missing.append("python3-gi")
    return missing


class Gnome:
    """mutter + a session bus + PulseAudio + a focused GTK window; ``env`` is what keyvox runs in."""

    run_as: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="keyvox-gnome-"))
        self.runtime = self.workdir / "run"
        self.runtime.mkdir(mode=0o700)
        (self.workdir / "home").mkdir()
        self.bus = self.mutter = self.pulse = self.window = None
        atexit.register(self.stop)
        try:
            self.pulse = Pulse(self.workdir)
            self.bus = self.start_bus()
            self.mutter = subprocess.Popen(
                ["mutter", "--headless", "--wayland", "--no-x11", "--virtual-monitor", "1024x768"],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=open(self.workdir / "mutter.log", "wb"),
            )
            wait_until(lambda: (self.runtime / "wayland-0").exists(), 20, what="mutter's Wayland socket")
            self.window = GtkWindow(self, gtk="4")
        except Exception:
            self.stop()
            raise

    @property
    def bus_address(self) -> str:
        return f"unix:path={self.workdir / 'bus'}"

    @property
    def env(self) -> dict[str, str]:
        xdg = self.workdir / "xdg"
        return {
            "PATH": "/usr/bin:/bin:/usr/sbin:/sbin",
            "HOME": str(self.workdir / "home"),
            "XDG_RUNTIME_DIR": str(self.runtime),
            "XDG_CONFIG_HOME": str(xdg / "config"),
            "XDG_DATA_HOME": str(xdg / "data"),
            "XDG_CACHE_HOME": str(xdg / "cache"),
            "XDG_SESSION_TYPE": "wayland",
            "XDG_CURRENT_DESKTOP": "GNOME",
            "WAYLAND_DISPLAY": "wayland-0",
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
            "PULSE_SERVER": self.pulse.env["PULSE_SERVER"],
            "PYTHONPATH": str(REPO),
        }  # no DISPLAY: nothing may fall back to X11

    def start_bus(self) -> subprocess.Popen:
        (self.workdir / "bus").unlink(missing_ok=True)
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1", f"--address={self.bus_address}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        bus.stdout.readline()
        return bus

    def start_keyvox(self, config_text: str, name: str = "keyvox") -> Keyvox:
        return Keyvox(self.workdir, self.env, config_text, name)

    def keyvox_command(self, *words: str) -> subprocess.CompletedProcess:
        """What a GNOME custom shortcut runs."""
        return subprocess.run(
            [sys.executable, "-m", "keyvox", *words], env=self.env, capture_output=True, text=True, timeout=30
        )

    def dictate(self, keyvox: Keyvox, clip: Path | str) -> None:
        """``keyvox press``, the clip into the microphone, ``keyvox release``: a held shortcut."""
        mark = keyvox.mark()
        assert self.keyvox_command("press").returncode == 0
        keyvox.wait_for(r"^\[recording\]", 10, since=mark)
        self.pulse.play(clip)
        assert self.keyvox_command("release").returncode == 0

    def start_portal(self) -> list[subprocess.Popen]:
        """xdg-desktop-portal with xdg-desktop-portal-gnome (and the permission store) on the rig's bus, in
        the rig's environment: started here, not by the bus's service files, which would give them the
        environment of whoever started the bus (the real user's folders)."""
        started = []
        for name in ("xdg-permission-store", "xdg-desktop-portal-gnome", "xdg-desktop-portal"):
            started.append(
                subprocess.Popen(
                    [f"/usr/libexec/{name}", "--replace"],
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                    stderr=open(self.workdir / f"{name}.log", "ab"),
                )
            )
            owner = {"xdg-permission-store": "org.freedesktop.impl.portal.PermissionStore"}.get(
                name,
                "org.freedesktop.portal.Desktop"
                if name == "xdg-desktop-portal"
                else "org.freedesktop.impl.portal.desktop.gnome",
            )
            wait_until(lambda owner=owner: self.bus_has(owner), 20, what=f"{name} on the rig's bus")
        return started

    def bus_has(self, name: str) -> bool:
        done = subprocess.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                f"string:{name}",
            ],
            env=self.env,
            capture_output=True,
            text=True,
        )
        return "boolean true" in done.stdout

    def stop(self) -> None:
        stop_all(self.window, self.mutter, self.bus, self.pulse)
        shutil.rmtree(self.workdir, ignore_errors=True)
