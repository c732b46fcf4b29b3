"""The user's dictionary: spoken words and phrases replaced by their written form.

Matching is case-insensitive and on whole words; a phrase's words may be separated by spaces or
hyphens in the engine's text ("node js", "node-js"). At each position the longest entry wins, and the
text is scanned once, so a replacement is never itself replaced again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping


class Dictionary:
    """Compiled ``[dictionary]`` entries."""

    def __init__(self, entries: Mapping[str, str]) -> None:
        self.entries: dict[str, str] = {}
        for spoken, written in entries.items():
            key = _normalise(spoken)
            if key:
                self.entries[key] = written
        self._pattern = _compile(self.entries)

    def apply(self, text: str) -> str:
        """``text`` with every dictionary phrase replaced by its written form."""
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(lambda match: self.entries[_normalise(match.group(0))], text)

    def apply_shielded(self, text: str) -> tuple[str, list[str]]:
        """Like ``apply``, but each replacement becomes one private-use character (see ``unshield``),
        so later steps cannot take a written form such as "Full Stop Ltd" for a spoken command."""
        written: list[str] = []
        if self._pattern is None or not text:
            return text, written

        def marker(match: re.Match) -> str:
            written.append(self.entries[_normalise(match.group(0))])
            return chr(_MARKER_BASE + len(written) - 1)

        return self._pattern.sub(marker, text.translate(_STRAY_MARKERS)), written

    @staticmethod
    def unshield(text: str, written: list[str]) -> str:
        """Put the written forms back in place of ``apply_shielded``'s markers."""
        if not written:
            return text
        return re.sub(_MARKER_RANGE, lambda match: written[ord(match.group(0)) - _MARKER_BASE], text)

    @property
    def vocabulary(self) -> list[str]:
        """The written forms, once each, in the order the user listed them (for engine biasing)."""
        return list(dict.fromkeys(written for written in self.entries.values() if written.strip()))

    def __bool__(self) -> bool:
        return bool(self.entries)


# Unicode private-use characters: no engine writes them, and they are neither words nor punctuation.
_MARKER_BASE = 0xE000
_MARKER_LIMIT = 0xF8FF
_MARKER_RANGE = f"[{chr(_MARKER_BASE)}-{chr(_MARKER_LIMIT)}]"
_STRAY_MARKERS = {code: None for code in range(_MARKER_BASE, _MARKER_LIMIT + 1)}


def _normalise(phrase: str) -> str:
    """Lowercase words joined by single spaces: the key both the config and a match reduce to."""
    return " ".join(re.split(r"[\s\-]+", phrase.strip().lower())).strip()


def _compile(entries: dict[str, str]) -> re.Pattern | None:
    if not entries:
        return None
    # Longest first, because a regex alternation takes the first alternative that matches.
    keys = sorted(entries, key=lambda key: (len(key.split()), len(key)), reverse=True)
    alternatives = [r"[\s\-]+".join(re.escape(word) for word in key.split()) for key in keys]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
