"""From measured rows to summary numbers: percentiles, length groups, ratios, strict JSON."""

import json
import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from keyvox.bench.manifest import Clip
from keyvox.bench.report import markdown_report, summary_table, write_json
from keyvox.bench.runner import BenchRun, ClipResult, SideResult, side_order
from keyvox.bench.sides import Measurement
from keyvox.bench.summary import clip_rows, length_group, summarize
from keyvox.bench.wer import WordErrors


def side(label):
    """The attributes a summary reads from a loaded side (its model is irrelevant to the arithmetic)."""
    return SimpleNamespace(label=label, description=f"{label} engine", load_s=1.0, load_rss_mb=100.0)


def clip_result(number, duration, keyvox_latency, baseline_latency, errors):
    clip = Clip(Path(f"/clips/{number}.wav"), f"{number}.wav", "a b c d", "en", duration, "", number)
    result = ClipResult(clip, duration)
    for label, latency in (("keyvox", keyvox_latency), ("baseline", baseline_latency)):
        result.sides[label] = SideResult(
            Measurement("a b c d", duration, latency, latency, latency), WordErrors(errors, 4)
        )
    return result


@pytest.mark.parametrize(
    "duration, group",
    [
        (0.5, "under_5s"),
        (4.99, "under_5s"),
        (5.0, "5_to_15s"),
        (14.9, "5_to_15s"),
        (15.0, "over_15s"),
        (29.0, "over_15s"),
    ],
)
def test_length_groups(duration, group):
    assert length_group(duration) == group


def test_summary_numbers():
    clips = [
        clip_result(1, 2.0, 0.2, 0.4, 0),
        clip_result(2, 8.0, 0.3, 0.6, 1),
        clip_result(3, 20.0, 0.4, 2.0, 1),
        clip_result(4, 3.0, 0.3, 0.3, 0),
    ]
    run = BenchRun([side("keyvox"), side("baseline")], clips, [], True, 12.0)
    summary = summarize(run)
    assert summary["clips"] == 4 and summary["wer"] == pytest.approx(2 / 16)
    assert summary["latency_p50_s"] == pytest.approx(0.3) and summary["latency_max_s"] == pytest.approx(0.4)
    assert summary["rtf"] == pytest.approx(1.2 / 33.0, abs=1e-4)
    assert summary["groups"]["under_5s"] == {
        "clips": 2,
        "latency_p50_s": 0.25,
        "latency_p95_s": pytest.approx(0.295),
        "missing": 0,
        "rtf_p50": pytest.approx(0.1, abs=1e-4),
        "wer": 0.0,
    }
    assert summary["groups"]["over_15s"]["wer"] == 0.25
    assert summary["baseline"]["latency_p50_s"] == pytest.approx(0.5)
    # Ratios per clip 0.5, 0.5, 0.2, 1.0: median 0.5, worst 1.0.
    assert summary["ratio_p50"] == pytest.approx(0.5) and summary["ratio_max"] == pytest.approx(1.0)
    assert summary["ratio_groups"]["over_15s"] == pytest.approx(0.2)
    rows = clip_rows(run)
    assert rows[2]["ratio"] == pytest.approx(0.2) and rows[2]["group"] == "over_15s"
    assert rows[0]["audio"] == "1.wav"
    assert ("clips", "4", "4") in summary_table(summary)
    result = {
        "summary": summary,
        "clips": rows,
        "silence": [],
        "created": "now",
        "machine": {"description": "test"},
        "settings": {"command": "keyvox bench", "realtime": True, "chunk_samples": 1600, "vs": "baseline"},
    }
    assert "| 3.wav | 20.0 | 0.25 | 0.400 | 0.25 | 2.000 | 0.20 | a b c d |" in markdown_report(result)


def test_failed_clip_is_null_not_nan(tmp_path):
    clips = [clip_result(1, 2.0, math.nan, 0.4, 4)]
    run = BenchRun([side("keyvox"), side("baseline")], clips, [], False)
    path = tmp_path / "r.json"
    write_json({"summary": summarize(run), "clips": clip_rows(run), "extra": [math.nan]}, path)
    data = json.loads(path.read_text())
    assert data["summary"]["latency_p50_s"] is None and data["summary"]["ratio_p50"] is None
    assert data["clips"][0]["latency_s"] is None and data["extra"] == [None]


def test_sides_alternate_clip_by_clip():
    a, b = side("keyvox"), side("baseline")
    assert [side_order([a, b], i)[0].label for i in range(4)] == ["keyvox", "baseline", "keyvox", "baseline"]


def test_a_clip_with_no_text_is_missing_not_zero_seconds():
    empty = clip_result(1, 2.0, math.nan, 0.4, 4)
    empty.sides["keyvox"].measurement.text = ""
    run = BenchRun(
        [side("keyvox"), side("baseline")], [empty, clip_result(2, 3.0, 0.3, 0.5, 0)], [], True, 1.0
    )
    summary = summarize(run)
    assert summary["missing"] == 1 and summary["baseline"]["missing"] == 0
    assert summary["latency_p50_s"] == pytest.approx(0.3)  # the empty clip is not a 0 s latency
    assert summary["groups"]["under_5s"]["missing"] == 1
    assert any(row[0].startswith("no text") and row[1] == "1" for row in summary_table(summary))
