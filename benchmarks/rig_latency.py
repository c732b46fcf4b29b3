"""Release → first character and release → whole text in the window, measured end to end on the desktop rig.

Starts the rig (Xvfb, PulseAudio with the virtual microphone, the Tk window), runs the real ``keyvox``
daemon with the default config (or --config), and dictates clips by holding Right Ctrl while the clip
plays into the microphone. Each clip is cut ``--release-tail`` seconds after its last speech, as
``keyvox bench --release-tail`` cuts it, so the key comes up when a person would let go. Times run from
the key release to the first character in the window and to the whole transcript; every typed text is
checked against the daemon's transcript and, with ``--bench-json``, against the text ``keyvox bench``
reported for the same clip.

Usage: python3 benchmarks/rig_latency.py [--manifest M] [--per-group 20] [--config FILE] [--bench-json B]
Writes benchmarks/results/rig-latency-<time>.json unless --json names another file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers.x11.rig import Desktop  # noqa: E402

GROUPS = ("under_5s", "5_to_15s", "over_15s")
TRANSCRIPT = re.compile(r"^(text \(.*?\): |no speech heard)")


def measure(desktop: Desktop, keyvox, clip: Path) -> tuple[float | None, float | None, str]:
    window = desktop.window
    window.clear()
    mark = keyvox.mark()
    desktop.key("down")
    keyvox.wait_for(r"^\[recording\]", 10, since=mark)
    desktop.pulse.play(clip)
    desktop.key("up")
    released = time.monotonic()  # xdotool has returned: the X server has the release
    first = full = None
    transcript = None
    while time.monotonic() - released < 60:
        text = window.text
        now = time.monotonic()
        if text and first is None:
            first = now - released
        if transcript is None:
            hit = keyvox._match(TRANSCRIPT, mark)
            if hit:
                transcript = hit[1].split("): ", 1)[1] if hit[1].startswith("text") else ""
        if transcript is not None and text == transcript:
            full = now - released if transcript else None  # nothing typed: missing, never 0 s
            break
        time.sleep(0.005)
    return first, full, window.text if transcript is None else transcript


def percentile(values: list[float], q: float) -> float | None:
    import numpy as np

    clean = [v for v in values if v is not None]
    return round(float(np.percentile(clean, q)), 3) if clean else None


def main() -> int:
    from keyvox.audio.files import load_audio
    from keyvox.bench.command import machine_info
    from keyvox.bench.release import DEFAULT_TAIL_S, cut_at_release
    from keyvox.bench.summary import length_group

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default=str(REPO.parent / "shared" / "speech" / "manifest.jsonl"))
    parser.add_argument("--lang", default="en")
    parser.add_argument(
        "--per-group", type=int, default=20, help="clips from each length group (< 5, 5-15, > 15 s)"
    )
    parser.add_argument(
        "--release-tail",
        type=float,
        default=DEFAULT_TAIL_S,
        help="cut each clip this long after its last speech (negative: the clips are already cut)",
    )
    parser.add_argument("--config", help="config file for keyvox (default: built-in defaults)")
    parser.add_argument(
        "--bench-json", help="a keyvox bench --json result over the same clips, to compare texts"
    )
    parser.add_argument("--json", help="where to write the rows and summary (default: benchmarks/results/)")
    args = parser.parse_args()

    import soundfile

    manifest = Path(args.manifest)
    rows = [json.loads(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("lang", "") == args.lang]
    work = Path(tempfile.mkdtemp(prefix="keyvox-rig-"))
    clips = {group: [] for group in GROUPS}
    for row in rows:
        audio, cut = cut_at_release(load_audio(manifest.parent / row["audio"]), args.release_tail)
        group = length_group(audio.shape[0] / 16000)
        if len(clips[group]) < args.per_group:
            path = work / f"{len(clips[group]):02d}_{Path(row['audio']).name}"
            soundfile.write(path, audio, 16000, subtype="PCM_16")
            clips[group].append(
                {"audio": row["audio"], "path": path, "duration_s": audio.shape[0] / 16000, "cut_s": cut}
            )
    bench = {}
    if args.bench_json:
        bench = {row["audio"]: row["text"] for row in json.loads(Path(args.bench_json).read_text())["clips"]}
    config = Path(args.config).read_text(encoding="utf-8") if args.config else "version = 1\n"
    desktop = Desktop(work)
    results = []
    try:
        keyvox = desktop.start_keyvox(config, name="latency")
        _, ready = keyvox.wait_for(r"^Ready:", 180)
        print(ready, flush=True)
        for group in GROUPS:
            for clip in clips[group]:
                first, full, text = measure(desktop, keyvox, clip["path"])
                typed = desktop.window.text
                row = {
                    "group": group,
                    "clip": clip["audio"],
                    "duration_s": round(clip["duration_s"], 3),
                    "cut_s": round(clip["cut_s"], 3),
                    "first_char_s": None if first is None else round(first, 3),
                    "full_text_s": None if full is None else round(full, 3),
                    "chars": len(text),
                    "text": text,
                    "typed_equals_transcript": typed == text,
                }
                if clip["audio"] in bench:
                    row["bench_text"] = bench[clip["audio"]]
                    # (the text chain puts a space before a dictation that continues one in the same window)
                    row["typed_equals_bench"] = typed.lstrip() == bench[clip["audio"]].lstrip()
                results.append(row)
                print(
                    f"{group:>9}  {clip['audio'][-40:]:<40} {clip['duration_s']:5.1f} s  first char "
                    f"{row['first_char_s']} s  whole text {row['full_text_s']} s  ({len(text)} chars)",
                    flush=True,
                )
                time.sleep(0.5)
        keyvox.stop()
    finally:
        desktop.stop()
    summary = {}
    print(
        "\ngroup        n  first char p50 / p90    whole text p50 / p90   missing  typed = transcript  typed = bench"
    )
    for group in GROUPS:
        got = [r for r in results if r["group"] == group]
        if not got:
            continue
        first = [r["first_char_s"] for r in got]
        full = [r["full_text_s"] for r in got]
        summary[group] = {
            "clips": len(got),
            "first_char_p50_s": percentile(first, 50),
            "first_char_p90_s": percentile(first, 90),
            "full_text_p50_s": percentile(full, 50),
            "full_text_p90_s": percentile(full, 90),
            "missing": sum(1 for v in full if v is None),
            "typed_equals_transcript": sum(r["typed_equals_transcript"] for r in got),
            "typed_equals_bench": sum(r.get("typed_equals_bench", False) for r in got),
            "compared_with_bench": sum("typed_equals_bench" in r for r in got),
        }
        s = summary[group]
        print(
            f"{group:>9} {len(got):>4}  {s['first_char_p50_s']} / {s['first_char_p90_s']} s"
            f"        {s['full_text_p50_s']} / {s['full_text_p90_s']} s   {s['missing']:>5}  "
            f"{s['typed_equals_transcript']:>10}/{len(got)}   {s['typed_equals_bench']}/{s['compared_with_bench']}"
        )
    everything = [r["full_text_s"] for r in results]
    summary["all"] = {
        "clips": len(results),
        "full_text_p50_s": percentile(everything, 50),
        "full_text_p90_s": percentile(everything, 90),
    }
    out = (
        Path(args.json)
        if args.json
        else (REPO / "benchmarks" / "results" / f"rig-latency-{datetime.now(UTC):%Y%m%d-%H%M%S}.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": " ".join(["python3", *sys.argv]),
                "machine": machine_info(),
                "release_tail_s": args.release_tail,
                "summary": summary,
                "rows": results,
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
