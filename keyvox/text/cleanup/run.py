"""``clean`` and ``instruct``: send the text where the options say, judge the answer, give the outcome.

Fail-closed: whatever goes wrong (off, refused, timed out, unreachable, an error, an answer that is not an
edit), the outcome's text is the input, unchanged.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from keyvox.config.cleanup import CleanupConfig, is_local_endpoint
from keyvox.text.cleanup.client import Request, RequestFailed, chat
from keyvox.text.cleanup.guard import MAX_RATIO, judge_command, judge_edit, words
from keyvox.text.cleanup.outcome import CleanupOutcome, CleanupReason
from keyvox.text.cleanup.prompts import command_messages, edit_messages

log = logging.getLogger(__name__)

TOKENS_PER_WORD = 2
"""Room in max_tokens per word of the longest acceptable edit (English runs ~1.3 tokens a word), so a
model that rambles is cut off instead of holding the line until the timeout."""
MIN_TOKENS = 48


def clean(text: str, options: CleanupConfig) -> CleanupOutcome:
    """Dictated ``text`` edited by the model or command of ``options``, under the edit guard."""
    if not options.enabled:
        return CleanupOutcome(text, False, CleanupReason.DISABLED)
    if not words(text):
        return CleanupOutcome(text, False, CleanupReason.NOTHING)
    budget = max(MIN_TOKENS, int(len(words(text)) * MAX_RATIO * TOKENS_PER_WORD) + 16)
    messages = edit_messages(text, options.prompt)
    return _run(text, options, messages, budget, lambda a: judge_edit(text, a), stop="</transcript>")


def instruct(instruction: str, selection: str, options: CleanupConfig) -> CleanupOutcome:
    """``selection`` edited as the spoken ``instruction`` says (a voice command), under the command guard.

    Runs whether or not ``options.enabled`` is set (that switch is for dictation); ``options`` gives the
    endpoint or command. A ``command`` gets the instruction in ``KEYVOX_INSTRUCTION`` and the selection on
    stdin."""
    if not words(selection) or not words(instruction):
        return CleanupOutcome(selection, False, CleanupReason.NOTHING)
    budget = min(4096, max(256, len(selection)))  # a token is ~4 characters: room for 4x the selection
    return _run(
        selection,
        options,
        command_messages(instruction, selection),
        budget,
        lambda a: judge_command(selection, a),
        env={"KEYVOX_INSTRUCTION": instruction},
        stop="</selection>",
    )


def _run(
    text: str,
    options: CleanupConfig,
    messages: list[dict[str, str]],
    max_tokens: int,
    judge: Callable[[str], tuple[str, CleanupReason]],
    *,
    env: dict[str, str] | None = None,
    stop: str = "",
) -> CleanupOutcome:
    started = time.perf_counter()
    try:
        if options.command.strip():
            raw = _run_command(options, text, env or {})
        else:
            raw = chat(_request(options, messages, max_tokens, stop))
    except RequestFailed as failed:
        log.warning("clean-up skipped (%s): %s", failed.reason.value, failed)
        return CleanupOutcome(text, False, failed.reason, None, time.perf_counter() - started, str(failed))
    edited, reason = judge(raw)
    seconds = time.perf_counter() - started
    if reason is not CleanupReason.ACCEPTED:
        log.info("clean-up answer rejected (%s): %r", reason.value, raw[:200])
        return CleanupOutcome(text, False, reason, raw, seconds)
    return CleanupOutcome(edited, True, reason, raw, seconds)


def _request(options: CleanupConfig, messages: list[dict[str, str]], max_tokens: int, stop: str) -> Request:
    if not options.allow_remote and not is_local_endpoint(options.endpoint):
        # The loader refuses this config already; this holds for options built in code too.
        raise RequestFailed(CleanupReason.REMOTE_REFUSED, f"{options.endpoint} is not on this machine")
    body = {
        "model": options.model or "default",
        "messages": messages,
        "temperature": 0,
        "max_tokens": max_tokens,
        "stream": False,
        # A model that echoes the quoted block stops at its end instead of repeating it (base models do).
        "stop": [stop],
    }
    return Request(options.endpoint, body, options.timeout_s, _api_key(options))


def _api_key(options: CleanupConfig) -> str:
    """The key from the environment variable or the file the options name; never logged."""
    if options.api_key_env:
        key = os.environ.get(options.api_key_env, "").strip()
        if not key:
            raise RequestFailed(CleanupReason.NO_KEY, f"environment variable {options.api_key_env} is empty")
        return key
    if options.api_key_file:
        path = Path(options.api_key_file).expanduser()
        try:
            key = (path.read_text(encoding="utf-8").splitlines() or [""])[0].strip()
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror or exc
            raise RequestFailed(CleanupReason.NO_KEY, f"cannot read api_key_file {path} ({why})") from None
        if not key:
            raise RequestFailed(CleanupReason.NO_KEY, f"api_key_file {path} holds no key")
        return key
    return ""


def _run_command(options: CleanupConfig, text: str, env: dict[str, str]) -> str:
    try:
        argv = shlex.split(options.command)
    except ValueError as exc:
        raise RequestFailed(CleanupReason.COMMAND_FAILED, f"command cannot be read ({exc})") from None
    try:
        done = subprocess.run(
            argv,
            input=text,
            capture_output=True,
            text=True,
            timeout=options.timeout_s,
            env={**os.environ, **env},
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RequestFailed(
            CleanupReason.TIMEOUT, f"{argv[0]} gave no answer within {options.timeout_s:g} s"
        ) from None
    except OSError as exc:
        raise RequestFailed(CleanupReason.COMMAND_FAILED, f"{argv[0]}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1][:200]
        raise RequestFailed(CleanupReason.COMMAND_FAILED, f"{argv[0]} exited with {done.returncode}: {last}")
    return done.stdout
