"""Text styles a mode can choose: prose (sentences, the default), code, raw.

``code`` is for terminals and editors: "git status" stays as said, so no capital at the start and no
period at the end, and words that look like fillers ("er", "hmm" are shell names too) are kept.
``raw`` is the engine's own text, for users who post-process it themselves.
"""

from __future__ import annotations

import dataclasses
from enum import Enum

from keyvox.config.schema import TextConfig


class Style(str, Enum):
    PROSE = "prose"
    CODE = "code"
    RAW = "raw"


def styled_options(options: TextConfig) -> TextConfig:
    """The text settings ``options.style`` implies on top of the user's switches."""
    style = Style(options.style)
    if style is Style.CODE:
        return dataclasses.replace(options, capitalize=False, remove_fillers=False)
    if style is Style.RAW:
        return dataclasses.replace(options, capitalize=False, remove_fillers=False, spoken_punctuation=False)
    return options


def finish_code(text: str) -> str:
    """A command as said: no final period (the engine ends every sentence with one), no first capital."""
    text = text.strip()
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return text[:1].lower() + text[1:] if text[:1].isupper() and not text[1:2].isupper() else text
