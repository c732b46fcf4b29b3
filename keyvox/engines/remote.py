"""Remote backend: transcription by any OpenAI-compatible server (another machine's ``keyvox serve``,
vLLM's OpenAI server, a hosted API).

A network can fail where a local model cannot, so every failed request keeps its audio in the retry
folder of the platform data dir; ``keyvox retry`` sends it again once the server is back.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from keyvox.audio.format import SAMPLE_RATE
from keyvox.audio.vad import SPEECH_THRESHOLD
from keyvox.engines.base import BaseTranscriber, Transcription, as_model_input
from keyvox.engines.faster_whisper import build_prompt
from keyvox.errors import ConfigError, KeyvoxError
from keyvox.platform.dirs import user_data_dir

if TYPE_CHECKING:
    from keyvox.config.schema import Config


class RemoteError(KeyvoxError):
    """The remote server could not be reached or refused the request."""


def retry_dir() -> Path:
    """Audio whose transcription failed, waiting for ``keyvox retry``."""
    return user_data_dir() / "retry"


def encode_wav(audio: np.ndarray) -> bytes:
    """16-bit PCM WAV: every server accepts it and it is half the size of float."""
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, np.clip(audio, -1.0, 1.0), SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def api_key_from_env(variable: str, section: str) -> str | None:
    """The key held in the environment variable named by ``[section] api_key_env`` (None when unnamed)."""
    if not variable:
        return None
    key = os.environ.get(variable, "").strip()
    if not key:
        raise ConfigError(
            f'[{section}] api_key_env = "{variable}" names an environment variable that is not set '
            f"(export {variable}=YOUR_KEY, or empty api_key_env)"
        )
    return key


@dataclass
class SavedAudio:
    """One recording kept for ``keyvox retry``: a WAV file and a JSON note beside it."""

    wav: Path

    @property
    def note(self) -> Path:
        return self.wav.with_suffix(".json")

    def prompt(self) -> str:
        try:
            return json.loads(self.note.read_text(encoding="utf-8")).get("prompt", "")
        except (OSError, ValueError):
            return ""

    def audio(self) -> np.ndarray:
        from keyvox.audio.files import load_audio

        return load_audio(self.wav)

    def remove(self) -> None:
        self.wav.unlink(missing_ok=True)
        self.note.unlink(missing_ok=True)


def save_for_retry(audio: np.ndarray, prompt: str, error: str) -> Path:
    """Keep ``audio`` on disk; written to a temporary name first so a crash never leaves half a file."""
    folder = retry_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    wav = folder / f"{stamp}-{time.time_ns() % 1_000_000_000:09d}.wav"
    partial = wav.with_suffix(".part")
    partial.write_bytes(encode_wav(audio))
    wav.with_suffix(".json").write_text(
        json.dumps({"prompt": prompt, "error": error, "saved": time.time()}), encoding="utf-8"
    )
    os.replace(partial, wav)
    return wav


def saved_audio() -> list[SavedAudio]:
    """Recordings waiting for a retry, oldest first."""
    folder = retry_dir()
    return [SavedAudio(p) for p in sorted(folder.glob("*.wav"))] if folder.is_dir() else []


class RemoteTranscriber(BaseTranscriber):
    """Sends each utterance as a WAV upload to ``{url}/audio/transcriptions``."""

    backend = "remote"

    def __init__(
        self,
        url: str,
        *,
        model: str = "whisper-1",
        api_key: str | None = None,
        timeout: float = 30.0,
        language: str | None = None,
        vad_filter: bool = True,
        vad_threshold: float = SPEECH_THRESHOLD,
        stream: bool = False,
    ) -> None:
        import httpx

        self.stream = stream
        self.vad_filter = vad_filter
        self.vad_threshold = vad_threshold
        self.url = url.rstrip("/")
        self.endpoint = (
            self.url if self.url.endswith("/audio/transcriptions") else f"{self.url}/audio/transcriptions"
        )
        self.model = model
        self.model_name = model
        self.timeout = timeout
        self.language = None if language in (None, "", "auto") else language
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=timeout)
        self.description = f"remote {model} at {self.url}"

    @classmethod
    def from_config(cls, config: Config) -> RemoteTranscriber:
        remote = config.remote
        if not remote.url.strip():
            raise ConfigError(
                '[model] backend = "remote" needs [remote] url (e.g. url = "http://gpu-box:8765/v1")'
            )
        if not remote.url.startswith(("http://", "https://")):
            raise ConfigError(
                f'[remote] url = "{remote.url}" is not valid (it must start with http:// or https://)'
            )
        return cls(
            remote.url,
            model=remote.model,
            api_key=api_key_from_env(remote.api_key_env, "remote"),
            timeout=remote.timeout,
            language=config.model.language,
            vad_filter=config.model.vad_filter,
            vad_threshold=config.model.vad_threshold,
            stream=remote.stream,
        )

    def transcribe_detailed(
        self, audio: np.ndarray, *, context: str = "", vocabulary: Sequence[str] = (), words: bool = False
    ) -> Transcription:
        audio = as_model_input(audio)
        if audio.size == 0 or not self._may_hold_speech(audio):
            return Transcription("", self.language, audio.shape[0] / SAMPLE_RATE, [], speech_found=False)
        prompt = build_prompt(context, vocabulary)
        try:
            return self.send(audio, prompt)
        except RemoteError as exc:
            saved = save_for_retry(audio, prompt, str(exc))
            raise RemoteError(
                f"{exc}; the audio is saved as {saved} (send it again with: keyvox retry)"
            ) from None

    def _may_hold_speech(self, audio: np.ndarray) -> bool:
        """Silence is kept here when the VAD is installed: not every server filters it (a hosted Whisper
        types "Thank you." for a key pressed by mistake), and it saves a round trip. A thin client without
        faster-whisper leaves it to the server (``keyvox serve`` filters with its own threshold)."""
        from keyvox.audio import vad

        if not self.vad_filter or not vad.available():
            return True
        return vad.speech_span(audio, self.vad_threshold) is not None

    def send(self, audio: np.ndarray, prompt: str = "") -> Transcription:
        """One request, no saving: raises ``RemoteError`` with a one-line message when it fails."""
        import httpx

        fields = {"model": self.model, "response_format": "json"}
        if prompt:
            fields["prompt"] = prompt
        if self.language:
            fields["language"] = self.language
        upload = {"file": ("audio.wav", encode_wav(audio), "audio/wav")}
        try:
            if self.stream:
                text = self._streamed({**fields, "stream": "true"}, upload)
            else:
                text = self._answered(self._client.post(self.endpoint, data=fields, files=upload))
        except httpx.TimeoutException:
            raise RemoteError(f"remote server {self.url} did not answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RemoteError(f"cannot reach remote server {self.url} ({reason})") from None
        duration = audio.shape[0] / SAMPLE_RATE
        return Transcription(text.strip(), self.language, duration, [], speech_found=bool(text.strip()))

    def _answered(self, response) -> str:
        if response.status_code >= 400:
            raise RemoteError(
                f"remote server {self.url} answered {response.status_code}: {_error_message(response)}"
            )
        try:
            return str(response.json()["text"])
        except (ValueError, KeyError, TypeError):
            raise RemoteError(
                f'remote server {self.url} sent an answer without "text" (is it OpenAI-compatible?)'
            ) from None

    def _streamed(self, fields: dict, upload: dict) -> str:
        """The text of a ``stream=true`` answer: OpenAI's ``transcript.text.delta`` ... ``.done`` events, or
        vLLM's ``transcription.chunk`` deltas ending in ``[DONE]``."""
        with self._client.stream("POST", self.endpoint, data=fields, files=upload) as response:
            if response.status_code >= 400:
                response.read()
                return self._answered(response)
            reader = StreamText()
            for line in response.iter_lines():
                if reader.read_line(line):
                    break
        if reader.error is not None:
            raise RemoteError(f"remote server {self.url} failed mid-answer: {reader.error}")
        if reader.text is None:
            raise RemoteError(f"remote server {self.url} ended its event stream before the text was done")
        return reader.text

    def close(self) -> None:
        self._client.close()


class StreamText:
    """Reads the data lines of a transcription's server-sent events into its text."""

    def __init__(self) -> None:
        self.deltas: list[str] = []
        self.text: str | None = None
        """The whole text, once the stream said it is done."""
        self.error: str | None = None

    def read_line(self, line: str) -> bool:
        """Take one line of the stream; True once nothing more is to come."""
        if not line.startswith("data:"):
            return False  # event names, comments, the blank lines between events
        data = line[len("data:") :].strip()
        if data == "[DONE]":  # vLLM's end, after its last chunk
            self.text = "".join(self.deltas) if self.text is None else self.text
            return True
        try:
            event = json.loads(data)
        except ValueError:
            return False
        if not isinstance(event, dict):
            return False
        if event.get("error"):
            error = event["error"]
            self.error = " ".join(str(error.get("message") if isinstance(error, dict) else error).split())
            return True
        if event.get("type") == "transcript.text.delta":
            self.deltas.append(str(event.get("delta") or ""))
        elif event.get("type") == "transcript.text.done":
            self.text = str(event.get("text") or "")
            return True
        elif event.get("object") == "transcription.chunk":
            for choice in event.get("choices") or ():
                self.deltas.append(str((choice.get("delta") or {}).get("content") or ""))
        return False


def _error_message(response) -> str:
    """OpenAI's ``{"error": {"message": ...}}`` when the server sends it, else the start of the body."""
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = response.text.strip()[:200] or response.reason_phrase
    return " ".join(str(message).split())
