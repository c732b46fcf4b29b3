"""Filler removal: hesitation sounds ("uh", "um", ...) that carry no meaning in written text.

Only pure hesitation sounds are listed; words that can mean something ("like", "you know", "ah",
"mhm") are never touched. A comma the engine put after the filler goes with it, and when the filler
opened a sentence ("Um, so we ship.") the next word takes over its capital ("So we ship.").
"""

from __future__ import annotations

import re

FILLERS = ("uh", "uhh", "uhm", "um", "umm", "erm", "er", "ehm", "hmm", "hmmm", "mmm")

_FILLER = re.compile(r"(?<![\w'’-])(?:" + "|".join(FILLERS) + r")(?![\w'’-])[,;]?[ \t]*", re.IGNORECASE)


def remove_fillers(text: str) -> str:
    """``text`` without hesitation sounds."""
    pieces: list[str] = []
    position = 0
    capital_next = False
    for match in _FILLER.finditer(text):
        kept = text[position : match.start()]
        if capital_next:
            kept = _capitalise_first(kept)
        pieces.append(kept)
        before = "".join(pieces).rstrip(" \t")
        capital_next = (capital_next and not kept.strip()) or (
            match.group(0)[0].isupper() and (not before or before[-1] in ".!?\n")
        )
        position = match.end()
    if not pieces:
        return text
    rest = text[position:]
    pieces.append(_capitalise_first(rest) if capital_next else rest)
    cleaned = "".join(pieces)
    # "forced um, a liner" -> "forced a liner"; "so, um." -> "so."
    cleaned = re.sub(r"[ \t]+([,.;:!?])", r"\1", cleaned)
    cleaned = re.sub(r",([.;:!?])", r"\1", cleaned)
    cleaned = re.sub(r"[ \t]{2,}", " ", cleaned)
    cleaned = cleaned.strip(" \t,")
    # A lone "Hmm." leaves only its full stop behind, which is no text at all.
    return cleaned if any(char.isalnum() for char in cleaned) else ""


def _capitalise_first(text: str) -> str:
    for index, char in enumerate(text):
        if char.isalpha():
            return text[:index] + char.upper() + text[index + 1 :]
        if not char.isspace():
            return text
    return text
