"""The ``keyvox`` command: argument parsing and dispatch. Each command's work lives in its own room."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from keyvox import __version__
from keyvox.config import LoadedConfig, apply_overrides, load_config
from keyvox.errors import KeyvoxError


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyvoxError as exc:
        print(f"keyvox: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="keyvox", description="Local push-to-talk dictation.")
    parser.add_argument("--version", action="version", version=f"keyvox {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file to use (default: ./config.toml, then the "
                        "platform config folder)")
    parser.set_defaults(handler=cmd_run)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    transcribe = commands.add_parser("transcribe", help="transcribe audio files and print the text")
    transcribe.add_argument("files", nargs="+", metavar="FILE", help="WAV, FLAC, MP3, OGG, ...")
    transcribe.add_argument("--json", action="store_true", help="print one JSON object per file")
    transcribe.add_argument("--raw", action="store_true", help="print the engine's text without the text chain")
    add_model_options(transcribe)
    transcribe.set_defaults(handler=cmd_transcribe)

    config = commands.add_parser("config", help="create, show or locate the config file")
    config_commands = config.add_subparsers(title="config commands", metavar="ACTION", required=True)
    init = config_commands.add_parser("init", help="write a fully commented config file")
    init.add_argument("path", nargs="?", help="where to write it (default: the platform config folder)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(handler=cmd_config_init)
    show = config_commands.add_parser("show", help="print the effective config and where each value came from")
    show.set_defaults(handler=cmd_config_show)
    path = config_commands.add_parser("path", help="print which config file is used")
    path.set_defaults(handler=cmd_config_path)
    migrate = config_commands.add_parser("migrate", help="rewrite an older config file in the current format")
    migrate.set_defaults(handler=cmd_config_migrate)

    models = commands.add_parser("models", help="list known models and which are on this machine")
    models.set_defaults(handler=cmd_models)

    doctor = commands.add_parser("doctor", help="check this machine: hardware, backends, auto choice, audio, desktop")
    doctor.add_argument("--json", action="store_true", help="print the report as one JSON object")
    doctor.set_defaults(handler=cmd_doctor)
    return parser


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Flags that override ``[model]`` for one run."""
    group = parser.add_argument_group("model (overrides config.toml)")
    group.add_argument("--backend", dest="model.backend")
    group.add_argument("--model", dest="model.name")
    group.add_argument("--device", dest="model.device")
    group.add_argument("--compute-type", dest="model.compute_type")
    group.add_argument("--language", dest="model.language")
    group.add_argument("--beam-size", dest="model.beam_size", type=int)


def load(args: argparse.Namespace) -> LoadedConfig:
    """Load the config, print its warnings, and apply any model flags."""
    loaded = load_config(args.config)
    for warning in loaded.warnings:
        print(f"keyvox: warning: {warning}", file=sys.stderr)
    overrides = {k: v for k, v in vars(args).items() if k.startswith("model.")}
    if overrides:
        apply_overrides(loaded, overrides)
    return loaded


def cmd_run(args: argparse.Namespace) -> int:
    from keyvox.daemon import run_daemon

    return run_daemon(load(args))


def cmd_transcribe(args: argparse.Namespace) -> int:
    from keyvox.audio.files import load_audio
    from keyvox.backends import create_transcriber
    from keyvox.text import TextProcessor

    loaded = load(args)
    started = time.perf_counter()
    transcriber = create_transcriber(loaded.config)
    print(f"keyvox: loaded {transcriber.description} in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    chain = TextProcessor(loaded.config)
    failures = 0
    for file in args.files:
        try:
            audio = load_audio(file)
        except KeyvoxError as exc:
            print(f"keyvox: error: {exc}", file=sys.stderr)
            failures += 1
            continue
        started = time.perf_counter()
        result = transcriber.transcribe_detailed(audio, vocabulary=chain.vocabulary)
        text = result.text if args.raw else chain.process(result)
        seconds = time.perf_counter() - started
        if args.json:
            row = {"file": file, "text": text, "language": result.language,
                   "duration_s": round(result.duration_s, 3), "seconds": round(seconds, 4)}
            print(json.dumps(row, ensure_ascii=False), flush=True)
        else:
            print(text, flush=True)
    return 1 if failures else 0


def cmd_config_init(args: argparse.Namespace) -> int:
    from keyvox.config import CONFIG_NAME, user_config_dir, write_default_config

    target = Path(args.path) if args.path else user_config_dir() / CONFIG_NAME
    write_default_config(target, force=args.force)
    print(f"Wrote {target}")
    return 0


def cmd_config_show(args: argparse.Namespace) -> int:
    from keyvox.config import render_config

    loaded = load(args)
    print(f"# effective config; file: {loaded.label}")
    print(render_config(loaded.config, commented=False, sources=loaded.sources), end="")
    return 0


def cmd_config_path(args: argparse.Namespace) -> int:
    from keyvox.config import candidate_paths, find_config

    path = find_config(args.config)
    if path is None:
        searched = ", ".join(str(p) for p in candidate_paths())
        print(f"no config file (defaults in use); searched: {searched}")
    else:
        print(path.resolve())
    return 0


def cmd_config_migrate(args: argparse.Namespace) -> int:
    from keyvox.config import find_config, migrate_file

    path = find_config(args.config)
    if path is None:
        raise KeyvoxError("no config file to migrate (create one with: keyvox config init)")
    backup = migrate_file(path)
    print(f"Updated {path}; the old file is {backup}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from keyvox.models import cache_root, local_status

    loaded = load(args)
    cache = loaded.config.paths.model_cache
    print(f"model cache: {cache_root(cache)}")
    print(f"{'model':<20} {'backend':<15} {'download':>9}  on this machine")
    for row in local_status(cache):
        where = f"{row.source}: {row.path}" if row.path else "no"
        print(f"{row.model.name:<20} {row.model.backend:<15} {row.model.size_mb:>6} MB  {where}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from keyvox.doctor import collect, problems, render

    report = collect(args.config)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else render(report), end="\n" if args.json else "")
    return 1 if problems(report) else 0
