"""What the two Qwen3-ASR backends share: languages, precisions, model lookup and output parsing.

Kept free of torch and vLLM imports so the config check and ``keyvox doctor`` can use it cheaply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.engines.base import Segment, Transcription
from keyvox.engines.registry import QWEN_COMPUTE_TYPES, QWEN_MODELS
from keyvox.errors import BackendUnavailable, ConfigError, ModelNotFound

# ISO 639 codes for the languages Qwen3-ASR is trained on, and the names its prompt expects.
QWEN_LANGUAGES = {
    "zh": "Chinese",
    "en": "English",
    "yue": "Cantonese",
    "ar": "Arabic",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "pt": "Portuguese",
    "id": "Indonesian",
    "it": "Italian",
    "ko": "Korean",
    "ru": "Russian",
    "th": "Thai",
    "vi": "Vietnamese",
    "ja": "Japanese",
    "tr": "Turkish",
    "hi": "Hindi",
    "ms": "Malay",
    "nl": "Dutch",
    "sv": "Swedish",
    "da": "Danish",
    "fi": "Finnish",
    "pl": "Polish",
    "cs": "Czech",
    "fil": "Filipino",
    "tl": "Filipino",
    "fa": "Persian",
    "el": "Greek",
    "ro": "Romanian",
    "hu": "Hungarian",
    "mk": "Macedonian",
}
_CODE_FOR_NAME = {name: code for code, name in reversed(list(QWEN_LANGUAGES.items()))}
ASR_TEXT_TAG = "<asr_text>"
_CONTROL_TOKEN = re.compile(r"<\|[^|<>]*\|>|<asr_text>")


def language_name(code: str | None) -> str | None:
    """``en`` -> ``English``; None/""/"auto" -> None (the model detects the language itself)."""
    if code is None or code.strip().lower() in ("", "auto"):
        return None
    name = QWEN_LANGUAGES.get(code.strip().lower())
    if name is None:
        codes = ", ".join(sorted(set(QWEN_LANGUAGES)))
        raise ConfigError(
            f'[model] language = "{code}" is not supported by Qwen3-ASR (choose auto or one of {codes})'
        )
    return name


def language_code(name: str | None) -> str | None:
    """``English`` -> ``en``; a mixed ``Chinese,English`` gives the first; unknown or empty gives None."""
    if not name:
        return None
    return _CODE_FOR_NAME.get(name.split(",")[0].strip().capitalize())


def torch_dtype_name(compute_type: str) -> str:
    """The torch dtype attribute for a compute type (``auto`` is bfloat16, the models' native precision)."""
    if compute_type not in QWEN_COMPUTE_TYPES:
        raise ConfigError(
            f'[model] compute_type = "{compute_type}" is not valid for Qwen3-ASR '
            f"(choose {', '.join(QWEN_COMPUTE_TYPES)})"
        )
    return "bfloat16" if compute_type == "auto" else compute_type


def build_context(context: str, vocabulary: Sequence[str]) -> str:
    """Qwen3-ASR's context (its system turn): the dictionary's spellings, then the text before this audio."""
    pieces = []
    if vocabulary:
        pieces.append(", ".join(vocabulary))
    if context.strip():
        pieces.append(context.strip()[-500:])
    return strip_control_tokens("\n".join(pieces))


def strip_control_tokens(text: str) -> str:
    """Remove chat-control tokens (``<|im_end|>``, ``<asr_text>``) so dictated text cannot reshape the prompt."""
    previous = None
    while previous != text:  # until stable: nested pieces must not reassemble a token
        previous, text = text, _CONTROL_TOKEN.sub("", text)
    return text


QWEN_MAX_PIECE_S = 60.0
"""Longer audio is decoded in pieces cut at pauses (keyvox.engines.long_audio). 60 s keeps a 2x margin
under both limits per call: 512 new tokens hold about two minutes of fast speech, and vLLM's 4096-token
context about two and a half minutes of audio (13 audio tokens a second). Worked out from those limits,
not measured on the full-size checkpoints."""

Run = Callable[[list[np.ndarray], str], list[tuple[str | None, str]]]
"""Decodes clips given one context string: (language name, text) per clip."""


def require_vad(vad_filter: bool, engine: str) -> None:
    """Qwen3-ASR has no voice-activity detector of its own: refuse to start without keyvox's, rather than
    let it invent text for a key pressed by mistake."""
    from keyvox.audio import vad

    if vad_filter and not vad.available():
        raise BackendUnavailable(
            f"{engine} filters silence with the Silero VAD that faster-whisper ships, which "
            'is not installed; install it with: pip install "faster-whisper>=1.1" '
            "(or set [model] vad_filter = false)"
        )


def transcribe_clips(
    clips: Sequence[np.ndarray],
    run: Run,
    *,
    language: str | None,
    context: str,
    vocabulary: Sequence[str],
    vad_filter: bool,
    threshold: float,
) -> list[Transcription]:
    """What both Qwen backends do with a batch: drop silent clips (VAD at ``threshold``), decode the short
    ones together and the long ones piece by piece with the text before each."""
    from keyvox.audio.vad import speech_span
    from keyvox.engines.long_audio import transcribe_in_pieces

    prompt = build_context(context, vocabulary)
    results: list[Transcription | None] = [None] * len(clips)
    short: list[int] = []
    for i, clip in enumerate(clips):
        duration = clip.shape[0] / SAMPLE_RATE
        if not clip.size or (vad_filter and speech_span(clip, threshold) is None):
            results[i] = Transcription("", language, duration, [], speech_found=False)
            continue  # empty, or silence by the VAD: nothing for the model to hear
        if clip.shape[0] <= QWEN_MAX_PIECE_S * SAMPLE_RATE:
            short.append(i)
            continue

        def decode(piece: np.ndarray, before: str) -> Transcription:
            return _as_transcription(run([piece], build_context(before, vocabulary))[0], piece, language)

        results[i] = transcribe_in_pieces(
            clip, decode, max_piece_s=QWEN_MAX_PIECE_S, context=context, threshold=threshold
        )
    outputs = run([clips[i] for i in short], prompt) if short else []
    for i, output in zip(short, outputs):
        results[i] = _as_transcription(output, clips[i], language)
    return results  # type: ignore[return-value]


def _as_transcription(
    output: tuple[str | None, str], clip: np.ndarray, language: str | None
) -> Transcription:
    name, text = output
    duration = clip.shape[0] / SAMPLE_RATE
    return Transcription(
        text,
        language_code(name) or language,
        duration,
        [Segment(0.0, duration, text)] if text else [],
        speech_found=bool(text),
    )


def parse_output(raw: str, forced: str | None) -> tuple[str | None, str]:
    """Split ``language English<asr_text>hello`` into (language name, text); forced output is text only."""
    text = (raw or "").strip()
    if forced:
        return forced, text.split(ASR_TEXT_TAG, 1)[-1].strip()
    if ASR_TEXT_TAG not in text:
        return None, text
    meta, text = text.split(ASR_TEXT_TAG, 1)
    meta = meta.strip()
    language = meta[len("language ") :].strip() if meta.lower().startswith("language ") else None
    if language and language.lower() == "none":
        language = None
    return language, text.strip()


def resolve_qwen_model(name: str, model_cache: str = "") -> Path:
    """A local folder holding a Qwen3-ASR checkpoint: the path itself, the cache, or a fresh download.

    Resolving to a folder first (instead of handing a repo id to transformers) makes ``[paths]
    model_cache`` apply to the weights, the tokenizer and the processor alike.
    """
    from keyvox.engines.models import (
        cache_root,
        download_hf_snapshot,
        find_hf_snapshot,
        memo_dir,
        verify_snapshot,
    )

    local = Path(name).expanduser()
    if local.is_dir():
        check_qwen_folder(local)
        return local
    if "/" not in name:
        raise ConfigError(
            f'[model] name = "{name}" is not a Qwen3-ASR model (choose {", ".join(m.name for m in QWEN_MODELS)}, '
            "or a local folder)"
        )
    root = cache_root(model_cache)
    cached = find_hf_snapshot(name, root, marker="config.json")
    if cached is not None:
        verify_snapshot(cached, memo_dir(root))
        return cached
    path = download_hf_snapshot(name, root, marker="config.json")
    check_qwen_folder(path)
    return path


def check_qwen_folder(path: Path) -> None:
    config = path / "config.json"
    try:
        model_type = json.loads(config.read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError):
        raise ModelNotFound(
            f"{path}: not a Qwen3-ASR model folder (no readable config.json inside)"
        ) from None
    if model_type != "qwen3_asr":
        raise ModelNotFound(f'{path}: holds a "{model_type}" model, not Qwen3-ASR (model_type qwen3_asr)')


def within_languages(engine, decode: Callable[[], Transcription]) -> Transcription:
    """``decode()``, and once more in the first of ``engine.languages`` when detection (no lock) said a
    language the list does not hold, or none at all: Qwen3-ASR cannot rank languages as Whisper does."""
    result = decode()
    among = engine.languages
    if engine.language is None and among and result.speech_found and result.language not in among:
        engine.set_language(among[0])
        try:
            result = decode()
        finally:
            engine.set_language(None, among)
    return result
