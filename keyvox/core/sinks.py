"""Where finished text goes: the protocol the pipeline delivers to, and the window-less sinks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class TextSink(Protocol):
    """Where finished text goes (the output chain in the daemon, a list in the benchmark)."""

    def deliver(self, text: str) -> None: ...

    def delete_chars(self, count: int) -> None: ...

    def focused_window(self) -> str | None: ...

    def press_submit(self, keys: str) -> None:
        """Press ``keys`` (``enter``, ``ctrl+enter``, ``shift+enter``) after the text: a mode's ``submit``."""
        ...


class BaseSink:
    """A ``TextSink`` with the defaults for one that has no window (a list, a socket)."""

    def deliver(self, text: str) -> None:
        raise NotImplementedError

    def delete_chars(self, count: int) -> None:
        """Take back ``count`` characters before the cursor ("scratch that"); a plain sink cannot."""

    def focused_window(self) -> str | None:
        """An id of the window the text goes to, when the sink can tell (spacing follows it)."""
        return None

    def press_submit(self, keys: str) -> None:
        """A plain sink has no window to press keys in."""


@dataclass
class CollectingSink(BaseSink):
    """A sink that keeps what it is given (benchmarks, tests, ``--dry-run``)."""

    texts: list[str] = field(default_factory=list)

    def deliver(self, text: str) -> None:
        self.texts.append(text)
