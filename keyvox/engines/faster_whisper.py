"""faster-whisper (CTranslate2) backend: fastest on NVIDIA GPUs, and the default on CPU."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from keyvox.audio import vad
from keyvox.audio.format import SAMPLE_RATE
from keyvox.audio.vad import speech_span
from keyvox.engines.base import (
    BaseTranscriber,
    Segment,
    SegmentSink,
    Task,
    Transcription,
    Word,
    as_model_input,
)
from keyvox.engines.long_audio import WHISPER_TARGET_PIECE_S, transcribe_in_pieces
from keyvox.engines.models import resolve_whisper_model
from keyvox.engines.whisper_window import (
    FULL_WINDOW_FRAMES,
    HOP,
    MAX_WINDOW_AUDIO_S,
    RETRY_WINDOW_FRAMES,
    decode_window,
    detect_language,
    untrustworthy,
)
from keyvox.errors import ConfigError

if TYPE_CHECKING:
    from keyvox.config.schema import Config


def pick_device(device: str) -> str:
    import ctranslate2

    if device == "auto":
        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    return device


def pick_compute_type(compute_type: str, device: str) -> str:
    """Resolve ``auto`` and check the choice against what this hardware can actually do."""
    import ctranslate2

    base_device = device.split(":")[0]
    if compute_type == "auto":
        return "float16" if base_device == "cuda" else "int8"
    try:
        supported = ctranslate2.get_supported_compute_types(base_device)
    except (RuntimeError, ValueError):
        supported = set()
    if supported and compute_type not in supported:
        raise ConfigError(
            f'[model] compute_type = "{compute_type}" is not supported on {base_device} by this '
            f"machine (choose {', '.join(sorted(supported))}, or auto)"
        )
    return compute_type


def pick_threads(cpu_threads: int) -> int:
    """Half the cores, 1 to 4: measured on 2 cores, tiny.en int8 with 1 thread was as fast on short clips
    and ~40% faster on clips over 15 s than with 2, and it leaves a core for capture and typing."""
    if cpu_threads > 0:
        return cpu_threads
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(4, cores // 2))


class FasterWhisperTranscriber(BaseTranscriber):
    """A loaded Whisper model."""

    backend = "faster-whisper"
    supports_live_decoding = True
    supports_context = True
    supports_word_timestamps = True
    supports_dictation_word_times = True

    def __init__(
        self,
        model_name: str,
        *,
        device: str = "auto",
        compute_type: str = "auto",
        language: str | None = "en",
        beam_size: int = 5,
        vad_filter: bool = True,
        vad_threshold: float = vad.SPEECH_THRESHOLD,
        cpu_threads: int = 0,
        model_cache: str = "",
    ) -> None:
        from faster_whisper import WhisperModel

        self.model_name = model_name
        self.device = pick_device(device)
        self.compute_type = pick_compute_type(compute_type, self.device)
        self.language = None if language in (None, "", "auto") else language
        self.beam_size = beam_size
        self.vad_filter = vad_filter
        self.vad_threshold = vad_threshold
        resolved = resolve_whisper_model(model_name, model_cache)
        self.model_path = resolved.path
        self.model_source = resolved.source
        device_name, _, index = self.device.partition(":")
        self.model = WhisperModel(
            str(resolved.path),
            device=device_name,
            device_index=int(index or 0),
            compute_type=self.compute_type,
            cpu_threads=pick_threads(cpu_threads),
        )
        if self.language and self.language not in self.model.supported_languages:
            raise ConfigError(
                f'[model] language = "{self.language}" is not supported by {model_name} '
                f"(choose one of {', '.join(self.model.supported_languages[:12])}, ...)"
            )
        self.supports_translation = self.model.model.is_multilingual  # English-only models have no task token
        self.description = f"{self.backend} {model_name} {self.compute_type} on {self.device}"

    @classmethod
    def from_config(cls, config: Config) -> FasterWhisperTranscriber:
        from keyvox.engines.factory import plan

        model = config.model
        choice = plan(config, backend=cls.backend)
        return cls(
            choice.model,
            device=choice.device,
            compute_type=choice.compute_type,
            language=model.language,
            beam_size=model.beam_size,
            vad_filter=model.vad_filter,
            vad_threshold=model.vad_threshold,
            cpu_threads=model.cpu_threads,
            model_cache=config.paths.model_cache,
        )

    def set_language(self, code: str | None, among: tuple[str, ...] = ()) -> None:
        unknown = [c for c in (code, *among) if c and c not in self.model.supported_languages]
        if unknown:
            raise ConfigError(
                f'[model] languages: "{unknown[0]}" is not a language {self.model_name} knows '
                f"(choose among {', '.join(self.model.supported_languages[:12])}, ...)"
            )
        super().set_language(code, among)

    def warm_up(self) -> None:
        # Load Silero and run encoder and decoder once at the window size short utterances use.
        noise = np.random.default_rng(0).normal(0, 1e-3, SAMPLE_RATE).astype(np.float32)
        speech_span(noise, self.vad_threshold)
        decode_window(self.model, noise, language=self.language, beam_size=1)

    def _speech(self, audio: np.ndarray) -> tuple[int, int] | None:
        """Where the speech is (the whole audio without the VAD filter); None when there is none."""
        if not self.vad_filter:
            return 0, audio.shape[0]
        return speech_span(audio, self.vad_threshold) if audio.size else None

    def transcribe_detailed(
        self, audio: np.ndarray, *, context: str = "", vocabulary: Sequence[str] = (), words: bool = False
    ) -> Transcription:
        audio = as_model_input(audio)
        duration = audio.shape[0] / SAMPLE_RATE
        span = self._speech(audio)
        if span is None:
            return Transcription("", self.language, duration, [], speech_found=False)
        start, end = span
        speech = audio[start:end]
        prompt = build_prompt(context, vocabulary)
        if speech.shape[0] <= MAX_WINDOW_AUDIO_S * SAMPLE_RATE:
            window = decode_window(
                self.model,
                speech,
                language=self.language,
                among=self.languages,
                beam_size=self.beam_size,
                prompt=prompt,
                words=words,
            )
            seconds = speech.shape[0] / SAMPLE_RATE
            if untrustworthy(
                window.text, seconds
            ):  # a loop or invented words: a longer window, then the safe path
                window = decode_window(
                    self.model,
                    speech,
                    language=window.language,
                    beam_size=self.beam_size,
                    prompt=prompt,
                    min_frames=RETRY_WINDOW_FRAMES,
                )
                if untrustworthy(window.text, seconds):
                    return self._decode_guarded(speech, duration, prompt, window.language)
            offset = start / SAMPLE_RATE
            timed = [Word(w.start + offset, w.end + offset, w.word, w.probability) for w in window.words]
            segment = Segment(
                offset, end / SAMPLE_RATE, window.text, window.no_speech_prob, window.avg_logprob, timed
            )
            return Transcription(window.text, window.language, duration, [segment])
        language = self.language or self._detect(speech)  # one language for the whole recording
        return transcribe_in_pieces(
            speech,
            lambda piece, before: self._decode_piece(piece, before, vocabulary, language),
            max_piece_s=MAX_WINDOW_AUDIO_S,
            target_piece_s=WHISPER_TARGET_PIECE_S,
            context=context,
            threshold=self.vad_threshold,
            offset_s=start / SAMPLE_RATE,
            duration_s=duration,
        )

    def transcribe_timed(
        self,
        audio: np.ndarray,
        *,
        context: str = "",
        vocabulary: Sequence[str] = (),
        task: Task = Task.TRANSCRIBE,
        words: bool = False,
        on_segment: SegmentSink | None = None,
    ) -> Transcription:
        """Whisper's own timestamps (and word times from its cross-attention), window by window: audio that
        fits one window in one decode, longer audio in the pieces of ``transcribe_in_pieces``."""
        if task is Task.TRANSLATE and not self.supports_translation:
            raise ValueError(f"{self.model_name} is English-only and cannot translate")
        audio = as_model_input(audio)
        duration = audio.shape[0] / SAMPLE_RATE
        span = self._speech(audio)
        if span is None:
            return Transcription("", self.language, duration, [], speech_found=False)
        start, end = span
        speech = audio[start:end]
        language = self.language or self._detect(speech)

        if audio.shape[0] <= MAX_WINDOW_AUDIO_S * SAMPLE_RATE:
            # The whole file, silence included: cut to the speech, tiny.en's timestamped decode wrote
            # "faced cracks in the cross the table" for arctic_a0009's "faced Gregson across the table".
            prompt = build_prompt(context, vocabulary)
            return self._decode_timed(audio, prompt, language, task, words, on_segment, 0.0)
        # Pieces get the dictionary's spellings but not the text before them: with it, tiny.en's timestamped
        # decode invented "We'll see you in the next one." in a 0.3 s tail of 40 s of joined English clips.
        spellings = build_prompt("", vocabulary)
        return transcribe_in_pieces(
            speech,
            lambda piece, _before: self._decode_timed(piece, spellings, language, task, words, None, 0.0),
            max_piece_s=MAX_WINDOW_AUDIO_S,
            target_piece_s=WHISPER_TARGET_PIECE_S,
            context=context,
            threshold=self.vad_threshold,
            offset_s=start / SAMPLE_RATE,
            duration_s=duration,
            keep_segments=True,
            on_segment=on_segment,
            check_ends=False,
        )

    def _decode_timed(
        self,
        piece: np.ndarray,
        prompt: str,
        language: str | None,
        task: Task,
        words: bool,
        on_segment: SegmentSink | None,
        offset: float,
    ) -> Transcription:
        """One window with faster-whisper's timestamped decode and its temperature fallback against loops;
        times are clamped to the piece (the window is padded to 30 s) and moved by ``offset``."""
        length = piece.shape[0] / SAMPLE_RATE
        found, info = self.model.transcribe(
            piece,
            language=language,
            task=task.value,
            beam_size=self.beam_size,
            vad_filter=False,
            initial_prompt=prompt or None,
            condition_on_previous_text=False,
            word_timestamps=words,
        )
        parts = []
        for s in found:  # a generator: each segment is final once yielded
            text = s.text.strip()
            if not text:
                continue
            timed = [
                Word(_at(offset, w.start, length), _at(offset, w.end, length), w.word, w.probability)
                for w in s.words or ()
            ]
            segment = Segment(
                _at(offset, s.start, length),
                _at(offset, s.end, length),
                text,
                s.no_speech_prob,
                s.avg_logprob,
                timed,
                s.temperature,
                s.compression_ratio,
            )
            parts.append(segment)
            if on_segment:
                on_segment(segment)
        text = " ".join(p.text for p in parts)
        return Transcription(text, info.language, length, parts, speech_found=bool(parts))

    def _detect(self, audio: np.ndarray) -> str | None:
        """The language of the first window of long audio, among ``languages``; None leaves faster-whisper
        to detect it per piece, as before, when nothing restricts it."""
        if not self.languages:
            return None
        features = self.model.feature_extractor(audio[: FULL_WINDOW_FRAMES * HOP])[:, :FULL_WINDOW_FRAMES]
        return detect_language(self.model.model, self.model.encode(features), self.languages)

    def _decode_piece(
        self, piece: np.ndarray, before: str, vocabulary: Sequence[str], language: str | None
    ) -> Transcription:
        """One piece of long audio (at most one window), with the text before it as context."""
        prompt = build_prompt(before, vocabulary)
        window = decode_window(self.model, piece, language=language, beam_size=self.beam_size, prompt=prompt)
        duration = piece.shape[0] / SAMPLE_RATE
        if untrustworthy(window.text, duration):
            # A loop often feeds on the text before it: the second try keeps only the dictionary's spellings
            # (6-minute file: WER 0.225, against 0.404 with the text before).
            return self._decode_guarded(piece, duration, build_prompt("", vocabulary), window.language)
        return Transcription(
            window.text,
            window.language,
            duration,
            [Segment(0.0, duration, window.text, window.no_speech_prob, window.avg_logprob)],
        )

    def _decode_guarded(
        self, speech: np.ndarray, duration: float, prompt: str, language: str | None
    ) -> Transcription:
        """One window's audio whose fast decode repeated itself, decoded again by faster-whisper's own
        loop with its temperature fallback against loops (one window: nothing after it to skip to)."""
        segments, info = self.model.transcribe(
            speech,
            language=language,
            beam_size=self.beam_size,
            vad_filter=False,
            initial_prompt=prompt or None,
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        parts = [Segment(s.start, s.end, s.text, s.no_speech_prob, s.avg_logprob) for s in segments]
        text = " ".join(s.text.strip() for s in parts).strip()
        return Transcription(text, info.language, duration, parts, speech_found=bool(parts))


def _at(offset: float, seconds: float, length: float) -> float:
    """A time inside the piece (faster-whisper pads it to a 30 s window), on the recording's clock."""
    return round(offset + min(float(seconds), length), 3)


def build_prompt(context: str, vocabulary: Sequence[str]) -> str:
    """Whisper's initial prompt: the dictionary's spellings, then the text just before this audio.

    The spellings are listed twice: measured on the 28 clips that say "Montreal Forced Aligner",
    tiny.en writes it right in 18 with the list once and in 24 with it twice.
    """
    pieces = []
    if vocabulary:
        terms = ", ".join(vocabulary)
        pieces.append(f"{terms}, {terms}.")
    if context:
        pieces.append(context.strip())
    # The decoder's prompt window is 224 tokens; keep the most recent words.
    return " ".join(pieces)[-600:]
