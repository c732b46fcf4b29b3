"""The words keyvox's parts speak to each other in: the daemon's states, the notices for the user, and the
commands a user sends the running daemon.

Listed once here; every observer, the control paths (command line, socket, D-Bus, tray) and the server
read these values. ``keyvox toggle`` imports this module on its fast path, so it stays as cheap as
``enum`` (no dataclasses: importing them pulls in ``inspect``, 6.6 ms, more than the socket itself).
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple


class DaemonState(str, Enum):
    """What the daemon is doing; the values are what status lines, events and ``keyvox status`` show.

    The pipeline reports the first three; pause and errors come on top (keyvox/core/state.py)."""

    IDLE = "idle"
    RECORDING = "recording"
    PROCESSING = "processing"
    PAUSED = "paused"
    ERROR = "error"


class NoticeKind(str, Enum):
    """Something the user should know about, even when no terminal is watching."""

    MICROPHONE_LOST = "microphone-lost"
    MICROPHONE_BACK = "microphone-back"
    MODEL_FAILED = "model-failed"
    INSERT_FAILED = "insert-failed"
    CLEANUP_SKIPPED = "cleanup-skipped"
    """The language model's clean-up failed or was rejected: the text was typed as dictated."""
    COMMAND_NOT_DONE = "command-not-done"
    """A voice command left the selection as it was (nothing selected, the model's answer rejected)."""
    ERROR = "error"

    @property
    def is_trouble(self) -> bool:
        """Everything but good news and a skipped clean-up (the text was typed all the same): the error cue
        plays and the tray shows its error icon."""
        return self not in (NoticeKind.MICROPHONE_BACK, NoticeKind.CLEANUP_SKIPPED)


class Notice(NamedTuple):
    kind: NoticeKind
    message: str


class Command(str, Enum):
    """What a user can tell the running daemon: ``keyvox WORD``, the control socket, D-Bus and the tray.

    Each carries the help text ``keyvox --help`` shows for it."""

    help: str

    def __new__(cls, word: str, help: str) -> Command:
        command = str.__new__(cls, word)
        command._value_ = word
        command.help = help
        return command

    TOGGLE = "toggle", "start or stop dictation in the running keyvox (for a compositor key binding)"
    PRESS = "press", "start dictation in the running keyvox (key-down binding)"
    RELEASE = "release", "stop dictation in the running keyvox (key-up binding)"
    COMMAND = (
        "command",
        ("start a voice command on the selection in the running keyvox (key-down binding; release ends it)"),
    )
    PAUSE = "pause", "pause dictation in the running keyvox: the hotkey records nothing until resume"
    RESUME = "resume", "resume dictation in the running keyvox after pause"
