"""From per-clip results to the numbers a user compares: WER, latency percentiles, RTF, memory, words on silence."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from keyvox.bench.runner import BenchRun, ClipResult, NoiseResult
from keyvox.bench.sides import Side, peak_rss_mb
from keyvox.bench.wer import corpus_wer, count_words

LENGTH_GROUPS = (("under_5s", 0.0, 5.0), ("5_to_15s", 5.0, 15.0), ("over_15s", 15.0, math.inf))
"""Utterance lengths the latency targets are stated for: [low, high) seconds."""


def length_group(duration_s: float) -> str:
    for name, low, high in LENGTH_GROUPS:
        if low <= duration_s < high:
            return name
    return LENGTH_GROUPS[-1][0]


def percentile(values: Sequence[float], q: float) -> float | None:
    clean = [v for v in values if v is not None and not math.isnan(v)]
    return round(float(np.percentile(clean, q)), 4) if clean else None


def side_summary(run: BenchRun, side: Side) -> dict:
    """The summary block of one side."""
    label = side.label
    rows = [clip.sides[label] for clip in run.clips]
    latencies = [row.measurement.latency_s for row in rows]
    audio_s = sum(row.measurement.duration_s for row in rows)
    engine_s = sum(
        row.measurement.transcribe_s for row in rows if not math.isnan(row.measurement.transcribe_s)
    )
    held_s = sum(row.measurement.held_s for row in rows)
    held_cpu_s = sum(row.measurement.held_cpu_s for row in rows)
    wer = corpus_wer([row.score for row in rows if row.score is not None])
    return {
        "label": label,
        "description": side.description,
        "clips": len(rows),
        "audio_s": round(audio_s, 3),
        "wer": None if math.isnan(wer) else round(wer, 4),
        "latency_p50_s": percentile(latencies, 50),
        "latency_p95_s": percentile(latencies, 95),
        "latency_max_s": percentile(latencies, 100),
        "latency_mean_s": round(float(np.nanmean(latencies)), 4)
        if rows and not all(map(math.isnan, latencies))
        else None,
        "rtf": round(engine_s / audio_s, 4) if audio_s else None,
        "missing": sum(1 for row in rows if row.measurement.missing),
        "held_cpu_s": round(held_cpu_s, 3),
        "held_cpu_share": round(held_cpu_s / held_s, 4)
        if held_s and run.realtime and held_s > 0.5 * audio_s
        else None,
        "held_cpu_p50_s": percentile([row.measurement.held_cpu_s for row in rows], 50),
        "load_s": round(side.load_s, 3),
        "load_rss_mb": round(side.load_rss_mb, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "silence_words": sum(count_words(n.sides[label].measurement.text) for n in run.silence),
        "silence_typed": sum(1 for n in run.silence if n.sides[label].measurement.text.strip()),
        "silence_clips": len(run.silence),
        "errors": sum(1 for row in rows if row.measurement.error),
        "groups": group_summary(run.clips, label),
    }


def group_summary(clips: Sequence[ClipResult], label: str) -> dict:
    """Median latency and WER per utterance-length group (empty groups are left out)."""
    groups = {}
    for name, _low, _high in LENGTH_GROUPS:
        members = [clip for clip in clips if length_group(clip.duration_s) == name]
        if not members:
            continue
        rows = [clip.sides[label] for clip in members]
        wer = corpus_wer([row.score for row in rows if row.score is not None])
        groups[name] = {
            "clips": len(members),
            "latency_p50_s": percentile([row.measurement.latency_s for row in rows], 50),
            "latency_p95_s": percentile([row.measurement.latency_s for row in rows], 95),
            "missing": sum(1 for row in rows if row.measurement.missing),
            "rtf_p50": percentile([row.rtf for row in rows], 50),
            "wer": None if math.isnan(wer) else round(wer, 4),
        }
    return groups


def clip_ratios(clips: Sequence[ClipResult], first: str, second: str) -> list[float]:
    """Per clip: ``first``'s latency over ``second``'s (below 1 means ``first`` was quicker)."""
    ratios = []
    for clip in clips:
        a, b = clip.sides[first].measurement.latency_s, clip.sides[second].measurement.latency_s
        ratios.append(a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan)
    return ratios


def summarize(run: BenchRun) -> dict:
    """The ``summary`` object of ``--json``: the first side's numbers at the top, the compared side under its label."""
    main, *others = run.sides
    summary = side_summary(run, main)
    summary["realtime"] = run.realtime
    summary["wall_s"] = round(run.wall_s, 1)
    summary["interrupted"] = run.interrupted
    summary["cut_s"] = round(sum(clip.cut_s for clip in run.clips), 3)
    summary["cut_p50_s"] = percentile([clip.cut_s for clip in run.clips], 50)
    summary["others"] = [other.label for other in others]
    for other in others:
        summary[other.label] = side_summary(run, other)
    if others:
        other = next((o for o in others if o.label == "baseline"), others[-1])
        ratios = clip_ratios(run.clips, main.label, other.label)
        summary["ratio_p50"] = percentile(ratios, 50)
        summary["ratio_max"] = percentile(ratios, 100)
        summary["ratio_groups"] = {
            name: percentile([r for r, c in zip(ratios, run.clips) if length_group(c.duration_s) == name], 50)
            for name, _low, _high in LENGTH_GROUPS
            if any(length_group(c.duration_s) == name for c in run.clips)
        }
    return summary


def clip_rows(run: BenchRun) -> list[dict]:
    """Per-clip rows of ``--json``: the first side's fields at the top, others nested under their label."""
    main, *others = run.sides
    rows = []
    for clip in run.clips:
        row = {
            "audio": clip.clip.entry,
            "line": clip.clip.line,
            "lang": clip.clip.lang,
            "category": clip.clip.category,
            "duration_s": round(clip.duration_s, 3),
            "group": length_group(clip.duration_s),
            "cut_s": round(clip.cut_s, 3),
            "reference": clip.clip.text,
        }
        row.update(clip.sides[main.label].as_dict())
        for other in others:
            row[other.label] = clip.sides[other.label].as_dict()
        if others:
            compared = "baseline" if "baseline" in row else others[-1].label
            ratio = clip_ratios([clip], main.label, compared)[0]
            row["ratio"] = None if math.isnan(ratio) else round(ratio, 4)
        rows.append(row)
    return rows


def silence_rows(results: Sequence[NoiseResult], labels: Sequence[str]) -> list[dict]:
    rows = []
    for result in results:
        row = {"name": result.clip.name, "duration_s": round(result.clip.duration_s, 3)}
        main, *others = labels
        row.update(result.sides[main].as_dict())
        for other in others:
            row[other] = result.sides[other].as_dict()
        rows.append(row)
    return rows
