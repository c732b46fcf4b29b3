"""Hot reload: config edits reach the text chain of a running pipeline; broken edits are reported once."""

import os

import pytest

from keyvox.audio.files import load_audio
from keyvox.config.load import load_config_file
from keyvox.config.schema import Config
from keyvox.core.pipeline import Pipeline
from keyvox.core.sinks import CollectingSink
from keyvox.engines.base import Transcription
from keyvox.text.chain import TextProcessor
from keyvox.text.reload import ConfigWatcher, restart_needed


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def write(path, text):
    path.write_text(text, encoding="utf-8")
    # Some filesystems keep coarse modification times; make each edit visibly newer, as a real edit is.
    stamp = path.stat().st_mtime_ns
    os.utime(path, ns=(stamp, stamp + 1_000_000_000 * write.count))
    write.count += 1


write.count = 1


def test_watcher_reads_edits_and_reports_a_broken_edit_once(tmp_path):
    path = tmp_path / "config.toml"
    write(path, 'version = 1\n[dictionary]\ngithub = "GitHub"\n')
    lines, clock = [], Clock()
    watcher = ConfigWatcher(path, interval_s=0.5, report=lines.append, clock=clock)
    assert watcher.poll() is None  # unchanged since it started

    write(path, 'version = 1\n[dictionary]\ngithub = "GH"\n')
    clock.now = 0.3
    assert watcher.poll() is None  # within interval_s: not even a stat
    clock.now = 0.6
    assert watcher.poll().config.dictionary == {"github": "GH"}
    write(path, 'version = 1\n[dictionary]\ngithub = "Git Hub"\n')
    clock.now = 1.2
    assert watcher.poll().config.dictionary == {"github": "Git Hub"}

    write(path, "version = 1\n[text]\ncapitalize = maybe\n")
    for _step in range(3):
        clock.now += 1
        assert watcher.poll() is None
    assert (
        len(lines) == 1
        and lines[0].startswith("keyvox: error: ")
        and "keeping the previous settings" in lines[0]
    )
    assert str(path) in lines[0]

    write(path, "version = 1\n[text]\ncapitalize = false\ncapitalise = true\n")
    clock.now += 1
    assert watcher.poll().config.text.capitalize is False
    assert (
        lines[1]
        == f'keyvox: warning: {path}: unknown key [text] capitalise ignored (did you mean "capitalize"?)'
    )

    path.unlink()
    clock.now += 1
    assert watcher.poll() is None
    assert lines[2].startswith("keyvox: error: ") and "gone" in lines[2] and len(lines) == 3


def test_processor_takes_over_text_and_dictionary_only(tmp_path):
    path = tmp_path / "config.toml"
    write(path, "version = 1\n")
    chain = TextProcessor(load_config_file(path).config)
    lines = []
    chain.watch(path, interval_s=0, report=lines.append)
    heard = Transcription("i use github period", "en")
    assert chain.process(heard) == "I use github."

    write(
        path,
        "version = 1\n[text]\nspoken_punctuation = false\n[model]\nbeam_size = 1\n"
        '[dictionary]\ngithub = "GitHub"\n',
    )
    assert chain.vocabulary == []  # reading the vocabulary never reloads
    assert chain.reload_if_changed()
    assert chain.vocabulary == ["GitHub"]
    assert chain.process(heard) == "I use GitHub period"
    assert lines == ["keyvox: warning: changes to [model] take effect after a restart"]
    assert chain.config.model.beam_size == 5  # not applied while running

    write(path, "version = 1\n[text]\nhot_reload = false\n")
    assert chain.process(heard) == "I use github."
    write(path, 'version = 1\n[dictionary]\ngithub = "GitHub"\n')
    assert chain.process(heard) == "I use github."  # watching stopped


def test_from_loaded_watches_only_when_asked(tmp_path):
    path = tmp_path / "config.toml"
    write(path, "version = 1\n")
    watching = TextProcessor.from_loaded(load_config_file(path))
    write(path, "version = 1\n[text]\nhot_reload = false\n")
    still = TextProcessor.from_loaded(load_config_file(path))
    write(path, 'version = 1\n[dictionary]\ngithub = "GitHub"\n')
    assert watching.reload_if_changed() and watching.vocabulary == ["GitHub"]
    assert not still.reload_if_changed() and still.vocabulary == []


def test_restart_needed_lists_other_sections():
    old, new = Config(), Config()
    new.text.capitalize = False
    new.dictionary = {"a": "b"}
    assert restart_needed(old, new) == []
    new.audio.sounds = True
    assert restart_needed(old, new) == ["audio"]


class Listening:
    """The real engine, noting the vocabulary each decode was biased with."""

    def __init__(self, real):
        self.real = real
        self.vocabularies = []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def transcribe_detailed(self, audio, *, context="", vocabulary=(), words=False):
        self.vocabularies.append(tuple(vocabulary))
        return self.real.transcribe_detailed(audio, context=context, vocabulary=vocabulary)


@pytest.mark.slow
def test_running_pipeline_follows_config_edits(tmp_path, tiny_en, manifest):
    clip = next(row for row in manifest if row["audio"].endswith("mfa/mfa_uh.wav"))
    audio = load_audio(clip["path"])
    path = tmp_path / "config.toml"
    write(path, "version = 1\n")
    chain = TextProcessor(load_config_file(path).config)
    lines = []
    chain.watch(path, interval_s=0, report=lines.append)
    sink = CollectingSink()
    engine = Listening(tiny_en)
    pipeline = Pipeline(engine, chain, sink)

    def dictate():
        utterance = pipeline.start_utterance()
        for start in range(0, audio.shape[0], 1600):  # 100 ms chunks, as the microphone gives
            utterance.feed(audio[start : start + 1600])
        assert utterance.finish()
        assert pipeline.wait_idle(120)
        return sink.texts[-1]

    try:
        before = dictate()
        assert "Montreal" in before and "uh" in before.lower()  # tiny.en: "Montreal, uh, forced a liner."
        assert set(engine.vocabularies) == {()}

        write(path, 'version = 1\n[text]\nremove_fillers = true\n[dictionary]\nmontreal = "Montréal"\n')
        engine.vocabularies.clear()
        edited = dictate()
        assert "Montréal" in edited and "Montreal" not in edited
        # The edit reached the engine too, from this utterance's first decode on.
        assert engine.vocabularies and set(engine.vocabularies) == {("Montréal",)}
        assert "uh" not in edited.lower().replace(",", " ").split()

        write(path, 'version = 1\n[dictionary]\nmontreal = "MTL"\n[text\n')  # broken: last good stays
        assert dictate() == edited
        assert dictate() == edited
        assert len(lines) == 1 and "TOML syntax error" in lines[0]

        write(path, 'version = 1\n[dictionary]\nmontreal = "MTL"\n')
        fixed = dictate()
        assert "MTL" in fixed and "uh" in fixed.lower()  # remove_fillers is back to its default
        assert len(lines) == 1
    finally:
        pipeline.close()
