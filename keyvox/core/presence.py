"""What the running daemon tells the desktop: its state, the input level, the live words, results, notices.

The daemon owns one ``Presence`` and calls it from whatever thread the news comes from (the pipeline's
worker, the recorder's callback, the main loop). Each observer (status line, tray, overlay, sounds,
notifications, the ``/v1/events`` stream, D-Bus) subclasses ``Observer`` and overrides what it needs; it
must return quickly and hand work to its own thread or event loop. An observer that raises is reported
once and otherwise ignored, so a broken tray can never stop dictation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from keyvox.vocabulary import DaemonState, Notice

if TYPE_CHECKING:
    from keyvox.core.utterance import UtteranceResult

log = logging.getLogger(__name__)


class Observer:
    """Override the calls you care about; the defaults do nothing."""

    def on_state(self, state: DaemonState) -> None:
        """The daemon's state changed."""

    def on_level(self, rms: float) -> None:
        """Input level of the latest microphone chunk while recording (RMS of samples in [-1, 1])."""

    def on_partial(self, text: str) -> None:
        """Provisional words of the utterance being recorded (the live decoder's current guess)."""

    def on_mode(self, mode: str | None) -> None:
        """A recording started in this ``[[mode]]`` (None: the main settings), or the pinned mode changed."""

    def on_cleaning(self, active: bool) -> None:
        """A clean-up by the language model has run for a while (True), or ended (False)."""

    def on_result(self, result: UtteranceResult) -> None:
        """An utterance finished (text delivered, empty, or failed: see ``result.error``)."""

    def on_notice(self, notice: Notice) -> None:
        """Something needs the user's attention."""

    def close(self) -> None:
        """The daemon is stopping."""


class Presence(Observer):
    """Fans every call out to the registered observers; never lets one observer's failure escape."""

    def __init__(self, observers: Iterable[Observer] = ()) -> None:
        self._observers: list[Observer] = list(observers)
        self._lock = threading.Lock()
        self._failed: set[int] = set()

    def add(self, observer: Observer) -> None:
        """Also tell ``observer`` from now on (the GUI joins once Qt runs)."""
        with self._lock:
            self._observers.append(observer)

    def on_state(self, state: DaemonState) -> None:
        self._each("on_state", lambda observer: observer.on_state(state))

    def on_level(self, rms: float) -> None:
        self._each("on_level", lambda observer: observer.on_level(rms))

    def on_partial(self, text: str) -> None:
        self._each("on_partial", lambda observer: observer.on_partial(text))

    def on_mode(self, mode: str | None) -> None:
        self._each("on_mode", lambda observer: observer.on_mode(mode))

    def on_cleaning(self, active: bool) -> None:
        self._each("on_cleaning", lambda observer: observer.on_cleaning(active))

    def on_result(self, result: UtteranceResult) -> None:
        self._each("on_result", lambda observer: observer.on_result(result))

    def on_notice(self, notice: Notice) -> None:
        self._each("on_notice", lambda observer: observer.on_notice(notice))

    def close(self) -> None:
        self._each("close", lambda observer: observer.close())

    def _each(self, name: str, call: Callable[[Observer], None]) -> None:
        with self._lock:
            observers = list(self._observers)
        for observer in observers:
            try:
                call(observer)
            except Exception:
                if (
                    id(observer) not in self._failed
                ):  # report once: a tray that keeps failing must not flood logs
                    self._failed.add(id(observer))
                    log.exception("%s.%s failed", type(observer).__name__, name)
