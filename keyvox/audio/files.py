"""Reading audio files into the 16 kHz mono float32 arrays every backend takes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.errors import KeyvoxError

DECODABLE = "keyvox reads WAV, FLAC, MP3, OGG and anything else FFmpeg decodes"


def load_audio(path: str | Path) -> np.ndarray:
    """Decode WAV, FLAC, MP3, OGG (anything FFmpeg reads) to 16 kHz mono float32."""
    path = Path(path)
    if not path.is_file():
        raise KeyvoxError(f"{path}: no such file")
    try:
        from faster_whisper.audio import decode_audio
    except ImportError:
        return _load_with_soundfile(path)
    try:
        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # PyAV raises many types for undecodable input
        raise KeyvoxError(f"{path}: cannot decode audio ({_first_line(exc)}); {DECODABLE}") from None
    if audio.size == 0:
        raise KeyvoxError(f"{path}: the file holds no audio")
    return audio.astype(np.float32, copy=False)


def _load_with_soundfile(path: Path) -> np.ndarray:
    import soundfile

    try:
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:
        raise KeyvoxError(f"{path}: cannot decode audio ({_first_line(exc)}); {DECODABLE}") from None
    if data.size == 0:
        raise KeyvoxError(f"{path}: the file holds no audio")
    return resample(data.mean(axis=1), rate)


def resample(audio: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Linear-interpolation resampling; good enough for speech going into an ASR model."""
    if rate == target:
        return audio.astype(np.float32, copy=False)
    duration = audio.shape[0] / rate
    count = int(round(duration * target))
    positions = np.linspace(0, audio.shape[0] - 1, count)
    return np.interp(positions, np.arange(audio.shape[0]), audio).astype(np.float32)


def _first_line(exc: BaseException) -> str:
    """The reason without PyAV's "[Errno 1094995529]" prefix, which means nothing to a user."""
    strerror = getattr(exc, "strerror", None)  # OSError and PyAV's FFmpegError carry the bare reason here
    text = (strerror if isinstance(strerror, str) and strerror else str(exc)).strip()
    return (text or type(exc).__name__).splitlines()[0]
