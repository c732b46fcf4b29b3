"""LocalAgreement: the words two successive decodes of the same open audio agree on are final.

While the key is held, the open stretch (everything after the last committed word) is decoded again and
again as it grows. A word both of the last two decodes start with, the same way, and that ends well before
the shorter one's audio ran out, will not change any more (the policy of whisper_streaming, Macháček et al.
2023). Committing it leaves only the audio after it to decode at release, so the wait no longer grows with
the sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from keyvox.audio.format import SAMPLE_RATE
from keyvox.engines.base import Transcription, Word
from keyvox.engines.spoken import spoken_tokens


@dataclass(frozen=True)
class Look:
    """One decode of the open stretch: the audio from ``start`` to ``end`` (absolute samples), its words
    timed in seconds from ``start``."""

    start: int
    end: int
    words: tuple[Word, ...]
    """Spoken words; punctuation the alignment times as a word of its own is joined to the word before."""

    @classmethod
    def of(cls, start: int, end: int, words: Iterable[Word]) -> Look:
        joined: list[Word] = []
        for word in words:
            if joined and not spoken_tokens(word.word):
                last = joined[-1]
                joined[-1] = Word(last.start, last.end, last.word + word.word, last.probability)
            else:
                joined.append(word)
        return cls(start, end, tuple(joined))

    def after(self, agreement: Agreement) -> Look:
        """The words after the committed ones, on the clock of a look starting at the cut."""
        shift = agreement.cut / SAMPLE_RATE
        kept = tuple(
            Word(max(0.0, w.start - shift), max(0.0, w.end - shift), w.word, w.probability)
            for w in self.words[agreement.words :]
        )
        return Look(self.start + agreement.cut, self.end, kept)


@dataclass(frozen=True)
class Agreement:
    """Words to commit: ``text`` as the engine wrote them, ending ``cut`` samples after the looks' start."""

    text: str
    cut: int
    words: int


@dataclass(frozen=True)
class AgreementOptions:
    looks: int = 3
    """How many successive decodes must agree on a word before it is committed."""
    edge_s: float = 1.0
    """A word ending closer than this to the end of the shortest look's audio is not committed: Whisper
    still rewrites words that have little audio after them."""
    min_words: int = 3
    """Fewer agreed words than this are left for later: tiny commits buy little and cost context."""
    min_cut_s: float = 2.0
    """Less audio than this is not committed on its own: alone, short pieces lose Whisper's context."""
    before_next_s: float = 0.05
    """The cut goes this far before the next word's aligned start (or at the committed word's end when
    the two touch): cut at the committed word's aligned end, the word's last sound was left after the
    cut and came back as a made-up word ("woman, and he might")."""


def agree(looks: Sequence[Look], options: AgreementOptions) -> Agreement | None:
    """The words the last of ``looks`` commits by agreeing with the ones before it (all from the same
    start, oldest first), or None."""
    latest = looks[-1]
    if len(looks) < options.looks or len({look.start for look in looks}) != 1 or len(latest.words) < 2:
        return None
    same = 0
    while same < len(latest.words) and all(
        same < len(look.words) and _spoken(look.words[same]) == _spoken(latest.words[same]) for look in looks
    ):
        same += 1
    limit = (min(look.end for look in looks) - latest.start) / SAMPLE_RATE - options.edge_s
    # The cut goes between a committed word and the next one, so the next one must be known.
    last = next(
        (
            i
            for i in range(min(same, len(latest.words) - 1) - 1, -1, -1)
            if all(look.words[i].end <= limit for look in looks)
            and _separable(latest.words[i], latest.words[i + 1])
        ),
        None,
    )
    if last is None or last + 1 < options.min_words or latest.words[last].end < options.min_cut_s:
        return None
    word, following = latest.words[last], latest.words[last + 1]
    cut = int(max(word.end, following.start - options.before_next_s) * SAMPLE_RATE)
    text = "".join(w.word for w in latest.words[: last + 1]).strip()
    return Agreement(text, cut, last + 1)


LEAD_IN_S = 0.6
"""Audio before a cut decoded again with what follows it (about two words)."""


@dataclass(frozen=True)
class LeadIn:
    """The committed words in the ``samples`` before the cut at ``at``, to be decoded again and dropped."""

    at: int
    samples: int
    tokens: tuple[str, ...]

    @classmethod
    def before(cls, look: Look, agreement: Agreement, at: int) -> LeadIn:
        start_s = agreement.cut / SAMPLE_RATE - LEAD_IN_S
        inside = [w for w in look.words[: agreement.words] if w.start >= start_s]
        if not inside:
            return cls(at, 0, ())
        samples = agreement.cut - int(inside[0].start * SAMPLE_RATE)
        tokens = tuple(t for w in inside for t in spoken_tokens(w.word))
        return cls(at, max(0, samples), tokens)

    def strip(self, result: Transcription) -> Transcription:
        """``result`` of the lead-in and the audio after it, without the lead-in's words, on the cut's clock."""
        shift = self.samples / SAMPLE_RATE
        raw = result.text.split()
        heard: list[str] = []
        drop = 0
        for size, piece in enumerate(raw, 1):
            heard += spoken_tokens(piece)
            if len(heard) > len(self.tokens):
                break
            if heard and tuple(heard) == self.tokens[-len(heard) :]:
                drop = size
        text = " ".join(raw[drop:])
        segments = []
        for segment in result.segments:
            words = [w for w in segment.words if w.end > shift + WORD_SLACK_S]
            moved = [Word(max(0.0, w.start - shift), w.end - shift, w.word, w.probability) for w in words]
            segments.append(
                replace(
                    segment,
                    start=max(0.0, segment.start - shift),
                    end=max(0.0, segment.end - shift),
                    text=text,
                    words=moved,
                )
            )
        return replace(result, text=text, duration_s=max(0.0, result.duration_s - shift), segments=segments)


WORD_SLACK_S = 0.05
"""A word ending this little after the cut is a lead-in word the alignment placed a bit late."""


def _separable(word: Word, following: Word) -> bool:
    """False inside a run of digits or of one word said again: the alignment cannot tell where one ends
    ("1 0 0 0 1 9" was committed as "1 0 0" and the tail heard "1 9")."""
    a, b = _spoken(word), _spoken(following)
    return a != b and not (a.isdigit() and b.isdigit())


def _spoken(word: Word) -> str:
    return " ".join(spoken_tokens(word.word))
