"""A whole daemon run built by ``build_runtime`` with the real model, socket, server and observers: the
microphone goes away and comes back, and every observer hears it.

This machine has no microphone, so PortAudio's input stream is stood in for (``StandInStream``): the
recorder's own open, watchdog and reopen code runs, on blocks the stand-in feeds like a device would.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import ClassVar

import numpy as np
import pytest

from keyvox.config.load import parse_config
from keyvox.core.presence import Observer
from keyvox.desktop.runtime import build_runtime
from keyvox.vocabulary import DaemonState, Notice, NoticeKind

pytestmark = pytest.mark.slow


class StandInStream:
    """A sounddevice ``InputStream`` that feeds silence every 32 ms until its device vanishes."""

    opened: ClassVar[list[StandInStream]] = []

    def __init__(self, *, callback, blocksize, **settings) -> None:
        self.callback = callback
        self.blocksize = blocksize
        self.active = False
        self._gone = threading.Event()
        StandInStream.opened.append(self)

    def start(self) -> None:
        self.active = True
        threading.Thread(target=self._feed, daemon=True).start()

    def vanish(self) -> None:
        """The device or the audio server went away: no more audio, and PortAudio marks the stream inactive."""
        self._gone.set()
        self.active = False

    def abort(self) -> None:
        self._gone.set()

    def close(self) -> None:
        self._gone.set()

    def _feed(self) -> None:
        while not self._gone.wait(0.032):
            self.callback(np.zeros((self.blocksize, 1), np.float32), self.blocksize, None, None)


@pytest.fixture
def microphone(monkeypatch):
    import sounddevice as sd

    StandInStream.opened = []
    monkeypatch.setattr(sd, "InputStream", StandInStream)
    monkeypatch.setattr(sd, "check_input_settings", lambda **settings: None)
    monkeypatch.setattr(sd, "_terminate", lambda: None)  # PortAudio's re-scan: nothing to re-scan here
    monkeypatch.setattr(sd, "_initialize", lambda: None)
    return StandInStream


class Heard(Observer):
    """What an observer (the tray, the notifier) is told, in order."""

    def __init__(self) -> None:
        self.states: list[DaemonState] = []
        self.notices: list[Notice] = []

    def on_state(self, state: DaemonState) -> None:
        self.states.append(state)

    def on_notice(self, notice: Notice) -> None:
        self.notices.append(notice)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_microphone_lost_and_back_reaches_every_observer(microphone, tmp_path, monkeypatch, capsys):
    from websockets.sync.client import connect

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # the control socket goes here
    port = free_port()
    loaded = parse_config(
        f"""
version = 1
[audio]
sounds = false
[hotkey]
backend = "command"
[gui]
tray = false
overlay = false
[desktop]
notifications = false
dbus = false
[server]
enabled = true
port = {port}
""",
        tmp_path / "config.toml",
    )
    runtime = build_runtime(loaded)
    try:
        assert (tmp_path / "keyvox.sock").exists()  # claimed
        assert runtime.transcriber.description.startswith("faster-whisper")
        heard = Heard()
        runtime.presence.add(heard)
        runtime.tracker.announce()
        wait_until(lambda: len(microphone.opened) == 1 and runtime.recorder.healthy, 5, "the microphone")
        events: list[dict] = []
        with connect(f"ws://127.0.0.1:{port}/v1/events", open_timeout=10) as stream:

            def listen() -> None:
                for message in stream:
                    events.append(json.loads(message))

            threading.Thread(target=listen, daemon=True).start()
            wait_until(lambda: events, 5, "the current state on connect")
            microphone.opened[0].vanish()
            wait_until(lambda: len(heard.notices) == 1, 5, "the microphone lost")
            assert runtime.tracker.state is DaemonState.ERROR
            wait_until(lambda: len(heard.notices) == 2, 10, "the microphone back")
            wait_until(lambda: len(events) >= 5, 5, "the events of both")
        assert [notice.kind for notice in heard.notices] == [
            NoticeKind.MICROPHONE_LOST,
            NoticeKind.MICROPHONE_BACK,
        ]
        assert heard.notices[1].message == "microphone is back"
        assert heard.states == [DaemonState.IDLE, DaemonState.ERROR, DaemonState.IDLE]
        assert runtime.tracker.state is DaemonState.IDLE and len(microphone.opened) == 2
        assert [(e["type"], e.get("state") or e.get("kind")) for e in events] == [
            ("state", "idle"),
            ("state", "error"),
            ("notice", "microphone-lost"),
            ("state", "idle"),
            ("notice", "microphone-back"),
        ]
        assert events[-1]["message"] == "microphone is back"
    finally:
        runtime.close()
    out, err = capsys.readouterr()
    assert "keyvox: error: microphone stopped delivering audio" in err
    assert "[error]" in out and "\nkeyvox: microphone is back\n" in f"\n{out}"
    assert not (tmp_path / "keyvox.sock").exists()  # closed with the rest
