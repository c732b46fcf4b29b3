"""``keyvox doctor``'s clean-up section: for the main settings and each mode, where clean-up would send the
dictated text, and whether that place answers. The probe asks the endpoint for its model list (GET
``…/models``) and sends no text; with clean-up off nothing is probed."""

from __future__ import annotations

import http.client
import shlex
import shutil
from dataclasses import dataclass
from urllib.parse import urlsplit

from keyvox.config.cleanup import CleanupConfig, is_local_endpoint
from keyvox.config.mode_choice import apply_mode
from keyvox.config.schema import Config

PROBE_TIMEOUT_S = 2.0
"""A local server answers its model list in milliseconds; two seconds covers one that is still loading."""


@dataclass(frozen=True)
class CleanupCheck:
    """One mode's clean-up, as doctor shows it."""

    mode: str
    """The ``[[mode]]`` name, or ``main`` for the top-level settings."""
    destination: str
    """Where the text goes: the endpoint, ``command: …``, or ``off``."""
    local: bool
    answers: bool | None
    """The endpoint answered (the command exists); None when off."""
    detail: str = ""


def cleanup_checks(config: Config) -> list[CleanupCheck]:
    checks = [_check("main", config.cleanup)]
    return checks + [_check(mode.name, apply_mode(config, mode).cleanup) for mode in config.modes]


def render_cleanup(checks: list[CleanupCheck]) -> list[str]:
    lines = ["", "Clean-up by a language model"]
    for check in checks:
        if check.answers is None:
            lines.append(f"  {check.mode}: off (nothing is sent)")
            continue
        where = "this machine" if check.local else "ANOTHER MACHINE"
        state = "answers" if check.answers else f"does not answer ({check.detail})"
        lines.append(f"  {check.mode}: sends text to {check.destination} ({where}): {state}")
    return lines


def _check(name: str, cleanup: CleanupConfig) -> CleanupCheck:
    if not cleanup.enabled:
        return CleanupCheck(name, "off", True, None)
    if cleanup.command.strip():
        program = (shlex.split(cleanup.command) or [""])[0]
        found = shutil.which(program) is not None
        return CleanupCheck(name, f"command: {cleanup.command}", True, found, "" if found else "not found")
    answers, detail = _probe(cleanup.endpoint)
    return CleanupCheck(name, cleanup.endpoint, is_local_endpoint(cleanup.endpoint), answers, detail)


def _probe(endpoint: str) -> tuple[bool, str]:
    from keyvox.text.cleanup.client import open_connection

    parts = urlsplit(endpoint)
    path = parts.path.rstrip("/").removesuffix("/chat/completions") + "/models"
    try:
        conn = open_connection(endpoint, PROBE_TIMEOUT_S)
        try:
            conn.request("GET", path)
            status = conn.getresponse().status
        finally:
            conn.close()
    except (OSError, http.client.HTTPException) as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return status < 500, f"HTTP {status}"
