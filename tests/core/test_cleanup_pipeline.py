"""Clean-up in the real pipeline (tiny.en, the real text chain): off, no socket is ever opened; on, the
typed text is the model's edit and the result keeps the chain's text too. The endpoint is the scripted one
(tests/helpers/chat_endpoint.py, a real HTTP server on loopback standing in for a model)."""

from __future__ import annotations

import dataclasses
import sys
import threading

import pytest

from keyvox.audio.capture import CHUNK_SAMPLES
from keyvox.audio.files import load_audio
from keyvox.config.cleanup import CleanupConfig
from keyvox.config.schema import Config
from keyvox.core.pipeline import Pipeline
from keyvox.core.sinks import CollectingSink
from keyvox.text.chain import TextProcessor
from keyvox.text.cleanup import CleanupReason
from tests.helpers.chat_endpoint import ChatEndpoint, Reply

pytestmark = pytest.mark.slow

_connects: list[tuple] = []
_recording = threading.Event()


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect" and _recording.is_set():
        _connects.append(args[1])


sys.addaudithook(_audit)  # hooks cannot be removed: it records only while a test sets _recording


@pytest.fixture
def endpoint():
    server = ChatEndpoint().start()
    yield server
    server.stop()


def dictate(tiny_en, config: Config, row: dict):
    sink = CollectingSink()
    results = []
    pipeline = Pipeline(tiny_en, TextProcessor(config), sink, on_result=results.append)
    audio = load_audio(row["path"])
    _connects.clear()
    _recording.set()
    try:
        utterance = pipeline.start_utterance()
        for start in range(0, audio.shape[0], CHUNK_SAMPLES):
            utterance.feed(audio[start : start + CHUNK_SAMPLES])
        assert utterance.finish()
        assert pipeline.wait_idle(60)
    finally:
        _recording.clear()
        pipeline.close()
    return sink.texts, results[0], list(_connects)


def clip(manifest) -> dict:
    return next(r for r in manifest if r["audio"].endswith("arctic_a0008.wav"))


def test_with_clean_up_off_no_socket_is_opened(tiny_en, manifest, endpoint):
    config = Config(cleanup=CleanupConfig(enabled=False, endpoint=endpoint.url))
    texts, result, connects = dictate(tiny_en, config, clip(manifest))
    assert texts and "letter" in texts[0].lower()
    assert connects == [] and endpoint.requests == []
    assert result.chain_text is None and result.cleanup is None


def test_with_clean_up_on_the_edit_is_typed_once_and_both_texts_are_kept(tiny_en, manifest, endpoint):
    row = clip(manifest)
    off = dictate(tiny_en, Config(), row)[0][0]
    endpoint.reply = Reply(off.upper())
    config = Config(cleanup=CleanupConfig(enabled=True, endpoint=endpoint.url, timeout_s=5))
    texts, result, connects = dictate(tiny_en, config, row)
    port = int(endpoint.url.split(":")[2].split("/")[0])
    assert [address[1] for address in connects] == [port]  # the audit hook sees the one connection
    assert texts == [off.upper()] and result.text == off.upper()
    assert (result.chain_text, result.cleanup.reason) == (off, CleanupReason.ACCEPTED)

    endpoint.reply = Reply("Please provide the transcript you would like me to clean.")
    texts, result, _ = dictate(tiny_en, dataclasses.replace(config), row)
    assert texts == [off] and result.cleanup.reason is CleanupReason.ASKED
