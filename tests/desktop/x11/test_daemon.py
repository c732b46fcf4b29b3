"""Starting and stopping the real daemon: one-line errors for what the user must fix, a quick Ctrl+C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.helpers.x11.rig import REPO

pytestmark = pytest.mark.slow


def run_keyvox(env: dict, config: str, tmp_path, timeout: float = 60) -> subprocess.CompletedProcess:
    path = tmp_path / "config.toml"
    path.write_text(config, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "keyvox", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**env, "PYTHONPATH": str(REPO)},
    )


def test_no_display_is_one_line_error(desktop, tmp_path):
    env = {k: v for k, v in desktop.env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = run_keyvox(env, "version = 1\n", tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "keyvox: error: no display: DISPLAY is not set; run keyvox inside your desktop "
        'session (on Wayland set [hotkey] backend = "evdev" or "command")'
    )


def test_missing_microphone_lists_devices(desktop, tmp_path):
    done = run_keyvox(desktop.env, 'version = 1\n[audio]\ndevice = "USB headset"\n', tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        'keyvox: error: [audio] device = "USB headset": no such input device (input devices: '
    )
    assert "pulse" in lines[0] and "keyvox devices" in lines[0]


def test_devices_command_lists_the_virtual_microphone(desktop):
    done = subprocess.run(
        [sys.executable, "-m", "keyvox", "devices"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**desktop.env, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr
    assert "default" in done.stdout and "pulse" in done.stdout


def test_ctrl_c_exits_within_a_second(desktop):
    keyvox = desktop.start_keyvox("version = 1\n", name="interrupt")
    keyvox.wait_for(r"^Ready:", 120)
    started = time.monotonic()
    keyvox.process.send_signal(signal.SIGINT)
    keyvox.process.wait(5)
    assert time.monotonic() - started < 1.0
    assert keyvox.process.returncode == 0
    assert "Traceback" not in keyvox.output()
    socket_file = os.path.join(desktop.env["XDG_RUNTIME_DIR"], "keyvox.sock")
    assert not os.path.exists(socket_file)


def main_thread_switches(pid: int) -> int:
    lines = open(f"/proc/{pid}/task/{pid}/status", encoding="utf-8").read().splitlines()
    return sum(int(line.split()[1]) for line in lines if "ctxt_switches:" in line)


def test_an_idle_daemon_sleeps_and_sigterm_still_ends_it_at_once(desktop):
    """Headless, the main thread is the action loop: idle, it waits for an action instead of waking to
    look, and SIGTERM (what systemd and `kill` send) still reaches it there."""
    keyvox = desktop.start_keyvox("version = 1\n[gui]\ntray = false\noverlay = false\n", name="idle")
    keyvox.wait_for(r"^Ready:", 120)
    time.sleep(1.0)
    pid = keyvox.process.pid
    before = main_thread_switches(pid)
    time.sleep(3.0)
    assert main_thread_switches(pid) - before <= 3  # it woke 10 times a second when it polled
    started = time.monotonic()
    keyvox.process.send_signal(signal.SIGTERM)
    keyvox.process.wait(5)
    assert time.monotonic() - started < 1.0
    assert keyvox.process.returncode == 0, keyvox.output()
    assert "Traceback" not in keyvox.output()


def test_recording_stops_at_the_length_limit(desktop, window, manifest):
    row = next(r for r in manifest if r["audio"].endswith("arctic_a0009.wav"))
    keyvox = desktop.start_keyvox(
        'version = 1\n[audio]\nmax_duration_s = 1.5\n[output]\nmethod = "type"\n', name="limit"
    )
    try:
        keyvox.wait_for(r"^Ready:", 120)
        desktop.dictate(keyvox, row["path"])
        keyvox.wait_for(r"^recording reached 1\.5 s, stopped", 10)
        _, _line = keyvox.wait_for(r"^text \(1\.5 s audio", 60)
        typed = window.wait_for_text()
    finally:
        assert keyvox.stop() == 0, keyvox.output()
    assert typed and "table" not in typed.lower(), typed  # the end of the sentence was past the limit


def test_devices_resolve_by_index_and_by_part_of_a_name(desktop):
    """In a fresh process on the rig's audio server, as the daemon starts: PortAudio lists the devices once,
    when it is first loaded, so this test's own process may have loaded it before the rig existed."""
    script = (
        "import json\n"
        "from keyvox.audio.capture import list_input_devices, resolve_device\n"
        "devices = {d.name: d.index for d in list_input_devices()}\n"
        "print(json.dumps([devices, resolve_device(''), resolve_device('PULS'),\n"
        "                  resolve_device(devices['pulse']), resolve_device(str(devices['default']))]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **desktop.env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    devices, default, by_name, by_index, by_number_text = json.loads(done.stdout)
    assert default is None
    assert by_name == by_index == devices["pulse"]
    assert by_number_text == devices["default"]


def test_unreachable_display_is_one_line_error(desktop, tmp_path):
    done = run_keyvox({**desktop.env, "DISPLAY": ":4242"}, "version = 1\n", tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("keyvox: error: cannot open display :4242"), done.stderr
