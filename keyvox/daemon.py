"""The push-to-talk daemon (``keyvox`` with no command)."""

from __future__ import annotations

from keyvox.config import LoadedConfig
from keyvox.errors import KeyvoxError


def run_daemon(loaded: LoadedConfig) -> int:
    raise KeyvoxError("the push-to-talk daemon is not built yet; use `keyvox transcribe FILE`")
