"""The whole chain through TextProcessor: steps in order, options, context, "scratch that" edits."""

import pytest

from keyvox.config.schema import Config
from keyvox.engines.base import Segment, Transcription
from keyvox.text.chain import TextProcessor
from keyvox.text.insertion import Edit, InsertionContext


def said(text, language="en", no_speech=0.05):
    return Transcription(text, language, 2.0, [Segment(0.0, 2.0, " " + text, no_speech, -0.3)])


def processor(dictionary=None, **text_options):
    config = Config()
    config.dictionary = dict(dictionary or {})
    for key, value in text_options.items():
        setattr(config.text, key, value)
    return TextProcessor(config)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize(
    "options, text, expected",
    [
        ({}, "i pushed it to github period", "I pushed it to GitHub."),
        ({}, "Um, node js comma uh, github.", "Um, Node.js, uh, GitHub."),
        ({"remove_fillers": True}, "Um, node js comma uh, github.", "Node.js, GitHub."),
        ({"spoken_punctuation": False}, "hello comma world", "Hello comma world"),
        ({"capitalize": False}, "hello period world", "hello. world"),
        ({"trailing_space": True}, "Done.", "Done. "),
        ({}, "  Numbers like 1,000 and 3.5 stay.  ", "Numbers like 1,000 and 3.5 stay."),
        ({}, "a comma splice is wrong.", "A comma splice is wrong."),
        ({}, "Thank you.", "Thank you."),
        ({}, "I'm going to " * 5 + "stop.", "I'm going to stop."),
        ({"hallucination_guard": False}, "I'm going to " * 4 + "stop.", "I'm going to " * 4 + "stop."),
    ],
)
def test_chain(options, text, expected):
    chain = processor({"github": "GitHub", "node js": "Node.js"}, **options)
    assert chain.process(said(text)) == expected


def test_hallucination_on_silence_gives_nothing():
    assert processor().process(said("Thank you.", no_speech=0.9)) == ""
    assert processor(hallucination_guard=False).process(said("Thank you.", no_speech=0.9)) == "Thank you."


def test_spoken_punctuation_is_english_only():
    chain = processor()
    assert chain.process(said("bonjour period", language="fr")) == "Bonjour period"
    assert chain.process(said("hello period", language=None)) == "Hello."  # falls back to [model] language
    french = Config()
    french.model.name, french.model.language = "base", "fr"
    assert TextProcessor(french).process(said("salut period", language=None)) == "Salut period"


def test_filler_removal_is_english_only():
    chain = processor(remove_fillers=True)
    assert chain.process(said("Er kommt um 5 Uhr.", language="de")) == "Er kommt um 5 Uhr."
    assert chain.process(said("Er, it is um 5.", language="en")) == "It is 5."


def test_dictionary_wins_over_commands():
    chain = processor({"full stop ltd": "Full Stop Ltd", "acme": "Comma Corp", "github": "GitHub"})
    assert chain.process(said("I work at full stop ltd")) == "I work at Full Stop Ltd"
    assert (
        chain.process(said("I work at acme comma they sell github"))
        == "I work at Comma Corp, they sell GitHub"
    )
    assert chain.process(said("github period github")) == "GitHub. GitHub"
    assert chain.process(said("see open paren github close paren acme")) == "See (GitHub) Comma Corp"
    assert chain.process(said("stray \ue000 marker")) == "Stray marker"


def test_context_continues_dictation_in_the_same_window():
    chain = processor()
    first = chain.process_edit(said("I went to the"), window_id="editor")
    chain.record_edit(first, "editor")
    second = chain.process_edit(said("The store."), window_id="editor")
    assert (first, second) == (Edit(0, "I went to the"), Edit(0, " the store."))
    chain.record_edit(second, "editor")
    third = chain.process_edit(said("it was closed."), window_id="editor")
    assert third.insert_text == " It was closed."
    # another window, or an unknown one, starts afresh
    assert chain.process(said("the end."), window_id="terminal") == "The end."
    assert chain.process(said("the end.")) == "The end."


def test_context_expires():
    clock = Clock()
    chain = TextProcessor(Config(), clock=clock)
    chain.record_insertion("Hello.", "w")
    clock.now += 29
    assert chain.process(said("again."), window_id="w") == " Again."
    clock.now += 2
    assert chain.process(said("again."), window_id="w") == "Again."


def test_explicit_context_wins():
    chain = processor()
    assert chain.process(said("The tail."), InsertionContext(("Head and",))) == " the tail."
    assert (
        chain.process(said("The tail."), InsertionContext(("Head and",), window_known=False)) == "The tail."
    )


def test_scratch_that_deletes_the_previous_insertion():
    chain = processor()
    for text in ("Hello there.", "I went home."):
        chain.record_edit(chain.process_edit(said(text), window_id=7), 7)
    edit = chain.process_edit(said("Scratch that. I went to work."), window_id=7)
    assert edit == Edit(len(" I went home."), " I went to work.", 1)
    chain.record_edit(edit, 7)
    assert chain.context_for(7).recent == ("Hello there.", " I went to work.")
    # alone, it only deletes; again, it deletes one more
    edit = chain.process_edit(said("Scratch that."), window_id=7)
    assert edit == Edit(len(" I went to work."), "", 1)
    chain.record_edit(edit, 7)
    assert chain.process_edit(said("Scratch that."), window_id=7) == Edit(len("Hello there."), "", 1)
    # process() (text only) just leaves the command out
    assert chain.process(said("Scratch that, hello.")) == "Hello."


def test_scratch_that_with_nothing_to_delete_and_mid_utterance():
    chain = processor()
    assert chain.process_edit(said("Scratch that.")) == Edit()
    assert chain.process_edit(said("I went home, scratch that, I went to work.")) == Edit(
        0, "I went to work."
    )
    assert chain.process(said("Don't scratch that.")) == "Don't scratch that."
    assert processor(spoken_punctuation=False).process(said("Scratch that.")) == "Scratch that."


def test_switching_windows_drops_the_old_windows_context():
    chain = processor()
    chain.record_insertion("In the editor.", "editor")
    chain.record_insertion("ls", "terminal")
    assert chain.context_for("editor").recent == ()
    assert chain.context_for("terminal").recent == ("ls",)
    chain.forget()
    assert chain.context_for("terminal").recent == ()


def test_vocabulary_follows_the_dictionary():
    assert processor({"kubernetes": "Kubernetes", "k8s": "Kubernetes", "gh": "GitHub"}).vocabulary == [
        "Kubernetes",
        "GitHub",
    ]


def test_text_command(tmp_path, capsys):
    from keyvox.cli.main import main

    config = tmp_path / "config.toml"
    config.write_text('version = 1\n[dictionary]\n"node js" = "Node.js"\n', encoding="utf-8")
    assert main(["--config", str(config), "text", "i", "use", "node", "js", "comma", "mostly", "period"]) == 0
    assert main(["--config", str(config), "text", "--language", "fr", "node js comma"]) == 0
    assert capsys.readouterr().out == "I use Node.js, mostly.\nNode.js comma\n"
