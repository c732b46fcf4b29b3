"""The words keyvox's parts speak to each other in: the daemon's states and the notices for the user.

Listed once here; every observer, the control paths and the server read these values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class DaemonState(str, Enum):
    """What the daemon is doing; the values are what status lines, events and ``keyvox status`` show."""

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
    ERROR = "error"


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    message: str
