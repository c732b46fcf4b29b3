"""The ``keyvox`` command: argument parsing and dispatch. Each command's work lives in its own room."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from keyvox import __version__
from keyvox.cli.options import add_model_options, load
from keyvox.cli.transcribe import add_transcribe_commands
from keyvox.config.schema import LoadedConfig
from keyvox.desktop.autostart import add_autostart_commands
from keyvox.desktop.panel import add_status_commands
from keyvox.errors import KeyvoxError
from keyvox.vocabulary import Command

DESCRIPTION = """\
Local push-to-talk dictation. Run `keyvox` with no command to start: hold Right Ctrl, speak, release,
and the text is typed into the window that has focus (Esc while holding throws the recording away)."""
EPILOG = """\
first steps:
  keyvox transcribe --sample   check the engine on a bundled 5-second clip (no microphone, no network)
  keyvox doctor                what this machine lacks, with the command that installs it
  keyvox                       dictate: hold Right Ctrl, speak, release
change the key:
  keyvox config init           writes the config file keyvox reads (`keyvox config path` shows where);
                               in it set [hotkey] key = "f9" (or "alt_r", "ctrl+shift+space")
history:
  every transcript is kept 90 days in a local database (`keyvox history` searches it, `keyvox history
  clear` forgets it); [history] enabled = false turns it off, retention_days sets how long."""


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
    parser = argparse.ArgumentParser(
        prog="keyvox",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"keyvox {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file to use (default: ./config.toml, then the platform config folder)",
    )
    parser.set_defaults(handler=cmd_run)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    add_transcribe_commands(commands)

    text = commands.add_parser(
        "text",
        help="run typed text through the text chain (try the dictionary and "
        "spoken punctuation without a microphone)",
    )
    text.add_argument("words", nargs="+", metavar="TEXT", help="text as the engine would write it")
    text.add_argument("--language", default=None, help="language of the text (default: [model] language)")
    text.set_defaults(handler=cmd_text)

    config = commands.add_parser("config", help="create, show or locate the config file")
    config_commands = config.add_subparsers(title="config commands", metavar="ACTION", required=True)
    init = config_commands.add_parser("init", help="write a fully commented config file")
    init.add_argument("path", nargs="?", help="where to write it (default: the platform config folder)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(handler=cmd_config_init)
    show = config_commands.add_parser(
        "show", help="print the effective config and where each value came from"
    )
    show.set_defaults(handler=cmd_config_show)
    path = config_commands.add_parser("path", help="print which config file is used")
    path.set_defaults(handler=cmd_config_path)
    migrate = config_commands.add_parser("migrate", help="rewrite an older config file in the current format")
    migrate.set_defaults(handler=cmd_config_migrate)

    bench = commands.add_parser(
        "bench",
        help="measure accuracy and release-to-text latency on recorded speech",
        description="Run recorded clips through keyvox's own pipeline and report word "
        "error rate, key release → text latency, real-time factor and memory, optionally "
        "side by side with a whole-utterance baseline.",
    )
    bench.add_argument(
        "--manifest",
        required=True,
        metavar="PATH",
        help='manifest.jsonl: one {"audio", "text", "lang", "duration_s"} object per line',
    )
    bench.add_argument(
        "--lang", metavar="CODE", help="only clips in this language (or a comma-separated list)"
    )
    bench.add_argument("--limit", type=int, metavar="N", help="only the first N clips")
    bench.add_argument(
        "--realtime",
        action="store_true",
        help="feed each clip at speaking speed in recorder-sized chunks, then release the key",
    )
    bench.add_argument(
        "--vs",
        metavar="baseline|CONFIG.toml",
        help="compare with the whole-utterance faster-whisper baseline, or with a second config",
    )
    bench.add_argument(
        "--release-tail",
        type=float,
        default=0.25,
        metavar="S",
        help="cut each clip S seconds after its last speech, where people let go of the key "
        "(default 0.25; a negative value feeds the clips whole)",
    )
    bench.add_argument("--no-silence", action="store_true", help="skip the generated silence/noise clips")
    bench.add_argument("--json", metavar="PATH", help="write per-clip rows and the summary as JSON")
    bench.add_argument("--report", metavar="PATH.md", help="write a Markdown report")
    bench.add_argument(
        "--plot", metavar="PATH.png", help="plot latency against length and WER (needs matplotlib)"
    )
    add_model_options(bench)
    bench.set_defaults(handler=cmd_bench)

    models = commands.add_parser("models", help="list known models and which are on this machine")
    models.set_defaults(handler=cmd_models)
    add_server_commands(commands)
    add_autostart_commands(commands)
    add_status_commands(commands)

    devices = commands.add_parser("devices", help="list microphones (for [audio] device)")
    devices.set_defaults(handler=cmd_devices)
    for command in Command:
        control = commands.add_parser(command.value, help=command.help)
        control.set_defaults(handler=cmd_control, command=command)

    doctor = commands.add_parser(
        "doctor", help="check this machine: hardware, backends, auto choice, audio, desktop"
    )
    doctor.add_argument("--json", action="store_true", help="print the report as one JSON object")
    doctor.set_defaults(handler=cmd_doctor)
    return parser


def add_server_commands(commands) -> None:
    """``serve``, ``retry`` and ``history``."""
    serve = commands.add_parser("serve", help="run the OpenAI-compatible transcription server")
    serve.add_argument("--host", help="address to listen on (default: [server] host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port (default: [server] port, 8765)")
    serve.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="environment variable holding the API key clients "
        "must send (required to listen beyond loopback)",
    )
    add_model_options(serve)
    serve.set_defaults(handler=cmd_serve)

    retry = commands.add_parser("retry", help="send audio kept from failed remote transcriptions again")
    retry.add_argument("--list", action="store_true", help="only list the saved recordings")
    retry.add_argument("--raw", action="store_true", help="print the engine's text without the text chain")
    retry.set_defaults(handler=cmd_retry)

    history = commands.add_parser(
        "history", help="search the transcript history (`keyvox history clear` forgets it)"
    )
    history.add_argument("query", nargs="*", metavar="QUERY", help="words to find (all must appear)")
    history.add_argument("--limit", type=int, default=20, help="most entries to show (0: all; default 20)")
    history.add_argument(
        "--since", metavar="DATE|AGE", help="only entries since a date (2026-11-24) or an age (7d, 12h, 30m)"
    )
    history.add_argument("--export", choices=("csv", "json", "txt"), help="print the entries in this format")
    history.set_defaults(handler=cmd_history)


def cmd_run(args: argparse.Namespace) -> int:
    from keyvox.desktop.daemon import run_daemon

    return run_daemon(load(args))


def cmd_bench(args: argparse.Namespace) -> int:
    from keyvox.bench.command import bench_command

    return bench_command(args, load(args))


def cmd_text(args: argparse.Namespace) -> int:
    from keyvox.engines.base import Transcription
    from keyvox.text.chain import TextProcessor

    loaded = load(args)
    edit = TextProcessor(loaded.config).process_edit(Transcription(" ".join(args.words), args.language))
    if edit.delete_chars:
        print(f"keyvox: would delete {edit.delete_chars} characters first", file=sys.stderr)
    print(edit.insert_text)
    return 0


def cmd_config_init(args: argparse.Namespace) -> int:
    from keyvox.config.load import find_config
    from keyvox.config.render import write_default_config
    from keyvox.config.schema import CONFIG_NAME
    from keyvox.platform.dirs import user_config_dir

    target = Path(args.path) if args.path else user_config_dir() / CONFIG_NAME
    write_default_config(target, force=args.force)
    print(f"Wrote {target}")
    used = find_config(None)  # where keyvox will look from here: say so when it is not the new file
    if used is None:
        print(
            f"keyvox: note: keyvox does not look there by itself; run it as `keyvox --config {target}`",
            file=sys.stderr,
        )
    elif used.resolve() != target.resolve():
        print(
            f"keyvox: note: {used} is read first; run `keyvox --config {target}` to use the new file",
            file=sys.stderr,
        )
    return 0


def cmd_config_show(args: argparse.Namespace) -> int:
    from keyvox.config.render import render_config

    loaded = load(args)
    print(f"# effective config; file: {loaded.label}")
    print(render_config(loaded.config, commented=False, sources=loaded.sources), end="")
    return 0


def cmd_config_path(args: argparse.Namespace) -> int:
    from keyvox.config.load import candidate_paths, find_config

    path = find_config(args.config)
    if path is None:
        searched = ", ".join(str(p) for p in candidate_paths())
        print(f"no config file (defaults in use); searched: {searched}")
    else:
        print(path.resolve())
    return 0


def cmd_config_migrate(args: argparse.Namespace) -> int:
    from keyvox.config.load import find_config
    from keyvox.config.render import migrate_file

    path = find_config(args.config)
    if path is None:
        raise KeyvoxError("no config file to migrate (create one with: keyvox config init)")
    backup = migrate_file(path)
    print(f"Updated {path}; the old file is {backup}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from keyvox.engines.models import cache_root, local_status

    loaded = load(args)
    cache = loaded.config.paths.model_cache
    print(f"model cache: {cache_root(cache)}")
    print(f"{'model':<20} {'backend':<15} {'download':>9}  on this machine")
    for row in local_status(cache):
        where = f"{row.source}: {row.path}" if row.path else "no"
        print(f"{row.model.name:<20} {row.model.backend:<15} {row.model.size_mb:>6} MB  {where}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from keyvox.server.run import serve

    return serve(load(args), args.host, args.port, args.api_key_env)


def cmd_retry(args: argparse.Namespace) -> int:
    from keyvox.engines.remote import RemoteError, RemoteTranscriber, saved_audio

    loaded = load(args)
    pending = saved_audio()
    if args.list or not pending:
        for item in pending:
            print(item.wav)
        print(f"keyvox: {len(pending)} recording(s) waiting for a retry", file=sys.stderr)
        return 0
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
    return 0


def _open_history(loaded: LoadedConfig):
    if not loaded.config.history.enabled:
        return None
    from keyvox.desktop.history import History

    return History.from_config(loaded.config.history)


def cmd_history(args: argparse.Namespace) -> int:
    from keyvox.desktop.history import History, export, parse_since

    loaded = load(args)
    history = History.from_config(loaded.config.history)
    if args.query == ["clear"]:
        count = history.clear()
        print(f"keyvox: forgot {count} transcript(s) ({history.path})", file=sys.stderr)
        return 0
    since = parse_since(args.since) if args.since else None
    entries = history.search(" ".join(args.query), limit=args.limit, since=since)
    if args.export:
        sys.stdout.write(export(entries, args.export))
    else:
        for entry in entries:
            print(f"{entry.when}  {entry.text}")
    if not loaded.config.history.enabled:
        print("keyvox: note: [history] enabled = false, so nothing new is being recorded", file=sys.stderr)
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    from keyvox.audio.capture import list_input_devices

    devices = list_input_devices()
    if not devices:
        print("no input devices found (plug in a microphone, or check that the audio server is running)")
        return 1
    for device in devices:
        mark = "*" if device.is_default else " "
        print(f"{mark} {device.index:>3}  {device.name}  ({device.default_rate:g} Hz)")
    print("* = system default; set [audio] device to a name or an index")
    return 0


def cmd_control(args: argparse.Namespace) -> int:
    from keyvox.desktop.hotkey.control import send_command

    send_command(args.command)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from keyvox.cli.doctor import collect, problems, render

    report = collect(args.config)
    print(
        json.dumps(report.to_json(), indent=2, ensure_ascii=False) if args.json else render(report),
        end="\n" if args.json else "",
    )
    return 1 if problems(report) else 0
