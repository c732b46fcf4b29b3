"""Drives every clip through every side, alternating their order clip by clip.

Alternating (keyvox first on even clips, the other side first on odd ones) spreads whatever drifts
during a run — CPU frequency, caches, other load on the machine — evenly over both sides.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from keyvox.audio.format import SAMPLE_RATE
from keyvox.bench.manifest import Clip
from keyvox.bench.sides import Measurement, Side
from keyvox.bench.silence import NoiseClip
from keyvox.bench.wer import WordErrors, count_words, word_errors


@dataclass
class SideResult:
    """One clip through one side, scored."""

    measurement: Measurement
    score: WordErrors | None = None
    """Against the reference; None for the silence set."""

    @property
    def rtf(self) -> float:
        """Real-time factor: engine seconds after release per second of audio."""
        m = self.measurement
        return m.transcribe_s / m.duration_s if m.duration_s else math.nan

    def as_dict(self) -> dict:
        m = self.measurement
        row = {
            "text": m.text,
            "latency_s": _round(m.latency_s),
            "transcribe_s": _round(m.transcribe_s),
            "rtf": _round(self.rtf),
            "cpu_s": _round(m.cpu_s),
            "held_s": _round(m.held_s),
            "held_cpu_s": _round(m.held_cpu_s),
        }
        if self.score is not None:
            row.update(
                wer=_round(self.score.rate), errors=self.score.errors, ref_words=self.score.reference_words
            )
        else:
            row["words"] = count_words(m.text)
        if m.error:
            row["error"] = m.error
        return row


@dataclass
class ClipResult:
    """A reference clip and what each side made of it, keyed by side label."""

    clip: Clip
    duration_s: float
    """Of the audio fed, after the cut at the release."""
    sides: dict[str, SideResult] = field(default_factory=dict)
    cut_s: float = 0.0
    """Seconds cut off the end of the recording (silence after the release, ``--release-tail``)."""


@dataclass
class NoiseResult:
    clip: NoiseClip
    sides: dict[str, SideResult] = field(default_factory=dict)


@dataclass
class BenchRun:
    """Everything measured in one ``keyvox bench`` run."""

    sides: list[Side]
    clips: list[ClipResult]
    silence: list[NoiseResult]
    realtime: bool
    wall_s: float = 0.0
    interrupted: bool = False
    """Stopped early with Ctrl-C: the numbers cover the clips finished before that."""


def side_order(sides: Sequence[Side], index: int) -> list[Side]:
    return list(sides) if index % 2 == 0 else list(reversed(sides))


def run_clips(
    clips: Sequence[Clip],
    sides: Sequence[Side],
    *,
    realtime: bool,
    load: Callable[[Clip], object],
    step: Callable[[str], None] = lambda _label: None,
    results: list[ClipResult] | None = None,
    cut: Callable[[object], tuple[object, float]] | None = None,
) -> list[ClipResult]:
    """Measure and score every clip on every side; ``load`` turns a clip into audio (untimed), and
    ``cut`` (when given) shortens it to where the key is released, returning the seconds removed.

    Finished clips are appended to ``results`` as they complete, so a caller interrupted mid-run
    still holds everything measured so far.
    """
    results = [] if results is None else results
    for index, clip in enumerate(clips):
        audio, removed = cut(load(clip)) if cut is not None else (load(clip), 0.0)
        result = ClipResult(clip, audio.shape[0] / SAMPLE_RATE, cut_s=removed)
        for side in side_order(sides, index):
            measurement = side.run(audio, realtime=realtime)
            result.sides[side.label] = SideResult(
                measurement, word_errors(clip.text, measurement.text, clip.lang)
            )
        results.append(result)
        step(clip.name)
    return results


def run_silence(
    noise: Sequence[NoiseClip],
    sides: Sequence[Side],
    *,
    realtime: bool,
    step: Callable[[str], None] = lambda _label: None,
    results: list[NoiseResult] | None = None,
) -> list[NoiseResult]:
    """Run the no-speech set; what matters is how many words each side types."""
    results = [] if results is None else results
    for index, clip in enumerate(noise):
        result = NoiseResult(clip)
        for side in side_order(sides, index):
            result.sides[side.label] = SideResult(side.run(clip.audio, realtime=realtime))
        results.append(result)
        step(clip.name)
    return results


def _round(value: float, digits: int = 4) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)
