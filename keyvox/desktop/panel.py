"""``keyvox status [--follow] [--json]``: the running daemon's state for panels (waybar, polybar) and scripts.

The daemon answers over its control socket: ``status`` gets one line, ``status-follow`` keeps the
connection open and gets one more line at every change. With ``--json`` each line is an object waybar's
``custom`` module reads as it is (``"return-type": "json"``): ``text``, ``alt`` (the state, for
``format-icons``), ``class`` (for CSS) and ``tooltip``, plus ``state`` and ``last_text`` for scripts.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from keyvox.core.presence import Observer
from keyvox.desktop.hotkey.control import Query, socket_path
from keyvox.desktop.status import STATE_SYMBOLS
from keyvox.errors import ExitCode, KeyvoxError
from keyvox.vocabulary import DaemonState

STOPPED = "stopped"
"""What ``--follow`` reports while no daemon runs (the module stays, empty, until keyvox starts)."""
RECONNECT_S = 1.0
"""``--follow`` looks for a (re)started daemon this often; a connect attempt costs well under 1 ms."""
SEND_TIMEOUT_S = 0.2
"""A follower that does not read for this long is dropped, so a stuck panel never slows dictation."""


def snapshot(state: DaemonState | None, last_text: str = "", mode: str | None = None) -> dict:
    """What a panel shows for ``state``; None while no daemon runs. ``mode``: the last recording's mode."""
    if state is None:
        name, text, tooltip = STOPPED, "", "keyvox is not running"
    else:
        name, text = state.value, STATE_SYMBOLS[state]
        tooltip = f"keyvox: {name}" + (f" (mode {mode})" if mode else "")
        tooltip += f"\nlast: {last_text}" if last_text else ""
    return {
        "text": text,
        "alt": name,
        "class": name,
        "tooltip": tooltip,
        "state": name,
        "last_text": last_text,
        "mode": mode,
    }


class StatusFeed(Observer):
    """Keeps the daemon's current state and streams every change to the connections that follow it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = DaemonState.IDLE
        self._last_text = ""
        self._mode: str | None = None
        self._followers: list[socket.socket] = []

    def line(self) -> bytes:
        with self._lock:
            snap = snapshot(self._state, self._last_text, self._mode)
        return (json.dumps(snap, ensure_ascii=False) + "\n").encode()

    def serve(self, conn: socket.socket, *, follow: bool) -> None:
        """Answer a ``status`` request; a follower's connection is kept (and owned) from here on."""
        conn.settimeout(SEND_TIMEOUT_S)
        try:
            conn.sendall(self.line())
        except OSError:
            conn.close()
            return
        if not follow:
            conn.close()
            return
        with self._lock:
            self._followers.append(conn)

    def on_state(self, state: DaemonState) -> None:
        with self._lock:
            if self._state is state:
                return
            self._state = state
        self._broadcast()

    def on_mode(self, mode: str | None) -> None:
        with self._lock:
            if self._mode == mode:
                return
            self._mode = mode
        self._broadcast()

    def on_result(self, result) -> None:
        if result.text and not result.error:
            with self._lock:
                self._last_text = result.text

    def close(self) -> None:
        with self._lock:
            followers, self._followers = self._followers, []
        for conn in followers:
            conn.close()

    def _broadcast(self) -> None:
        line = self.line()
        with self._lock:
            followers = list(self._followers)
        for conn in followers:
            try:
                conn.sendall(line)
            except OSError:  # the panel went away (or stopped reading)
                with self._lock:
                    if conn in self._followers:
                        self._followers.remove(conn)
                conn.close()


# --- the client: ``keyvox status`` ----------------------------------------------------------------------


def read_status(path: Path, *, follow: bool) -> Iterator[dict]:
    """The daemon's snapshot(s); raises ``OSError`` when no daemon answers at ``path``."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2.0)
        sock.connect(str(path))
        query = Query.STATUS_FOLLOW if follow else Query.STATUS
        sock.sendall(query.value.encode() + b"\n")
        if follow:
            sock.settimeout(None)
        with sock.makefile("r", encoding="utf-8") as lines:
            for line in lines:
                if not line.startswith("{"):
                    raise KeyvoxError(
                        f"the keyvox daemon at {path} does not know `status` ({line.strip()}); "
                        "restart it after updating keyvox"
                    )
                yield json.loads(line)
                if not follow:
                    return


def show(snap: dict, as_json: bool) -> None:
    plain = snap["state"] + (f" (mode {snap['mode']})" if snap.get("mode") else "")
    print(json.dumps(snap, ensure_ascii=False) if as_json else plain, flush=True)


def print_status(*, follow: bool, as_json: bool) -> int:
    """``keyvox status``: print the daemon's state once, or (``follow``) at every change for as long as it runs.

    With ``as_json`` it always answers: no daemon is the ``stopped`` object (exit status 0), so a panel
    module shows "not running" instead of nothing; the plain form says so in one error line (status 2)."""
    path = socket_path()
    if not follow:
        try:
            for snap in read_status(path, follow=False):
                show(snap, as_json)
                return ExitCode.OK
        except OSError:
            if as_json:
                show(snapshot(None), as_json)
                return ExitCode.OK
            raise KeyvoxError(f"keyvox is not running (no daemon at {path}); start it with: keyvox") from None
        raise KeyvoxError(f"the keyvox daemon at {path} sent no status")
    previous = None
    while True:  # a panel module runs for the whole session: survive daemon restarts
        try:
            for snap in read_status(path, follow=True):
                if snap != previous:
                    show(snap, as_json)
                    previous = snap
        except BrokenPipeError:  # the reader went away (`keyvox status --follow | head -1`)
            return ExitCode.OK
        except OSError:
            pass
        stopped = snapshot(None)
        if stopped != previous:
            show(stopped, as_json)
            previous = stopped
        time.sleep(RECONNECT_S)
