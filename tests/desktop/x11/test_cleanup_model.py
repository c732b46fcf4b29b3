"""Clean-up by a real model through a real server, dictated on the X11 rig: llama.cpp's server with Gemma 3
270M (a base model, so much of what it says is not an edit). What is typed is the model's accepted edit or
the chain's text unchanged, never an answer, a question, a think block or nothing; history holds both."""

from __future__ import annotations

import pytest

from keyvox.desktop.history import History
from keyvox.text.cleanup.guard import judge_edit
from tests.helpers import llama_server

pytestmark = pytest.mark.slow

CLIPS = ("arctic_a0008.wav", "sense_and_sensibility_01_austen_64kb-0930.wav", "1272-128104-0000.wav")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    why = llama_server.missing()
    if why:
        pytest.skip(why)
    server = llama_server.LlamaServer(tmp_path_factory.mktemp("llama") / "server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def keyvox(desktop, model):
    config = f"""
version = 1
[output]
method = "type"
[cleanup]
enabled = true
endpoint = "{model.url}"
timeout_s = 20.0
"""
    process = desktop.start_keyvox(config, name="cleanup-model")
    process.wait_for(r"^Ready: hold Right Ctrl to dictate", 180)
    yield process
    assert process.stop() == 0, process.output()


def newest(desktop):
    history = History(desktop.data_home / "keyvox" / "history.sqlite3")
    try:
        return history.search(limit=1)[0]
    finally:
        history.close()


@pytest.mark.parametrize("name", CLIPS)
def test_what_is_typed_is_the_accepted_edit_or_the_chain_text(desktop, window, keyvox, manifest, name):
    row = next(r for r in manifest if r["audio"].endswith(name))
    desktop.dictate(keyvox, row["path"])
    typed = window.wait_for_text(timeout=90, settle=1.0)
    entry = newest(desktop)
    assert entry.chain_text and entry.cleanup, entry
    assert typed.strip() == entry.text.strip(), (typed, entry)
    if entry.cleanup == "accepted":
        assert judge_edit(entry.chain_text, typed)[1].value == "accepted", (typed, entry)
    else:
        assert typed.strip() == entry.chain_text.strip(), (typed, entry)
    assert typed.strip() and "<think" not in typed and "transcript" not in typed.lower(), typed
    assert not any(p in typed.lower() for p in ("please provide", "i'm sorry", "as an ai")), typed
