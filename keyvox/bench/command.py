"""``keyvox bench``: read the clips, load the sides, run, then print and write the results."""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from keyvox import __version__
from keyvox.config.load import load_config
from keyvox.config.schema import Config, LoadedConfig
from keyvox.errors import ExitCode, KeyvoxError, report_warning


def bench_command(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    from keyvox.audio.files import load_audio
    from keyvox.bench import report
    from keyvox.bench.manifest import read_manifest
    from keyvox.bench.release import cut_at_release
    from keyvox.bench.runner import BenchRun, run_clips, run_silence
    from keyvox.bench.sides import CHUNK_SAMPLES, BaselineSide, KeyvoxSide
    from keyvox.bench.silence import silence_set
    from keyvox.bench.summary import clip_rows, silence_rows, summarize
    from keyvox.bench.wer import normalize

    if args.limit is not None and args.limit < 1:
        raise KeyvoxError(f"--limit {args.limit} is not valid (give a number of clips, 1 or more)")
    check_outputs(args)
    other = load_other_config(args.vs) if args.vs and args.vs != "baseline" else None
    config, without_cleanup = loaded.config, None
    if args.cleanup:
        from keyvox.bench.cleanup_cost import cleanup_configs

        if args.vs:
            raise KeyvoxError("--cleanup and --vs cannot be combined (--cleanup compares with clean-up off)")
        config, without_cleanup = cleanup_configs(loaded.config)
    normalize("check", "en")  # a missing scoring package fails now, not after the run
    clips = read_manifest(args.manifest, lang=args.lang, limit=args.limit)
    warn_languages(clips, loaded.config)
    noise = [] if args.no_silence else silence_set()
    audio_s = sum(c.duration_s for c in clips) + sum(n.duration_s for n in noise)
    feeds = 2 if args.realtime and args.vs and args.vs != "baseline" else 1
    plan = f"; fed in real time: at least {audio_s * feeds / 60:.1f} min" if args.realtime else ""
    print(
        f"keyvox bench: {len(clips)} clips + {len(noise)} silence/noise clips, {audio_s:.0f} s of audio{plan}",
        file=sys.stderr,
    )

    sides = []
    try:
        sides.append(KeyvoxSide(config))
        print(
            f"keyvox bench: keyvox: {sides[0].description}, loaded in {sides[0].load_s:.2f} s",
            file=sys.stderr,
        )
        if args.vs == "baseline":
            if sides[0].live:  # the same engine and pipeline, decoding only after release
                sides.append(
                    KeyvoxSide(
                        loaded.config, label="no_live", transcriber=sides[0].transcriber, live_decoding=False
                    )
                )
            sides.append(BaselineSide(loaded.config, sides[0].transcriber))
        elif without_cleanup is not None:
            from keyvox.bench.cleanup_cost import LABEL

            sides.append(KeyvoxSide(without_cleanup, label=LABEL, transcriber=sides[0].transcriber))
        elif other is not None:
            side = KeyvoxSide(other.config, label="baseline")
            side.description = f"keyvox with {args.vs}: {side.description}"
            sides.append(side)
        for side in sides[1:]:
            print(
                f"keyvox bench: {side.label}: {side.description}, loaded in {side.load_s:.2f} s",
                file=sys.stderr,
            )
        bar = report.progress_bar(len(clips) + len(noise), "bench")
        started = time.perf_counter()
        run = BenchRun(sides, [], [], args.realtime)
        try:
            step = lambda name: (bar.set_postfix_str(name[:30]), bar.update(1))
            threshold = sides[0].transcriber.vad_threshold
            run_clips(
                clips,
                sides,
                realtime=args.realtime,
                load=lambda c: load_audio(c.audio),
                step=step,
                results=run.clips,
                cut=lambda audio: cut_at_release(audio, args.release_tail, threshold),
            )
            run_silence(noise, sides, realtime=args.realtime, step=step, results=run.silence)
        except KeyboardInterrupt:  # a long run stopped by hand still reports what it measured
            run.interrupted = True
        finally:
            bar.close()
        run.wall_s = time.perf_counter() - started
        if run.interrupted:
            print(
                f"keyvox bench: interrupted; reporting the {len(run.clips)} clips measured so far",
                file=sys.stderr,
            )
    finally:
        for side in sides:
            side.close()

    result = {
        "keyvox_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": settings(args, loaded.config, CHUNK_SAMPLES),
        "summary": summarize(run),
        "clips": clip_rows(run),
        "silence": silence_rows(run.silence, [side.label for side in sides]),
    }
    if without_cleanup is not None:
        from keyvox.bench.cleanup_cost import cleanup_cost, cost_line

        result["cleanup_cost"] = cleanup_cost(run)
    print(report.terminal_report(result))
    if without_cleanup is not None:
        print(cost_line(result["cleanup_cost"]))
    if args.json:
        report.write_json(result, args.json)
    if args.report:
        report.write_markdown(result, args.report)
    if args.plot:
        from keyvox.bench.plot import write_plot

        write_plot(result, args.plot)
    if run.interrupted:
        return ExitCode.INTERRUPTED
    return ExitCode.FAILED if result["summary"]["errors"] else ExitCode.OK


def load_other_config(path: str) -> LoadedConfig:
    """The second keyvox setup of ``--vs CONFIG.toml`` (reported under ``baseline``), read before any model loads."""
    if not Path(path).is_file():
        raise KeyvoxError(
            f"--vs {path}: no such config file (use --vs baseline, or the path of a config.toml)"
        )
    other = load_config(path)
    for warning in other.warnings:
        report_warning(warning)
    return other


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse unwritable output paths before a run that may take minutes, not after it."""
    for flag, value in (("--json", args.json), ("--report", args.report), ("--plot", args.plot)):
        if value and not Path(value).resolve().parent.is_dir():
            raise KeyvoxError(f"{flag} {value}: folder {Path(value).resolve().parent} does not exist")
    if args.plot:
        suffix = Path(args.plot).suffix.lower()
        if suffix not in (".png", ".svg", ".pdf"):
            raise KeyvoxError(f"--plot {args.plot}: name a .png, .svg or .pdf file")
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise KeyvoxError(
                '--plot needs matplotlib; install it with: pip install "keyvox[bench]"'
            ) from None


def warn_languages(clips, config: Config) -> None:
    language = config.model.language
    if language in ("", "auto"):
        return
    other = sum(1 for clip in clips if clip.lang and clip.lang != language)
    if other:
        report_warning(
            f'{other} of {len(clips)} clips are not in [model] language = "{language}" '
            "(choose them with --lang, or use --language auto --model base)"
        )


def settings(args: argparse.Namespace, config: Config, chunk: int) -> dict:
    parts = ["keyvox", "bench", "--manifest", args.manifest]
    for flag, value in (("--lang", args.lang), ("--limit", args.limit), ("--vs", args.vs)):
        if value is not None:
            parts += [flag, str(value)]
    parts += ["--realtime"] if args.realtime else []
    parts += ["--release-tail", str(args.release_tail)]
    parts += ["--no-silence"] if args.no_silence else []
    parts += ["--cleanup"] if args.cleanup else []
    for key, value in vars(args).items():
        if key.startswith("model.") and value is not None:
            name = key.removeprefix("model.")
            parts += ["--model" if name == "name" else "--" + name.replace("_", "-"), str(value)]
    return {
        "command": shlex.join(parts),
        "manifest": args.manifest,
        "lang": args.lang,
        "limit": args.limit,
        "realtime": args.realtime,
        "release_tail_s": args.release_tail,
        "vs": args.vs,
        "chunk_samples": chunk,
        "model": dataclasses.asdict(config.model),
    }


def machine_info() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu
            )
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": cores,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "description": f"{cpu}, {cores} cores, {platform.system()}",
    }
