"""``keyvox text``: typed text through the text chain (the dictionary and spoken punctuation, no microphone)."""

from __future__ import annotations

import argparse
import sys

from keyvox.cli.options import add_mode_option, load
from keyvox.errors import ExitCode


def register(commands) -> None:
    text = commands.add_parser(
        "text",
        help="run typed text through the text chain (try the dictionary and "
        "spoken punctuation without a microphone)",
    )
    text.add_argument("words", nargs="+", metavar="TEXT", help="text as the engine would write it")
    text.add_argument("--language", default=None, help="language of the text (default: [model] language)")
    add_mode_option(text)
    text.set_defaults(handler=cmd_text)


def cmd_text(args: argparse.Namespace) -> int:
    from keyvox.engines.base import Transcription
    from keyvox.text.chain import TextProcessor

    loaded = load(args)
    edit = TextProcessor(loaded.config).process_edit(Transcription(" ".join(args.words), args.language))
    if edit.delete_chars:
        print(f"keyvox: would delete {edit.delete_chars} characters first", file=sys.stderr)
    print(edit.insert_text)
    return ExitCode.OK
