"""``keyvox retry``: send the audio kept from failed remote transcriptions again."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from keyvox.cli.options import load
from keyvox.errors import ExitCode, KeyvoxError

if TYPE_CHECKING:
    from keyvox.config.schema import LoadedConfig


def register(commands) -> None:
    retry = commands.add_parser("retry", help="send audio kept from failed remote transcriptions again")
    retry.add_argument("--list", action="store_true", help="only list the saved recordings")
    retry.add_argument("--raw", action="store_true", help="print the engine's text without the text chain")
    retry.set_defaults(handler=cmd_retry)


def cmd_retry(args: argparse.Namespace) -> int:
    from keyvox.engines.remote import RemoteError, RemoteTranscriber, saved_audio

    loaded = load(args)
    pending = saved_audio()
    if args.list or not pending:
        for item in pending:
            print(item.wav)
        print(f"keyvox: {len(pending)} recording(s) waiting for a retry", file=sys.stderr)
        return ExitCode.OK
    from keyvox.text.chain import TextProcessor

    if not loaded.config.remote.url.strip():
        raise KeyvoxError(
            f"{len(pending)} recording(s) wait in {pending[0].wav.parent}, but [remote] url is empty; "
            "set it to the server to send them to"
        )
    remote = RemoteTranscriber.from_config(loaded.config)
    chain = TextProcessor(loaded.config)
    history = _open_history(loaded)
    for item in pending:
        try:
            result = remote.send(item.audio(), item.prompt())
        except RemoteError as exc:
            left = len(saved_audio())
            raise RemoteError(f"{exc}; {left} recording(s) stay saved for the next `keyvox retry`") from None
        text = result.text if args.raw else chain.process(result)
        print(text, flush=True)
        if history is not None and text:
            history.add(
                text,
                raw_text=result.text,
                duration_s=round(result.duration_s, 3),
                backend="remote",
                model=remote.model,
            )
        item.remove()
    print(f"keyvox: sent {len(pending)} saved recording(s)", file=sys.stderr)
    return ExitCode.OK


def _open_history(loaded: LoadedConfig):
    if not loaded.config.history.enabled:
        return None
    from keyvox.desktop.history import History

    return History.from_config(loaded.config.history)
