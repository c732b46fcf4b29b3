"""The clean-up step at the end of the text chain: the model's edit of the chain's text, when the utterance's
settings ask for it, and what the user is told about it.

The user hears of a failing clean-up once per streak (the first failure after a success, or after
``REMIND_AFTER_S`` of failures), not once per utterance; a clean-up that runs longer than
``SHOW_CLEANING_AFTER_S`` is shown ("cleaning…") while it runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from keyvox.config.cleanup import CleanupConfig
from keyvox.text.cleanup import CleanupOutcome, CleanupReason, clean
from keyvox.vocabulary import Notice, NoticeKind

SHOW_CLEANING_AFTER_S = 0.3
"""Shorter waits are not shown: below 300 ms the overlay would flash the word and the text right after."""
REMIND_AFTER_S = 300.0
"""A failure streak is said again after five minutes, in case the first notice went unseen."""


@dataclass(frozen=True)
class CleanedText:
    """The chain's text after clean-up, as the pipeline types it."""

    text: str
    """What to type: the chain's text, or the accepted edit with the chain's spacing around it."""
    outcome: CleanupOutcome


class CleanupStep:
    """Runs ``clean`` for one utterance at a time (on the pipeline's worker) and reports on it."""

    def __init__(
        self,
        on_notice: Callable[[Notice], None] | None = None,
        on_cleaning: Callable[[bool], None] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.on_notice = on_notice
        self.on_cleaning = on_cleaning
        """Called with True when a clean-up has run ``SHOW_CLEANING_AFTER_S``, with False when it ends."""
        self._clock = clock
        self._told_at: float | None = None
        """When the current failure streak was last said; None: no streak (the last one succeeded)."""

    def run(self, text: str, options: CleanupConfig) -> CleanedText:
        if not options.enabled or not text.strip():
            return CleanedText(text, CleanupOutcome(text, False, CleanupReason.DISABLED))
        core = text.strip()
        outcome = self._timed(core, options)
        self._report(outcome)
        if not outcome.accepted:
            return CleanedText(text, outcome)
        # The chain chose the spacing for the cursor (a leading space to continue a sentence); the model
        # only edits the words between.
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        return CleanedText(f"{lead}{outcome.text.strip()}{trail}", outcome)

    def _timed(self, text: str, options: CleanupConfig) -> CleanupOutcome:
        shown = threading.Event()
        timer = None
        if self.on_cleaning is not None:

            def show() -> None:
                shown.set()
                self.on_cleaning(True)

            timer = threading.Timer(SHOW_CLEANING_AFTER_S, show)
            timer.daemon = True
            timer.start()
        try:
            return clean(text, options)
        finally:
            if timer is not None:
                timer.cancel()
                if shown.is_set():
                    self.on_cleaning(False)

    def _report(self, outcome: CleanupOutcome) -> None:
        if not outcome.reason.is_failure:
            self._told_at = None
            return
        now = self._clock()
        if self._told_at is not None and now - self._told_at < REMIND_AFTER_S:
            return
        self._told_at = now
        if self.on_notice is not None:
            detail = f": {outcome.detail}" if outcome.detail else ""
            self.on_notice(
                Notice(
                    NoticeKind.CLEANUP_SKIPPED,
                    f"clean-up skipped ({outcome.reason.value}{detail}); typed as dictated",
                )
            )
