"""Decoded text read as it was spoken: a number is a word per digit ("90210" was "nine oh two one oh").

Used where pieces of one recording are joined and where a decode is judged for loops or missing speech.
"""

from __future__ import annotations

import re

_SPOKEN = re.compile(r"\d|[^\W\d_]+(?:'[^\W\d_]+)?")


def spoken_tokens(text: str) -> list[str]:
    """Lower-case words, a digit string split into its digits ("100001" was "one zero zero zero one")."""
    return _SPOKEN.findall(text.lower())


def drop_repeated_context(before: str, piece: str) -> str:
    """``piece`` without leading words that only repeat the end of ``before``.

    Given the text before it as context, Whisper sometimes starts a piece by writing the context's last
    words again ("... a liner." + "A liner."); two or more such words are dropped at the join, a read-out
    number counting a word per digit.
    """
    if not before or not piece:
        return piece
    tail = spoken_tokens(before)
    tokens = piece.split()
    head: list[str] = []
    longest = 0
    for size, token in enumerate(tokens, 1):
        words = spoken_tokens(token)
        if not words or len(head) + len(words) > len(tail):
            break  # a punctuation-only token, or more than the context holds: no longer a repeat
        head += words
        if len(head) >= 2 and head == tail[-len(head) :]:
            longest = size
    return " ".join(tokens[longest:]) if longest else piece
