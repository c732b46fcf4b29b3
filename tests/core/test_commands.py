"""Voice commands on the selection: reading the spoken instruction as the engine writes it, the offline
spoken edits, and the runner's choices (replace, delete, undo, or leave the text with a reason).

The runner is driven with the real text chain (``TextProcessor``) and a small in-memory document as the
window: the window itself and its selection exist only on a desktop, which the X11 rig test
(tests/desktop/x11/test_voice_commands.py) drives for real."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from keyvox.config.schema import Config
from keyvox.core.commands import (
    CommandRunner,
    CommandStatus,
    EditAnswer,
    SpokenEdit,
    apply_spoken_edit,
    parse_instruction,
)
from keyvox.core.sinks import BaseSink
from keyvox.text.chain import TextProcessor


@pytest.mark.parametrize(
    ("spoken", "edit"),
    [
        ("Capitalize that.", SpokenEdit.CAPITALIZE),  # tiny.en's reading of espeak-ng's "capitalize that"
        ("capitalise this", SpokenEdit.CAPITALIZE),
        ("Cap that!", SpokenEdit.CAPITALIZE),
        ("Delete that.", SpokenEdit.DELETE),
        ("  Remove   the selection, please. ", SpokenEdit.DELETE),
        ("Undo that.", SpokenEdit.UNDO),
        ("Undo.", SpokenEdit.UNDO),
        ("Uppercase that.", SpokenEdit.UPPERCASE),
        ("Upper case this.", SpokenEdit.UPPERCASE),
        ("Make that all caps.", SpokenEdit.UPPERCASE),
        ("Lowercase that.", SpokenEdit.LOWERCASE),
        ("Make this lower case.", SpokenEdit.LOWERCASE),
        ("make this more formal.", None),
        ("Translate that to Spanish.", None),
        ("Delete that paragraph about the budget.", None),  # more than an edit: for the model
        ("Capitalize.", None),
    ],
)
def test_spoken_edits_are_read_through_case_and_punctuation(spoken, edit):
    instruction = parse_instruction(spoken)
    assert instruction.edit is edit
    assert instruction.spoken == spoken.strip()


def test_the_engine_hears_the_synthesised_commands_as_edits(tiny_en, tmp_path):
    """What Whisper tiny.en actually writes for espeak-ng's voice (the rig test plays the same clip)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (scripts/test.sh installs it)")
    from keyvox.audio.files import load_audio

    for said, edit in (("capitalize that", SpokenEdit.CAPITALIZE), ("delete that", SpokenEdit.DELETE)):
        wav = tmp_path / f"{said.replace(' ', '_')}.wav"
        subprocess.run(["espeak-ng", "-s", "140", "-w", str(wav), said], check=True, timeout=30)
        heard = tiny_en.transcribe_detailed(load_audio(wav)).text
        assert parse_instruction(heard).edit is edit, heard


def test_case_edits():
    assert apply_spoken_edit(SpokenEdit.CAPITALIZE, "new york's mayor") == "New York's Mayor"
    assert apply_spoken_edit(SpokenEdit.CAPITALIZE, "iPhone 15 pro") == "IPhone 15 Pro"
    assert apply_spoken_edit(SpokenEdit.UPPERCASE, "größe") == "GRÖSSE"
    assert apply_spoken_edit(SpokenEdit.LOWERCASE, "Hello WORLD") == "hello world"
    assert apply_spoken_edit(SpokenEdit.DELETE, "gone") == ""


class Document(BaseSink):
    """The focused window's text with a selection: typing replaces the selection, BackSpace deletes it
    (or the character before the cursor), as Tk, GTK and Qt text fields do."""

    def __init__(self, text: str = "", selected: tuple[int, int] | None = None) -> None:
        self.text, self.selected = text, selected
        self.cursor = len(text) if selected is None else selected[1]

    def read(self) -> str | None:  # the SelectionReader side
        return self.text[slice(*self.selected)] if self.selected else None

    def _drop_selection(self) -> bool:
        if not self.selected:
            return False
        start, end = self.selected
        self.text, self.cursor, self.selected = self.text[:start] + self.text[end:], start, None
        return True

    def deliver(self, text: str) -> None:
        self._drop_selection()
        self.text = self.text[: self.cursor] + text + self.text[self.cursor :]
        self.cursor += len(text)

    def delete_chars(self, count: int) -> None:
        if self._drop_selection():
            count -= 1
        count = min(count, self.cursor)
        self.text = self.text[: self.cursor - count] + self.text[self.cursor :]
        self.cursor -= count


class ScriptedEditor:
    """Stands in for the model: answers with what the test gives it and records what it was asked."""

    def __init__(self, answer: EditAnswer) -> None:
        self.answer, self.asked = answer, []

    def edit(self, instruction: str, selection: str) -> EditAnswer:
        self.asked.append((instruction, selection))
        return self.answer


def runner(document: Document, chain: TextProcessor, editor=None) -> CommandRunner:
    return CommandRunner(document, chain, lambda settings: editor)


def test_capitalize_replaces_the_selection_and_undo_puts_it_back():
    doc = Document("call new york today", (5, 13))
    commands = runner(doc, TextProcessor(Config()))
    done = commands.run("Capitalize that.", doc, "w1")
    assert (done.status, done.before, done.after) == (CommandStatus.REPLACED, "new york", "New York")
    assert doc.text == "call New York today"
    undone = commands.run("Undo that.", doc, "w1")
    assert undone.status is CommandStatus.UNDONE and doc.text == "call new york today"


def test_delete_takes_the_selection_else_keyvoxs_last_insertion():
    chain = TextProcessor(Config())
    doc = Document("keep this drop this", (10, 19))
    commands = runner(doc, chain)
    assert commands.run("Delete that.", doc, "w1").status is CommandStatus.DELETED
    assert doc.text == "keep this "

    doc = Document("First. Second.")
    chain.record_insertion("First.", "w2")
    chain.record_insertion(" Second.", "w2")
    commands = runner(doc, chain)
    done = commands.run("delete that", doc, "w2")
    assert (done.status, done.before, doc.text) == (CommandStatus.DELETED, " Second.", "First.")
    assert commands.run("Undo that.", doc, "w2").status is CommandStatus.UNDONE and doc.text == ""
    nothing = commands.run("Undo that.", doc, "w2")
    assert nothing.status is CommandStatus.NOTHING_TO_UNDO and nothing.reason


def test_nothing_selected_changes_nothing_and_says_why():
    doc = Document("untouched")
    editor = ScriptedEditor(EditAnswer("never", True))
    for said in ("Capitalize that.", "Make this more formal."):
        done = runner(doc, TextProcessor(Config()), editor).run(said, doc, "w")
        assert done.status is CommandStatus.NOTHING_SELECTED and "select" in done.reason
    assert doc.text == "untouched" and editor.asked == []


def test_an_instruction_goes_to_the_model_and_its_answer_is_used_only_when_accepted():
    chain = TextProcessor(Config())
    doc = Document("hey can u send it", (0, 17))
    editor = ScriptedEditor(EditAnswer("Could you please send it?", True))
    done = runner(doc, chain, editor).run("Make this more formal.", doc, "w")
    assert editor.asked == [("Make this more formal.", "hey can u send it")]
    assert done.status is CommandStatus.REPLACED and doc.text == "Could you please send it?"

    doc = Document("hey can u send it", (0, 17))
    rejected = ScriptedEditor(EditAnswer("hey can u send it", False, "the model's answer: answered"))
    done = runner(doc, chain, rejected).run("Make this more formal.", doc, "w")
    assert done.status is CommandStatus.REJECTED and "answered" in done.reason
    assert doc.text == "hey can u send it" and doc.selected == (0, 17)


def test_an_instruction_without_a_model_is_refused_offline():
    doc = Document("some text", (0, 9))
    done = runner(doc, TextProcessor(Config())).run("Translate that to Spanish.", doc, "w")
    assert done.status is CommandStatus.NO_MODEL and "[commands] instructions" in done.reason
    assert doc.text == "some text"


def test_with_instructions_off_no_connection_is_made_even_to_a_configured_endpoint():
    """The model path is the only network path of commands: off (the default), nothing is sent anywhere."""
    from keyvox.core.command_model import editor_for
    from tests.helpers.chat_endpoint import ChatEndpoint, Reply

    model = ChatEndpoint(Reply("Some text.")).start()
    try:
        config = Config()
        config.cleanup.endpoint = model.url
        doc = Document("some text", (0, 9))
        off = CommandRunner(doc, TextProcessor(config), lambda settings: editor_for(settings or config))
        assert off.run("Make this more formal.", doc, "w").status is CommandStatus.NO_MODEL
        assert model.requests == []
        config.commands.instructions = True
        on = CommandRunner(doc, TextProcessor(config), lambda settings: editor_for(settings or config))
        assert on.run("Make this more formal.", doc, "w").status is CommandStatus.REPLACED
        assert len(model.requests) == 1 and doc.text == "Some text."
    finally:
        model.stop()


def test_a_slow_model_is_shown_working_and_then_done():
    """As for dictation's clean-up: past 300 ms the overlay hears True, and False once the answer came."""
    from keyvox.core.command_model import editor_for
    from tests.helpers.chat_endpoint import ChatEndpoint, Reply

    model = ChatEndpoint(Reply("Some text.", stall_s=0.6)).start()
    try:
        config = Config()
        config.cleanup.endpoint, config.commands.instructions = model.url, True
        shown: list[bool] = []
        editor = editor_for(config, shown.append)
        assert editor.edit("Make this more formal.", "some text").accepted
        assert shown == [True, False]
        model.reply = Reply("Some text.")
        shown.clear()
        assert editor.edit("Make this more formal.", "some text").accepted and shown == []
    finally:
        model.stop()
