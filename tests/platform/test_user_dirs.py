"""Tests never reach the real user's keyvox folders: the whole session runs with temporary XDG folders, and
the session fails at its end if the real folders changed (see conftest.py and user_dirs.py). HOME, the runtime
folder and the Hugging Face folders are temporary too."""

from __future__ import annotations

import json
import os
import pwd
import stat
import subprocess
import sys
from pathlib import Path

from tests.helpers import user_dirs
from tests.helpers.paths import REPO

WHERE_KEYVOX_LOOKS = """
import json
from pathlib import Path
from huggingface_hub import constants
from keyvox.desktop.hotkey.control import socket_path
from keyvox.engines.models import cache_root, memo_dir, resolve_whisper_model
from keyvox.platform.dirs import user_config_dir, user_data_dir
print(json.dumps({
    "home": str(Path.home()),
    "config": str(user_config_dir()),
    "data": str(user_data_dir()),
    "model cache": str(cache_root()),
    "checksum record": str(memo_dir(cache_root())),
    "control socket": str(socket_path()),
    "HF_HOME": constants.HF_HOME,
    "HF_HUB_CACHE": constants.HF_HUB_CACHE,
    "tiny.en": str(resolve_whisper_model("tiny.en", download=False).path),
}))
"""


def test_session_and_its_subprocesses_use_temporary_folders(pytestconfig):
    """HOME, the XDG folders, the runtime folder (control socket) and the Hugging Face folders (joined
    offline weights, the checksum record) all lie in the session's temporary folder, for this process and a
    subprocess started with the session's environment (as a session fixture starts one, before the per-test
    XDG folders); the offline tiny.en weights are still found."""
    session = user_dirs.session_environ(pytestconfig._keyvox_xdg_root)
    root = pytestconfig._keyvox_xdg_root.resolve()
    real = pytestconfig._keyvox_real_dirs
    account_home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    done = subprocess.run(
        [sys.executable, "-c", WHERE_KEYVOX_LOOKS],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **session, "PYTHONPATH": str(REPO)},
        check=True,
    )
    places = json.loads(done.stdout)
    tiny_en = Path(places.pop("tiny.en"))
    assert (
        tiny_en / "model.bin"
    ).is_file() and root not in tiny_en.resolve().parents  # the installed package
    assert len(places) == 8
    for what, place in places.items():
        place = Path(place).resolve()
        assert root in place.parents, (what, place, root)
        assert not any(place == mine or mine in place.parents for mine in real), (what, place, real)
        assert account_home == Path("/") or account_home not in place.parents, (what, place)
    for variable in (*user_dirs.SESSION_FOLDERS, "HF_HUB_CACHE"):  # (the XDG ones are this test's own now)
        assert Path(os.environ[variable]) == Path(session[variable]), variable
    assert stat.S_IMODE(os.stat(os.environ["XDG_RUNTIME_DIR"]).st_mode) == 0o700
    # This process too: huggingface_hub was first imported after the session pointed it away.
    from huggingface_hub import constants

    assert Path(constants.HF_HUB_CACHE) == Path(os.environ["HF_HUB_CACHE"]) == Path(places["HF_HUB_CACHE"])


def test_real_folders_resolve_from_home_and_xdg(tmp_path):
    home = tmp_path / "home"
    assert user_dirs.real_keyvox_dirs({"HOME": str(home)}) == [
        home / ".config/keyvox",
        home / ".local/share/keyvox",
        home / ".cache/keyvox",
        home / ".cache/huggingface/hub/keyvox-offline",
    ]
    assert (
        user_dirs.real_keyvox_dirs({"HOME": str(home), "XDG_DATA_HOME": str(tmp_path / "d")})[1]
        == tmp_path / "d" / "keyvox"
    )
    for environ, hub in (
        ({"XDG_CACHE_HOME": str(tmp_path / "c")}, tmp_path / "c/huggingface/hub"),
        ({"HF_HOME": str(tmp_path / "hf")}, tmp_path / "hf/hub"),
        ({"HF_HOME": str(tmp_path / "hf"), "HF_HUB_CACHE": str(tmp_path / "hub")}, tmp_path / "hub"),
    ):
        assert user_dirs.real_keyvox_dirs({"HOME": str(home), **environ})[3] == hub / "keyvox-offline"


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
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "HF_"))}
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
