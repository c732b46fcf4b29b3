"""``config.toml``: where it is found, what it may hold, and how it becomes typed dataclasses.

Every option is declared once, as a dataclass field with its documentation in ``metadata``; the
loader, the validator, ``keyvox config init`` and ``keyvox config show`` are all driven from those
declarations, so the commented file and the code cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keyvox.errors import ConfigError

CONFIG_NAME = "config.toml"
CONFIG_VERSION = 1


def option(default: Any, doc: str, *, choices: tuple | None = None, minimum: float | None = None,
           maximum: float | None = None, types: tuple[type, ...] | None = None) -> Any:
    """Declare one config key: its default, its documentation and its allowed values."""
    meta = {"doc": doc, "choices": choices, "minimum": minimum, "maximum": maximum, "types": types}
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class ModelConfig:
    """Speech-recognition engine and model."""

    backend: str = option("auto", "Engine: auto (picks by hardware), faster-whisper, qwen-asr, qwen-asr-vllm, remote "
                          "(any OpenAI-compatible server, see [remote]).")
    name: str = option("auto", "Model name (e.g. tiny.en, base, large-v3-turbo, Qwen/Qwen3-ASR-1.7B) or a local "
                       "directory. auto picks one that fits this machine.")
    device: str = option("auto", "Where the model runs: auto, cpu, cuda (NVIDIA, and AMD through ROCm), cuda:N for "
                         "one of several GPUs; qwen-asr also xpu (Intel) and mps (Apple).")
    compute_type: str = option("auto", "Numeric precision. faster-whisper: auto, float16, int8, int8_float16, "
                               "int8_float32, float32 (auto = float16 on CUDA, int8 on CPU). qwen-asr and "
                               "qwen-asr-vllm: auto, bfloat16, float16, float32 (auto = bfloat16; float32 on a "
                               "CPU without native bfloat16).")
    language: str = option("en", "Spoken language as an ISO code (en, fr, de, ...), or \"auto\" to detect it "
                           "on every utterance. English-only models (*.en) need \"en\".")
    beam_size: int = option(5, "Beam search width: 1 is fastest, 5 is more accurate.", minimum=1, maximum=20)
    vad_filter: bool = option(True, "Skip silence with the Silero voice-activity detector, so silence gives no text.")
    vad_threshold: float = option(0.35, "How sure the detector must be that a sound is speech (0-1). Raise it in a "
                                  "noisy room; lower it if whispered words go missing.", minimum=0.05, maximum=0.95)
    cpu_threads: int = option(0, "CPU threads for the engine; 0 lets keyvox choose.", minimum=0, maximum=256)
    live_decoding: bool = option(True, "Transcribe while the key is held, so the text appears right after release. "
                                 "Engines too slow to keep up fall back to decoding after release.")
    gpu_memory_utilization: float = option(0.6, "qwen-asr-vllm only: share of the GPU's memory vLLM reserves for "
                                           "the model and its cache (raise it on GPUs under 12 GB).",
                                           minimum=0.05, maximum=0.98)


@dataclass
class AudioConfig:
    """Microphone capture."""

    device: str | int = option("", "Input device: empty for the system default, a name (or part of one) or an "
                               "index from `keyvox devices`.", types=(str, int))
    min_duration_s: float = option(0.3, "Recordings shorter than this are treated as accidental taps and dropped.",
                                   minimum=0.0, maximum=10.0)
    max_duration_s: float = option(120.0, "Recording stops by itself after this many seconds.",
                                   minimum=1.0, maximum=3600.0)
    preroll_s: float = option(0.25, "Audio kept from just before the key went down, so the first word is never cut.",
                              minimum=0.0, maximum=2.0)
    sounds: bool = option(False, "Play a short sound when recording starts and stops, and when something fails.")
    sounds_volume: float = option(0.5, "Loudness of those sounds, from 0 (silent) to 1.", minimum=0.0, maximum=1.0)


@dataclass
class HotkeyConfig:
    """The push-to-talk key."""

    key: str = option("ctrl_r", "Key or combination: ctrl_r, alt_r, f9, ctrl+shift+space, ...")
    mode: str = option("hold", "hold: speak while the key is held. toggle: press once to start, again to stop.",
                       choices=("hold", "toggle"))
    double_tap_s: float = option(0.35, "Two taps within this many seconds re-insert the last transcript; 0 turns it off.",
                                 minimum=0.0, maximum=2.0)
    cancel_key: str = option("esc", "Pressed while recording, throws the recording away.")
    backend: str = option("auto", "How keys are read: auto (pynput on X11, Windows and macOS; evdev on Wayland), "
                          "pynput, evdev (needs the input group), or command (only `keyvox toggle|press|release`, "
                          "for a compositor key binding).", choices=("auto", "pynput", "evdev", "command"))


@dataclass
class PathsConfig:
    """Where keyvox keeps things."""

    model_cache: str = option("", "Folder for downloaded models; empty uses the Hugging Face cache "
                              "(~/.cache/huggingface/hub).")


@dataclass
class OutputConfig:
    """How the text reaches the focused window."""

    method: str = option("auto", "auto (best for this desktop, with fallbacks), type, clipboard, clipboard-restore.",
                         choices=("auto", "type", "clipboard", "clipboard-restore"))
    type_delay_ms: int = option(0, "Pause between typed characters (type method); 0 types in bursts, the fastest. "
                                "Raise it (4) if a window drops letters.",
                                minimum=0, maximum=200)


@dataclass
class TextConfig:
    """Clean-up between the engine and the window (see docs/text.md)."""

    spoken_punctuation: bool = option(True, "English only: turn spoken \"comma\", \"period\", \"question mark\", "
                                      "\"new line\", \"open quote\", ... into punctuation, and obey \"scratch that\" "
                                      "(deletes the previous insertion). Never doubles the engine's own punctuation.")
    capitalize: bool = option(True, "Capitalise the first word when it starts a sentence; lowercase a capitalised "
                              "common word (\"The\", \"And\") when continuing one.")
    smart_spacing: bool = option(True, "Add a leading space when continuing earlier dictation in the same window, "
                                 "never before punctuation.")
    trailing_space: bool = option(False, "Add a space after each insertion.")
    remove_fillers: bool = option(False, "English only: drop hesitation sounds (uh, um, erm, er, hmm).")
    hallucination_guard: bool = option(True, "Drop phrases engines invent on silence (\"Thank you.\", \"Thanks for "
                                       "watching!\", subtitle credits) when there is no speech evidence, and collapse "
                                       "repeated-phrase loops.")
    no_speech_threshold: float = option(0.6, "Hallucination guard: a silence phrase is dropped when the engine's "
                                        "no-speech probability is at least this (0 to 1).", minimum=0.0, maximum=1.0)
    context_seconds: float = option(30.0, "How long keyvox remembers what it typed in a window, for spacing, "
                                    "capitalisation and \"scratch that\"; 0 forgets at once.",
                                    minimum=0.0, maximum=3600.0)
    hot_reload: bool = option(True, "Apply edits to [text] and [dictionary] in this file to the next utterance, "
                              "without a restart.")


@dataclass
class ServerConfig:
    """The OpenAI-compatible transcription server (`keyvox serve`) and the live event stream."""

    enabled: bool = option(False, "Run the server alongside the hotkey when `keyvox` starts (events on /v1/events).")
    host: str = option("127.0.0.1", "Address to listen on. Anything but loopback needs an API key (api_key_env).")
    port: int = option(8765, "TCP port to listen on.", minimum=0, maximum=65535)
    api_key_env: str = option("", "Name of the environment variable holding the API key clients must send as "
                              "\"Authorization: Bearer KEY\"; empty allows loopback only, without a key.")
    max_upload_mb: float = option(25.0, "Largest accepted upload in megabytes; bigger requests get 413.",
                                  minimum=0.1, maximum=2048.0)
    max_queue: int = option(4, "Requests admitted at once (one transcribing, the rest waiting); more get 503.",
                            minimum=1, maximum=1000)


@dataclass
class RemoteConfig:
    """The remote backend: transcription by any OpenAI-compatible server ([model] backend = "remote")."""

    url: str = option("", "Base URL of the server, e.g. http://gpu-box:8765/v1 or https://api.openai.com/v1.")
    api_key_env: str = option("", "Name of the environment variable holding the API key; empty sends none.")
    timeout: float = option(30.0, "Seconds to wait for an answer before the audio is saved for `keyvox retry`.",
                            minimum=0.1, maximum=3600.0)
    model: str = option("whisper-1", "Model name sent with each request (e.g. whisper-1, Qwen/Qwen3-ASR-1.7B).")


@dataclass
class HistoryConfig:
    """The searchable transcript history (`keyvox history`)."""

    enabled: bool = option(True, "Keep every dictated transcript in a local SQLite database.")
    retention_days: int = option(90, "Forget transcripts older than this many days; 0 keeps them forever.",
                                 minimum=0, maximum=100000)
    store_audio: bool = option(False, "Also keep the recorded audio of each transcript (off: audio is never stored).")


@dataclass
class DesktopConfig:
    """How keyvox talks to the desktop besides typing (see docs/desktop-integration.md)."""

    notifications: bool = option(True, "Show a desktop notification when something needs you: microphone gone, "
                                  "model failed to load, text left on the clipboard instead of inserted.")
    dbus: bool = option(True, "Linux: accept toggle, press, release, pause and resume over the D-Bus session bus "
                        "(io.keyvox.Keyvox).")


@dataclass
class GuiConfig:
    """The tray icon and the overlay that shows the words as you speak (need keyvox[gui])."""

    tray: bool = option(True, "Show an icon in the system tray: state at a glance, pause, history, microphone, "
                        "language, quit. Needs `pip install keyvox[gui]`; without it keyvox runs in the terminal.")
    overlay: bool = option(True, "Show a small window while recording, with the input level and the words "
                           "recognised so far. It never takes the keyboard focus and hides once the text is in.")
    overlay_position: str = option("bottom-center", "Where the overlay sits on the screen.",
                                   choices=("bottom-center", "top-center", "bottom-left", "bottom-right",
                                            "top-left", "top-right"))


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
    dictionary: dict[str, str] = field(default_factory=dict)
    """Replacements applied to every transcript and used to bias recognition: spoken = "Written"."""


SECTIONS: dict[str, type] = {f.name: f.default_factory for f in dataclasses.fields(Config)  # type: ignore[misc]
                             if f.name not in ("version", "dictionary")}
FREEFORM_SECTIONS = ("dictionary",)


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


# --- finding the file -------------------------------------------------------------------------

def user_config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("keyvox", appauthor=False, roaming=True))


def user_data_dir() -> Path:
    """Where keyvox keeps what it records: the history database and audio saved for `keyvox retry`."""
    import platformdirs

    return Path(platformdirs.user_data_dir("keyvox", appauthor=False))


def candidate_paths() -> list[Path]:
    """Where keyvox looks, in order, when no ``--config`` is given."""
    return [Path(CONFIG_NAME), user_config_dir() / CONFIG_NAME]


def find_config(explicit: str | os.PathLike | None = None) -> Path | None:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found (create one with: keyvox config init {path})")
        return path
    for path in candidate_paths():
        if path.is_file():
            return path
    return None


# --- loading ----------------------------------------------------------------------------------

def load_config(explicit: str | os.PathLike | None = None) -> LoadedConfig:
    """Find, read, migrate and validate the config. Raises ``ConfigError`` with a one-line message."""
    path = find_config(explicit)
    if path is None:
        loaded = LoadedConfig(Config(), None)
        loaded.sources = {key: "default" for key in _all_keys()}
        return loaded
    return load_config_file(path)


def load_config_file(path: Path) -> LoadedConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc})") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> LoadedConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: TOML syntax error: {exc}") from None
    warnings: list[str] = []
    data = migrate(data, path, warnings)
    config = Config()
    sources = {key: "default" for key in _all_keys()}
    origin = str(path)

    for section, table in data.items():
        if section == "version":
            continue
        if section not in SECTIONS and section not in FREEFORM_SECTIONS:
            warnings.append(f"{path}: unknown section [{section}] ignored{_did_you_mean(section, [*SECTIONS, *FREEFORM_SECTIONS])}")
            continue
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {section} must be a section ([{section}]), not a single value")
        if section == "dictionary":
            config.dictionary = _read_dictionary(table, path)
            sources["dictionary"] = origin
            continue
        target = getattr(config, section)
        known = {f.name: f for f in dataclasses.fields(target)}
        for key, value in table.items():
            if key not in known:
                warnings.append(f"{path}: unknown key [{section}] {key} ignored{_did_you_mean(key, list(known))}")
                continue
            setattr(target, key, _check_value(path, section, known[key], value))
            sources[f"{section}.{key}"] = origin

    validate(config, path)
    return LoadedConfig(config, path, sources, warnings)


def apply_overrides(loaded: LoadedConfig, overrides: dict[str, Any], origin: str = "command line") -> None:
    """Set ``section.key`` values (e.g. from command-line flags), validated like the file's."""
    label = Path(origin)
    for dotted, value in overrides.items():
        if value is None:
            continue
        section, key = dotted.split(".", 1)
        target = getattr(loaded.config, section)
        spec = {f.name: f for f in dataclasses.fields(target)}[key]
        setattr(target, key, _check_value(label, section, spec, value))
        loaded.sources[dotted] = origin
    validate(loaded.config, label)


def _read_dictionary(table: dict, path: Path) -> dict[str, str]:
    entries: dict[str, str] = {}
    for spoken, written in table.items():
        if not isinstance(written, str):
            raise ConfigError(
                f"{path}: [dictionary] {spoken} = {_toml(written)} must be text, e.g. {spoken} = \"{spoken}\"")
        entries[spoken] = written
    return entries


def _check_value(path: Path, section: str, spec: dataclasses.Field, value: Any) -> Any:
    meta = spec.metadata
    where = f"{path}: [{section}] {spec.name} = {_toml(value)}"
    expected = meta.get("types") or (type(spec.default),)
    if float in expected and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, bool) and bool not in expected or not isinstance(value, expected):
        kinds = " or ".join(_TYPE_WORDS[t] for t in expected)
        raise ConfigError(f"{where} is not valid (expected {kinds})")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(f"{where} is not valid (choose {', '.join(choices)})")
    low, high = meta.get("minimum"), meta.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConfigError(f"{where} is out of range (choose {_fmt(low)} to {_fmt(high)})")
    return value


def validate(config: Config, path: Path) -> None:
    """Checks that span several keys or depend on the chosen backend."""
    from keyvox.backends import BACKENDS, backend_names

    model = config.model
    if model.backend not in backend_names():
        raise ConfigError(f"{path}: [model] backend = {_toml(model.backend)} is not valid "
                          f"(choose {', '.join(backend_names())})")
    specs = [BACKENDS[model.backend]] if model.backend in BACKENDS else list(BACKENDS.values())
    label = model.backend if model.backend in BACKENDS else "any backend"
    compute_types = _union(s.compute_types for s in specs)
    if model.compute_type not in compute_types:
        raise ConfigError(f"{path}: [model] compute_type = {_toml(model.compute_type)} is not valid for {label} "
                          f"(choose {', '.join(compute_types)})")
    devices = _union(s.devices for s in specs)
    if model.device not in devices and not _is_indexed_device(model.device, devices):
        raise ConfigError(f"{path}: [model] device = {_toml(model.device)} is not valid for {label} "
                          f"(choose {', '.join(devices)})")
    language = model.language.strip().lower()
    if language not in ("", "auto") and not (language.isalpha() and 2 <= len(language) <= 3):
        raise ConfigError(f"{path}: [model] language = {_toml(model.language)} is not valid "
                          "(use an ISO code such as en, fr, de, or \"auto\")")
    if model.name.endswith(".en") and language not in ("en",):
        raise ConfigError(f"{path}: [model] language = {_toml(model.language)} cannot be used with the English-only "
                          f"model {model.name} (set language = \"en\", or pick a multilingual model such as base)")
    if model.backend == "remote" and not config.remote.url.strip():
        raise ConfigError(f"{path}: [model] backend = \"remote\" needs [remote] url (e.g. url = "
                          "\"http://gpu-box:8765/v1\")")
    from keyvox.hotkey.keys import parse_key_spec

    parse_key_spec(config.hotkey.key, setting=f"{path}: [hotkey] key")
    parse_key_spec(config.hotkey.cancel_key, setting=f"{path}: [hotkey] cancel_key")
    if config.audio.min_duration_s >= config.audio.max_duration_s:
        raise ConfigError(f"{path}: [audio] min_duration_s = {_fmt(config.audio.min_duration_s)} must be below "
                          f"max_duration_s = {_fmt(config.audio.max_duration_s)}")


def _is_indexed_device(device: str, devices: tuple[str, ...]) -> bool:
    """``cuda:1`` style device strings select one of several GPUs."""
    base, _, index = device.partition(":")
    return base in devices and base not in ("auto", "cpu") and index.isdigit()


def _union(groups) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        seen.update(dict.fromkeys(group))
    return tuple(seen)


# --- migration --------------------------------------------------------------------------------

# The first Keyvox releases wrote files without a version; their keys map onto ours like this.
_V0_RENAMES = {
    ("hotkey", "push_to_talk"): ("hotkey", "key"),
    ("audio", "input_device"): ("audio", "device"),
    ("output", "paste_method"): ("output", "method"),
    ("text_insertion", "smart_capitalization"): ("text", "capitalize"),
    ("text_insertion", "smart_spacing"): ("text", "smart_spacing"),
    ("text_insertion", "add_trailing_space"): ("text", "trailing_space"),
    ("output", "double_tap_timeout"): ("hotkey", "double_tap_s"),
}
# Keys of those releases that have no meaning now (audio is always captured at 16 kHz).
_V0_DROPPED = {("audio", "sample_rate"), ("output", "auto_paste"), ("output", "double_tap_to_clipboard"),
               ("text_insertion", "enabled"), ("text_insertion", "normalize_urls"),
               ("text_insertion", "context_max_chars"), ("text_insertion", "sentence_enders"),
               ("text_insertion", "punctuation_starters")}


def migrate(data: dict, path: Path, warnings: list[str]) -> dict:
    """Bring an older file's data up to ``CONFIG_VERSION`` (the file itself is left alone)."""
    version = data.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ConfigError(f"{path}: version = {_toml(version)} is not valid (expected a whole number such as "
                          f"{CONFIG_VERSION})")
    if version > CONFIG_VERSION:
        raise ConfigError(f"{path}: version = {version} is newer than this keyvox understands "
                          f"({CONFIG_VERSION}); upgrade keyvox or lower the version")
    if version == CONFIG_VERSION:
        return data
    if "version" not in data and not _has_original_keys(data):
        return data  # written by hand for this keyvox, just without the version line: nothing to migrate
    migrated: dict[str, Any] = {"version": CONFIG_VERSION}
    for section, table in data.items():
        if section == "version":
            continue
        if not isinstance(table, dict):
            migrated[section] = table  # reported as a misplaced value by the loader
            continue
        for key, value in table.items():
            if (section, key) in _V0_DROPPED:
                continue
            new_section, new_key = _V0_RENAMES.get((section, key), (section, key))
            if section == "audio" and key == "input_device" and value == "default":
                value = ""
            migrated.setdefault(new_section, {})[new_key] = value
    if version == 0 and set(data) - {"version"}:
        warnings.append(f"{path}: this file has no version, so it was read as a version 0 (original Keyvox) "
                        f"config; run `keyvox config migrate` to update it")
    return migrated


def _has_original_keys(data: dict) -> bool:
    """Whether a file without ``version`` uses any key name only the original Keyvox knew."""
    original = set(_V0_RENAMES) | _V0_DROPPED
    return any((section, key) in original for section, table in data.items() if isinstance(table, dict)
               for key in table)


def migrate_file(path: Path) -> Path:
    """Rewrite an older config file in the current format; the original is kept beside it as ``.bak``."""
    loaded = load_config_file(path)
    backup = path.with_name(path.name + ".bak")
    backup.write_bytes(path.read_bytes())
    path.write_text(render_config(loaded.config, commented=True), encoding="utf-8")
    return backup


# --- rendering --------------------------------------------------------------------------------

def render_config(config: Config | None = None, *, commented: bool = True,
                  sources: dict[str, str] | None = None) -> str:
    """The config as TOML: with every option documented (``config init``) or with sources (``config show``)."""
    config = config or Config()
    lines: list[str] = []
    if commented:
        lines += ["# Keyvox configuration. Every option is listed with its default; see README.md.",
                  "# Lookup order: keyvox --config PATH, ./config.toml, then the platform config folder.", ""]
    lines += [f"version = {CONFIG_VERSION}", ""]
    for section, cls in SECTIONS.items():
        if commented and cls.__doc__:
            lines.append(f"# {cls.__doc__.strip()}")
        lines.append(f"[{section}]")
        for spec in dataclasses.fields(cls):
            value = getattr(getattr(config, section), spec.name)
            if commented:
                lines += [f"# {line}" for line in _wrap(spec.metadata["doc"])]
            suffix = f"  # {sources.get(f'{section}.{spec.name}', 'default')}" if sources else ""
            lines.append(f"{spec.name} = {_toml(value)}{suffix}")
        lines.append("")
    lines.append("# Words keyvox should know: spoken (case-insensitive) = written. Also used to bias recognition.")
    lines.append("[dictionary]")
    if config.dictionary:
        lines += [f"{_toml_key(k)} = {_toml(v)}" for k, v in config.dictionary.items()]
    elif commented:
        lines += ['# github = "GitHub"', '# "node js" = "Node.js"', '# kubernetes = "Kubernetes"']
    if sources and config.dictionary:
        lines.append(f"# dictionary from {sources.get('dictionary', 'default')}")
    return "\n".join(lines) + "\n"


def write_default_config(path: Path, *, force: bool = False) -> None:
    if path.exists() and not force:
        raise ConfigError(f"{path}: already exists (use --force to overwrite it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_config(commented=True), encoding="utf-8")


# --- helpers ----------------------------------------------------------------------------------

_TYPE_WORDS = {str: "text in quotes", int: "a whole number", float: "a number", bool: "true or false",
               dict: "a table", list: "a list"}


def _all_keys() -> list[str]:
    keys = [f"{section}.{f.name}" for section, cls in SECTIONS.items() for f in dataclasses.fields(cls)]
    return keys + ["dictionary"]


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean \"{close[0]}\"?)" if close else ""


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else json.dumps(key)


def _fmt(number: float | None) -> str:
    if number is None:
        return "any"
    return str(int(number)) if float(number).is_integer() else str(number)


def _wrap(text: str, width: int = 96) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]
