"""The daemon with `[server] enabled`: its event stream follows real dictation, and history records it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading

import pytest

from tests.helpers.x11.rig import REPO, wer

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(desktop, tmp_path_factory):
    port = free_port()
    data = tmp_path_factory.mktemp("history")
    config = f'version = 1\n[output]\nmethod = "type"\n[server]\nenabled = true\nport = {port}\n'
    rig_data, desktop.env["XDG_DATA_HOME"] = desktop.env["XDG_DATA_HOME"], str(data)
    try:
        process = desktop.start_keyvox(config, name="served")
    finally:
        desktop.env["XDG_DATA_HOME"] = rig_data
    process.wait_for(r"^Ready: hold Right Ctrl", 120)
    yield process, port, data
    assert process.stop() == 0, process.output()


def test_events_and_history_follow_dictation(desktop, window, served, manifest):
    from websockets.sync.client import connect

    process, port, data = served
    row = next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))
    events: list[dict] = []
    done = threading.Event()

    with connect(f"ws://127.0.0.1:{port}/v1/events", open_timeout=10) as stream:

        def listen() -> None:
            for message in stream:
                events.append(json.loads(message))
                if events[-1]["type"] == "transcription":
                    done.set()
                    return

        reader = threading.Thread(target=listen, daemon=True)
        reader.start()
        desktop.dictate(process, row["path"])
        assert done.wait(60), events
    typed = window.wait_for_text()
    assert wer(row["text"], typed) <= 0.2, typed

    states = [e["state"] for e in events if e["type"] == "state"]
    assert "recording" in states and "processing" in states[states.index("recording") :], states
    transcription = next(e for e in events if e["type"] == "transcription")
    assert transcription["text"] == typed

    history = subprocess.run(
        [sys.executable, "-m", "keyvox", "history", "--export", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**desktop.env, "XDG_DATA_HOME": str(data), "PYTHONPATH": str(REPO)},
    )
    assert history.returncode == 0, history.stderr
    entries = json.loads(history.stdout)
    assert [entry["text"] for entry in entries] == [typed]
