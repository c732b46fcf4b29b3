"""Snippets: an utterance that says exactly a trigger phrase types the snippet's text instead.

Case and punctuation are ignored ("My address." matches ``"my address"``), and "insert my address"
matches too. Anything more in the utterance is dictation, not a snippet: a sentence that happens to
contain the phrase is typed as said.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

INSERT_WORDS = ("insert",)
"""A word that may come before a trigger phrase ("insert my address")."""


def spoken_form(text: str) -> str:
    """Lower case words only, one space apart: what a trigger phrase and an utterance are compared as."""
    return " ".join(re.findall(r"[\w']+", text.lower()))


def expand_snippet(text: str, snippets: Mapping[str, str]) -> str | None:
    """The snippet's text when ``text`` is exactly one trigger phrase, else None."""
    said = spoken_form(text)
    if not said:
        return None
    for word in INSERT_WORDS:
        if said.startswith(word + " "):
            said_without = said[len(word) + 1 :]
            break
    else:
        said_without = said
    for trigger, expansion in snippets.items():
        if spoken_form(trigger) in (said, said_without):
            return expansion
    return None
