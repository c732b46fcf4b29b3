"""The transcript history: real SQLite files, full-text search, exports, retention and kill -9."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from keyvox.cli.main import main
from keyvox.core.utterance import UtteranceResult
from keyvox.desktop.history import History, default_path, export, fts_query, parse_since
from keyvox.engines.base import Transcription
from keyvox.errors import KeyvoxError
from keyvox.text.cleanup import CleanupOutcome, CleanupReason
from tests.helpers.paths import REPO

DAY = 86400.0


@pytest.fixture
def history(tmp_path):
    store = History(tmp_path / "history.sqlite3")
    yield store
    store.close()


def fill(store: History) -> None:
    now = time.time()
    store.add(
        "Deploy the Kubernetes cluster tonight.",
        raw_text="deploy the kubernetes cluster tonight",
        window="Terminal",
        when=now - 3 * DAY,
        backend="faster-whisper",
        model="tiny.en",
    )
    store.add(
        'She said "hello, world", then left.', raw_text="she said hello world then left", when=now - DAY
    )
    store.add("Call Bob about the budget.", raw_text="call bob about the budget", window="Slack", when=now)


def test_database_is_in_wal_mode_in_the_platform_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    store = History()
    assert store.path == default_path() == tmp_path / "data" / "keyvox" / "history.sqlite3"
    store.add("hello")
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_full_text_search_matches_words_and_beginnings(history):
    fill(history)
    assert [e.text for e in history.search("kubernetes")] == ["Deploy the Kubernetes cluster tonight."]
    assert [e.text for e in history.search("kube clus")] == ["Deploy the Kubernetes cluster tonight."]
    assert [e.text for e in history.search("BUDGET")] == ["Call Bob about the budget."]
    assert history.search("kubernetes budget") == []  # every word must appear
    assert len(history.search("the")) == 3 and len(history.search("then")) == 1  # "the" begins "then"
    assert [e.text for e in history.search("")][0] == "Call Bob about the budget."  # newest first
    assert len(history.search("", limit=2)) == 2 and len(history.search("", limit=0)) == 3
    everything = [e.text for e in history.search("")]
    budget = ["Call Bob about the budget."]
    for hostile, found in (  # FTS5 syntax is inert: only words are searched for
        ('"', everything),  # no word in it: like an empty search
        ("*", everything),
        ("NEAR(", []),  # the word "near", not the operator
        ("text:budget", []),  # "text" and "budget", not a column filter
        ("NOT budget", []),  # "not" is in no entry: no negation
        ("budget)", budget),
        ("bob*", budget),
        ("');DROP TABLE entries;--", []),
    ):
        assert [e.text for e in history.search(hostile)] == found, hostile
    assert [e.text for e in history.search("said AND OR")] == []
    assert history.count() == 3
    entry = history.search("kubernetes")[0]
    assert (entry.window, entry.backend, entry.model) == ("Terminal", "faster-whisper", "tiny.en")


def test_fts_query_quotes_every_word():
    assert fts_query('deploy "now" OR*') == '"deploy"* "now"* "OR"*'


def test_since_filters_by_age_or_date(history):
    fill(history)
    assert len(history.search("", since=parse_since("2d"))) == 2
    assert len(history.search("", since=parse_since("12h"))) == 1
    assert len(history.search("", since=parse_since("1970-01-02"))) == 3
    assert parse_since("7d", now=10 * DAY) == 3 * DAY and parse_since("2w", now=30 * DAY) == 16 * DAY
    with pytest.raises(KeyvoxError, match="--since 'yesterday' is not valid"):
        parse_since("yesterday")


def test_retention_forgets_old_transcripts(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = History(path)
    store.add("ancient", when=time.time() - 40 * DAY)
    store.add("recent", when=time.time() - 10 * DAY)
    store.close()
    store = History(path, retention_days=30)
    assert [e.text for e in store.search("")] == ["recent"] and store.search("ancient") == []
    store.close()
    assert [e.text for e in History(path, retention_days=0).search("")] == ["recent"]


def test_exports_round_trip(history):
    fill(history)
    entries = history.search("")
    rows = list(csv.DictReader(io.StringIO(export(entries, "csv"))))
    assert [r["text"] for r in rows] == [e.text for e in entries]
    assert rows[1]["text"] == 'She said "hello, world", then left.' and rows[0]["window"] == "Slack"
    data = json.loads(export(entries, "json"))
    assert [d["text"] for d in data] == [e.text for e in entries] and data[2]["raw_text"].startswith("deploy")
    assert export(entries, "txt").splitlines() == [e.text for e in entries]
    with pytest.raises(KeyvoxError, match="--export 'xml'"):
        export(entries, "xml")


def test_record_takes_pipeline_results_and_keeps_audio_only_when_asked(tmp_path):
    audio = np.zeros(16000, np.float32)
    raw = Transcription("hello there", "en", 1.0)
    done = UtteranceResult(
        "Hello there.", raw, 1.0, released_at=10.0, transcribed_at=10.2, delivered_at=10.25
    )
    store = History(tmp_path / "a.sqlite3")
    entry_id = store.record(done, backend="faster-whisper", model="tiny.en", window="Editor", audio=audio)
    [entry] = store.search("hello")
    assert entry.id == entry_id and entry.raw_text == "hello there" and entry.latency_s == pytest.approx(0.25)
    assert entry.audio_path is None and not (tmp_path / "audio").exists()  # never stored unless asked
    assert store.record(UtteranceResult("", raw, 1.0, 10.0)) is None
    assert store.record(UtteranceResult("x", None, 1.0, 10.0, error="transcription failed: boom")) is None
    assert store.count() == 1
    store.close()
    keeper = History(tmp_path / "b.sqlite3", store_audio=True)
    keeper.record(done, audio=audio)
    saved = Path(keeper.search("")[0].audio_path)
    assert saved.is_file() and saved.suffix == ".flac"
    keeper.clear()
    assert not saved.exists()


def test_clear_leaves_no_trace_of_the_text_in_the_files(tmp_path):
    path = tmp_path / "h.sqlite3"
    store = History(path)
    for i in range(50):
        store.add(f"my secret passphrase number {i} zebracorn")
    assert store.clear() == 50 and store.count() == 0 and store.search("zebracorn") == []
    store.close()
    for file in path.parent.glob("h.sqlite3*"):
        assert b"zebracorn" not in file.read_bytes(), file


WRITER = """
import sys
from keyvox.desktop.history import History
store = History(sys.argv[1])
i = 0
while True:
    i += 1
    entry_id = store.add(f"utterance number {i} " + "padding words " * 40, raw_text=f"raw {i}")
    print(entry_id, flush=True)
"""


def test_kill_9_mid_write_loses_nothing_committed_and_never_corrupts(tmp_path):
    path = tmp_path / "h.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for round_number in range(3):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, env=env, text=True
        )
        committed = []
        while len(committed) < 40 + round_number * 17:  # stop at a different point in the loop each time
            committed.append(int(writer.stdout.readline()))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        committed += [int(line) for line in writer.stdout.read().split()]  # printed just before the kill
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            # FTS5's own check raises (sqlite3.DatabaseError) when its index and the table disagree.
            db.execute("INSERT INTO entries_fts(entries_fts) VALUES('integrity-check')")
            stored = {row[0] for row in db.execute("SELECT id FROM entries")}
            indexed = {
                row[0]
                for row in db.execute("SELECT rowid FROM entries_fts WHERE entries_fts MATCH 'utterance'")
            }
        assert indexed == stored  # every stored entry is found by its words
        assert set(committed) <= stored
    store = History(path)
    assert store.search("utterance number 5")[0].raw_text.startswith("raw")


def test_history_command(monkeypatch, capsys):
    store = History()
    fill(store)
    store.close()
    assert main(["history", "kubernetes"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].endswith("Deploy the Kubernetes cluster tonight.")
    assert main(["history", "--since", "2d", "--export", "json"]) == 0
    assert [d["text"] for d in json.loads(capsys.readouterr().out)] == [
        "Call Bob about the budget.",
        'She said "hello, world", then left.',
    ]
    assert main(["history", "--limit", "1", "--export", "txt"]) == 0
    assert capsys.readouterr().out == "Call Bob about the budget.\n"
    assert main(["history", "--since", "soon"]) == 2
    assert capsys.readouterr().err.startswith("keyvox: error: --since 'soon'")
    assert main(["history", "clear"]) == 0
    assert "forgot 3" in capsys.readouterr().err
    assert main(["history"]) == 0 and capsys.readouterr().out == ""


def test_the_mode_is_kept_and_a_history_from_before_modes_opens_with_its_entries(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(  # the table as it was before modes: no mode column
        "CREATE TABLE entries (id INTEGER PRIMARY KEY, time REAL NOT NULL, text TEXT NOT NULL, raw_text TEXT,"
        " duration_s REAL, backend TEXT, model TEXT, latency_s REAL, window TEXT, language TEXT, audio_path TEXT);"
        "INSERT INTO entries (time, text) VALUES (1.0, 'Said before modes.');"
    )
    old.commit()
    old.close()
    store = History(path)
    try:
        raw = Transcription("hola", "es", 1.0)
        store.record(UtteranceResult("Hola.", raw, 1.0, 10.0, delivered_at=10.2, mode="spanish"))
        newest, oldest = store.search()
        assert (newest.text, newest.mode, newest.language) == ("Hola.", "spanish", "es")
        assert (oldest.text, oldest.mode) == ("Said before modes.", None)
        assert json.loads(export([newest], "json"))[0]["mode"] == "spanish"
    finally:
        store.close()


def test_a_command_is_kept_with_its_selection_and_a_history_from_before_commands_opens(tmp_path):
    from keyvox.core.commands import CommandResult, CommandStatus

    path = tmp_path / "modes-era.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(  # the table as it was with modes, before commands
        "CREATE TABLE entries (id INTEGER PRIMARY KEY, time REAL NOT NULL, text TEXT NOT NULL, raw_text TEXT,"
        " duration_s REAL, backend TEXT, model TEXT, latency_s REAL, window TEXT, language TEXT, audio_path TEXT,"
        " mode TEXT);"
        "INSERT INTO entries (time, text, mode) VALUES (1.0, 'Said in a mode.', 'chat');"
    )
    old.commit()
    old.close()
    store = History(path)
    try:
        raw = Transcription("Capitalize that.", "en", 1.0)
        done = CommandResult("Capitalize that.", CommandStatus.REPLACED, "new york", "New York")
        store.record(UtteranceResult("New York", raw, 1.0, 10.0, delivered_at=10.2, command=done))
        refused = CommandResult("Capitalize that.", CommandStatus.NOTHING_SELECTED, reason="nothing")
        store.record(UtteranceResult("", raw, 1.0, 11.0, delivered_at=11.1, command=refused))
        kept, replaced, oldest = store.search()
        assert (kept.text, kept.command_status, kept.selection) == ("", "nothing-selected", None)
        assert (replaced.text, replaced.command, replaced.selection) == (
            "New York",
            "Capitalize that.",
            "new york",
        )
        assert (oldest.text, oldest.mode, oldest.command) == ("Said in a mode.", "chat", None)
        assert json.loads(export([replaced], "json"))[0]["selection"] == "new york"
    finally:
        store.close()


def test_keyvox_history_shows_a_command_with_what_it_did(capsys):
    from keyvox.core.commands import CommandResult, CommandStatus

    store = History()
    try:
        raw = Transcription("Capitalize that.", "en", 1.0)
        done = CommandResult("Capitalize that.", CommandStatus.REPLACED, "new york", "New York")
        store.record(UtteranceResult("New York", raw, 1.0, 10.0, delivered_at=10.2, command=done))
    finally:
        store.close()
    assert main(["history", "capitalize"]) == 0  # found by what was said
    (line,) = capsys.readouterr().out.splitlines()
    assert line.endswith('[command "Capitalize that.": replaced] New York'), line
    assert main(["history", "clear"]) == 0


def test_a_cleaned_entry_keeps_both_texts_and_a_history_from_before_clean_up_opens(tmp_path):
    path = tmp_path / "modes-era.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(  # the table as it was with modes, before clean-up: no chain_text, no cleanup
        "CREATE TABLE entries (id INTEGER PRIMARY KEY, time REAL NOT NULL, text TEXT NOT NULL, raw_text TEXT,"
        " duration_s REAL, backend TEXT, model TEXT, latency_s REAL, window TEXT, language TEXT, audio_path TEXT,"
        " mode TEXT);"
        "INSERT INTO entries (time, text, mode) VALUES (1.0, 'Said with modes.', 'chat');"
    )
    old.commit()
    old.close()
    store = History(path)
    try:
        raw = Transcription("um send it today", "en", 1.0)
        accepted = CleanupOutcome("Send it today.", True, CleanupReason.ACCEPTED)
        result = UtteranceResult("Send it today.", raw, 1.0, 10.0, delivered_at=10.2)
        result.chain_text, result.cleanup = "Um, send it today.", accepted
        store.record(result)
        newest, oldest = store.search()
        assert (newest.text, newest.chain_text, newest.cleanup) == (
            "Send it today.",
            "Um, send it today.",
            "accepted",
        )
        assert (oldest.text, oldest.mode, oldest.chain_text, oldest.cleanup) == (
            "Said with modes.",
            "chat",
            None,
            None,
        )
        assert store.search("um")[0].id == newest.id  # the chain's words are found through raw_text
        row = next(csv.DictReader(io.StringIO(export([newest], "csv"))))
        assert (row["chain_text"], row["cleanup"]) == ("Um, send it today.", "accepted")
    finally:
        store.close()
