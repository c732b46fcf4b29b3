"""Shared fixtures: the real speech clips beside the checkout and a real, loaded Whisper model."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from tests.helpers import user_dirs
from tests.helpers.paths import SPEECH_DIR


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
    from keyvox.config.schema import Config
    from keyvox.engines.factory import create_transcriber

    return create_transcriber(Config())


def pytest_configure(config):
    """Before any fixture or subprocess: the real keyvox folders are recorded, then HOME, every XDG folder,
    the runtime folder and the Hugging Face folders are pointed at temporary ones for the whole session
    (subprocesses inherit them; huggingface_hub reads its folders when first imported, which is later)."""
    config._keyvox_real_dirs = user_dirs.real_keyvox_dirs()
    config._keyvox_real_snapshot = user_dirs.snapshot(config._keyvox_real_dirs)
    config._keyvox_xdg_root = user_dirs.isolate()


def pytest_sessionfinish(session, exitstatus):
    """Fail the session when anything in the real user's keyvox folders changed while it ran."""
    config = session.config
    if not hasattr(config, "_keyvox_real_snapshot"):
        return
    changed = user_dirs.changes(config._keyvox_real_snapshot, user_dirs.snapshot(config._keyvox_real_dirs))
    shutil.rmtree(config._keyvox_xdg_root, ignore_errors=True)
    if changed:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        lines = ["the tests touched the real user's keyvox folders:", *changed]
        if reporter is not None:
            reporter.write_sep("=", "real user folders changed", red=True)
            for line in lines:
                reporter.write_line(line)
        else:
            print("\n".join(lines), file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _isolated_config_dirs(tmp_path_factory, monkeypatch):
    """A fresh config, data and cache folder for each test (the session already keeps them all temporary)."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
