"""`keyvox transcribe`: one actionable line per bad file, checked before the model loads; the bundled sample."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keyvox.bench.wer import word_errors
from keyvox.samples import SAMPLE
from tests.helpers.paths import REPO as REPO_ROOT

LOADED = "keyvox: loaded "


def keyvox(*args: str, cwd: Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    return subprocess.run(
        [*prefix, sys.executable, "-m", "keyvox", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )


def errors(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("keyvox: error:")]


def test_directory_empty_and_missing_files_are_reported_before_the_model_loads(tmp_path):
    (tmp_path / "clips").mkdir()
    (tmp_path / "empty.wav").write_bytes(b"")
    result = keyvox("transcribe", "clips", "empty.wav", "missing.wav", cwd=tmp_path)
    assert result.returncode == 1
    assert errors(result) == [
        f"keyvox: error: clips: is a directory; give the audio files in it (e.g. {os.path.join('clips', '*.wav')})",
        "keyvox: error: empty.wav: the file is empty (0 bytes)",
        "keyvox: error: missing.wav: no such file",
    ]
    assert LOADED not in result.stderr, "no model may load when no file can be transcribed"
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_json_gives_every_failed_file_its_own_line(tmp_path):
    (tmp_path / "clips").mkdir()
    (tmp_path / "empty.wav").write_bytes(b"")
    result = keyvox("transcribe", "--json", "missing.wav", "clips", "empty.wav", cwd=tmp_path)
    assert result.returncode == 1
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"file": "missing.wav", "error": "no such file"},
        {
            "file": "clips",
            "error": f"is a directory; give the audio files in it (e.g. {os.path.join('clips', '*.wav')})",
        },
        {"file": "empty.wav", "error": "the file is empty (0 bytes)"},
    ]


def _unreadable_prefix() -> tuple[str, ...]:
    """How to run keyvox so that a mode-000 file is really unreadable to it.

    Root reads any file through CAP_DAC_OVERRIDE, and the tests run as root on CI machines, so there
    keyvox runs with those two capabilities dropped from its bounding set (util-linux setpriv): a real
    permission check by the kernel, not a faked one.
    """
    if sys.platform == "win32":
        pytest.skip("Windows has no mode-000 files (chmod only sets read-only)")
    if os.geteuid() != 0:
        return ()
    if not shutil.which("setpriv"):
        pytest.skip("running as root without util-linux setpriv: root can read every file")
    return ("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--")


def test_unreadable_file_names_the_permission_problem(tmp_path):
    prefix = _unreadable_prefix()
    locked = tmp_path / "locked.flac"
    shutil.copy(SAMPLE.path, locked)
    locked.chmod(0)
    result = keyvox("transcribe", "locked.flac", cwd=tmp_path, prefix=prefix)
    assert result.returncode == 1, result.stderr
    assert errors(result) == [
        "keyvox: error: locked.flac: permission denied; make it readable (chmod +r) or run keyvox as its owner"
    ]
    assert LOADED not in result.stderr


def test_undecodable_file_fails_alone_and_good_files_are_still_transcribed(tmp_path, manifest):
    (tmp_path / "notes.mp3").write_text("these are not sounds\n" * 200)
    clip = manifest[0]
    result = keyvox("transcribe", "--json", "notes.mp3", str(clip["path"]), cwd=tmp_path)
    assert result.returncode == 1
    assert errors(result) == [
        "keyvox: error: notes.mp3: cannot decode audio (Invalid data found when processing input); "
        "keyvox reads WAV, FLAC, MP3, OGG and anything else FFmpeg decodes"
    ]
    failed, good = [json.loads(line) for line in result.stdout.splitlines()]
    assert failed == {
        "file": "notes.mp3",
        "error": "cannot decode audio (Invalid data found when processing "
        "input); keyvox reads WAV, FLAC, MP3, OGG and anything else FFmpeg decodes",
    }
    assert good["file"] == str(clip["path"])
    assert word_errors(clip["text"], good["text"], "en").rate <= 0.15


def test_several_files_in_plain_mode_are_labelled(tmp_path, manifest):
    first, second = manifest[0], manifest[1]
    result = keyvox("transcribe", str(first["path"]), str(second["path"]), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    for line, row in zip(lines, (first, second)):
        label, _, text = line.partition(": ")
        assert label == str(row["path"])
        assert word_errors(row["text"], text, "en").rate <= 0.15
    single = keyvox("transcribe", str(first["path"]), cwd=tmp_path)
    assert not single.stdout.startswith(str(first["path"])), "one file needs no label"


def test_sample_ships_in_the_package_and_transcribes_to_its_reference(tmp_path):
    assert SAMPLE.path.is_file() and SAMPLE.path.stat().st_size < 512 * 1024
    result = keyvox("transcribe", "--json", "--sample", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert row["file"] == str(SAMPLE.path)
    assert row["text"][0].isupper(), "the text chain ran"
    assert word_errors(SAMPLE.text, row["text"], "en").rate <= 0.1, row
    assert SAMPLE.text in result.stderr, "the user is told what the sample says, to compare"


def test_no_file_at_all_is_a_one_line_error(tmp_path):
    result = keyvox("transcribe", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "keyvox: error: transcribe needs an audio file (or --sample to try the bundled one)"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "stream.wav")
    result = keyvox("transcribe", "stream.wav", cwd=tmp_path)
    assert result.returncode == 1
    assert errors(result) == [
        "keyvox: error: stream.wav: is not a regular file (a pipe or device); save the audio to a file first"
    ]
