"""The README's first command, run literally as a new user would: a pipx install from the checkout into a
fresh home, then the bundled sample transcribed by the installed `keyvox`.

It downloads the `[all]` wheels (about 370 MB) unless pip finds them locally: the caller's PIP_*
settings (PIP_FIND_LINKS, PIP_NO_INDEX, a mirror) pass through, so a wheelhouse makes it offline.
About a minute here with PyPI reachable.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keyvox.bench.wer import word_errors
from keyvox.samples import SAMPLE
from tests.helpers.paths import REPO as REPO_ROOT


def readme_first_command() -> str:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme[readme.index("## Set up") :]
    return re.search(r"```sh\n(.+?)\n```", setup, re.DOTALL).group(1).strip()


def copy_checkout(target: Path) -> None:
    """What a fresh clone holds: the tracked files plus new, not ignored ones (no build output, no caches)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    if listed.returncode != 0:
        shutil.copytree(
            REPO_ROOT,
            target,
            ignore=shutil.ignore_patterns(
                ".git", "build", "dist", "*.egg-info", "__pycache__", ".venv", ".pytest_cache"
            ),
        )
        return
    for name in filter(None, listed.stdout.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def test_readme_names_one_install_command_and_one_test_command():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme[readme.index("## Set up") : readme.index("\n## ", readme.index("## Set up") + 1)]
    assert re.findall(r"```sh\n(.+?)\n```", setup, re.DOTALL) == [
        readme_first_command(),
        "bash scripts/test.sh",
    ]
    # pipx first where it is missing (a fresh Debian or Ubuntu has none), then the install itself
    assert readme_first_command().startswith(
        "command -v pipx >/dev/null || { sudo apt-get update && sudo apt-get install -y pipx; } && "
    )
    assert 'pipx install ".[all]"' in readme_first_command()
    assert readme_first_command().endswith("keyvox transcribe --sample")


@pytest.mark.slow
@pytest.mark.skipif(
    sys.platform == "win32",
    reason="the README's first command is POSIX shell; the Windows line is checked by the CI workflow",
)
def test_readme_first_command_installs_and_transcribes_the_sample(tmp_path):
    if not shutil.which("pipx"):
        pytest.skip("pipx is not installed (Debian: apt install pipx; scripts/test.sh installs it)")
    source, home = tmp_path / "keyvox", tmp_path / "home"
    source.mkdir()
    home.mkdir()
    copy_checkout(source)
    # A new user's environment: their own home, none of this test run's Python or keyvox settings.
    env = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT") or key.startswith("PIP_")
    }
    env["HOME"] = str(home)
    result = subprocess.run(
        ["sh", "-c", readme_first_command()],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    text = result.stdout.strip().splitlines()[-1]
    assert word_errors(SAMPLE.text, text, "en").rate <= 0.1, text
    assert text[0].isupper() and text.endswith("."), "the text chain ran"
    installed = home / ".local" / "bin" / "keyvox"
    assert installed.is_file()
    # The installed keyvox runs from its own environment, the sample installed inside it as package data.
    shipped = [p for p in home.rglob(SAMPLE.path.name) if "venvs" in p.parts and "site-packages" in p.parts]
    assert len(shipped) == 1 and shipped[0].read_bytes() == SAMPLE.path.read_bytes()
    if shutil.which("bash"):
        login = subprocess.run(["bash", "-lc", "command -v keyvox"], env=env, capture_output=True, text=True)
        assert login.stdout.strip() == str(installed), "pipx ensurepath puts keyvox on a new shell's PATH"
