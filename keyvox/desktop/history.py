"""The transcript history: every dictated text in a local SQLite database, searchable with FTS5.

WAL mode with full sync: a committed transcript survives a crash or a kill -9 of keyvox, and a write
cut short leaves the file consistent. Audio is kept only when ``[history] store_audio`` asks for it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from keyvox.config.schema import HistoryConfig
from keyvox.errors import KeyvoxError
from keyvox.platform.dirs import user_data_dir

if TYPE_CHECKING:
    from keyvox.core.utterance import UtteranceResult

EXPORT_FORMATS = ("csv", "json", "txt")

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    text TEXT NOT NULL,
    raw_text TEXT,
    duration_s REAL,
    backend TEXT,
    model TEXT,
    latency_s REAL,
    window TEXT,
    language TEXT,
    audio_path TEXT,
    mode TEXT,
    chain_text TEXT,
    cleanup TEXT,
    command TEXT,
    command_status TEXT,
    selection TEXT
);
CREATE INDEX IF NOT EXISTS entries_time ON entries(time);
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(text, raw_text, content='entries', content_rowid='id');
CREATE TRIGGER IF NOT EXISTS entries_ai AFTER INSERT ON entries BEGIN
    INSERT INTO entries_fts(rowid, text, raw_text) VALUES (new.id, new.text, new.raw_text);
END;
CREATE TRIGGER IF NOT EXISTS entries_ad AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, text, raw_text) VALUES ('delete', old.id, old.text, old.raw_text);
END;
"""
ADDED_COLUMNS = ("mode", "chain_text", "cleanup", "command", "command_status", "selection")
"""Columns added after the first release: modes, clean-up by a language model, then voice commands."""


@dataclass
class Entry:
    """One remembered transcript."""

    id: int
    time: float
    text: str
    raw_text: str | None
    duration_s: float | None
    backend: str | None
    model: str | None
    latency_s: float | None
    window: str | None
    language: str | None
    audio_path: str | None
    mode: str | None = None
    """The ``[[mode]]`` it was dictated in; None: the main settings."""
    chain_text: str | None = None
    """The text chain's text before the language model's clean-up; None when no clean-up ran."""
    cleanup: str | None = None
    """What the clean-up gave: ``accepted`` (``text`` is the model's edit) or why not (``text`` is
    ``chain_text``); None when none ran."""
    command: str | None = None
    """For a voice command: the instruction as said (``text`` is what replaced the selection)."""
    command_status: str | None = None
    """What the command did (``CommandStatus`` values: replaced, rejected, nothing-selected, ...)."""
    selection: str | None = None
    """The selected text before the command."""

    @property
    def when(self) -> str:
        return datetime.fromtimestamp(self.time).strftime("%Y-%m-%d %H:%M:%S")


def default_path() -> Path:
    return user_data_dir() / "history.sqlite3"


class History:
    """The database; safe to share between threads (one connection, one lock)."""

    def __init__(
        self, path: Path | None = None, *, retention_days: int = 0, store_audio: bool = False
    ) -> None:
        self.path = Path(path) if path else default_path()
        self.store_audio = store_audio
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=10.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA secure_delete=ON")  # cleared text is overwritten, not just unlinked
            self._db.executescript(SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(entries)")}
            # An older history gets the newer columns, in the order SCHEMA has them; nothing moves.
            for column in ADDED_COLUMNS:
                if column not in columns:
                    self._db.execute(f"ALTER TABLE entries ADD COLUMN {column} TEXT")
        except sqlite3.DatabaseError as exc:
            raise KeyvoxError(
                f"{self.path}: cannot open the history database ({exc}); move the file away to "
                "start a new one"
            ) from None
        if retention_days:
            self.forget_before(time.time() - retention_days * 86400)

    @classmethod
    def from_config(cls, config: HistoryConfig, path: Path | None = None) -> History:
        return cls(path, retention_days=config.retention_days, store_audio=config.store_audio)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- writing --------------------------------------------------------------------------------

    def add(
        self,
        text: str,
        *,
        raw_text: str | None = None,
        duration_s: float | None = None,
        backend: str | None = None,
        model: str | None = None,
        latency_s: float | None = None,
        window: str | None = None,
        language: str | None = None,
        when: float | None = None,
        audio: np.ndarray | None = None,
        mode: str | None = None,
        chain_text: str | None = None,
        cleanup: str | None = None,
        command: tuple[str, str, str] | None = None,
    ) -> int:
        """Store one transcript in its own transaction; returns its id once committed. ``command``: for a
        voice command, (instruction, status, selection before)."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO entries (time, text, raw_text, duration_s, backend, model, latency_s, window,"
                " language, mode, chain_text, cleanup, command, command_status, selection)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time() if when is None else when,
                    text,
                    raw_text,
                    duration_s,
                    backend,
                    model,
                    latency_s,
                    window,
                    language,
                    mode,
                    chain_text,
                    cleanup,
                    *(command or (None, None, None)),
                ),
            )
            entry_id = int(cursor.lastrowid)
            if audio is not None and self.store_audio:
                saved = self._save_audio(entry_id, audio)
                self._db.execute("UPDATE entries SET audio_path = ? WHERE id = ?", (str(saved), entry_id))
        return entry_id

    def record(
        self,
        result: UtteranceResult,
        *,
        backend: str | None = None,
        model: str | None = None,
        window: str | None = None,
        audio: np.ndarray | None = None,
    ) -> int | None:
        """Store a pipeline result (``Pipeline(on_result=...)``); failed or empty utterances are skipped, a
        voice command is kept even when it changed nothing."""
        done = result.command
        if result.error or not (result.text or done):
            return None
        raw = result.raw
        latency = result.latency_s
        return self.add(
            result.text,
            raw_text=raw.text if raw else None,
            duration_s=round(result.duration_s, 3),
            backend=backend,
            model=model,
            latency_s=None if math.isnan(latency) else round(latency, 4),
            window=window,
            language=raw.language if raw else None,
            audio=audio,
            mode=result.mode,
            chain_text=result.chain_text,
            cleanup=result.cleanup.reason.value if result.cleanup is not None else None,
            command=(done.instruction, done.status.value, done.before or None) if done else None,
        )

    def _save_audio(self, entry_id: int, audio: np.ndarray) -> Path:
        import soundfile

        folder = self.path.parent / "audio"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{entry_id}.flac"
        soundfile.write(target, np.clip(audio, -1.0, 1.0), 16_000, format="FLAC")
        return target

    def forget_before(self, cutoff: float) -> int:
        """Delete transcripts (and their audio) older than ``cutoff`` (a Unix time)."""
        return self._delete("WHERE time < ?", (cutoff,))

    def clear(self) -> int:
        """Forget everything, and shrink the file so nothing of it lingers on disk."""
        count = self._delete("", ())
        with self._lock:
            # The full-text index keeps deleted words in its segments until it is rebuilt; VACUUM then
            # rewrites the file, and the checkpoint moves that into the main file and empties the WAL.
            self._db.execute("INSERT INTO entries_fts(entries_fts) VALUES ('rebuild')")
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count

    def _delete(self, where: str, args: tuple) -> int:
        with self._lock:
            audio = [
                row[0] for row in self._db.execute(f"SELECT audio_path FROM entries {where}", args) if row[0]
            ]
            count = self._db.execute(f"DELETE FROM entries {where}", args).rowcount
        for path in audio:
            Path(path).unlink(missing_ok=True)
        return count

    # --- reading --------------------------------------------------------------------------------

    def search(self, query: str = "", *, limit: int = 20, since: float | None = None) -> list[Entry]:
        """Newest first; ``query`` matches words (and word beginnings) in the text or the raw text."""
        conditions, args = [], []
        if query.strip():
            match = fts_query(query)
            if match:
                conditions.append("id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?)")
                args.append(match)
        if since is not None:
            conditions.append("time >= ?")
            args.append(since)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        args.append(-1 if limit <= 0 else limit)
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM entries {where} ORDER BY time DESC, id DESC LIMIT ?", args
            )
            return [Entry(*row) for row in rows.fetchall()]

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]


def fts_query(text: str) -> str:
    """User words to an FTS5 query: every word must appear, as a word or a word's beginning.

    Quoting each word keeps FTS5's operators (AND, NEAR, ``*``, ``"``) from turning a typo into a
    syntax error.
    """
    words = re.findall(r"\w+", text)
    return " ".join(f'"{word}"*' for word in words)


def parse_since(value: str, now: float | None = None) -> float:
    """``7d``, ``12h``, ``30m``, ``2w`` ago, or a date/time such as ``2026-11-24`` or ``2026-11-24T09:30``."""
    now = time.time() if now is None else now
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*", value.lower())
    if match:
        unit = {"m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]
        return now - float(match.group(1)) * unit
    try:
        return datetime.fromisoformat(value.strip()).timestamp()
    except ValueError:
        raise KeyvoxError(
            f"--since {value!r} is not valid (use a date such as 2026-11-24, or an age such as 7d, "
            "12h, 30m, 2w)"
        ) from None


def export(entries: Iterable[Entry], fmt: str) -> str:
    """The entries as CSV (with a header row), a JSON array, or plain text one transcript a line."""
    entries = list(entries)
    if fmt == "json":
        return (
            json.dumps([{**asdict(e), "when": e.when} for e in entries], ensure_ascii=False, indent=2) + "\n"
        )
    if fmt == "txt":
        return "".join(f"{e.text}\n" for e in entries)
    if fmt == "csv":
        buffer = io.StringIO()
        names = [
            "id",
            "when",
            "text",
            "raw_text",
            "duration_s",
            "backend",
            "model",
            "latency_s",
            "window",
            "language",
            "mode",
            "chain_text",
            "cleanup",
            "command",
            "command_status",
            "selection",
        ]
        writer = csv.DictWriter(buffer, names, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for entry in entries:
            writer.writerow({**asdict(entry), "when": entry.when})
        return buffer.getvalue()
    raise KeyvoxError(f"--export {fmt!r} is not valid (choose {', '.join(EXPORT_FORMATS)})")
