"""The headless Wayland rig: sway, a GTK 4 text window (GTK 3 on request), PulseAudio's virtual microphone and the real
``keyvox`` daemon, all run as one unprivileged user (sway refuses to run as root).

sway runs with the headless wlroots backend and the pixman renderer, no input devices, and a private
XDG_RUNTIME_DIR. Its config binds Right Ctrl to ``keyvox press`` / ``keyvox release`` (F9 to ``keyvox
toggle``), so a key pressed into the compositor by ``wtype`` reaches keyvox the way a user's key does.
Nothing here uses X11: DISPLAY is unset and Xwayland is not installed on the rig.

Run as root (CI), the rig uses the user ``keyvox-rig`` (scripts/test.sh creates it; created here when
missing). The Python environment lives under /root (mode 0700), so the user's processes get the one
capability that lets them read it, CAP_DAC_READ_SEARCH, and nothing else. Run as any other user, the rig
runs everything as that user.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.helpers.x11.rig import REPO, Keyvox, Pulse, TextFileWindow, _stop, wait_until, wer  # noqa: F401

RIG_USER = "keyvox-rig"
REQUIRED = ("sway", "wtype", "wl-copy", "wl-paste", "pulseaudio", "pacat", "paplay")
SYSTEM_PYTHON = "/usr/bin/python3"  # python3-gi is installed for Debian's Python, not the project's
HOTKEY = "Control_R"
TOGGLE_KEY = "F9"


def missing_tools() -> list[str]:
    missing = [tool for tool in REQUIRED if shutil.which(tool) is None]
    for version in ("3", "4"):
        probe = f"import gi; gi.require_version('Gtk', '{version}.0'); from gi.repository import Gtk"
        if (
            not os.path.exists(SYSTEM_PYTHON)
            or subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True).returncode != 0
        ):
            missing.append(f"python3-gi with gir1.2-gtk-{version}.0")
    return missing


def rig_user() -> pwd.struct_passwd:
    """The unprivileged user the rig runs as (created when running as root and it does not exist)."""
    if os.getuid() != 0:
        return pwd.getpwuid(os.getuid())
    try:
        return pwd.getpwnam(RIG_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", RIG_USER],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(RIG_USER)


class Wayland:
    """sway + PulseAudio + the focused GTK window, run as the rig user; the environment keyvox runs in."""

    def __init__(self) -> None:
        self.user = rig_user()
        self.run_as: tuple[str, ...] = ()
        if os.getuid() == 0:
            self.run_as = (
                "setpriv",
                f"--reuid={self.user.pw_uid}",
                f"--regid={self.user.pw_gid}",
                "--init-groups",
                "--inh-caps",
                "+dac_read_search",
                "--ambient-caps",
                "+dac_read_search",
            )
        self.workdir = Path(tempfile.mkdtemp(prefix="keyvox-wayland-"))
        self.runtime = self.workdir / "run"
        self.home = self.workdir / "home"
        for folder in (self.runtime, self.home, self.workdir / "pulse-home", self.workdir / "xdg"):
            folder.mkdir(mode=0o700)
        self._own(self.workdir)
        self.sway = self.pulse = self.window = self.keyboard = None
        atexit.register(self.stop)  # a run that ends without teardown still leaves no desktop behind
        try:
            self.pulse = Pulse(self.workdir, self.run_as)
            self.env = self._base_env()
            self.sway = self._start_sway()
            self.keyboard = None
            self.plug_keyboard()
            self.window = GtkWindow(self)
        except Exception:
            self.stop()
            raise

    def _own(self, path: Path) -> None:
        if os.getuid() == 0:
            for item in (path, *path.rglob("*")):
                os.chown(item, self.user.pw_uid, self.user.pw_gid, follow_symlinks=False)

    def _base_env(self) -> dict[str, str]:
        xdg = self.workdir / "xdg"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "USER": self.user.pw_name,
            "LOGNAME": self.user.pw_name,
            "XDG_RUNTIME_DIR": str(self.runtime),
            "XDG_CONFIG_HOME": str(xdg / "config"),
            "XDG_DATA_HOME": str(xdg / "data"),
            "XDG_CACHE_HOME": str(xdg / "cache"),
            "XDG_SESSION_TYPE": "wayland",
            "PULSE_SERVER": self.pulse.env["PULSE_SERVER"],
            "PYTHONPATH": str(REPO),
        }
        for name in ("KEYVOX_SPEECH_DIR", "HF_HUB_OFFLINE", "OMP_NUM_THREADS"):
            if name in os.environ:
                env[name] = os.environ[name]
        return env  # no DISPLAY: nothing may fall back to X11

    def _start_sway(self) -> subprocess.Popen:
        keyvox = f"{sys.executable} -m keyvox"
        config = self.workdir / "sway.conf"
        config.write_text(
            "output HEADLESS-1 resolution 1280x800\n"
            "default_border none\n"
            f"bindsym --no-repeat {HOTKEY} exec {keyvox} press\n"
            f"bindsym --release {HOTKEY} exec {keyvox} release\n"
            f"bindsym {TOGGLE_KEY} exec {keyvox} toggle\n",
            encoding="utf-8",
        )
        config.chmod(0o644)
        env = {
            **self.env,
            "WLR_BACKENDS": "headless",
            "WLR_LIBINPUT_NO_DEVICES": "1",
            "WLR_RENDERER": "pixman",
        }
        process = subprocess.Popen(
            [*self.run_as, "sway", "--config", str(config)],
            env=env,
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "sway.log", "wb"),
        )
        sockets = wait_until(
            lambda: (
                (sorted(self.runtime.glob("wayland-*[0-9]")) and sorted(self.runtime.glob("sway-ipc.*.sock")))
                or process.poll() is not None
            ),
            15,
            what="sway to start",
        )
        if process.poll() is not None:
            raise RuntimeError(f"sway did not start; see {self.workdir / 'sway.log'}")
        del sockets
        self.env["WAYLAND_DISPLAY"] = sorted(self.runtime.glob("wayland-*[0-9]"))[0].name
        self.env["SWAYSOCK"] = str(sorted(self.runtime.glob("sway-ipc.*.sock"))[0])
        return process

    def plug_keyboard(self) -> None:
        """A keyboard on the seat, as on any desktop: an idle virtual keyboard (wtype pausing for an hour).

        Without one the seat gains a keyboard with every wtype run and loses it when the run ends; GTK 3
        then matches key bindings (BackSpace, Ctrl+V) against a stale keymap.
        """
        if self.keyboard is None:
            self.keyboard = subprocess.Popen(
                [*self.run_as, "wtype", "-s", "3600000"],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(0.2)

    def unplug_keyboard(self) -> None:
        """No keyboard on the seat (a headless session): the case where wtype's first key used to be lost."""
        if self.keyboard is not None:
            _stop(self.keyboard)
            self.keyboard = None
            time.sleep(0.2)

    # --- what a user does -------------------------------------------------------------------------

    def user_run(
        self, *args: str, input: bytes | None = None, timeout: float = 30, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.run_as, *args],
            env={**self.env, **(env or {})},
            input=input,
            capture_output=True,
            timeout=timeout,
        )

    def type_keys(self, *args: str) -> None:
        """Press keys into the compositor as a keyboard would (``wtype`` arguments)."""
        done = self.user_run("wtype", *args, env={"LC_ALL": "C.UTF-8"})  # the rig's env has no locale
        assert done.returncode == 0, done.stderr

    def hold_key(self, seconds: float, key: str = HOTKEY) -> subprocess.Popen:
        """One wtype process holds ``key`` for ``seconds`` (a ``wtype -P`` alone releases it when it exits)."""
        return subprocess.Popen(
            [*self.run_as, "wtype", "-P", key, "-s", str(int(seconds * 1000)), "-p", key],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def clipboard(self, data: bytes | None = None, mime: str = "text/plain;charset=utf-8") -> bytes | None:
        """Set the clipboard as another application would, or read it (None when it is empty)."""
        if data is not None:
            # Output not piped: wl-copy forks a server that would hold the pipes open.
            subprocess.run(
                [*self.run_as, "wl-copy", "--type", mime],
                input=data,
                env=self.env,
                timeout=5,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
            )
            return data
        done = self.user_run("wl-paste", "--no-newline", "--type", mime, timeout=5)
        return done.stdout if done.returncode == 0 else None

    def clipboard_types(self) -> list[str]:
        done = self.user_run("wl-paste", "--list-types", timeout=5)
        return done.stdout.decode().split() if done.returncode == 0 else []

    def start_keyvox(self, config_text: str, name: str = "keyvox") -> Keyvox:
        return Keyvox(self.workdir, self.env, config_text, name, run_as=self.run_as)

    def keyvox_command(self, word: str) -> subprocess.CompletedProcess:
        return self.user_run(sys.executable, "-m", "keyvox", word)

    def dictate(self, keyvox: Keyvox, clip: Path | str, duration_s: float) -> float:
        """Hold Right Ctrl in the compositor while the clip plays into the microphone; the release time."""
        mark = keyvox.mark()
        holder = self.hold_key(duration_s + 1.5)
        keyvox.wait_for(r"^\[recording\]", 10, since=mark)
        self.pulse.play(clip)
        holder.wait(30)
        return time.monotonic()

    def x11_clients(self) -> list[str]:
        """Processes of the rig user that talk X11 (an Xwayland server or a client with DISPLAY set)."""
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                if proc.stat().st_uid != self.user.pw_uid:
                    continue
                name = (proc / "comm").read_text().strip()
                environ = (proc / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if name.lower().startswith("xwayland") or any(item.startswith(b"DISPLAY=") for item in environ):
                found.append(f"{proc.name} {name}")
        return found

    def stop(self) -> None:
        stop_all(self.window, self.keyboard, self.sway, self.pulse)
        shutil.rmtree(self.workdir, ignore_errors=True)


def stop_all(*parts) -> None:
    """Stop each part of a rig, newest first as given: a process, or anything with ``stop``; one that is
    missing or already gone is skipped, so a half-started rig still tears down."""
    for part in parts:
        try:
            if isinstance(part, subprocess.Popen):
                _stop(part)
            elif part is not None:
                part.stop()
        except Exception:
            pass


class GtkWindow(TextFileWindow):
    """The focused GTK window (GDK_BACKEND=wayland; GTK 4, or 3); ``text`` is what it has received."""

    def __init__(self, rig: Wayland, gtk: str = "4") -> None:
        self.file = rig.workdir / f"window-gtk{gtk}.txt"
        script = Path(__file__).with_name("gtk_window.py")
        self.process = subprocess.Popen(
            [*rig.run_as, SYSTEM_PYTHON, str(script), str(self.file), "--gtk", gtk],
            env={**rig.env, "GDK_BACKEND": "wayland", "PYTHONPATH": ""},
            stdout=subprocess.PIPE,
            stderr=open(rig.workdir / "window.log", "wb"),
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            _stop(self.process)
            log = (rig.workdir / "window.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the GTK {gtk} window did not start:\n{log}")

    def read_clipboard(self, timeout: float = 5) -> str | None:
        """The clipboard's text as this GTK client reads it (None when it offers no text)."""
        answer = Path(str(self.file) + ".clipboard")
        answer.unlink(missing_ok=True)
        Path(str(self.file) + ".read-clipboard").touch()
        wait_until(answer.exists, timeout, what="the window to read the clipboard")
        text = answer.read_text(encoding="utf-8")
        return None if text == "<none>" else text

    def copy(self, text: str) -> None:
        """Copy ``text`` to the clipboard from this window, as the user would."""
        request = Path(str(self.file) + ".copy")
        request.write_text(text, encoding="utf-8")
        wait_until(lambda: not request.exists(), 5, what="the window to copy")

    def clear(self) -> None:
        request = Path(str(self.file) + ".clear")
        request.touch()
        wait_until(lambda: not request.exists() and self.text == "", 5, what="the window to clear")
