"""``[cleanup]`` (and ``[mode.cleanup]``): a language model, or a program, that edits each dictated text
before it is typed; and the local-first rule for where that text may be sent.

The step itself is keyvox/text/cleanup/; here are only the options and their checks.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from keyvox.config.declare import option
from keyvox.errors import ConfigError

PROMPT_NAMES = ("clean", "email", "message", "code comment")
"""Built-in prompts (their wording is in keyvox/text/cleanup/prompts.py)."""
UNIX_SCHEME = "http+unix"
"""``http+unix://%2Frun%2Fllama.sock/v1``: the socket's path, percent-encoded, as the host."""


@dataclass
class CleanupConfig:
    """Clean-up of each dictated text by a local language model or a program (see docs/cleanup.md)."""

    enabled: bool = option(
        False,
        "Send each dictated text to the model (or command) below and type its edit. Off: no connection.",
    )
    endpoint: str = option(
        "http://127.0.0.1:8080/v1",
        "OpenAI-compatible base URL (chat completions): llama.cpp http://127.0.0.1:8080/v1, Ollama "
        "http://127.0.0.1:11434/v1, LM Studio http://127.0.0.1:1234/v1, vLLM http://127.0.0.1:8000/v1, or a "
        "unix socket http+unix://%2Fpath%2Fto.sock/v1. Only loopback unless allow_remote = true.",
    )
    model: str = option("", "Model name sent with each request (Ollama needs one, e.g. llama3.2:3b).")
    prompt: str = option(
        "clean",
        'What to do with the text: clean, email, message, "code comment", or your own instruction with '
        "{text} where the transcript goes. The transcript is always sent as quoted data, never as the "
        "instruction.",
    )
    timeout_s: float = option(
        3.0,
        "Seconds to wait for the edit; after that the text is typed as dictated.",
        minimum=0.1,
        maximum=120.0,
    )
    command: str = option(
        "",
        "Instead of a model: a program that reads the text on stdin and writes the edit on stdout "
        '(e.g. "sed -e s/teh/the/g"). Runs without a shell.',
    )
    allow_remote: bool = option(
        False,
        "Allow an endpoint that is not on this machine. Off: anything but loopback or a unix socket is refused.",
    )
    api_key_env: str = option(
        "", "Name of the environment variable holding the endpoint's API key; empty sends none."
    )
    api_key_file: str = option(
        "", "A file holding the endpoint's API key (first line), instead of api_key_env."
    )


FIELDS = {f.name: f for f in dataclasses.fields(CleanupConfig)}


def is_local_endpoint(endpoint: str) -> bool:
    """True for a unix socket or a host on loopback (127.0.0.0/8, ::1, localhost)."""
    parts = urlsplit(endpoint)
    if parts.scheme == UNIX_SCHEME:
        return True
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def unix_socket_path(endpoint: str) -> str:
    """The socket's path of an ``http+unix://`` endpoint."""
    return unquote(urlsplit(endpoint).netloc)


def check_cleanup(cleanup: CleanupConfig, where: str) -> None:
    """Checks across the clean-up keys; ``where`` names the file and the table ([cleanup], a mode's)."""
    if not cleanup.enabled:
        return
    if cleanup.command.strip():
        return
    parts = urlsplit(cleanup.endpoint)
    if parts.scheme not in ("http", "https", UNIX_SCHEME) or not parts.netloc:
        raise ConfigError(
            f'{where} endpoint = "{cleanup.endpoint}" is not a URL '
            '(e.g. endpoint = "http://127.0.0.1:8080/v1", or set command)'
        )
    if not cleanup.allow_remote and not is_local_endpoint(cleanup.endpoint):
        raise ConfigError(
            f'{where} endpoint = "{cleanup.endpoint}" is not on this machine: dictated text would leave it '
            "(use a loopback endpoint, or set allow_remote = true to send it there)"
        )
    if cleanup.prompt not in PROMPT_NAMES and "{text}" not in cleanup.prompt:
        raise ConfigError(
            f'{where} prompt = "{cleanup.prompt}" is neither a built-in prompt '
            f"({', '.join(PROMPT_NAMES)}) nor an instruction with {{text}} where the transcript goes"
        )


def read_overrides(table: Any, where: str) -> dict[str, Any]:
    """A ``[mode.cleanup]`` table: the keys it sets, each of the type ``[cleanup]`` declares."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table ([mode.cleanup] under the [[mode]])")
    values: dict[str, Any] = {}
    for key, value in table.items():
        spec = FIELDS.get(key)
        if spec is None:
            raise ConfigError(f"{where} unknown key {key} (it may set {', '.join(FIELDS)})")
        kind = type(spec.default)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not kind:
            raise ConfigError(f"{where} {key} must be {'true or false' if kind is bool else kind.__name__}")
        low, high = spec.metadata.get("minimum"), spec.metadata.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ConfigError(f"{where} {key} = {value} is out of range ({low:g} to {high:g})")
        values[key] = value
    return values


def with_overrides(cleanup: CleanupConfig, overrides: dict[str, Any]) -> CleanupConfig:
    return dataclasses.replace(cleanup, **overrides) if overrides else cleanup
