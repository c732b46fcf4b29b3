"""``keyvox bench``: accuracy and release-to-text latency on recorded speech (the work is in keyvox.bench)."""

from __future__ import annotations

import argparse

from keyvox.cli.options import add_model_options, load


def register(commands) -> None:
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
    bench.add_argument(
        "--cleanup",
        action="store_true",
        help="also run each clip with [cleanup] off and report what clean-up by the configured model adds "
        "to release → text (p50/p95)",
    )
    bench.add_argument("--no-silence", action="store_true", help="skip the generated silence/noise clips")
    bench.add_argument("--json", metavar="PATH", help="write per-clip rows and the summary as JSON")
    bench.add_argument("--report", metavar="PATH.md", help="write a Markdown report")
    bench.add_argument(
        "--plot", metavar="PATH.png", help="plot latency against length and WER (needs matplotlib)"
    )
    add_model_options(bench)
    bench.set_defaults(handler=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    from keyvox.bench.command import bench_command

    return bench_command(args, load(args))
