"""The headless desktop rig: Xvfb, a PulseAudio server with a virtual microphone, a focused Tk window,
and the real ``keyvox`` process started against them.

The virtual microphone is a null sink's monitor remapped as a source; clips played into the sink with
``paplay`` are what keyvox hears. A ``pacat`` feeding silence keeps the sink running (an idle null sink
delivers audio only every couple of seconds). Keys are pressed with ``xdotool`` by keycode (``xdotool
keydown Control_R`` presses Left Ctrl too).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.helpers.paths import REPO

KEYCODES = {
    "ctrl_r": "105",
    "alt_r": "108",
    "esc": "Escape",
    "f9": "F9",
}  # 105 and 108 are keycodes: Control_R would press both Ctrls
SINK = "keyvox_sink"
MIC = "keyvox_mic"
REQUIRED = ("Xvfb", "pulseaudio", "pacat", "paplay", "xdotool", "xclip")


def missing_tools() -> list[str]:
    return [tool for tool in REQUIRED if shutil.which(tool) is None]


def wait_until(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")


def _stop(process: subprocess.Popen | None, timeout: float = 3.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


class Xvfb:
    def __init__(self, workdir: Path) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / "xvfb.log", "wb"),
        )
        os.close(write)
        with os.fdopen(read) as handle:
            number = handle.readline().strip()
        if not number:
            raise RuntimeError(f"Xvfb did not start; see {workdir / 'xvfb.log'}")
        self.display = f":{number}"

    def stop(self) -> None:
        _stop(self.process)


class Pulse:
    """A private PulseAudio server with a null sink and the virtual microphone remapped from its monitor."""

    def __init__(self, workdir: Path, run_as: tuple[str, ...] = ()) -> None:
        self.run_as = run_as
        """A command prefix that starts the server as another user (the Wayland rig's unprivileged user)."""
        self.runtime = workdir / "run"
        self.runtime.mkdir(mode=0o700, exist_ok=True)
        self.script = workdir / "rig.pa"
        self.script.write_text(
            "load-module module-native-protocol-unix auth-anonymous=1\n"
            f"load-module module-null-sink sink_name={SINK} rate=16000 channels=1\n"
            f"load-module module-remap-source source_name={MIC} master={SINK}.monitor channels=1\n"
            f"set-default-sink {SINK}\nset-default-source {MIC}\n"
        )
        self.home = workdir / "pulse-home"
        self.home.mkdir(exist_ok=True)
        self.log = workdir / "pulse.log"
        self.server = self.feeder = None
        self.start()

    @property
    def env(self) -> dict[str, str]:
        return {"XDG_RUNTIME_DIR": str(self.runtime), "PULSE_SERVER": f"unix:{self.runtime}/pulse/native"}

    def _env(self) -> dict[str, str]:
        # Every folder of the audio server's own inside its private home: the test session's XDG folders
        # belong to root, and on the Wayland rig the server runs as an unprivileged user.
        home = self.home
        return {
            **os.environ,
            **self.env,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_STATE_HOME": str(home / ".local/state"),
        }

    def start(self) -> None:
        self.server = subprocess.Popen(
            [
                *self.run_as,
                "pulseaudio",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--system=false",
                "-n",
                "-F",
                str(self.script),
            ],
            env=self._env(),
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),
        )
        wait_until(
            lambda: subprocess.run(["pactl", "info"], env=self._env(), capture_output=True).returncode == 0,
            15,
            0.1,
            "pulseaudio to start",
        )
        self.feeder = subprocess.Popen(
            [
                "pacat",
                "--playback",
                "-d",
                SINK,
                "--rate",
                "16000",
                "--channels",
                "1",
                "--format",
                "s16le",
                "/dev/zero",
            ],
            env=self._env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def kill(self) -> None:
        """The audio server disappears abruptly (as on a crash)."""
        self.server.send_signal(signal.SIGKILL)
        self.server.wait()
        _stop(self.feeder)

    def play(self, path: Path | str) -> None:
        """Play a clip into the virtual microphone; returns when it has played (real time)."""
        subprocess.run(["paplay", "-d", SINK, str(path)], env=self._env(), check=True, timeout=120)

    def stop(self) -> None:
        _stop(self.feeder)
        _stop(self.server)


class TextFileWindow:
    """A test window (Tk here, GTK on the Wayland rig) that writes what it has received to ``self.file``."""

    file: Path
    process: subprocess.Popen

    @property
    def text(self) -> str:
        try:
            return self.file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def wait_for_text(self, timeout: float = 60, settle: float = 0.6) -> str:
        """Wait until the window holds text and it has stopped changing for ``settle`` seconds."""
        wait_until(lambda: self.text.strip(), timeout, what="text in the window")
        previous, since = self.text, time.monotonic()
        while time.monotonic() - since < settle:
            time.sleep(0.05)
            if self.text != previous:
                previous, since = self.text, time.monotonic()
        return previous

    def stop(self) -> None:
        _stop(self.process)


class Window(TextFileWindow):
    """The focused Tk window; ``text`` is what it has received."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.file = workdir / "window.txt"
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("window.py")), str(self.file)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=open(workdir / "window.log", "wb"),
            text=True,
        )
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"the Tk window did not start; see {workdir / 'window.log'}")

    def clear(self) -> None:
        Path(str(self.file) + ".clear").touch()
        wait_until(lambda: self.text == "", 5, what="the window to clear")

    def focus(self) -> None:
        """Take the keyboard focus back (after another window had it)."""
        request = Path(str(self.file) + ".focus")
        request.touch()
        wait_until(lambda: not request.exists(), 5, what="the window to take the focus")
        time.sleep(0.1)


class DeafWindow:
    """A window that takes the focus and ignores every key, so nothing there accepts a paste."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("window.py")), str(workdir / "deaf.txt"), "--deaf"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the deaf window did not start")
        time.sleep(0.1)

    def stop(self) -> None:
        _stop(self.process)


class Terminal:
    """An xterm whose program records the raw bytes it receives (what a shell would get)."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.file = workdir / "terminal.bin"
        self.file.write_bytes(b"")
        self.env = env
        self.process = subprocess.Popen(
            [
                "xterm",
                "-geometry",
                "80x10+0+350",
                "-e",
                sys.executable,
                str(Path(__file__).with_name("terminal_sink.py")),
                str(self.file),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        found = subprocess.run(
            ["xdotool", "search", "--sync", "--pid", str(self.process.pid)],
            env=env,
            capture_output=True,
            text=True,
            timeout=20,
        )
        self.window = found.stdout.split()[0]
        time.sleep(0.5)  # let the program inside switch the terminal to raw mode
        subprocess.run(["xdotool", "windowfocus", "--sync", self.window], env=env, timeout=10)

    @property
    def received(self) -> str:
        return self.file.read_bytes().decode("utf-8", "replace")

    def stop(self) -> None:
        _stop(self.process)


class Keyvox:
    """The real ``python3 -m keyvox`` daemon, with its output lines collected as they come."""

    def __init__(
        self,
        workdir: Path,
        env: dict[str, str],
        config_text: str,
        name: str = "keyvox",
        run_as: tuple[str, ...] = (),
    ) -> None:
        self.config = workdir / f"{name}.toml"
        self.config.write_text(config_text, encoding="utf-8")
        self.config.chmod(0o644)
        self.lines: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            [*run_as, sys.executable, "-m", "keyvox", "--config", str(self.config)],
            env={**env, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._lock:
                self.lines.append((time.monotonic(), line.rstrip("\n")))

    def output(self) -> str:
        with self._lock:
            return "\n".join(line for _, line in self.lines)

    def mark(self) -> int:
        """Position in the output, so a later wait only looks at lines after it."""
        with self._lock:
            return len(self.lines)

    def wait_for(self, pattern: str, timeout: float = 60, since: int = 0) -> tuple[float, str]:
        regex = re.compile(pattern)

        def found():
            if self.process.poll() is not None and not self._match(regex, since):
                raise RuntimeError(
                    f"keyvox exited ({self.process.returncode}) while waiting for {pattern!r}:\n"
                    f"{self.output()}"
                )
            return self._match(regex, since)

        try:
            return wait_until(found, timeout, what=repr(pattern))
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; keyvox output so far:\n{self.output()}") from None

    def _match(self, regex, since: int):
        with self._lock:
            for stamp, line in self.lines[since:]:
                if regex.search(line):
                    return stamp, line
        return None

    def stop(self) -> int | None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


class Desktop:
    """Xvfb + PulseAudio + the focused window; the environment keyvox runs in."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.xvfb = Xvfb(workdir)
        self.pulse = Pulse(workdir)
        self.env = {**os.environ, **self.pulse.env, "DISPLAY": self.xvfb.display, **self.xdg_env(workdir)}
        self.env.pop("WAYLAND_DISPLAY", None)
        self.env.pop("XDG_SESSION_TYPE", None)
        self.window = Window(workdir, self.env)

    @staticmethod
    def xdg_env(workdir: Path) -> dict[str, str]:
        """Config, data and cache folders inside the rig, so nothing it starts reaches the user's own."""
        folders = {
            "XDG_CONFIG_HOME": "config",
            "XDG_DATA_HOME": "data",
            "XDG_CACHE_HOME": "cache",
            "XDG_STATE_HOME": "state",
        }
        for name in folders.values():
            (workdir / "xdg" / name).mkdir(parents=True, exist_ok=True)
        return {variable: str(workdir / "xdg" / name) for variable, name in folders.items()}

    @property
    def data_home(self) -> Path:
        """Where the daemons started here keep their history (``$XDG_DATA_HOME``)."""
        return Path(self.env["XDG_DATA_HOME"])

    def key(self, action: str, key: str = "ctrl_r") -> None:
        """``down``, ``up`` or ``tap`` a key by keycode."""
        verb = {"down": "keydown", "up": "keyup", "tap": "key"}[action]
        subprocess.run(["xdotool", verb, str(KEYCODES[key])], env=self.env, check=True, timeout=10)

    def clipboard(self, text: str | None = None, selection: str = "clipboard") -> str | None:
        """Set the clipboard (as another application would), or read it."""
        if text is not None:
            subprocess.run(
                ["xclip", "-selection", selection, "-i"],
                input=text.encode(),
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=True,
                timeout=5,
            )
            return text
        done = subprocess.run(
            ["xclip", "-selection", selection, "-o"], env=self.env, capture_output=True, timeout=5
        )
        return done.stdout.decode("utf-8") if done.returncode == 0 else None

    def start_keyvox(self, config_text: str, name: str = "keyvox") -> Keyvox:
        return Keyvox(self.workdir, self.env, config_text, name)

    def dictate(self, keyvox: Keyvox, clip: Path | str, key: str = "ctrl_r") -> None:
        """Hold the key, play the clip into the microphone, release."""
        mark = keyvox.mark()
        self.key("down", key)
        keyvox.wait_for(r"^\[recording\]", 10, since=mark)
        self.pulse.play(clip)
        self.key("up", key)

    def stop(self) -> None:
        for part in (self.window, self.pulse, self.xvfb):
            try:
                part.stop()
            except Exception:
                pass


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate scored as ``keyvox bench`` scores it (Whisper's English normalisation)."""
    from keyvox.bench.wer import word_errors

    return word_errors(reference, hypothesis, "en").rate
