"""qwen-asr backend: Qwen3-ASR through the ``qwen-asr`` package on torch (NVIDIA, AMD ROCm, Intel XPU, Apple, CPU).

The package is installed without its web-demo dependencies (gradio, flask, ...); see BACKENDS.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.audio.vad import SPEECH_THRESHOLD
from keyvox.engines.base import BaseTranscriber, Transcription, as_model_input
from keyvox.engines.qwen_common import (
    language_name,
    require_vad,
    resolve_qwen_model,
    torch_dtype_name,
    transcribe_clips,
    within_languages,
)
from keyvox.engines.registry import QWEN_DEVICES
from keyvox.errors import BackendUnavailable, ConfigError

if TYPE_CHECKING:
    from keyvox.config.schema import Config

MAX_NEW_TOKENS = 512
"""Enough for two minutes of fast speech (the longest recording keyvox makes)."""


def pick_torch_device(device: str) -> str:
    """Resolve ``auto`` with torch's own view, and refuse a device this torch build cannot reach."""
    import torch

    base, _, index = device.partition(":")
    if base not in QWEN_DEVICES or (index and not index.isdigit()):
        raise ConfigError(
            f'[model] device = "{device}" is not valid for qwen-asr (choose {", ".join(QWEN_DEVICES)}, '
            "or cuda:N / xpu:N for one of several GPUs)"
        )
    available = {
        "cpu": lambda: True,
        "cuda": torch.cuda.is_available,  # ROCm builds of torch answer here for AMD GPUs too
        "xpu": lambda: hasattr(torch, "xpu") and torch.xpu.is_available(),
        "mps": lambda: torch.backends.mps.is_available(),
    }
    if base == "auto":
        return next(name for name in ("cuda", "xpu", "mps", "cpu") if available[name]())
    if not available[base]():
        raise BackendUnavailable(
            f'[model] device = "{device}" but this torch ({torch.__version__}) cannot reach a {base} device; '
            f'use device = "cpu", or install a torch build for your GPU (see BACKENDS.md)'
        )
    if base in ("cuda", "xpu") and index:
        count = torch.cuda.device_count() if base == "cuda" else torch.xpu.device_count()
        if int(index) >= count:
            raise BackendUnavailable(
                f'[model] device = "{device}" but only {count} {base} device(s) exist '
                f"(use {base}:0 to {base}:{count - 1})"
            )
    return device


class QwenAsrTranscriber(BaseTranscriber):
    """A loaded Qwen3-ASR model on torch."""

    backend = "qwen-asr"

    def __init__(
        self,
        model_name: str,
        *,
        device: str = "auto",
        compute_type: str = "auto",
        language: str | None = "en",
        model_cache: str = "",
        cpu_threads: int = 0,
        vad_filter: bool = True,
        vad_threshold: float = SPEECH_THRESHOLD,
        max_new_tokens: int | None = None,
        max_batch_size: int = 8,
    ) -> None:
        self.model_name = model_name
        require_vad(vad_filter, self.backend)
        self.vad_filter = vad_filter
        self.vad_threshold = vad_threshold
        self.language = None if language in (None, "", "auto") else language
        self.language_name = language_name(self.language)
        self.compute_type = torch_dtype_name(compute_type)
        self.max_new_tokens = max_new_tokens or MAX_NEW_TOKENS
        self.model_path = resolve_qwen_model(model_name, model_cache)
        self.model = self._load(device, cpu_threads, max_batch_size)
        self.description = f"{self.backend} {model_name} {self.compute_type} on {self.device}"

    def set_language(self, code: str | None, among: tuple[str, ...] = ()) -> None:
        self.language, self.language_name = code, language_name(code)  # the prompt names the language
        self.languages = tuple(among)

    def _load(self, device: str, cpu_threads: int, max_batch_size: int):
        import torch
        from qwen_asr import Qwen3ASRModel

        self.device = pick_torch_device(device)
        if cpu_threads > 0:
            torch.set_num_threads(cpu_threads)
        return Qwen3ASRModel.from_pretrained(
            str(self.model_path),
            dtype=getattr(torch, self.compute_type),
            device_map=self.device,
            max_inference_batch_size=max_batch_size,
            max_new_tokens=self.max_new_tokens,
        )

    @classmethod
    def from_config(cls, config: Config) -> QwenAsrTranscriber:
        from keyvox.engines.factory import plan

        choice = plan(config, backend=cls.backend)
        model = config.model
        return cls(
            choice.model,
            device=choice.device,
            compute_type=choice.compute_type,
            language=model.language,
            model_cache=config.paths.model_cache,
            cpu_threads=model.cpu_threads,
            vad_filter=model.vad_filter,
            vad_threshold=model.vad_threshold,
        )

    def warm_up(self) -> None:
        # Half a second of faint noise runs the audio encoder and one decoding step.
        noise = np.random.default_rng(0).normal(0, 1e-3, SAMPLE_RATE // 2).astype(np.float32)
        self._run([noise], [""])

    def transcribe_detailed(
        self, audio: np.ndarray, *, context: str = "", vocabulary: Sequence[str] = (), words: bool = False
    ) -> Transcription:
        return within_languages(
            self, lambda: self.transcribe_batch([audio], context=context, vocabulary=vocabulary)[0]
        )

    def transcribe_batch(
        self, audios: Sequence[np.ndarray], *, context: str = "", vocabulary: Sequence[str] = ()
    ) -> list[Transcription]:
        """Several utterances in one pass through the model (batched on the GPU)."""

        def run(clips: list[np.ndarray], prompt: str) -> list[tuple[str | None, str]]:
            return self._run(clips, [prompt] * len(clips))

        return transcribe_clips(
            [as_model_input(a) for a in audios],
            run,
            language=self.language,
            context=context,
            vocabulary=vocabulary,
            vad_filter=self.vad_filter,
            threshold=self.vad_threshold,
        )

    def _run(self, clips: list[np.ndarray], contexts: list[str]) -> list[tuple[str | None, str]]:
        """(language name, text) per clip, from the package's own transcribe."""
        outputs = self.model.transcribe(
            audio=[(clip, SAMPLE_RATE) for clip in clips], context=contexts, language=self.language_name
        )
        return [(out.language or None, out.text.strip()) for out in outputs]
