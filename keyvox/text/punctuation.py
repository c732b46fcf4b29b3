"""Spoken punctuation ("comma", "new line", "open quote", ...) and the "scratch that" command.

The engine already punctuates, so a spoken mark replaces whatever the engine put next to it instead of
adding to it ("hello, comma" -> "hello,"; "Hello. Period." -> "Hello."). A word is left alone when its
neighbours show it is meant literally: after a determiner ("a comma", "the period") or before a word
that makes it a noun ("comma splice", "period of time"). English only; the caller checks the language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keyvox.text.insertion import COMMON_WORDS

MARK, BREAK, OPEN, CLOSE = "mark", "break", "open", "close"


@dataclass(frozen=True)
class Spoken:
    """One spoken command: the symbol it writes and how it attaches to its neighbours."""

    symbol: str
    kind: str
    """``mark`` (attaches left, space after), ``break`` (new line, no spaces around), ``open`` (space
    before, none after) or ``close`` (none before, space after)."""


COMMANDS: dict[tuple[str, ...], Spoken] = {
    ("comma",): Spoken(",", MARK),
    ("period",): Spoken(".", MARK),
    ("full", "stop"): Spoken(".", MARK),
    ("question", "mark"): Spoken("?", MARK),
    ("exclamation", "mark"): Spoken("!", MARK),
    ("exclamation", "point"): Spoken("!", MARK),
    ("colon",): Spoken(":", MARK),
    ("semicolon",): Spoken(";", MARK),
    ("semi", "colon"): Spoken(";", MARK),
    ("new", "line"): Spoken("\n", BREAK),
    ("newline",): Spoken("\n", BREAK),
    ("new", "paragraph"): Spoken("\n\n", BREAK),
    ("open", "quote"): Spoken('"', OPEN),
    ("begin", "quote"): Spoken('"', OPEN),
    ("close", "quote"): Spoken('"', CLOSE),
    ("end", "quote"): Spoken('"', CLOSE),
    ("unquote",): Spoken('"', CLOSE),
    ("open", "paren"): Spoken("(", OPEN),
    ("open", "parenthesis"): Spoken("(", OPEN),
    ("open", "bracket"): Spoken("(", OPEN),
    ("close", "paren"): Spoken(")", CLOSE),
    ("close", "parenthesis"): Spoken(")", CLOSE),
    ("close", "bracket"): Spoken(")", CLOSE),
}
_LONGEST = max(len(words) for words in COMMANDS)

# A command word right after one of these is a noun in the sentence ("a comma", "the new line").
LITERAL_BEFORE = frozenset(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "each",
        "every",
        "no",
        "any",
        "one",
        "another",
        "my",
        "your",
        "his",
        "her",
        "its",
        "our",
        "their",
        "some",
        "what",
        "which",
        "whose",
        "word",
        "called",
        "named",
        "extra",
        "missing",
        "single",
        "double",
        "same",
        "short",
        "long",
        "brief",
        "given",
        "certain",
        "trial",
        "grace",
        "waiting",
        "cooling",
        "probation",
        "transition",
        "time",
        "day",
        "week",
        "month",
        "year",
        "hour",
    ]
)
# ... and before one of these ("comma splice", "period of time", "colon cancer").
LITERAL_AFTER = frozenset(
    [
        "of",
        "splice",
        "splices",
        "splicing",
        "separated",
        "delimited",
        "key",
        "keys",
        "sign",
        "signs",
        "symbol",
        "symbols",
        "character",
        "characters",
        "button",
        "placement",
        "rule",
        "rules",
        "usage",
        "drama",
        "piece",
        "pieces",
        "costume",
        "cancer",
    ]
)

# "full-stop", "new-line": the engine sometimes hyphenates a two-word command.
_HYPHENATED = re.compile(
    r"(?<![\w-])("
    + "|".join({words[0] for words in COMMANDS if len(words) == 2})
    + r")-("
    + "|".join({words[1] for words in COMMANDS if len(words) == 2})
    + r")(?![\w-])",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\n|[^\S\n]+|\w[\w'’]*(?:[.\-]\w+)*|[^\w\s]")
_ENGINE_MARKS = ",.;:!?"


def apply_spoken_punctuation(text: str, *, capitalize: bool = True) -> str:
    """``text`` with spoken punctuation commands turned into the symbols they name."""
    tokens = _TOKEN.findall(_HYPHENATED.sub(r"\1 \2", text))
    items: list[str | Spoken] = []
    index = 0
    while index < len(tokens):
        found = _command_at(tokens, index)
        if found is None:
            items.append(tokens[index])
            index += 1
            continue
        command, end = found
        if command.kind in (MARK, CLOSE):
            _drop_engine_marks(items, keep="!?" if command.kind == CLOSE else "")
        items.append(command)
        index = end
        if command.kind != CLOSE:
            while index < len(tokens) and tokens[index] in _ENGINE_MARKS:
                index += 1  # the engine's own mark after the spoken word ("Period." -> ".")
    return _render(items, capitalize) if any(isinstance(item, Spoken) for item in items) else text


def _command_at(tokens: list[str], index: int) -> tuple[Spoken, int] | None:
    """The command starting at ``tokens[index]`` and the index after it, unless meant literally."""
    if not _is_word(tokens[index]):
        return None
    words: list[str] = []
    positions: list[int] = []
    cursor = index
    while cursor < len(tokens) and len(words) < _LONGEST:
        if _is_word(tokens[cursor]):
            words.append(tokens[cursor].lower())
            positions.append(cursor)
        elif not tokens[cursor].isspace() or tokens[cursor] == "\n":
            break
        cursor += 1
    for size in range(len(words), 0, -1):
        command = COMMANDS.get(tuple(words[:size]))
        if command is not None:
            end = positions[size - 1] + 1
            if _literal(tokens, index, end):
                return None
            return command, end
    return None


def _literal(tokens: list[str], start: int, end: int) -> bool:
    before = _neighbour(tokens, start - 1, -1)
    after = _neighbour(tokens, end, 1)
    return (before is not None and before.lower() in LITERAL_BEFORE) or (
        after is not None and after.lower() in LITERAL_AFTER
    )


def _neighbour(tokens: list[str], index: int, step: int) -> str | None:
    """The adjacent word, if only spaces separate it (punctuation means a clause boundary)."""
    while 0 <= index < len(tokens) and tokens[index].isspace() and tokens[index] != "\n":
        index += step
    if 0 <= index < len(tokens) and _is_word(tokens[index]):
        return tokens[index]
    return None


def _drop_engine_marks(items: list[str | Spoken], keep: str) -> None:
    """Remove spaces and the engine's own marks just before a spoken mark ("hello, comma")."""
    while (
        items
        and isinstance(items[-1], str)
        and (
            (items[-1].isspace() and items[-1] != "\n")
            or (items[-1] in _ENGINE_MARKS and items[-1] not in keep)
        )
    ):
        items.pop()


def _render(items: list[str | Spoken], capitalize: bool) -> str:
    out = ""
    space_next = no_space_next = capital_next = lower_next = False
    for item in items:
        if isinstance(item, Spoken):
            if item.kind == OPEN:
                if out and not out[-1].isspace() and out[-1] not in '(["':
                    out += " "
                no_space_next, space_next = True, False
            else:
                out = out.rstrip(" \t")
                space_next, no_space_next = item.kind != BREAK, item.kind == BREAK
            if item.kind == BREAK:
                ended = out.rstrip()
                capital_next = not ended or ended[-1] in ".!?"
            elif item.kind == MARK:
                capital_next = item.symbol in ".!?"
                # "Hello. Comma. How are you?": the engine's sentence capital no longer applies.
                lower_next = item.symbol in ",;"
            out += item.symbol
            continue
        if item.isspace() and item != "\n":
            if not (no_space_next or out.endswith((" ", "\n"))) and out:
                out += " "
            continue
        if space_next and _is_word(item) and out and not out[-1].isspace():
            out += " "
        if capital_next and capitalize and _is_word(item):
            item = item[0].upper() + item[1:]
        elif lower_next and capitalize and item.istitle() and item.lower() in COMMON_WORDS:
            item = item.lower()
        if item != "\n" or not out.endswith("\n\n"):  # no third line break after "new paragraph"
            out += item
        space_next = no_space_next = False
        if _is_word(item):
            capital_next = lower_next = False
    return out.strip(" \t")


def _is_word(token: str) -> bool:
    """A word, a number, or a dictionary replacement (shielded as one private-use character)."""
    return token[:1].isalnum() or token[:1] == "_" or "\ue000" <= token[:1] <= "\uf8ff"


# --- "scratch that" ---------------------------------------------------------------------------

_SCRATCH = re.compile(r"(?<![\w'’])scratch[\s\-]+that(?![\w'’])", re.IGNORECASE)
_SCRATCH_LITERAL_AFTER = frozenset(
    ["itch", "off", "out", "surface", "record", "card", "ticket", "paint", "disk", "one"]
)


def split_scratch(text: str) -> tuple[int, str]:
    """Apply "scratch that": how many earlier insertions to delete, and the text left to insert.

    "scratch that" at the start of the utterance deletes the previous insertion (each repetition one
    more); after other words it deletes those words, but only where the engine heard a pause before it
    ("I went home, scratch that, I went to work"), so "don't scratch that" stays text.
    """
    retract = 0
    segment_start = 0
    for match in _SCRATCH.finditer(text):
        before = text[segment_start : match.start()]
        following = re.match(r"[\s,.;:!?]*(\w+)?", text[match.end() :])
        next_word = (following.group(1) or "").lower() if following else ""
        if next_word in _SCRATCH_LITERAL_AFTER:
            continue
        if not any(char.isalnum() for char in before):
            retract += 1
        elif before.rstrip()[-1:] not in tuple(_ENGINE_MARKS):
            continue
        segment_start = match.end()
    if segment_start == 0:
        return 0, text
    return retract, text[segment_start:].lstrip(" \t,.;:!?")
