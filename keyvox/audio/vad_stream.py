"""Voice activity detection fed piece by piece while the key is held.

Silero (the model inside faster-whisper) is a recurrent network over 512-sample windows, each window
seeing the last 64 samples of the one before. Keeping its state between calls gives the same speech
probabilities as one pass over the whole recording, while each call only pays for the new audio:
live decoding looks at the recording every few hundred milliseconds, and re-running the detector over
everything since the last commit made each look costlier the longer the speaker went on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.audio.vad import SPEECH_THRESHOLD

WINDOW = 512
"""Samples per detector decision (32 ms)."""
CONTEXT = 64
"""Samples of the previous window each window is given (Silero's own layout)."""
MIN_SPEECH_S = 0.25
"""Shorter bursts above the threshold are clicks, not words (Silero's default)."""


@dataclass
class StreamingVad:
    """Speech probabilities of one recording, extended as audio arrives."""

    threshold: float = SPEECH_THRESHOLD
    probs: list[float] = field(default_factory=list)
    """One probability per ``WINDOW`` samples fed so far."""
    _h: np.ndarray = field(default_factory=lambda: np.zeros((1, 1, 128), np.float32))
    _c: np.ndarray = field(default_factory=lambda: np.zeros((1, 1, 128), np.float32))
    _context: np.ndarray = field(default_factory=lambda: np.zeros(CONTEXT, np.float32))

    @property
    def fed(self) -> int:
        """Samples the detector has seen (whole windows only)."""
        return len(self.probs) * WINDOW

    def feed(self, audio: np.ndarray) -> None:
        """Run the detector over the whole windows of ``audio`` past ``fed`` (the recording so far)."""
        from faster_whisper.vad import get_vad_model

        count = (audio.shape[0] - self.fed) // WINDOW
        if count <= 0:
            return
        new = np.asarray(audio[self.fed : self.fed + count * WINDOW], np.float32).reshape(count, WINDOW)
        contexts = np.concatenate([self._context[None, :], new[:-1, -CONTEXT:]], axis=0)
        batch = np.concatenate([contexts, new], axis=1)
        output, self._h, self._c = get_vad_model().session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        self._context = new[-1, -CONTEXT:].copy()
        self.probs.extend(float(p) for p in np.asarray(output).reshape(-1))

    def last_speech_end(self, since: int = 0) -> int | None:
        """Sample just after the last window at or above the threshold, at or after sample ``since``."""
        first = since // WINDOW
        for index in range(len(self.probs) - 1, first - 1, -1):
            if self.probs[index] >= self.threshold:
                return (index + 1) * WINDOW
        return None

    def stamps(self, since: int, min_silence_s: float, pad_s: float = 0.1) -> list[dict]:
        """Speech stretches after sample ``since`` (offsets relative to it), gaps under ``min_silence_s`` merged.

        The same hysteresis as faster-whisper's ``get_speech_timestamps``: speech starts at the threshold
        and ends after ``min_silence_s`` below ``threshold - 0.15``.
        """
        first = since // WINDOW
        low = max(self.threshold - 0.15, 0.01)
        silence = min_silence_s * SAMPLE_RATE
        end_of_audio = self.fed - first * WINDOW
        found: list[dict] = []
        start = quiet_from = None
        for index, prob in enumerate(self.probs[first:]):
            at = index * WINDOW
            if prob >= self.threshold:
                quiet_from = None
                if start is None:
                    start = at
            elif start is not None and prob < low:
                quiet_from = at if quiet_from is None else quiet_from
                if at - quiet_from >= silence:
                    found.append({"start": start, "end": quiet_from})
                    start = quiet_from = None
        if start is not None:
            found.append({"start": start, "end": quiet_from if quiet_from is not None else end_of_audio})
        found = [s for s in found if s["end"] - s["start"] > MIN_SPEECH_S * SAMPLE_RATE]
        pad = int(pad_s * SAMPLE_RATE)
        offset = since - first * WINDOW
        return [
            {"start": max(0, s["start"] - pad - offset), "end": min(end_of_audio, s["end"] + pad) - offset}
            for s in found
        ]
