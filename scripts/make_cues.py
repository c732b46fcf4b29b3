"""Writes keyvox/desktop/cues/*.wav, the start/stop/error cues (run once; the files are committed).

Short (90-260 ms) so a cue never overlaps the first spoken word much; soft attack and release (Hann
edges) so they do not click; 22.05 kHz mono 16-bit keeps each file under 12 kB.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 22050
FOLDER = Path(__file__).resolve().parents[1] / "keyvox" / "desktop" / "cues"


def tone(frequencies: list[float], seconds_each: float, gap_s: float = 0.0) -> np.ndarray:
    parts = []
    for frequency in frequencies:
        t = np.arange(int(seconds_each * RATE)) / RATE
        edge = int(0.01 * RATE)
        envelope = np.ones(t.size)
        envelope[:edge] = np.hanning(2 * edge)[:edge]
        envelope[-edge:] = np.hanning(2 * edge)[edge:]
        parts += [np.sin(2 * np.pi * frequency * t) * envelope, np.zeros(int(gap_s * RATE))]
    return np.concatenate(parts)


def write(name: str, samples: np.ndarray) -> None:
    data = (samples * 0.8 * 32767).astype("<i2")
    with wave.open(str(FOLDER / f"{name}.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(data.tobytes())


if __name__ == "__main__":
    FOLDER.mkdir(exist_ok=True)
    write("start", tone([660.0, 880.0], 0.045))  # rising: listening
    write("stop", tone([880.0, 660.0], 0.045))  # falling: done
    write("error", tone([330.0, 330.0], 0.09, gap_s=0.04))  # low double buzz
