"""Voice-command instructions for the model on the X11 rig: "make this more formal" with a sentence selected
in the Tk window goes, with the selection, to the [cleanup] endpoint; the accepted answer replaces the
selection, a rejected one leaves it with the reason said.

The endpoint is a scripted OpenAI-compatible server on loopback started by the test: it stands in for the
model, so each answer is known (the guard's own cases are in the clean-up tests)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.desktop.x11.test_voice_commands import newest, type_by_hand, xdotool
from tests.helpers.chat_endpoint import ChatEndpoint, Reply

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model():
    scripted = ChatEndpoint().start()
    yield scripted
    scripted.stop()


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/test.sh installs it)")
    wav = tmp_path_factory.mktemp("instructions") / "formal.wav"
    subprocess.run(
        ["espeak-ng", "-s", "140", "-w", str(wav), "make this more formal"], check=True, timeout=30
    )
    return wav


@pytest.fixture(scope="module")
def keyvox(desktop, model):
    config = f"""
version = 1
[output]
method = "type"
[commands]
key = "f9"
instructions = true
[cleanup]
endpoint = "{model.url}"
timeout_s = 5.0
"""
    process = desktop.start_keyvox(config, name="instructions")
    process.wait_for(r"^Ready: hold Right Ctrl to dictate", 180)
    yield process
    assert process.stop() == 0, process.output()


def test_the_models_accepted_answer_replaces_the_selection(desktop, window, keyvox, model, spoken):
    type_by_hand(desktop, window, "hey the report is late")
    xdotool(desktop, "key", "ctrl+shift+Home")  # the whole line selected
    mine = desktop.clipboard("the user's clipboard ✓")
    model.reply = Reply("The report has been delayed.")
    asked = len(model.requests)
    mark = keyvox.mark()
    desktop.dictate(keyvox, spoken, key="f9")
    keyvox.wait_for(
        r"^\[command\] .*: replaced 'hey the report is late' -> 'The report has been delayed\.'",
        60,
        since=mark,
    )
    assert window.wait_for_text() == "The report has been delayed."
    assert desktop.clipboard() == mine
    (request,) = model.requests[asked:]
    sent = json.dumps(request)
    assert "hey the report is late" in sent and "formal" in sent.lower()
    assert newest(desktop).command_status == "replaced"


def test_a_rejected_answer_leaves_the_selection_and_says_why(desktop, window, keyvox, model, spoken):
    type_by_hand(desktop, window, "hey the report is late")
    xdotool(desktop, "key", "ctrl+shift+Home")
    model.reply = Reply("Please provide the text you would like me to rewrite.")
    mark = keyvox.mark()
    desktop.dictate(keyvox, spoken, key="f9")
    keyvox.wait_for(r"^\[command\] .*: rejected: selection kept: the model's answer: asked", 60, since=mark)
    assert window.text == "hey the report is late"
    assert desktop.clipboard(selection="primary") == "hey the report is late"  # still selected
    assert newest(desktop).command_status == "rejected"
