"""Shared fixtures: the real speech clips beside the checkout and a real, loaded Whisper model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SPEECH_DIR = Path(os.environ.get("KEYVOX_SPEECH_DIR", REPO.parent / "shared" / "speech"))


def load_manifest() -> list[dict]:
    rows = []
    with (SPEECH_DIR / "manifest.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                row["path"] = SPEECH_DIR / row["audio"]
                rows.append(row)
    return rows


@pytest.fixture(scope="session")
def manifest() -> list[dict]:
    if not (SPEECH_DIR / "manifest.jsonl").is_file():
        pytest.fail(f"speech clips not found at {SPEECH_DIR} (set KEYVOX_SPEECH_DIR)")
    return load_manifest()


@pytest.fixture(scope="session")
def tiny_en():
    """The default CPU model, loaded once for the whole session."""
    from keyvox.backends import create_transcriber
    from keyvox.config import Config

    return create_transcriber(Config())


@pytest.fixture(autouse=True)
def _isolated_config_dirs(tmp_path_factory, monkeypatch):
    """Keep tests away from the developer's own config and caches."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
