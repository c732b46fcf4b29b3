"""Showing a benchmark: progress while it runs, a table at the end, JSON and Markdown files."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from keyvox.bench.summary import LENGTH_GROUPS

GROUP_TITLES = {"under_5s": "< 5 s", "5_to_15s": "5-15 s", "over_15s": "> 15 s"}


def progress_bar(total: int, description: str):
    """A tqdm bar on stderr (so ``--json -`` style piping of stdout stays clean)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="clip", file=sys.stderr, dynamic_ncols=True, leave=False)


def fmt(value: Any, unit: str = "", digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def summary_table(summary: dict) -> list[tuple[str, ...]]:
    """Rows of (measure, keyvox[, baseline][, ratio]) — shared by the terminal and Markdown output."""
    others = summary.get("others", ["baseline"] if "baseline" in summary else [])
    sides = [summary] + [summary[label] for label in others]
    other = bool(others)
    header = ("", *[s["label"] for s in sides])
    measures = [
        ("clips", "clips", "", 0),
        ("WER", "wer", "", 3),
        ("no text (missing, not 0 s)", "missing", "", 0),
        ("release → text p50", "latency_p50_s", " s", 3),
        ("release → text p95", "latency_p95_s", " s", 3),
        ("release → text max", "latency_max_s", " s", 3),
        ("RTF (after release)", "rtf", "", 3),
        ("CPU while held, per clip p50", "held_cpu_p50_s", " s", 3),
        ("CPU while held / time held", "held_cpu_share", "", 3),
        ("load + warm-up", "load_s", " s", 2),
        ("model memory", "load_rss_mb", " MB", 0),
        ("peak RSS (process)", "peak_rss_mb", " MB", 0),
        ("words typed on silence/noise", "silence_words", "", 0),
        (f"silence/noise clips with output (of {summary['silence_clips']})", "silence_typed", "", 0),
    ]
    if not summary["silence_clips"]:
        measures = measures[:-2]
    rows = [header]
    for title, key, unit, digits in measures:
        rows.append((title, *[fmt(s.get(key), unit, digits) for s in sides]))
    for name, _low, _high in LENGTH_GROUPS:
        if name not in summary["groups"]:
            continue
        title = GROUP_TITLES[name]
        rows.append(
            (
                f"p50 / p95 {title} (n={summary['groups'][name]['clips']})",
                *[
                    f"{fmt(s['groups'][name]['latency_p50_s'], ' s')}"
                    f" / {fmt(s['groups'][name].get('latency_p95_s'), ' s')}"
                    for s in sides
                ],
            )
        )
    if other:
        rows.append(
            (
                "ratio per clip p50 / worst",
                f"{fmt(summary['ratio_p50'], digits=2)} / {fmt(summary['ratio_max'], digits=2)}",
                *[""] * len(others),
            )
        )
    return rows


def render_table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), *[cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def terminal_report(result: dict) -> str:
    summary = result["summary"]
    cut = f", {summary['cut_s']:.0f} s cut after the release" if summary.get("cut_s") else ""
    lines = [
        f"keyvox bench: {summary['clips']} clips, {summary['audio_s']:.0f} s of audio{cut}"
        f"{', fed in real time' if summary['realtime'] else ''}, {summary['wall_s']:.0f} s wall",
        f"  {summary['label']}: {summary['description']}",
    ]
    for label in summary.get("others", []):
        lines.append(f"  {label}: {summary[label]['description']}")
    lines += ["", render_table(summary_table(summary))]
    return "\n".join(lines)


def write_json(result: dict, path: str | Path) -> None:
    """Strict JSON (no NaN, which many readers reject): a value that could not be measured is null."""
    text = json.dumps(without_nan(result), indent=2, ensure_ascii=False, allow_nan=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def without_nan(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nan(item) for item in value]
    return value


def markdown_report(result: dict) -> str:
    summary, settings = result["summary"], result["settings"]
    lines = [
        "# keyvox bench",
        "",
        f"Command: `{settings['command']}`",
        "",
        f"Machine: {result['machine']['description']}. Run on {result['created']}, {summary['wall_s']:.0f} s.",
        "",
        f"- **{summary['label']}**: {summary['description']}",
    ]
    for label in summary.get("others", []):
        lines.append(f"- **{label}**: {summary[label]['description']}")
    lines += ["", *markdown_table(summary_table(summary)), "", *method_notes(settings), "", "## Clips", ""]
    other = "baseline" in summary
    header = (
        ["clip", "s", "WER", "latency s"]
        + (["baseline WER", "baseline latency s", "ratio"] if other else [])
        + ["text"]
    )
    clip_table = [tuple(header)]
    for row in result["clips"]:
        cells = [
            Path(row["audio"]).name,
            fmt(row["duration_s"], digits=1),
            fmt(row.get("wer"), digits=2),
            fmt(row["latency_s"]),
        ]
        if other:
            base = row["baseline"]
            cells += [fmt(base.get("wer"), digits=2), fmt(base["latency_s"]), fmt(row.get("ratio"), digits=2)]
        cells.append(row["text"].replace("|", "\\|")[:80])
        clip_table.append(tuple(cells))
    lines += markdown_table(clip_table)
    lines += ["", "## Silence and noise (words typed where nothing was said)", ""]
    noise_table = [("clip", "keyvox", *(["baseline"] if other else []))]
    for row in result["silence"]:
        cells = [row["name"], f"{row['words']}: {row['text']!r}"]
        if other:
            cells.append(f"{row['baseline']['words']}: {row['baseline']['text']!r}")
        noise_table.append(tuple(cell.replace("|", "\\|") for cell in cells))
    lines += markdown_table(noise_table, left=len(noise_table[0]))
    return "\n".join(lines) + "\n"


def markdown_table(rows: list[tuple[str, ...]], left: int = 1) -> list[str]:
    """A GitHub table; the first ``left`` columns and a trailing text column align left, numbers right."""
    aligns = ["---" if i < left else "---:" for i in range(len(rows[0]))]
    if rows[0][-1] == "text":
        aligns[-1] = "---"
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "|".join(aligns) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return out


def method_notes(settings: dict) -> list[str]:
    tail = settings.get("release_tail_s")
    notes = [
        "How it was measured:",
        (
            f"- Each clip is cut {tail} s after its last speech (the end of the last 32 ms window the voice-"
            "activity detector scores as speech), where people let go of the key."
            if tail is not None and tail >= 0
            else "- Clips are fed whole, trailing silence included (no --release-tail)."
        ),
        "- A clip that yields no text counts as missing in the latency figures, never as 0 s.",
        "- Latency is key release → text delivered by keyvox's pipeline (transcription and text chain).",
        f"- Audio reaches keyvox in {settings['chunk_samples']}-sample chunks"
        + (
            ", at wall-clock speed, so work done while the key is held is included."
            if settings["realtime"]
            else ", all at once (no --realtime): every second of work happens after release."
        ),
    ]
    if settings.get("vs") == "baseline":
        notes.append(
            "- no_live is keyvox's pipeline with live decoding off; baseline is faster-whisper's own "
            "WhisperModel.transcribe() after release. Both only buffer while the key is held, so they are "
            "handed the clip at once: pacing their feed cannot change their post-release time."
        )
    notes.append(
        "- Sides alternate clip by clip. WER uses Whisper's normalisers and jiwer, summed over all clips."
    )
    return notes


def write_markdown(result: dict, path: str | Path) -> None:
    Path(path).write_text(markdown_report(result), encoding="utf-8")
