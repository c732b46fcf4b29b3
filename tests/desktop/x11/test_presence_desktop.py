"""The daemon's desktop companions on the rig, all real: `keyvox status` over the control socket, control over
a private `dbus-daemon --session`, cues heard on the PulseAudio sink, and notifications received by dunst.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from tests.helpers.x11.rig import REPO, SINK, Keyvox, wait_until, wer

pytestmark = pytest.mark.slow

CONFIG = """
version = 1
[audio]
sounds = true
sounds_volume = 1.0
[output]
method = "type"
"""


@pytest.fixture(scope="module")
def bus(desktop, tmp_path_factory):
    """A private session bus with dunst (a real notification daemon) on the rig's X display."""
    for tool in ("dbus-daemon", "dunst", "dunstctl", "parec"):
        if subprocess.run(["which", tool], capture_output=True).returncode:
            pytest.skip(f"{tool} not installed (scripts/test.sh installs it)")
    folder = tmp_path_factory.mktemp("bus")
    daemon = subprocess.Popen(
        [
            "dbus-daemon",
            "--session",
            "--nofork",
            "--print-address=1",
            f"--address=unix:path={folder / 'bus'}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    env = {
        **desktop.env,
        "DBUS_SESSION_BUS_ADDRESS": daemon.stdout.readline().strip(),
        "HOME": str(folder),
        "XDG_CONFIG_HOME": str(folder / "config"),
    }
    dunst = subprocess.Popen(
        ["dunst"], env=env, stdout=subprocess.DEVNULL, stderr=open(folder / "dunst.log", "wb")
    )
    wait_until(
        lambda: run(["dunstctl", "count", "history"], env).returncode == 0, 10, what="dunst on the bus"
    )
    yield env
    for process in (dunst, daemon):
        process.terminate()
        process.wait(5)


@pytest.fixture(scope="module")
def keyvox(desktop, bus, tmp_path_factory):
    process = Keyvox(tmp_path_factory.mktemp("presence"), bus, CONFIG, name="presence")
    process.wait_for(r"^Ready: hold Right Ctrl", 120)
    yield process
    assert process.stop() == 0, process.output()


def run(command: list[str], env: dict, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def keyvox_cli(env: dict, *words: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "keyvox", *words], {**env, "PYTHONPATH": str(REPO)})


class Lines:
    """A long-running command's stdout lines, read as they come."""

    def __init__(self, command: list[str], env: dict) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            command, env={**env, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True
        )
        threading.Thread(
            target=lambda: self.lines.extend(line.rstrip("\n") for line in self.process.stdout), daemon=True
        ).start()

    def states(self) -> list[str]:
        return [json.loads(line)["state"] for line in list(self.lines)]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(5)


def notification(env: dict, summary: str, timeout: float = 15) -> dict:
    """The notification dunst received with this summary (closing what it shows moves it to its history)."""

    def received():
        run(["dunstctl", "close-all"], env)
        history = json.loads(run(["dunstctl", "history"], env).stdout or "{}").get("data", [[]])[0]
        found = [
            {k: v["data"] for k, v in item.items()} for item in history if item["summary"]["data"] == summary
        ]
        return found[0] if found else None

    return wait_until(received, timeout, 0.2, f"dunst to receive {summary!r}")


def test_status_once_and_followed_through_dictation_and_pause(desktop, window, keyvox, bus, manifest):
    once = keyvox_cli(bus, "status", "--json")
    assert once.returncode == 0, once.stderr
    snap = json.loads(once.stdout)
    assert snap["state"] == snap["alt"] == snap["class"] == "idle" and snap["tooltip"].startswith(
        "keyvox: idle"
    )

    follow = Lines([sys.executable, "-m", "keyvox", "status", "--follow", "--json"], bus)
    try:
        wait_until(lambda: follow.states() == ["idle"], 10, what="the first status line")
        row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))
        desktop.dictate(keyvox, row["path"])
        typed = window.wait_for_text()
        assert wer(row["text"], typed) <= 0.2, typed
        wait_until(
            lambda: follow.states()[-1:] == ["idle"] and len(follow.states()) >= 4, 30, what="idle again"
        )
        assert follow.states()[:4] == ["idle", "recording", "processing", "idle"], follow.lines
        assert json.loads(follow.lines[-1])["last_text"].strip() == typed.strip()

        assert keyvox_cli(bus, "pause").returncode == 0
        wait_until(lambda: follow.states()[-1] == "paused", 10, what="paused")
        assert keyvox_cli(bus, "status").stdout == "paused\n"
        assert keyvox_cli(bus, "resume").returncode == 0
        wait_until(lambda: follow.states()[-1] == "idle", 10, what="resumed")
    finally:
        follow.stop()


def test_status_without_a_daemon(bus, tmp_path):
    alone = {**bus, "XDG_RUNTIME_DIR": str(tmp_path)}  # a runtime folder where no keyvox listens
    once = keyvox_cli(alone, "status")
    assert once.returncode == 2 and once.stdout == ""
    assert (
        once.stderr.strip() == f"keyvox: error: keyvox is not running (no daemon at {tmp_path}/keyvox.sock); "
        "start it with: keyvox"
    )
    stopped = {
        "text": "",
        "alt": "stopped",
        "class": "stopped",
        "state": "stopped",
        "tooltip": "keyvox is not running",
        "last_text": "",
        "mode": None,
    }
    as_json = keyvox_cli(alone, "status", "--json")  # always answers: a panel shows "not running"
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == stopped, as_json.stderr
    follow = Lines([sys.executable, "-m", "keyvox", "status", "--follow", "--json"], alone)
    try:
        wait_until(lambda: follow.lines, 10, what="a stopped line")
        assert json.loads(follow.lines[0]) == stopped
    finally:
        follow.stop()


def test_dbus_methods_signal_and_property_drive_the_daemon(desktop, window, keyvox, bus, manifest):
    from jeepney import DBusAddress, MatchRule, Properties, new_method_call
    from jeepney.bus_messages import DBus
    from jeepney.io.blocking import open_dbus_connection

    keyvox_obj = DBusAddress("/io/keyvox/Keyvox", bus_name="io.keyvox.Keyvox", interface="io.keyvox.Keyvox")
    with open_dbus_connection(bus=bus["DBUS_SESSION_BUS_ADDRESS"]) as connection:
        rule = MatchRule(type="signal", interface="io.keyvox.Keyvox", member="StateChanged")
        connection.send_and_get_reply(DBus().AddMatch(rule))
        signals: list[str] = []

        def call(method: str) -> None:
            reply = connection.send_and_get_reply(new_method_call(keyvox_obj, method), timeout=5)
            assert reply.header.message_type.name == "method_return", reply.body

        def wait_signal(state: str) -> None:
            deadline = time.monotonic() + 30
            while state not in signals:
                message = connection.receive(timeout=max(0.1, deadline - time.monotonic()))
                if rule.matches(message):
                    signals.append(message.body[0])

        def state() -> str:
            return connection.send_and_get_reply(Properties(keyvox_obj).get("State"), timeout=5).body[0][1]

        mark = keyvox.mark()
        call("Pause")
        wait_signal("paused")
        assert state() == "paused"
        desktop.key("tap")  # the hotkey records nothing while paused
        keyvox.wait_for(r"^paused: not recording", 10, since=mark)
        call("Resume")
        wait_signal("idle")

        row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))
        signals.clear()
        call("Press")
        wait_signal("recording")
        assert state() == "recording"
        desktop.pulse.play(row["path"])
        call("Release")
        typed = window.wait_for_text()
        wait_signal("idle")
        assert wer(row["text"], typed) <= 0.2, typed
        assert signals[:2] == ["recording", "processing"] and signals[-1] == "idle", signals

        signals.clear()
        call("Toggle")
        wait_signal("recording")
        call("Toggle")
        wait_signal("idle")
        unknown = connection.send_and_get_reply(new_method_call(keyvox_obj, "Explode"), timeout=5)
        assert unknown.header.message_type.name == "error"
    assert keyvox.process.poll() is None


def record_sink(env: dict, seconds: float) -> subprocess.Popen:
    return subprocess.Popen(
        [
            "parec",
            "-d",
            f"{SINK}.monitor",
            "--raw",
            "--format=s16le",
            "--rate=16000",
            "--channels=1",
            "--latency-msec=20",
        ],
        env=env,
        stdout=subprocess.PIPE,
    )


def loudness(samples: np.ndarray, window: int = 800) -> np.ndarray:
    """RMS of consecutive 50 ms windows."""
    usable = samples[: samples.size // window * window].reshape(-1, window)
    return np.sqrt((usable**2).mean(axis=1))


def test_start_and_stop_cues_are_heard_on_the_audio_server(desktop, keyvox, bus):
    recorder = record_sink(bus, 4)
    time.sleep(1.0)  # quiet before the key goes down
    mark = keyvox.mark()
    desktop.key("down")
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    time.sleep(0.6)
    desktop.key("up")
    keyvox.wait_for(r"^no speech heard|^text ", 30, since=mark)
    time.sleep(0.5)
    recorder.terminate()
    samples = np.frombuffer(recorder.communicate(timeout=5)[0], "<i2").astype(np.float32) / 32768.0
    levels = loudness(samples)
    # parec starts with what the monitor still buffered (earlier tests' cues); then silence until the key.
    assert levels[8:18].max() < 0.01, levels.round(3)
    levels[:8] = 0
    loud = np.flatnonzero(levels > 0.05)
    assert loud.size >= 2, levels.round(3)
    # Two cues, separated by the ~0.6 s the key was held; each one's pitch is the cue's (660-880 Hz).
    assert loud[-1] - loud[0] >= 8, loud
    for start in (loud[0], loud[-1]):
        segment = samples[max(0, (start - 1) * 800) : (start + 2) * 800]
        spectrum = np.abs(np.fft.rfft(segment * np.hanning(segment.size)))
        peak = np.fft.rfftfreq(segment.size, 1 / 16000)[spectrum.argmax()]
        assert 600 <= peak <= 950, (peak, levels.round(3))


def test_insert_failure_is_notified_with_the_text_on_the_clipboard(desktop, bus, window, monkeypatch):
    from keyvox.desktop.notify import Notifier
    from keyvox.desktop.output.chain import OutputChain
    from keyvox.desktop.output.methods import CommandType
    from keyvox.vocabulary import Notice, NoticeKind

    for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
        monkeypatch.setenv(name, bus[name])
    notifier = Notifier()
    lines: list[str] = []
    chain = OutputChain(
        [CommandType(["keyvox-no-such-typer"])],
        report=lines.append,
        on_fallback=lambda message: notifier.on_notice(Notice(NoticeKind.INSERT_FAILED, message)),
    )
    chain.deliver("Call Bob about the budget.")
    notifier.close()
    shown = notification(bus, "Text not inserted: it is on the clipboard")
    assert shown["appname"] == "Keyvox" and "Paste it" in shown["body"]
    assert desktop.clipboard() == "Call Bob about the budget." and len(lines) == 1


def test_model_that_fails_to_load_is_notified(bus, tmp_path):
    config = tmp_path / "broken.toml"
    config.write_text(f'version = 1\n[model]\nbackend = "faster-whisper"\nname = "{tmp_path / "no-model"}"\n')
    done = run(
        [sys.executable, "-m", "keyvox", "--config", str(config)],
        {**bus, "PYTHONPATH": str(REPO), "XDG_RUNTIME_DIR": str(tmp_path)},
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    shown = notification(bus, "Speech model failed to load")
    assert shown["appname"] == "Keyvox" and shown["body"]
    assert "no-model" in shown["body"] and shown["body"] in done.stderr  # the error keyvox printed, in full


def test_microphone_lost_is_notified(desktop, keyvox, bus):
    mark = keyvox.mark()
    desktop.pulse.kill()
    try:
        keyvox.wait_for(r"^keyvox: error: microphone stopped", 15, since=mark)
        shown = notification(bus, "Microphone gone")
        assert shown["appname"] == "Keyvox" and shown["body"].startswith(
            "microphone stopped delivering audio"
        )
    finally:
        desktop.pulse.start()
    keyvox.wait_for(r"^keyvox: microphone is back", 20, since=mark)
    back = notification(bus, "Microphone back")
    assert back["appname"] == "Keyvox" and back["body"] == "microphone is back"


def test_without_jeepney_dbus_control_is_off_with_an_install_hint(monkeypatch):
    from keyvox.desktop.dbus_control import INSTALL_HINT, DBusControl, DBusUnavailable

    monkeypatch.setitem(sys.modules, "jeepney", None)  # as on a machine without the desktop extra
    with pytest.raises(DBusUnavailable) as error:
        DBusControl(lambda word: None).start()
    assert str(error.value) == INSTALL_HINT and "keyvox[desktop]" in INSTALL_HINT
