"""Smart insertion: fit the text to what is already before the cursor.

The context is what keyvox itself typed in the same window within the last few seconds (keyvox cannot
read other programs' text). With no context the safe defaults apply: the text starts a sentence, with
no leading space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SENTENCE_ENDS = ".!?\n"
_NO_SPACE_BEFORE = ",.;:!?)]}%\n"
# Words the engine capitalises only because it thinks a sentence starts; lowercased when continuing one.
COMMON_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "but",
        "or",
        "nor",
        "so",
        "yet",
        "for",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "with",
        "from",
        "into",
        "onto",
        "about",
        "as",
        "than",
        "then",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "do",
        "does",
        "did",
        "not",
        "no",
        "if",
        "when",
        "while",
        "because",
        "which",
        "who",
        "whom",
        "what",
        "where",
        "why",
        "how",
        "there",
        "here",
        "we",
        "you",
        "he",
        "she",
        "they",
        "my",
        "your",
        "our",
        "their",
        "his",
        "her",
        "some",
        "any",
        "all",
        "also",
        "just",
        "only",
        "even",
        "still",
        "maybe",
        "perhaps",
        "please",
    ]
)


@dataclass(frozen=True)
class InsertionContext:
    """What keyvox typed recently in the window that will receive the text, oldest first."""

    recent: tuple[str, ...] = ()
    """Earlier insertions, each exactly as typed (leading/trailing spaces included)."""
    window_known: bool = True
    """False when the platform cannot tell the window: spacing then uses the safe defaults, though
    "scratch that" may still remove ``recent[-1]``."""

    @property
    def before(self) -> str:
        """The text just before the cursor, as far as keyvox knows ("" when unknown)."""
        return "".join(self.recent) if self.window_known else ""


@dataclass(frozen=True)
class Edit:
    """What the output layer does for one utterance: press BackSpace ``delete_chars`` times, then type
    ``insert_text``. Characters are Python ``str`` code points; a ``"\\n"`` is one Return key press and
    one BackSpace removes it."""

    delete_chars: int = 0
    insert_text: str = ""
    retracted: int = 0
    """How many earlier insertions ``delete_chars`` removes (used by ``TextProcessor.record_edit``)."""

    def __bool__(self) -> bool:
        return bool(self.delete_chars or self.insert_text)


def tidy_spacing(text: str) -> str:
    """One space between words, none before closing punctuation, none around line breaks."""
    text = re.sub(r"[^\S\n]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    text = re.sub(r" ([,.;:!?)\]}%])", r"\1", text)
    return text.strip(" ")


def fit_to_context(
    text: str,
    before: str,
    *,
    capitalize: bool = True,
    smart_spacing: bool = True,
    trailing_space: bool = False,
) -> str:
    """``text`` with its first word's case and its leading/trailing space chosen for ``before``."""
    if not text:
        return ""
    tail = before.rstrip(" \t")
    starts_sentence = not tail or tail[-1] in SENTENCE_ENDS
    if capitalize:
        text = _capitalise(text) if starts_sentence else _lowercase_common(text)
    if (
        smart_spacing
        and before
        and not before[-1].isspace()
        and before[-1] not in "([{"
        and not _inside_open_quote(before)
        and text[0] not in _NO_SPACE_BEFORE
        and not text[0].isspace()
    ):
        text = " " + text
    if trailing_space and not text[-1].isspace():
        text += " "
    return text


def _capitalise(text: str) -> str:
    match = re.search(r"[^\W\d_][\w'’.\-]*", text)
    if not match or (match.start() > 0 and text[: match.start()].strip("\"'([“‘ \n")):
        return text
    word = match.group(0)
    if word[0].isupper() or any(char.isupper() for char in word[1:]):
        return text  # already capitalised, or a deliberate spelling such as "iPhone"
    return text[: match.start()] + word[0].upper() + text[match.start() + 1 :]


def _lowercase_common(text: str) -> str:
    match = re.match(r"[A-Z][a-z]*(?=[\s,.;:!?]|$)", text)
    if match and match.group(0).lower() in COMMON_WORDS:
        return match.group(0).lower() + text[match.end() :]
    return text


def _inside_open_quote(before: str) -> bool:
    """``before`` ends right after an opening ``"`` (an odd number of them so far)."""
    return before.endswith('"') and before.count('"') % 2 == 1
