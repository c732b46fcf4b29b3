"""Start, stop and error cues: short bundled WAVs (keyvox/desktop/cues/, made by scripts/make_cues.py) played on the
default output device, at ``[audio] sounds_volume``.

Playing never blocks the caller and never lets an audio problem interfere with dictation: each cue plays
on its own short-lived thread, one at a time, and a failure is logged once.
"""

from __future__ import annotations

import logging
import threading
import wave
from importlib import resources

import numpy as np

from keyvox.core.presence import Observer
from keyvox.vocabulary import Notice

log = logging.getLogger(__name__)


def load_cue(name: str) -> tuple[np.ndarray, int]:
    """The cue's samples as float32 in [-1, 1], and its sample rate."""
    with (
        resources.files("keyvox.desktop").joinpath("cues", f"{name}.wav").open("rb") as handle,
        wave.open(handle) as wav,
    ):
        frames = wav.readframes(wav.getnframes())
        return np.frombuffer(frames, "<i2").astype(np.float32) / 32768.0, wav.getframerate()


class Sounds(Observer):
    """``start()``/``stop()`` as the key goes down/up; the error cue on a failed utterance or a notice."""

    def __init__(self, enabled: bool, volume: float = 0.5) -> None:
        self.enabled = enabled and volume > 0
        self.volume = volume
        self._cues: dict[str, tuple[np.ndarray, int]] = {}
        self._lock = threading.Lock()
        self._failed = False

    @classmethod
    def from_config(cls, audio) -> Sounds:
        return cls(audio.sounds, audio.sounds_volume)

    def start(self) -> None:
        self.play("start")

    def stop(self) -> None:
        self.play("stop")

    def error(self) -> None:
        self.play("error")

    def on_result(self, result) -> None:
        if result.error:
            self.error()

    def on_notice(self, notice: Notice) -> None:
        if notice.kind.is_trouble:
            self.error()

    def play(self, name: str) -> threading.Thread | None:
        """Start playing cue ``name``; returns the thread playing it (None when sounds are off)."""
        if not self.enabled:
            return None
        thread = threading.Thread(target=self._play, args=(name,), name=f"keyvox-cue-{name}", daemon=True)
        thread.start()
        return thread

    def _play(self, name: str) -> None:
        try:
            if name not in self._cues:
                self._cues[name] = load_cue(name)
            samples, rate = self._cues[name]
            import sounddevice as sd

            # One cue at a time: a start cue cut off by the stop cue still sounds whole.
            with self._lock, sd.OutputStream(samplerate=rate, channels=1, dtype="float32") as stream:
                stream.write((samples * self.volume).reshape(-1, 1))
        except Exception as exc:  # no output device, no PortAudio: dictation goes on silently
            if not self._failed:
                self._failed = True
                log.warning("cannot play sounds (%s)", exc)
