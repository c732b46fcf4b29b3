"""qwen-asr-vllm backend: the same Qwen3-ASR checkpoints, served by vLLM's own Qwen3-ASR model (Linux only).

vLLM's native model rather than qwen-asr's ``Qwen3ASRModel.LLM``, which pins an old vLLM and reaches into
its internals (docs/decisions.md, "Qwen3-ASR on vLLM"): no qwen-asr install at all. The prompt is the one
the qwen-asr SDK builds (system turn with the context, the audio, ``language X<asr_text>``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.audio.vad import SPEECH_THRESHOLD
from keyvox.engines.base import BaseTranscriber, Transcription, as_model_input
from keyvox.engines.qwen_common import (
    language_name,
    parse_output,
    require_vad,
    resolve_qwen_model,
    torch_dtype_name,
    transcribe_clips,
    within_languages,
)
from keyvox.errors import BackendUnavailable, ConfigError

if TYPE_CHECKING:
    from keyvox.config.schema import Config

AUDIO_PLACEHOLDER = "<|audio_start|><|audio_pad|><|audio_end|>"
MAX_NEW_TOKENS = 512
MAX_MODEL_LEN = 4096
"""Prompt + audio tokens + text: two minutes of audio is about 1,600 audio tokens."""


def require_linux(platform: str | None = None) -> None:
    platform = platform or sys.platform
    if not platform.startswith("linux"):
        raise BackendUnavailable(
            f'backend "qwen-asr-vllm" runs only on Linux (vLLM has no {platform} build); '
            'use backend = "qwen-asr" for the same models on torch'
        )


def build_prompt(context: str, language: str | None) -> str:
    """The Qwen3-ASR prompt, as the qwen-asr SDK writes it; ``language`` (a name) forces text-only output."""
    system = f"<|im_start|>system\n{context}<|im_end|>\n" if context else ""
    prompt = f"{system}<|im_start|>user\n{AUDIO_PLACEHOLDER}<|im_end|>\n<|im_start|>assistant\n"
    return prompt + (f"language {language}<asr_text>" if language else "")


def engine_arguments(model_path: str, dtype: str, gpu_memory_utilization: float) -> dict:
    """What ``vllm.LLM`` is given (a function, so the arguments are tested without an engine)."""
    return {
        "model": model_path,
        "dtype": dtype,
        "gpu_memory_utilization": gpu_memory_utilization,
        "max_model_len": MAX_MODEL_LEN,
        "limit_mm_per_prompt": {"audio": 1},
        "seed": 0,
    }


def check_device(device: str, platform_device: str) -> str:
    """``auto`` becomes the device this vLLM build drives; anything else must match it."""
    if device == "auto":
        return platform_device
    if ":" in device:
        raise ConfigError(
            f'[model] device = "{device}" is not valid for qwen-asr-vllm (use "cuda" and pick the '
            "GPU with the CUDA_VISIBLE_DEVICES environment variable)"
        )
    if device != platform_device:
        raise BackendUnavailable(
            f'[model] device = "{device}" but the installed vLLM build runs on '
            f'{platform_device}; set device = "{platform_device}" or "auto"'
        )
    return device


class QwenAsrVllmTranscriber(BaseTranscriber):
    """A Qwen3-ASR model loaded into a vLLM engine."""

    backend = "qwen-asr-vllm"

    def __init__(
        self,
        model_name: str,
        *,
        device: str = "auto",
        compute_type: str = "auto",
        language: str | None = "en",
        model_cache: str = "",
        gpu_memory_utilization: float = 0.6,
        vad_filter: bool = True,
        vad_threshold: float = SPEECH_THRESHOLD,
        max_new_tokens: int | None = None,
    ) -> None:
        require_linux()
        require_vad(vad_filter, self.backend)
        self.vad_filter = vad_filter
        self.vad_threshold = vad_threshold
        self.model_name = model_name
        self.language = None if language in (None, "", "auto") else language
        self.language_name = language_name(self.language)
        self.compute_type = torch_dtype_name(compute_type)
        self.model_path = resolve_qwen_model(model_name, model_cache)
        from vllm import LLM, SamplingParams
        from vllm.platforms import current_platform

        self.device = check_device(device, current_platform.device_type)
        self.llm = LLM(**engine_arguments(str(self.model_path), self.compute_type, gpu_memory_utilization))
        self.sampling = SamplingParams(temperature=0.0, max_tokens=max_new_tokens or MAX_NEW_TOKENS)
        self.description = f"{self.backend} {model_name} {self.compute_type} on {self.device}"

    def set_language(self, code: str | None, among: tuple[str, ...] = ()) -> None:
        self.language, self.language_name = code, language_name(code)  # the prompt names the language
        self.languages = tuple(among)

    @classmethod
    def from_config(cls, config: Config) -> QwenAsrVllmTranscriber:
        from keyvox.engines.factory import plan

        require_linux()
        choice = plan(config, backend=cls.backend)
        return cls(
            choice.model,
            device=choice.device,
            compute_type=choice.compute_type,
            language=config.model.language,
            model_cache=config.paths.model_cache,
            gpu_memory_utilization=config.model.gpu_memory_utilization,
            vad_filter=config.model.vad_filter,
            vad_threshold=config.model.vad_threshold,
        )

    def warm_up(self) -> None:
        noise = np.random.default_rng(0).normal(0, 1e-3, SAMPLE_RATE // 2).astype(np.float32)
        self._run([noise], "")

    def transcribe_detailed(
        self, audio: np.ndarray, *, context: str = "", vocabulary: Sequence[str] = (), words: bool = False
    ) -> Transcription:
        return within_languages(
            self, lambda: self.transcribe_batch([audio], context=context, vocabulary=vocabulary)[0]
        )

    def transcribe_batch(
        self, audios: Sequence[np.ndarray], *, context: str = "", vocabulary: Sequence[str] = ()
    ) -> list[Transcription]:
        """Several utterances in one engine call (vLLM schedules them together)."""
        return transcribe_clips(
            [as_model_input(a) for a in audios],
            self._run,
            language=self.language,
            context=context,
            vocabulary=vocabulary,
            vad_filter=self.vad_filter,
            threshold=self.vad_threshold,
        )

    def _run(self, clips: list[np.ndarray], context: str) -> list[tuple[str | None, str]]:
        prompt = build_prompt(context, self.language_name)
        requests = [
            {"prompt": prompt, "multi_modal_data": {"audio": [(clip, SAMPLE_RATE)]}} for clip in clips
        ]
        outputs = self.llm.generate(requests, self.sampling, use_tqdm=False)
        return [parse_output(out.outputs[0].text, self.language_name) for out in outputs]
