"""``keyvox transcribe``: audio files (or the bundled sample) to text, with errors a user can act on.

Every path is checked before the model loads, so a typo costs no model load; each failed file gets
one line naming it and the reason, the good files are still transcribed, and the exit status says
whether anything failed.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from keyvox.cli.options import add_mode_option, add_model_options, load
from keyvox.errors import ExitCode, KeyvoxError, report_error


@dataclass(frozen=True)
class Failure:
    """A file that gave no text, and why (one line, without the file name)."""

    file: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.file}: {self.reason}"


def register(commands) -> None:
    transcribe = commands.add_parser(
        "transcribe",
        help="transcribe audio files and print the text",
        description="Transcribe audio files with the configured engine and print the text. "
        "`keyvox transcribe --sample` transcribes a short recording shipped with keyvox, to check the engine "
        "works on this machine (offline).",
    )
    transcribe.add_argument("files", nargs="*", metavar="FILE", help="WAV, FLAC, MP3, OGG, ...")
    transcribe.add_argument(
        "--sample", action="store_true", help="also transcribe the bundled 5-second public-domain sample"
    )
    transcribe.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object per file ({"file", "error"} for a file that failed)',
    )
    transcribe.add_argument(
        "--raw", action="store_true", help="print the engine's text without the text chain"
    )
    add_mode_option(transcribe)
    add_model_options(transcribe)
    transcribe.set_defaults(handler=cmd_transcribe)


def check_file(file: str) -> Failure | None:
    """Why ``file`` cannot be transcribed, found without decoding it; None when it looks readable."""
    path = Path(file)
    try:
        info = path.stat()
    except FileNotFoundError:
        return Failure(file, "no such file")
    except OSError as exc:
        return Failure(file, f"cannot open it ({exc.strerror or exc})")
    if stat.S_ISDIR(info.st_mode):
        return Failure(
            file, "is a directory; give the audio files in it (e.g. " + os.path.join(file, "*.wav") + ")"
        )
    if not stat.S_ISREG(info.st_mode):
        return Failure(file, "is not a regular file (a pipe or device); save the audio to a file first")
    if info.st_size == 0:
        return Failure(file, "the file is empty (0 bytes)")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except PermissionError:
        return Failure(file, "permission denied; make it readable (chmod +r) or run keyvox as its owner")
    except OSError as exc:
        return Failure(file, f"cannot read it ({exc.strerror or exc})")
    return None


def cmd_transcribe(args: argparse.Namespace) -> int:
    files = list(args.files)
    if args.sample:
        from keyvox.samples import SAMPLE

        files.append(str(SAMPLE.path))
        print(
            f'keyvox: sample: {SAMPLE.path.name}, {SAMPLE.licence}; it says: "{SAMPLE.text}"', file=sys.stderr
        )
    if not files:
        raise KeyvoxError("transcribe needs an audio file (or --sample to try the bundled one)")
    loaded = load(args)
    failures = {file: failure for file in dict.fromkeys(files) if (failure := check_file(file))}
    for failure in failures.values():
        report_error(failure.message)
    labelled = len(files) > 1
    if len(failures) == len(set(files)):
        for file in files:
            _print_failure(failures[file], args.json)
        return ExitCode.FAILED

    from keyvox.audio.files import load_audio
    from keyvox.engines.factory import create_transcriber
    from keyvox.text.chain import TextProcessor

    started = time.perf_counter()
    transcriber = create_transcriber(loaded.config)
    print(
        f"keyvox: loaded {transcriber.description} in {time.perf_counter() - started:.2f} s", file=sys.stderr
    )
    chain = TextProcessor(loaded.config)
    failed = False
    for file in files:
        failure = failures.get(file)
        if failure is None:
            try:
                audio = load_audio(file)
            except KeyvoxError as exc:
                failure = Failure(file, str(exc).removeprefix(f"{Path(file)}: "))
                report_error(failure.message)
        if failure is not None:
            failed = True
            _print_failure(failure, args.json)
            continue
        started = time.perf_counter()
        result = transcriber.transcribe_detailed(audio, vocabulary=chain.vocabulary)
        text = result.text if args.raw else chain.process(result)
        seconds = time.perf_counter() - started
        if args.json:
            row = {
                "file": file,
                "text": text,
                "language": result.language,
                "duration_s": round(result.duration_s, 3),
                "seconds": round(seconds, 4),
            }
            print(json.dumps(row, ensure_ascii=False), flush=True)
        else:
            print(f"{file}: {text}" if labelled else text, flush=True)
    return ExitCode.FAILED if failed else ExitCode.OK


def _print_failure(failure: Failure, as_json: bool) -> None:
    """In JSON mode a failed file still gets its line on stdout, in order; plain mode has the stderr line."""
    if as_json:
        print(json.dumps({"file": failure.file, "error": failure.reason}, ensure_ascii=False), flush=True)
