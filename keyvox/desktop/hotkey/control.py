"""The daemon's control socket: one running instance, ``keyvox toggle|press|...`` and ``keyvox status``.

A unix socket in the user's runtime folder doubles as the single-instance lock: a second daemon finds
it answering and stops with a one-line error. Compositor key bindings (Wayland) run ``keyvox toggle``,
which sends one word over the socket: a ``Command`` (then, for ``toggle`` and ``press``, optionally a
space and the name of the mode to dictate in), or a ``Query``.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Protocol

from keyvox.errors import KeyvoxError
from keyvox.vocabulary import Command


class Query(str, Enum):
    """The socket's words besides the commands: they ask, and change nothing."""

    STATUS = "status"
    """One status line (``keyvox status``)."""
    STATUS_FOLLOW = "status-follow"
    """A status line now and one at every change, for as long as the connection stays open."""
    PING = "ping"
    """``pid N``: a daemon answers here (the single-instance check)."""


class StatusSource(Protocol):
    """Answers ``status`` and ``status-follow`` (``keyvox.desktop.panel.StatusFeed``)."""

    def serve(self, conn: socket.socket, *, follow: bool) -> None: ...


def socket_path() -> Path:
    """``$XDG_RUNTIME_DIR/keyvox.sock``, or a private folder under the temp dir."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return Path(runtime) / "keyvox.sock"
    folder = Path(tempfile.gettempdir()) / f"keyvox-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / "keyvox.sock"


COMMAND_WORDS = frozenset(command.value for command in Command)


class ControlServer:
    """Owns the socket while the daemon runs; each command is handed to ``handler`` (which must not block),
    status requests to ``feed``."""

    def __init__(
        self, handler: Callable[[Command, str | None], None], feed: StatusSource, path: Path | None = None
    ) -> None:
        self.path = path or socket_path()
        self.handler = handler
        self.feed = feed
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def claim(self) -> None:
        """Bind the socket, or raise ``KeyvoxError`` when another keyvox already holds it."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(str(self.path))
        except OSError:
            if _answers(self.path):
                sock.close()
                raise KeyvoxError(
                    f"keyvox is already running (socket {self.path}); stop the other one first, or "
                    "control it with `keyvox toggle`"
                ) from None
            self.path.unlink(missing_ok=True)  # left behind by a daemon that crashed
            sock.bind(str(self.path))
        os.chmod(self.path, 0o600)
        sock.listen(8)
        self._sock = sock

    def serve(self) -> None:
        self._thread = threading.Thread(target=self._run, name="keyvox-control", daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self.path.unlink(missing_ok=True)
                self._sock = None

    def _run(self) -> None:
        sock = self._sock
        while sock is not None:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conn.settimeout(1.0)
            try:
                word = conn.recv(64).decode("ascii", "replace").strip()
            except OSError:
                conn.close()
                continue
            if word in (Query.STATUS, Query.STATUS_FOLLOW):
                self.feed.serve(conn, follow=word == Query.STATUS_FOLLOW)  # owns the connection from here on
                continue
            word, _, mode = word.partition(" ")
            with conn:
                try:
                    if word in COMMAND_WORDS:
                        self.handler(Command(word), mode or None)
                        conn.sendall(b"ok\n")
                    elif word == Query.PING:
                        conn.sendall(f"pid {os.getpid()}\n".encode())
                    else:
                        conn.sendall(b"unknown command\n")
                except OSError:
                    continue


def _answers(path: Path) -> bool:
    try:
        reply = _exchange(path, Query.PING.value)
    except OSError:
        return False
    return reply.startswith("pid")


def _exchange(path: Path, word: str) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2.0)
        sock.connect(str(path))
        sock.sendall(word.encode() + b"\n")
        return sock.recv(64).decode("ascii", "replace").strip()


def send_command(command: Command, path: Path | None = None, *, mode: str | None = None) -> None:
    """Tell the running daemon to ``toggle``, ``press``, ``release``, ``pause`` or ``resume`` (``toggle`` and
    ``press`` in ``mode`` when given)."""
    path = path or socket_path()
    word = command.value if not mode else f"{command.value} {mode}"
    try:
        reply = _exchange(path, word)
    except (FileNotFoundError, ConnectionRefusedError):
        raise KeyvoxError(f"keyvox is not running (no daemon at {path}); start it with: keyvox") from None
    except OSError as exc:
        raise KeyvoxError(f"cannot reach the keyvox daemon at {path} ({exc})") from None
    if reply != "ok":
        raise KeyvoxError(f'the keyvox daemon refused "{word}" ({reply or "no answer"})')
