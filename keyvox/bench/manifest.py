"""The clip list: one JSON object per line with ``audio``, ``text`` and optionally ``lang``, ``duration_s``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from keyvox.errors import KeyvoxError


class ManifestError(KeyvoxError):
    """A manifest line keyvox cannot use; the message names the file and line."""


@dataclass(frozen=True)
class Clip:
    """One reference recording."""

    audio: Path
    """Absolute path (manifest paths are relative to the manifest's folder)."""
    entry: str
    """The ``audio`` value as the manifest writes it (reports show this, not a machine's absolute path)."""
    text: str
    """What was said: the reference the transcript is scored against."""
    lang: str
    duration_s: float
    category: str
    line: int
    """Line number in the manifest, for error messages."""

    @property
    def name(self) -> str:
        return self.audio.name


def read_manifest(path: str | Path, *, lang: str | None = None, limit: int | None = None) -> list[Clip]:
    """Read, filter by language, cut to ``limit`` and check that every chosen clip's audio exists."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ManifestError(f"{path}: manifest not found (give a manifest.jsonl with --manifest)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read manifest ({exc})") from None
    clips = [
        parse_line(line, number, path)
        for number, line in enumerate(lines, 1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if lang:
        wanted = {code.strip().lower() for code in lang.split(",")}
        clips = [clip for clip in clips if clip.lang in wanted]
    if limit is not None:
        clips = clips[:limit]
    if not clips:
        which = f" with lang {lang}" if lang else ""
        raise ManifestError(f"{path}: no clips{which} in the manifest")
    for clip in clips:
        if not clip.audio.is_file():
            raise ManifestError(
                f"{path}:{clip.line}: audio file {clip.audio} not found "
                "(paths are relative to the manifest's folder)"
            )
    return clips


def parse_line(line: str, number: int, path: Path) -> Clip:
    where = f"{path}:{number}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ManifestError(
            f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); "
            'each line must be one object like {"audio": "a.wav", "text": "..."}'
        ) from None
    if not isinstance(row, dict):
        raise ManifestError(f"{where}: expected a JSON object, got {type(row).__name__}")
    for key in ("audio", "text"):
        if key not in row:
            raise ManifestError(f'{where}: missing "{key}" (each line needs "audio" and "text")')
        if not isinstance(row[key], str):
            raise ManifestError(f'{where}: "{key}" must be a string, got {json.dumps(row[key])}')
    if not row["audio"].strip():
        raise ManifestError(f'{where}: "audio" is empty')
    lang = row.get("lang", "")
    if not isinstance(lang, str):
        raise ManifestError(f'{where}: "lang" must be a language code such as "en", got {json.dumps(lang)}')
    duration = row.get("duration_s", 0.0)
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or duration < 0:
        raise ManifestError(f'{where}: "duration_s" must be a number of seconds, got {json.dumps(duration)}')
    category = row.get("category") or ""
    return Clip(
        audio=(path.parent / row["audio"]).resolve(),
        entry=row["audio"],
        text=row["text"],
        lang=lang.strip().lower(),
        duration_s=float(duration),
        category=str(category),
        line=number,
    )
