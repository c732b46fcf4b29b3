"""The text chain between the engine and the window: a series of small, separately testable steps."""

from __future__ import annotations

from keyvox.backends.base import Transcription
from keyvox.config import Config


class TextProcessor:
    """Turns an engine's raw transcription into the text to insert.

    One instance serves dictation, ``keyvox transcribe`` and ``keyvox bench`` alike, so they all
    produce the same text for the same audio.
    """

    def __init__(self, config: Config) -> None:
        self.config = config

    @property
    def vocabulary(self) -> list[str]:
        """Spellings the engine should be biased towards (the dictionary's written forms)."""
        return list(dict.fromkeys(self.config.dictionary.values()))

    def process(self, transcription: Transcription) -> str:
        return transcription.text.strip()
