"""What a benchmark measures: keyvox's own dictation pipeline, and the whole-utterance baseline.

Both take one clip the way a key press delivers it — chunks while the key is held, then a release —
and report the seconds from release to text. Keyvox goes through the real ``keyvox.core.pipeline.Pipeline``
(the same worker, text chain and sink hand-off the daemon uses), so whatever the pipeline does while
the key is held is part of the number. The baseline is deliberately not built on that pipeline: it
must stay "decode everything after release" however keyvox's pipeline changes.
"""

from __future__ import annotations

import queue
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from keyvox.audio.capture import CHUNK_SAMPLES  # the feed matches what the daemon's recorder delivers
from keyvox.audio.format import SAMPLE_RATE
from keyvox.config.schema import Config
from keyvox.errors import KeyvoxError

if TYPE_CHECKING:
    from keyvox.engines.base import Transcriber

RESULT_TIMEOUT_S = 600.0
"""A clip whose text has not arrived by then is reported as failed rather than hanging the run."""


@dataclass
class Measurement:
    """One clip through one side."""

    text: str
    duration_s: float
    latency_s: float
    """Key release → text delivered: the wait the user feels."""
    transcribe_s: float
    """Key release → engine finished (the text chain and delivery come after)."""
    cpu_s: float
    """CPU seconds this process used from the first chunk to delivery, all threads together."""
    error: str | None = None
    held_s: float = 0.0
    """Seconds the key was held (the feed, at speaking speed with ``--realtime``)."""
    held_cpu_s: float = 0.0
    """CPU seconds this process used while the key was held (live decoding's cost), all threads."""

    @property
    def missing(self) -> bool:
        """Nothing came out: no latency to count (a clip that yields nothing never counts as 0 s)."""
        return not self.text.strip()


class Side(Protocol):
    """Something that turns a held-then-released key into text."""

    label: str
    description: str
    load_s: float
    """Seconds to load and warm the model."""
    load_rss_mb: float
    """Resident memory the loaded model added to the process."""

    def run(self, audio: np.ndarray, *, realtime: bool) -> Measurement: ...

    def close(self) -> None: ...


def feed_audio(
    feed: Callable[[np.ndarray], None], audio: np.ndarray, *, realtime: bool, chunk: int = CHUNK_SAMPLES
) -> None:
    """Hand ``audio`` to ``feed`` in recorder-sized chunks; with ``realtime``, at the pace it was spoken.

    A microphone delivers a chunk only once its last sample has been spoken, so each chunk is due at
    (samples so far) / rate after the start; sleeping until a deadline rather than for a fixed time
    keeps the feed from drifting behind the wall clock.
    """
    start = time.perf_counter()
    for offset in range(0, audio.shape[0], chunk):
        piece = audio[offset : offset + chunk]
        if realtime:
            delay = start + (offset + piece.shape[0]) / SAMPLE_RATE - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        feed(piece)


class KeyvoxSide:
    """Keyvox's pipeline with its model loaded once and warm, the text chain of ``config``, and a collecting sink."""

    def __init__(
        self,
        config: Config,
        label: str = "keyvox",
        *,
        chunk: int = CHUNK_SAMPLES,
        transcriber: Transcriber | None = None,
        live_decoding: bool | None = None,
    ) -> None:
        """``transcriber``: an engine already loaded (another side's), so one model serves both;
        ``live_decoding``: overrides ``[model] live_decoding``."""
        import dataclasses

        from keyvox.core.pipeline import Pipeline
        from keyvox.core.sinks import CollectingSink
        from keyvox.core.utterance import PipelineOptions
        from keyvox.engines.factory import create_transcriber
        from keyvox.text.chain import TextProcessor

        self.label = label
        self.chunk = chunk
        rss = current_rss_mb()
        started = time.perf_counter()
        self.transcriber = transcriber if transcriber is not None else create_transcriber(config)
        self.load_s = time.perf_counter() - started
        self.load_rss_mb = current_rss_mb() - rss
        self.description = self.transcriber.description
        self.sink = CollectingSink()
        self._results: queue.Queue = queue.Queue()
        options = PipelineOptions.from_config(config)
        if live_decoding is not None:
            options = dataclasses.replace(options, live_decoding=live_decoding)
            self.description += ", live decoding " + ("on" if live_decoding else "off")
        self.live = options.live_decoding and self.transcriber.supports_live_decoding
        self.pipeline = Pipeline(
            self.transcriber, TextProcessor(config), self.sink, options=options, on_result=self._results.put
        )

    def run(self, audio: np.ndarray, *, realtime: bool) -> Measurement:
        duration = audio.shape[0] / SAMPLE_RATE
        while (
            not self._results.empty()
        ):  # a result that came after an earlier clip timed out is not this clip's
            self._results.get_nowait()
        nan = float("nan")
        cpu, held = time.process_time(), time.perf_counter()
        utterance = self.pipeline.start_utterance()
        # Without live decoding nothing happens while the key is held, so pacing the feed changes nothing.
        feed_audio(utterance.feed, audio, realtime=realtime and self.live, chunk=self.chunk)
        held_cpu_s, held_s = time.process_time() - cpu, time.perf_counter() - held
        if not utterance.finish():  # the key release
            return Measurement(
                "",
                duration,
                nan,
                nan,
                held_cpu_s,
                "dropped: shorter than [audio] min_duration_s",
                held_s,
                held_cpu_s,
            )
        if not self.pipeline.wait_idle(RESULT_TIMEOUT_S):
            return Measurement(
                "",
                duration,
                nan,
                nan,
                time.process_time() - cpu,
                f"no text after {RESULT_TIMEOUT_S:.0f} s",
                held_s,
                held_cpu_s,
            )
        cpu_s = time.process_time() - cpu
        try:
            result = self._results.get_nowait()
        except queue.Empty:  # the worker logged an exception instead of producing a result
            return Measurement(
                "", duration, nan, nan, cpu_s, "the pipeline produced no result", held_s, held_cpu_s
            )
        transcribe_s = result.transcribed_at - result.released_at if result.transcribed_at else nan
        latency = result.latency_s if result.text.strip() else nan  # nothing typed: missing, never 0 s
        return Measurement(
            result.text, duration, latency, transcribe_s, cpu_s, result.error, held_s, held_cpu_s
        )

    def close(self) -> None:
        self.pipeline.close()


class BaselineSide:
    """Whole-utterance decoding after release, the way the original Keyvox and most peers do it.

    faster-whisper's own ``WhisperModel.transcribe()`` on the same model files, device, precision,
    thread count and beam size as keyvox, and its defaults otherwise (language detected, no VAD).
    """

    label = "baseline"

    def __init__(self, config: Config, transcriber: Transcriber) -> None:
        from faster_whisper import WhisperModel

        from keyvox.engines.faster_whisper import pick_threads

        path = baseline_model_path(config, transcriber)
        # A remote engine runs nowhere here: the baseline then takes faster-whisper's CPU default.
        device = transcriber.device or "cpu"
        compute_type = transcriber.compute_type or "int8"
        rss = current_rss_mb()
        started = time.perf_counter()
        device_name, _, index = device.partition(":")
        self.model = WhisperModel(
            str(path),
            device=device_name,
            device_index=int(index or 0),
            compute_type=compute_type,
            cpu_threads=pick_threads(config.model.cpu_threads),
        )
        self.settings = {"beam_size": config.model.beam_size}
        self._decode(
            np.random.default_rng(0).normal(0, 1e-3, SAMPLE_RATE).astype(np.float32)
        )  # warm, like keyvox
        self.load_s = time.perf_counter() - started
        self.load_rss_mb = current_rss_mb() - rss
        self.model_path = path
        name = transcriber.model_name or path.name
        self.description = (
            f"faster-whisper {name} {compute_type} on {device}, WhisperModel.transcribe(), "
            f"beam {config.model.beam_size}, its defaults otherwise (no VAD, language detected)"
        )

    def _decode(self, audio: np.ndarray) -> str:
        segments, _info = self.model.transcribe(audio, **self.settings)
        return "".join(segment.text for segment in segments).strip()

    def run(self, audio: np.ndarray, *, realtime: bool) -> Measurement:
        # While the key is held this baseline only buffers audio and does no work, so feeding it at
        # wall-clock speed would change nothing after release; it gets the whole clip at once, which
        # keeps `--realtime --vs baseline` from doubling the run time.
        duration = audio.shape[0] / SAMPLE_RATE
        cpu = time.process_time()
        released = time.perf_counter()
        try:
            text = self._decode(audio)
        except Exception as exc:  # reported per clip like keyvox's own failures, never fatal to the run
            return Measurement("", duration, float("nan"), float("nan"), time.process_time() - cpu, str(exc))
        seconds = time.perf_counter() - released
        return Measurement(
            text, duration, seconds if text else float("nan"), seconds, time.process_time() - cpu
        )

    def close(self) -> None:
        pass


def baseline_model_path(config: Config, transcriber: Transcriber) -> Path:
    """The Whisper model files keyvox itself loaded, so the baseline runs the very same weights."""
    from keyvox.engines.models import resolve_whisper_model

    if transcriber.backend == "faster-whisper" and transcriber.model_path is not None:
        return transcriber.model_path
    name = config.model.name
    if name == "auto":
        name = "tiny.en" if config.model.language == "en" else "base"
    try:
        return resolve_whisper_model(name, config.paths.model_cache).path
    except KeyvoxError as exc:
        raise KeyvoxError(
            f"--vs baseline needs a Whisper model for faster-whisper, and [model] name = "
            f'"{config.model.name}" is not one ({exc}); compare with --vs OTHER-CONFIG.toml instead'
        ) from None


def current_rss_mb() -> float:
    """Resident memory of this process now (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """The most resident memory this process has used so far."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10
