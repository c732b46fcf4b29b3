"""The text chain between the engine and the window: a series of small, separately testable steps.

Order: hallucination guard -> a snippet, when the utterance says exactly its trigger -> filler removal
-> dictionary (its output shielded from the next step) -> spoken punctuation and "scratch that" ->
the style's finish (code) -> spacing and capitalisation for the cursor. Each step is a plain
function in its own module; this module only strings them together, remembers what was typed (for
context), and takes over config edits.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from keyvox.config.schema import Config, LoadedConfig
from keyvox.engines.base import Transcription
from keyvox.errors import warning_line
from keyvox.text.dictionary import Dictionary
from keyvox.text.fillers import remove_fillers
from keyvox.text.hallucination import collapse_loops, guard
from keyvox.text.insertion import Edit, InsertionContext, fit_to_context, tidy_spacing
from keyvox.text.punctuation import apply_spoken_punctuation, split_scratch
from keyvox.text.reload import ConfigWatcher, print_line, restart_needed
from keyvox.text.snippets import expand_snippet
from keyvox.text.style import Style, finish_code, styled_options

__all__ = ["Edit", "InsertionContext", "TextProcessor"]


@dataclass
class _Typed:
    text: str
    at: float
    window_id: Hashable | None


class TextProcessor:
    """Turns an engine's raw transcription into the text to insert.

    One instance serves dictation, ``keyvox transcribe`` and ``keyvox bench`` alike, so they all
    produce the same text for the same audio. ``process`` gives the text; ``process_edit`` gives the
    full instruction (``Edit``: characters to delete first, for "scratch that", then text to type).
    Callers that type the text report it with ``record_edit``/``record_insertion`` so the next
    utterance knows its context; without reports every utterance gets the safe defaults.

    Safe to share between threads: the settings, the dictionary and the engine's vocabulary are taken
    over together, under the lock, and only ``reload_if_changed`` (called by ``process_edit``, and by the
    pipeline when an utterance starts) ever re-reads the config file.
    """

    def __init__(self, config: Config, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._typed: list[_Typed] = []
        self._watcher: ConfigWatcher | None = None
        self.apply_config(config)

    @classmethod
    def from_loaded(
        cls, loaded: LoadedConfig, *, report: Callable[[str], None] = print_line
    ) -> TextProcessor:
        """A processor for a loaded config, watching its file when ``[text] hot_reload`` is on."""
        processor = cls(loaded.config)
        if loaded.path is not None and loaded.config.text.hot_reload:
            processor.watch(loaded.path, report=report)
        return processor

    # --- configuration --------------------------------------------------------------------------

    def apply_config(self, config: Config) -> None:
        """Take over ``config``'s ``[text]`` and ``[dictionary]`` (the rest is kept for reference)."""
        with self._lock:
            self.config = config
            self.dictionary = Dictionary(config.dictionary)
            self._mode_dictionaries: dict[tuple, Dictionary] = {}
            self._vocabulary = tuple(self.dictionary.vocabulary)

    def watch(
        self, path: str | os.PathLike, *, interval_s: float = 0.25, report: Callable[[str], None] = print_line
    ) -> None:
        """Re-read ``path`` before an utterance when it changed; see ``keyvox.text.reload``."""
        self._watcher = ConfigWatcher(path, interval_s=interval_s, report=report)

    def reload_if_changed(self) -> bool:
        """Apply an edited config file now. True if new settings were taken over.

        Under the lock, so two threads never both read one edit; a poll is one ``stat`` at most."""
        with self._lock:
            watcher = self._watcher
            loaded = watcher.poll() if watcher else None
            if loaded is None:
                return False
            stale = restart_needed(self.config, loaded.config)
            if stale:
                watcher.report(warning_line(f"changes to [{'], ['.join(stale)}] take effect after a restart"))
            self.apply_config(
                dataclasses.replace(
                    self.config,
                    text=loaded.config.text,
                    dictionary=loaded.config.dictionary,
                    snippets=loaded.config.snippets,
                    modes=loaded.config.modes,
                )
            )
            if not loaded.config.text.hot_reload:
                self._watcher = None
            return True

    def dictionary_for(self, settings: Config) -> Dictionary:
        """The dictionary of ``settings`` (a mode adds entries); the processor's own when it is the same."""
        with self._lock:
            if settings.dictionary == self.config.dictionary:
                return self.dictionary
            key = tuple(settings.dictionary.items())
            if key not in self._mode_dictionaries:
                self._mode_dictionaries[key] = Dictionary(settings.dictionary)
            return self._mode_dictionaries[key]

    def vocabulary_for(self, settings: Config | None) -> list[str]:
        """Spellings to bias the engine towards for an utterance run with ``settings``."""
        return self.vocabulary if settings is None else list(self.dictionary_for(settings).vocabulary)

    @property
    def vocabulary(self) -> list[str]:
        """Spellings the engine should be biased towards (the dictionary's written forms), as of the last
        config taken over; reading it never touches the config file."""
        with self._lock:
            return list(self._vocabulary)

    # --- the chain ------------------------------------------------------------------------------

    def process(
        self,
        transcription: Transcription,
        context: InsertionContext | None = None,
        *,
        window_id: Hashable | None = None,
    ) -> str:
        """The text to type for ``transcription`` (any deletion asked by "scratch that" is left out)."""
        return self.process_edit(transcription, context, window_id=window_id).insert_text

    def process_edit(
        self,
        transcription: Transcription,
        context: InsertionContext | None = None,
        *,
        window_id: Hashable | None = None,
        settings: Config | None = None,
    ) -> Edit:
        """What to delete and type for ``transcription``. Without ``context``, the recorded insertions
        in ``window_id`` (within ``context_seconds``) are the context. ``settings``: the config one
        utterance runs with (a mode's, keyvox/config/mode_choice.py), else the processor's own."""
        self.reload_if_changed()
        with self._lock:
            config = settings or self.config
            options = styled_options(config.text)
            dictionary = self.dictionary if settings is None else self.dictionary_for(config)
            if context is None:
                context = self.context_for(window_id)
        text = (
            guard(transcription, options.no_speech_threshold)
            if options.hallucination_guard
            else transcription.text.strip()
        )
        if options.hallucination_guard:
            text = collapse_loops(text)
        snippet = expand_snippet(text, config.snippets) if config.snippets else None
        if snippet is not None:
            return Edit(0, snippet)  # typed exactly as written, whatever came before
        english = self._is_english(transcription)
        if options.remove_fillers and english:  # "um" and "er" are real words in German
            text = remove_fillers(text)
        # The dictionary goes first, shielded, so the user's words always win over commands.
        text, written = dictionary.apply_shielded(text)
        retract = 0
        if options.spoken_punctuation and english:
            retract, text = split_scratch(text)
            text = apply_spoken_punctuation(text, capitalize=options.capitalize)
        text = tidy_spacing(dictionary.unshield(text, written))
        recent = context.recent
        retract = min(retract, len(recent))
        deleted = sum(len(piece) for piece in recent[len(recent) - retract :])
        remaining = dataclasses.replace(context, recent=recent[: len(recent) - retract])
        if options.style == Style.CODE:
            text = finish_code(text)
        text = fit_to_context(
            text,
            remaining.before,
            capitalize=options.capitalize,
            smart_spacing=options.smart_spacing,
            trailing_space=options.trailing_space,
        )
        return Edit(deleted, text, retract)

    def instruction_text(self, transcription: Transcription, settings: Config | None = None) -> str:
        """A spoken command's words (keyvox/core/commands.py): the engine's text through the hallucination
        guard only, since the dictionary, punctuation and spacing are for text that is typed."""
        with self._lock:
            options = styled_options((settings or self.config).text)
        if not options.hallucination_guard:
            return transcription.text.strip()
        return collapse_loops(guard(transcription, options.no_speech_threshold))

    def _is_english(self, transcription: Transcription) -> bool:
        language = transcription.language or self.config.model.language or ""
        return language.lower().startswith("en")

    # --- what was typed -------------------------------------------------------------------------

    def context_for(self, window_id: Hashable | None = None) -> InsertionContext:
        """The recent insertions in ``window_id``. ``None`` means the window is unknown: "scratch that"
        still works on keyvox's own last insertion, but spacing falls back to the safe defaults."""
        with self._lock:
            self._forget_old()
            recent = tuple(typed.text for typed in self._typed if typed.window_id == window_id)
        return InsertionContext(recent, window_known=window_id is not None)

    def record_edit(self, edit: Edit, window_id: Hashable | None = None) -> None:
        """Report that ``edit`` was applied in ``window_id`` (call after the output layer typed it)."""
        with self._lock:
            self._forget_old()
            if any(typed.window_id != window_id for typed in self._typed):
                self._typed = [typed for typed in self._typed if typed.window_id == window_id]
            for _ in range(min(edit.retracted, len(self._typed))):
                self._typed.pop()
            if edit.insert_text:
                self._typed.append(_Typed(edit.insert_text, self._clock(), window_id))

    def record_insertion(self, text: str, window_id: Hashable | None = None) -> None:
        """Report that ``text`` was typed in ``window_id``."""
        self.record_edit(Edit(0, text), window_id)

    def forget(self) -> None:
        """Drop all context (e.g. after the user clicked elsewhere or typed by hand)."""
        with self._lock:
            self._typed.clear()

    def _forget_old(self) -> None:
        horizon = self._clock() - self.config.text.context_seconds
        self._typed = [typed for typed in self._typed if typed.at > horizon]
