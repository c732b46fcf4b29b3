"""The model behind voice-command instructions: a ``SelectionEditor`` over the clean-up step's
``instruct`` (keyvox/text/cleanup/), so a command goes where that utterance's clean-up would go
(the mode's ``[mode.cleanup]``, else ``[cleanup]``) under the same local-first rules and guard."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from keyvox.config.schema import Config
from keyvox.core.cleanup_step import SHOW_CLEANING_AFTER_S
from keyvox.core.commands import EditAnswer, SelectionEditor

if TYPE_CHECKING:
    from keyvox.text.cleanup import CleanupConfig


@dataclass(frozen=True)
class ModelEditor:
    """Sends the instruction and the selection to the clean-up model; its answer is used only when the
    guard accepts it."""

    options: CleanupConfig
    on_cleaning: Callable[[bool], None] | None = None
    """Told True once the model has taken ``SHOW_CLEANING_AFTER_S`` (the overlay shows it is working), and
    False when it has answered, as for dictation's clean-up."""

    def edit(self, instruction: str, selection: str) -> EditAnswer:
        from keyvox.text.cleanup import instruct

        shown = threading.Event()
        timer = None
        if self.on_cleaning is not None:
            timer = threading.Timer(SHOW_CLEANING_AFTER_S, lambda: (shown.set(), self.on_cleaning(True)))
            timer.daemon = True
            timer.start()
        try:
            outcome = instruct(instruction, selection, self.options)
        finally:
            if timer is not None:
                timer.cancel()
                if shown.is_set():
                    self.on_cleaning(False)
        why = f"{outcome.reason.value}{f' ({outcome.detail})' if outcome.detail else ''}"
        return EditAnswer(
            outcome.text, outcome.accepted, "" if outcome.accepted else f"the model's answer: {why}"
        )


def editor_for(settings: Config, on_cleaning: Callable[[bool], None] | None = None) -> SelectionEditor | None:
    """The editor for one command's settings (the mode's clean-up endpoint or program, else the top-level
    one; ``[cleanup] enabled`` is for dictation and does not matter here); None when ``[commands]
    instructions`` is off."""
    if not settings.commands.instructions:
        return None
    return ModelEditor(settings.cleanup, on_cleaning)
