"""Fail-closed judgement of a model's answer: it is used only when it is plausibly an edit of the input.

Two guards. ``judge_edit`` (clean-up of dictation): the answer must keep most of what was said and add
little, within the bounds below. ``judge_command`` (a voice command on selected text, which may change
every word, e.g. a translation): no overlap rule, but no answer to the user, no request for input, no
absurd length.
"""

from __future__ import annotations

import re
from collections import Counter

from keyvox.text.cleanup.outcome import CleanupReason
from keyvox.text.cleanup.tidy import tidy

# Bounds for a clean-up of dictation, measured on real pairs (benchmarks/README.md "Clean-up guard
# bounds"): 60 tiny.en transcripts against their references, and the Gemma 3 270M answers on them.
MIN_KEPT = 0.6
"""Share of the dictated words the edit must keep."""
MAX_NEW = 0.4
"""Share of the edit's words that may be new (not dictated)."""
WORD_SLACK = 1
"""Words of leeway on every bound, so a three-word utterance may still lose its "um" and fix one word."""
MAX_RATIO = 1.5
"""The edit may be at most this many times as long (in words) as what was dictated."""
MIN_RATIO = 0.5
"""... and at least this share of it."""
COMMAND_MAX_RATIO = 6.0
"""A command's answer may grow the selection this many times ("turn this into a bulleted list" adds
markers and line breaks; a translation to German grows English by about a third) ..."""
COMMAND_EXTRA_CHARS = 400
"""... or by this many characters, whichever is more, for a selection of a few words."""

_ASKS = re.compile(
    r"\b(?:please|could you|can you|would you|kindly)\s+(?:provide|share|give|send|paste|clarify|specify|"
    r"tell me|enter|type|upload|include)\b|\byou(?:'d| would) like me to\b|\bi need (?:the|more|some|a)\b|"
    r"\bwhat would you like\b|\blet me know\b|\bi(?:'m| am) ready to\b|\bno (?:transcript|text) "
    r"(?:was |has been )?(?:provided|given|included)\b",
    re.IGNORECASE,
)
_ANSWERS = re.compile(
    r"^(?:i(?:'m| am) sorry|sorry,|i apologi[sz]e|i can(?:'t|not)|i(?:'m| am) (?:unable|not able)|"
    r"as an ai|as a (?:large )?language model|sure[,!.]|of course[,!.]|certainly[,!.]|absolutely[,!.]|"
    r"great question|good question|here (?:is|are|'s)|the (?:transcript|text|selection) (?:is|says|"
    r"contains|appears)|this (?:transcript|text) (?:is|says|contains|appears))",
    re.IGNORECASE,
)
_QUESTION = re.compile(r"[^.!?\n]*\?")
_WORD = re.compile(r"\w+(?:'\w+)?", re.UNICODE)


_NUMBERS = {
    word: str(value)
    for value, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
"""Spelled numbers count as their digits: a clean-up that writes "4 of clubs" for "four of clubs" keeps
the word (6 of the 60 measured transcripts differ from their references only so)."""


def words(text: str) -> list[str]:
    found = (w.lower() for w in _WORD.findall(text))
    return [_NUMBERS.get(w, w) for w in found]


def overlap(source: str, edit: str) -> tuple[float, float]:
    """(share of ``source``'s words that ``edit`` keeps, share of ``edit``'s words that are new)."""
    said, wrote = Counter(words(source)), Counter(words(edit))
    common = sum((said & wrote).values())
    total_said, total_wrote = sum(said.values()), sum(wrote.values())
    kept = common / total_said if total_said else 1.0
    new = (total_wrote - common) / total_wrote if total_wrote else 0.0
    return kept, new


def judge_edit(source: str, answer: str) -> tuple[str, CleanupReason]:
    """The tidied answer and why it may (ACCEPTED) or may not be typed instead of ``source``."""
    tidied = tidy(answer)
    text = tidied.text
    common = _common_failures(source, text, tidied.thinking, edit=True)
    if common is not None:
        return text, common
    said, wrote = words(source), words(text)
    if len(wrote) > len(said) * MAX_RATIO + WORD_SLACK:
        return text, CleanupReason.TOO_LONG
    if len(wrote) < len(said) * MIN_RATIO - WORD_SLACK:
        return text, CleanupReason.TOO_SHORT
    if {w for w in wrote if w.isdigit()} - set(said):
        return text, CleanupReason.LOW_OVERLAP  # a number nobody said (Gemma 3 270M wrote 5 for a spoken 4)
    said_counts, wrote_counts = Counter(said), Counter(wrote)
    common_words = sum((said_counts & wrote_counts).values())
    if common_words < len(said) * MIN_KEPT - WORD_SLACK:
        return text, CleanupReason.LOW_OVERLAP
    if len(wrote) - common_words > len(wrote) * MAX_NEW + WORD_SLACK:
        return text, CleanupReason.LOW_OVERLAP
    return text, CleanupReason.ACCEPTED


def judge_command(selection: str, answer: str) -> tuple[str, CleanupReason]:
    """The tidied answer and whether it may replace ``selection`` (a voice command's edit)."""
    tidied = tidy(answer)
    text = tidied.text
    common = _common_failures(selection, text, tidied.thinking, edit=False)
    if common is not None:
        return text, common
    if len(text) > max(len(selection) * COMMAND_MAX_RATIO, len(selection) + COMMAND_EXTRA_CHARS):
        return text, CleanupReason.TOO_LONG
    return text, CleanupReason.ACCEPTED


def _asks_anew(source: str, text: str) -> bool:
    """True when ``text`` asks the user for something in words ``source`` did not already say: a selection
    saying "can you send it" let "Please provide the text" through when any asking phrase in it excused
    all of them."""
    said = Counter(m.group(0).lower() for m in _ASKS.finditer(source))
    asked = Counter(m.group(0).lower() for m in _ASKS.finditer(text))
    return bool(asked - said)


def _common_failures(source: str, text: str, thinking: bool, *, edit: bool) -> CleanupReason | None:
    if not words(text):
        return CleanupReason.THINKING if thinking else CleanupReason.EMPTY
    if _asks_anew(source, text):
        return CleanupReason.ASKED
    if _ANSWERS.match(text) and not _ANSWERS.match(source.strip()):
        return CleanupReason.ANSWERED
    # A question the speaker did not ask is the model talking to them: in a clean-up, a question of new
    # words; in a command (a translation changes every word), more questions than the selection had.
    if edit and any(overlap(source, question)[1] > 0.5 for question in _QUESTION.findall(text)):
        return CleanupReason.ASKED
    if not edit and text.count("?") > source.count("?"):
        return CleanupReason.ASKED
    return None
