"""What ``config.toml`` may hold: every option declared once, as a dataclass field with its documentation
in ``metadata``; the loader, the validator, ``keyvox config init`` and ``keyvox config show`` are all driven
from these declarations, so the commented file and the code cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keyvox.audio.vad import SPEECH_THRESHOLD
from keyvox.config.cleanup import CleanupConfig
from keyvox.config.declare import option
from keyvox.config.modes import ModeConfig
from keyvox.engines.registry import BACKENDS

CONFIG_NAME = "config.toml"
CONFIG_VERSION = 1


@dataclass
class ModelConfig:
    """Speech-recognition engine and model."""

    backend: str = option(
        "auto",
        f"Engine: auto (picks by hardware), {', '.join(BACKENDS)} (remote: any OpenAI-compatible server, "
        "see [remote]).",
    )
    name: str = option(
        "auto",
        "Model name (e.g. tiny.en, base, large-v3-turbo, Qwen/Qwen3-ASR-1.7B) or a local "
        "directory. auto picks one that fits this machine.",
    )
    device: str = option(
        "auto",
        "Where the model runs: auto, cpu, cuda (NVIDIA, and AMD through ROCm), cuda:N for "
        "one of several GPUs; qwen-asr also xpu (Intel) and mps (Apple).",
    )
    compute_type: str = option(
        "auto",
        "Numeric precision. faster-whisper: auto, float16, int8, int8_float16, "
        "int8_float32, float32 (auto = float16 on CUDA, int8 on CPU). qwen-asr and "
        "qwen-asr-vllm: auto, bfloat16, float16, float32 (auto = bfloat16; float32 on a "
        "CPU without native bfloat16).",
    )
    language: str = option(
        "en",
        'Spoken language as an ISO code (en, fr, de, ...), or "auto" to detect it '
        'on every utterance. English-only models (*.en) need "en".',
    )
    languages: list[str] = option(  # noqa: RUF009 (option() gives a list default its own factory)
        [],
        'With language = "auto": detection chooses among these only, e.g. ["en", "es"]; one language '
        "locks it. Empty: any language the model knows.",
        types=(list,),
    )
    beam_size: int = option(5, "Beam search width: 1 is fastest, 5 is more accurate.", minimum=1, maximum=20)
    vad_filter: bool = option(
        True, "Skip silence with the Silero voice-activity detector, so silence gives no text."
    )
    vad_threshold: float = option(
        SPEECH_THRESHOLD,
        "How sure the detector must be that a sound is speech (0-1). Raise it in a "
        "noisy room; lower it if whispered words go missing.",
        minimum=0.05,
        maximum=0.95,
    )
    cpu_threads: int = option(0, "CPU threads for the engine; 0 lets keyvox choose.", minimum=0, maximum=256)
    live_decoding: bool = option(
        True,
        "Transcribe while the key is held, so the text appears right after release. "
        "Engines too slow to keep up fall back to decoding after release.",
    )
    gpu_memory_utilization: float = option(
        0.6,
        "qwen-asr-vllm only: share of the GPU's memory vLLM reserves for "
        "the model and its cache (raise it on GPUs under 12 GB).",
        minimum=0.05,
        maximum=0.98,
    )


@dataclass
class AudioConfig:
    """Microphone capture."""

    device: str | int = option(
        "",
        "Input device: empty for the system default, a name (or part of one) or an "
        "index from `keyvox devices`.",
        types=(str, int),
    )
    min_duration_s: float = option(
        0.3,
        "Recordings shorter than this are treated as accidental taps and dropped.",
        minimum=0.0,
        maximum=10.0,
    )
    max_duration_s: float = option(
        120.0, "Recording stops by itself after this many seconds.", minimum=1.0, maximum=3600.0
    )
    preroll_s: float = option(
        0.25,
        "Audio kept from just before the key went down, so the first word is never cut.",
        minimum=0.0,
        maximum=2.0,
    )
    keep_open: bool = option(
        True,
        "Keep the microphone open between recordings, for the pre-roll. false opens it at key-down: an "
        "idle keyvox then uses no CPU, but the first moment after the key goes down is not heard.",
    )
    sounds: bool = option(
        False, "Play a short sound when recording starts and stops, and when something fails."
    )
    sounds_volume: float = option(
        0.5, "Loudness of those sounds, from 0 (silent) to 1.", minimum=0.0, maximum=1.0
    )


@dataclass
class HotkeyConfig:
    """The push-to-talk key."""

    key: str = option("ctrl_r", "Key or combination: ctrl_r, alt_r, f9, ctrl+shift+space, ...")
    mode: str = option(
        "hold",
        "hold: speak while the key is held. toggle: press once to start, again to stop.",
        choices=("hold", "toggle"),
    )
    double_tap_s: float = option(
        0.35,
        "Two taps within this many seconds re-insert the last transcript; 0 turns it off.",
        minimum=0.0,
        maximum=2.0,
    )
    cancel_key: str = option("esc", "Pressed while recording, throws the recording away.")
    backend: str = option(
        "auto",
        "How keys are read: auto (pynput on X11, Windows and macOS; evdev on Wayland), "
        "pynput, evdev (needs the input group), or command (only `keyvox toggle|press|release`, "
        "for a compositor key binding).",
        choices=("auto", "pynput", "evdev", "command"),
    )


@dataclass
class PathsConfig:
    """Where keyvox keeps things."""

    model_cache: str = option(
        "", "Folder for downloaded models; empty uses the Hugging Face cache (~/.cache/huggingface/hub)."
    )


@dataclass
class OutputConfig:
    """How the text reaches the focused window."""

    method: str = option(
        "auto",
        "auto (best for this desktop, with fallbacks), type, clipboard, clipboard-restore.",
        choices=("auto", "type", "clipboard", "clipboard-restore"),
    )
    type_delay_ms: int = option(
        0,
        "Pause between typed characters (type method); 0 types in bursts, the fastest. "
        "Raise it (4) if a window drops letters.",
        minimum=0,
        maximum=200,
    )


@dataclass
class TextConfig:
    """Clean-up between the engine and the window (see docs/text.md)."""

    spoken_punctuation: bool = option(
        True,
        'English only: turn spoken "comma", "period", "question mark", '
        '"new line", "open quote", ... into punctuation, and obey "scratch that" '
        "(deletes the previous insertion). Never doubles the engine's own punctuation.",
    )
    capitalize: bool = option(
        True,
        "Capitalise the first word when it starts a sentence; lowercase a capitalised "
        'common word ("The", "And") when continuing one.',
    )
    smart_spacing: bool = option(
        True,
        "Add a leading space when continuing earlier dictation in the same window, never before punctuation.",
    )
    trailing_space: bool = option(False, "Add a space after each insertion.")
    style: str = option(
        "prose",
        "prose: sentences. code: no capital at the start, no final period, fillers kept. raw: the "
        "engine's text as it is, but for the hallucination guard. Modes set it per app or key.",
        choices=("prose", "code", "raw"),
    )
    remove_fillers: bool = option(False, "English only: drop hesitation sounds (uh, um, erm, er, hmm).")
    hallucination_guard: bool = option(
        True,
        'Drop phrases engines invent on silence ("Thank you.", "Thanks for '
        'watching!", subtitle credits) when there is no speech evidence, and collapse '
        "repeated-phrase loops.",
    )
    no_speech_threshold: float = option(
        0.6,
        "Hallucination guard: a silence phrase is dropped when the engine's "
        "no-speech probability is at least this (0 to 1).",
        minimum=0.0,
        maximum=1.0,
    )
    context_seconds: float = option(
        30.0,
        "How long keyvox remembers what it typed in a window, for spacing, "
        'capitalisation and "scratch that"; 0 forgets at once.',
        minimum=0.0,
        maximum=3600.0,
    )
    hot_reload: bool = option(
        True, "Apply edits to [text] and [dictionary] in this file to the next utterance, without a restart."
    )


@dataclass
class ServerConfig:
    """The OpenAI-compatible transcription server (`keyvox serve`) and the live event stream."""

    enabled: bool = option(
        False, "Run the server alongside the hotkey when `keyvox` starts (events on /v1/events)."
    )
    host: str = option(
        "127.0.0.1", "Address to listen on. Anything but loopback needs an API key (api_key_env)."
    )
    port: int = option(8765, "TCP port to listen on.", minimum=0, maximum=65535)
    api_key_env: str = option(
        "",
        "Name of the environment variable holding the API key clients must send as "
        '"Authorization: Bearer KEY"; empty allows loopback only, without a key.',
    )
    max_upload_mb: float = option(
        25.0, "Largest accepted upload in megabytes; bigger requests get 413.", minimum=0.1, maximum=2048.0
    )
    max_queue: int = option(
        4,
        "Requests admitted at once (one transcribing, the rest waiting); more get 503.",
        minimum=1,
        maximum=1000,
    )
    max_queue_per_client: int = option(
        0,
        "Requests one client address may hold of max_queue (more get 429); 0 lets one client take all.",
        minimum=0,
        maximum=1000,
    )


@dataclass
class RemoteConfig:
    """The remote backend: transcription by any OpenAI-compatible server ([model] backend = "remote")."""

    url: str = option("", "Base URL of the server, e.g. http://gpu-box:8765/v1 or https://api.openai.com/v1.")
    api_key_env: str = option("", "Name of the environment variable holding the API key; empty sends none.")
    timeout: float = option(
        30.0,
        "Seconds to wait for an answer before the audio is saved for `keyvox retry`.",
        minimum=0.1,
        maximum=3600.0,
    )
    model: str = option(
        "whisper-1", "Model name sent with each request (e.g. whisper-1, Qwen/Qwen3-ASR-1.7B)."
    )
    stream: bool = option(
        False,
        "Ask for the answer as server-sent events (stream=true): OpenAI's transcript.text events or "
        "vLLM's transcription.chunk ones.",
    )


@dataclass
class HistoryConfig:
    """The searchable transcript history (`keyvox history`)."""

    enabled: bool = option(True, "Keep every dictated transcript in a local SQLite database.")
    retention_days: int = option(
        90, "Forget transcripts older than this many days; 0 keeps them forever.", minimum=0, maximum=100000
    )
    store_audio: bool = option(
        False, "Also keep the recorded audio of each transcript (off: audio is never stored)."
    )


@dataclass
class DesktopConfig:
    """How keyvox talks to the desktop besides typing (see docs/desktop-integration.md)."""

    notifications: bool = option(
        True,
        "Show a desktop notification when something needs you: microphone gone, "
        "model failed to load, text left on the clipboard instead of inserted.",
    )
    dbus: bool = option(
        True,
        "Linux: accept toggle, press, release, pause and resume over the D-Bus session bus "
        "(io.keyvox.Keyvox).",
    )


@dataclass
class GuiConfig:
    """The tray icon and the overlay that shows the words as you speak (need keyvox[gui])."""

    tray: bool = option(
        True,
        "Show an icon in the system tray: state at a glance, pause, history, microphone, "
        "language, quit. Needs `pip install keyvox[gui]`; without it keyvox runs in the terminal.",
    )
    overlay: bool = option(
        True,
        "Show a small window while recording, with the input level and the words "
        "recognised so far. It never takes the keyboard focus and hides once the text is in.",
    )
    overlay_position: str = option(
        "bottom-center",
        "Where the overlay sits on the screen.",
        choices=("bottom-center", "top-center", "bottom-left", "bottom-right", "top-left", "top-right"),
    )


@dataclass
class CommandsConfig:
    """Voice commands on selected text: hold the command key and say what to do (see docs/commands.md)."""

    key: str = option(
        "",
        'Key or combination to hold while saying a command ("capitalize that", "delete that", "undo '
        'that", "make this more formal"); empty: no command key. A [[mode]] may add its own command_key.',
    )
    instructions: bool = option(
        False,
        "Send instructions that are not spoken edits, with the selection, to the [cleanup] model "
        "(the mode's, else the top-level one); off: only the spoken edits, fully offline.",
    )


@dataclass
class Config:
    """The whole configuration, typed and validated."""

    version: int = CONFIG_VERSION
    model: ModelConfig = field(default_factory=ModelConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    hotkey: HotkeyConfig = field(default_factory=HotkeyConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    text: TextConfig = field(default_factory=TextConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    remote: RemoteConfig = field(default_factory=RemoteConfig)
    history: HistoryConfig = field(default_factory=HistoryConfig)
    desktop: DesktopConfig = field(default_factory=DesktopConfig)
    gui: GuiConfig = field(default_factory=GuiConfig)
    cleanup: CleanupConfig = field(default_factory=CleanupConfig)
    commands: CommandsConfig = field(default_factory=CommandsConfig)
    dictionary: dict[str, str] = field(default_factory=dict)
    """Replacements applied to every transcript and used to bias recognition: spoken = "Written"."""
    snippets: dict[str, str] = field(default_factory=dict)
    """Trigger phrase = text typed instead when an utterance says exactly the phrase (keyvox/text/snippets.py)."""
    modes: list[ModeConfig] = field(default_factory=list)
    """``[[mode]]`` tables: settings for one key or one application (keyvox/config/modes.py)."""


SECTIONS: dict[str, type] = {
    f.name: f.default_factory
    for f in dataclasses.fields(Config)  # type: ignore[misc]
    if f.name not in ("version", "dictionary", "snippets", "modes")
}
FREEFORM_SECTIONS = ("dictionary", "snippets", "mode")


@dataclass
class LoadedConfig:
    """A config together with where it came from."""

    config: Config
    path: Path | None
    sources: dict[str, str] = field(default_factory=dict)
    """``section.key`` -> ``default``, the file it was read from, or ``command line``."""
    warnings: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.path) if self.path else "defaults"


def all_keys() -> list[str]:
    keys = [f"{section}.{f.name}" for section, cls in SECTIONS.items() for f in dataclasses.fields(cls)]
    return keys + ["dictionary", "snippets", "mode"]


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return f"[{', '.join(toml_value(item) for item in value)}]"
    return str(value)


def toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else json.dumps(key)


def format_number(number: float | None) -> str:
    if number is None:
        return "any"
    return str(int(number)) if float(number).is_integer() else str(number)
