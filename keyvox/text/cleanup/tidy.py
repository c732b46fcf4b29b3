"""Taking the model's wrapping off its answer: reasoning blocks, markdown fences, wrapping quotes, echoed
tags and "Here is the cleaned text:" preambles. What is left is what the guard judges."""

from __future__ import annotations

import re
from dataclasses import dataclass

_THINK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.IGNORECASE | re.DOTALL)
_OPEN_THINK = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)
_STRAY_CLOSE = re.compile(r"^.*?</(think|thinking|reasoning)>", re.IGNORECASE | re.DOTALL)
_FENCE = re.compile(r"^```[\w+-]*[ \t]*\n(.*?)\n?```$", re.DOTALL)
_TAGS = re.compile(r"</?(transcript|selection|instruction|text|output)>", re.IGNORECASE)
_PREAMBLE = re.compile(
    r"^(?:(?:sure|okay|ok|certainly|of course)[!,.]?\s*)?"
    r"(?:here(?:'s| is| are)\s+(?:the|your|an?)\s+[\w\s-]{0,40}?(?:text|transcript|version|edit|email|"
    r"message|comment|result|list|translation)[^:\n]{0,40}:|"
    r"(?:cleaned|edited|corrected|revised|formatted|translated)(?:\s+(?:text|transcript|version))?\s*:|"
    r"(?:output|result|answer)\s*:)\s*",
    re.IGNORECASE,
)
_END = re.compile(
    r"</(?:transcript|selection)>|<\|(?:im_end|eot_id|end|endoftext)\|>|<end_of_turn>|<\|im_start\|>",
    re.IGNORECASE,
)
"""Where the answer ends: the close of the quoted block a model echoes, or a chat template's end-of-turn
token. A base model (Gemma 3 270M) goes on repeating the block after it (benchmarks/README.md)."""
_QUOTES = (
    ('"', '"'),
    ("'", "'"),
    ("\u201c", "\u201d"),
    ("\u2018", "\u2019"),
    ("`", "`"),
    ("\u00ab", "\u00bb"),
)


@dataclass(frozen=True)
class Tidied:
    text: str
    thinking: bool
    """A reasoning block was there (ended or not)."""
    unterminated: bool
    """A reasoning block began and never ended: everything after it is the model's thinking."""


def tidy(answer: str) -> Tidied:
    text, count = _THINK.subn("", answer)
    thinking = count > 0
    unterminated = False
    opened = _OPEN_THINK.search(text)
    if opened:  # cut off mid-thought (max_tokens) or never closed: none of it is the edit
        text, thinking, unterminated = text[: opened.start()], True, True
    closed = _STRAY_CLOSE.match(text)
    if closed:  # some templates open the block in the prompt, so only its end comes back
        text, thinking = text[closed.end() :], True
    end = _END.search(text)
    if end:
        text = text[: end.start()]
    previous = None
    while previous != text:
        previous = text
        text = text.strip()
        fenced = _FENCE.match(text)
        if fenced:
            text = fenced.group(1)
        text = _TAGS.sub("", text).strip()
        text = _PREAMBLE.sub("", text, count=1)
        text = _unquote(text)
    return Tidied(text, thinking, unterminated)


def _unquote(text: str) -> str:
    for left, right in _QUOTES:
        inner = text[len(left) : -len(right)]
        if len(text) >= 2 and text.startswith(left) and text.endswith(right) and left not in inner:
            return inner
    return text
