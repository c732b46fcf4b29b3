"""``keyvox bench`` end to end: the real tiny.en model on real clips, through the real pipeline."""

import json

import pytest

from keyvox.cli.main import main
from tests.conftest import SPEECH_DIR

pytestmark = pytest.mark.slow

SIDE_KEYS = {
    "label",
    "description",
    "clips",
    "audio_s",
    "wer",
    "latency_p50_s",
    "latency_p95_s",
    "latency_max_s",
    "latency_mean_s",
    "rtf",
    "load_s",
    "load_rss_mb",
    "peak_rss_mb",
    "silence_words",
    "silence_typed",
    "silence_clips",
    "errors",
    "groups",
}
ROW_KEYS = {"text", "latency_s", "transcribe_s", "rtf", "cpu_s", "wer", "errors", "ref_words"}


def check_side(side, clips, silence_clips):
    assert side.keys() >= SIDE_KEYS
    assert side["clips"] == clips and side["silence_clips"] == silence_clips and side["errors"] == 0
    assert 0 <= side["wer"] < 0.3  # read English on tiny.en: a broken pipeline or scorer lands far above
    assert 0 < side["latency_p50_s"] <= side["latency_p95_s"] <= side["latency_max_s"]
    assert 0 < side["rtf"] < 5 and side["load_s"] > 0 and side["peak_rss_mb"] > 100
    assert isinstance(side["silence_words"], int)  # the silence rows add up to it (checked beside them)
    for group in side["groups"].values():
        assert {"clips", "latency_p50_s", "rtf_p50", "wer"} <= group.keys()
    assert sum(g["clips"] for g in side["groups"].values()) == clips


def test_two_clips_against_the_baseline_write_json_report_and_plot(tmp_path, capsys):
    out, md, png = tmp_path / "out.json", tmp_path / "out.md", tmp_path / "out.png"
    code = main(
        [
            "bench",
            "--manifest",
            str(SPEECH_DIR / "manifest.jsonl"),
            "--lang",
            "en",
            "--limit",
            "2",
            "--vs",
            "baseline",
            "--json",
            str(out),
            "--report",
            str(md),
            "--plot",
            str(png),
        ]
    )
    assert code == 0
    table = capsys.readouterr().out
    assert "release → text p50" in table and "baseline" in table

    result = json.loads(out.read_text())
    assert {
        "keyvox_version",
        "created",
        "machine",
        "settings",
        "summary",
        "clips",
        "silence",
    } <= result.keys()
    summary = result["summary"]
    check_side(summary, 2, 7)
    check_side(summary["baseline"], 2, 7)
    assert "faster-whisper tiny.en" in summary["baseline"]["description"]
    assert summary["ratio_p50"] > 0 and summary["ratio_max"] >= summary["ratio_p50"]
    assert summary["realtime"] is False and result["settings"]["vs"] == "baseline"

    assert len(result["clips"]) == 2 and len(result["silence"]) == 7
    for row in result["clips"]:
        assert row.keys() >= ROW_KEYS and row["baseline"].keys() >= ROW_KEYS
        assert row["lang"] == "en" and not row["audio"].startswith("/")  # as the manifest writes it
        assert row["text"] and row["latency_s"] > 0
        assert row["ratio"] == pytest.approx(row["latency_s"] / row["baseline"]["latency_s"], rel=1e-3)
    for row in result["silence"]:
        assert {"name", "text", "words", "latency_s"} <= row.keys() and "words" in row["baseline"]
    assert summary["silence_words"] == sum(row["words"] for row in result["silence"])
    assert summary["baseline"]["silence_words"] == sum(row["baseline"]["words"] for row in result["silence"])

    report = md.read_text()
    assert report.startswith("# keyvox bench") and "| release → text p50 |" in report
    assert "61-70968-0000.wav" in report
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_realtime_feed_on_one_short_clip(tmp_path, manifest, capsys):
    shortest = min((row for row in manifest if row["lang"] == "en"), key=lambda row: row["duration_s"])
    listing = tmp_path / "manifest.jsonl"
    listing.write_text(
        json.dumps({"audio": str(shortest["path"]), "text": shortest["text"], "lang": "en"}) + "\n"
    )
    out = tmp_path / "rt.json"
    assert main(["bench", "--manifest", str(listing), "--realtime", "--no-silence", "--json", str(out)]) == 0
    capsys.readouterr()
    result = json.loads(out.read_text())
    summary, (row,) = result["summary"], result["clips"]
    assert summary["realtime"] is True and summary["silence_clips"] == 0
    assert summary["wall_s"] >= round(shortest["duration_s"], 1) - 0.05  # the clip really took its own length
    assert 0 < row["latency_s"] < summary["wall_s"]
    assert row["cpu_s"] > 0 and row["wer"] < 0.5 and "baseline" not in summary


def test_vs_a_second_config(tmp_path, capsys):
    other = tmp_path / "greedy.toml"
    other.write_text("[model]\nbeam_size = 1\n")
    out = tmp_path / "vs.json"
    assert (
        main(
            [
                "bench",
                "--manifest",
                str(SPEECH_DIR / "manifest.jsonl"),
                "--lang",
                "en",
                "--limit",
                "1",
                "--no-silence",
                "--vs",
                str(other),
                "--json",
                str(out),
            ]
        )
        == 0
    )
    capsys.readouterr()
    summary = json.loads(out.read_text())["summary"]
    assert summary["baseline"]["description"].startswith(f"keyvox with {other}")
    assert summary["baseline"]["clips"] == 1 and summary["ratio_p50"] > 0
