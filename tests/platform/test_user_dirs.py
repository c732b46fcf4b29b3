"""Tests never reach the real user's keyvox folders: the whole session runs with temporary XDG folders, and
the session fails at its end if the real folders changed (see conftest.py and user_dirs.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import user_dirs
from tests.helpers.paths import REPO


def test_session_and_its_subprocesses_use_temporary_folders(pytestconfig):
    real = pytestconfig._keyvox_real_dirs
    root = pytestconfig._keyvox_xdg_root
    script = (
        "from keyvox.platform.dirs import user_config_dir, user_data_dir; "
        "from keyvox.engines.models import cache_root; "
        "print(user_config_dir()); print(user_data_dir()); print(cache_root())"
    )
    # A subprocess started with the session's own environment, as session-scoped fixtures start them.
    session_env = {**os.environ, "PYTHONPATH": str(REPO)}
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        session_env[variable] = os.environ[variable]
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env=session_env,
        check=True,
    )
    folders = [Path(line) for line in done.stdout.splitlines()]
    assert len(folders) == 3
    for folder in folders:
        assert not any(folder == mine or mine in folder.parents for mine in real), (folder, real)
    # The session-wide folders (what a subprocess of a session fixture inherits) are temporary too.
    assert all(Path(os.environ[v]) != Path.home() for v in user_dirs.XDG_FOLDERS)
    assert root.is_dir() and Path(os.environ["XDG_CONFIG_HOME"]).resolve() != real[0].parent.resolve()


def test_real_folders_resolve_from_home_and_xdg(tmp_path):
    home = tmp_path / "home"
    assert user_dirs.real_keyvox_dirs({"HOME": str(home)}) == [
        home / ".config/keyvox",
        home / ".local/share/keyvox",
        home / ".cache/keyvox",
    ]
    assert (
        user_dirs.real_keyvox_dirs({"HOME": str(home), "XDG_DATA_HOME": str(tmp_path / "d")})[1]
        == tmp_path / "d" / "keyvox"
    )


def test_guard_notices_a_written_file_a_new_folder_and_a_touched_one(tmp_path):
    folders = user_dirs.real_keyvox_dirs({"HOME": str(tmp_path)})
    (folders[0]).mkdir(parents=True)
    (folders[0] / "config.toml").write_text("version = 1\n")
    before = user_dirs.snapshot(folders)
    assert user_dirs.changes(before, user_dirs.snapshot(folders)) == []

    (folders[1]).mkdir(parents=True)
    (folders[1] / "history.sqlite3").write_bytes(b"x")
    os.utime(folders[0] / "config.toml", ns=(1, 1))
    changed = user_dirs.changes(before, user_dirs.snapshot(folders))
    assert any("history.sqlite3" in line for line in changed), changed
    assert any(line.startswith(str(folders[1]) + ":") and "absent ->" in line for line in changed), changed
    assert any("config.toml" in line for line in changed), changed


def test_a_session_that_writes_there_fails(tmp_path):
    """A whole pytest session with this conftest, where one test writes the real history: it must fail."""
    home, project = tmp_path / "home", tmp_path / "project"
    home.mkdir()
    project.mkdir()
    (project / "conftest.py").write_text((REPO / "tests" / "conftest.py").read_text(encoding="utf-8"))
    (project / "test_leak.py").write_text(f"""
from pathlib import Path

def test_writes_the_real_history():
    folder = Path({str(home)!r}) / ".local/share/keyvox"
    folder.mkdir(parents=True)
    (folder / "history.sqlite3").write_bytes(b"leak")
""")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    env["HOME"] = str(home)
    env["PYTHONPATH"] = str(REPO)  # the copied conftest imports tests.helpers from the checkout
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "real user folders changed" in result.stdout and "history.sqlite3" in result.stdout, result.stdout
