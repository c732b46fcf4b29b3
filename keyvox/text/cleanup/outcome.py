"""What one clean-up (or voice command) gave: the text to use, and why the model's answer was or was not."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class CleanupReason(str, Enum):
    """Why the model's answer was used or not; the values are what history and notices show."""

    ACCEPTED = "accepted"
    DISABLED = "disabled"
    """Clean-up is off for this utterance: nothing was sent."""
    NOTHING = "nothing"
    """The input held no words: nothing was sent."""
    ANSWERED = "answered"
    """The model replied to the text (or to the user) instead of editing it."""
    ASKED = "asked"
    """The model asked for input or a question back ("Please provide the transcript…")."""
    THINKING = "thinking"
    """Only a reasoning block came back (or one that never ended)."""
    TOO_LONG = "too-long"
    TOO_SHORT = "too-short"
    LOW_OVERLAP = "low-overlap"
    """Too few of the dictated words are left, or too many new ones came in."""
    EMPTY = "empty"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    HTTP_ERROR = "http-error"
    MALFORMED = "malformed"
    """The answer was not an OpenAI-style chat completion."""
    COMMAND_FAILED = "command-failed"
    """The clean-up program could not start or exited with an error."""
    REMOTE_REFUSED = "remote-refused"
    """The endpoint is not on this machine and allow_remote is off: nothing was sent."""
    NO_KEY = "no-key"
    """api_key_env or api_key_file is set but holds no key: nothing was sent."""

    @property
    def is_failure(self) -> bool:
        """A clean-up that was asked for and did not give an edit (what the user is told about)."""
        return self not in (CleanupReason.ACCEPTED, CleanupReason.DISABLED, CleanupReason.NOTHING)


@dataclass(frozen=True)
class CleanupOutcome:
    """The result of ``clean`` or ``instruct``."""

    text: str
    """What to use: the model's edit when accepted, else the input unchanged."""
    accepted: bool
    reason: CleanupReason
    raw: str | None = None
    """The model's (or command's) answer as it came, None when none came."""
    seconds: float = 0.0
    """How long the request took, including the guard."""
    detail: str = ""
    """One line for the log and the notice: what went wrong (an HTTP status, the error), or empty."""
