"""The clean-up guard on real text: answers Gemma 3 270M gave (benchmarks/results/cleanup-guard.json), the
failures peers' users reported, and the speech manifest's references as edits of each other."""

from __future__ import annotations

import pytest

from keyvox.text.cleanup.guard import judge_command, judge_edit
from keyvox.text.cleanup.outcome import CleanupReason
from keyvox.text.cleanup.tidy import tidy

R = CleanupReason

EDITS = [  # (dictated, the model's answer, verdict, text when accepted)
    ("Go forward 10 meters.", "<transcript>\nGo forward 10 meters.\n", R.ACCEPTED, "Go forward 10 meters."),
    (
        "And Mr. John Dashwood had then leisure to consider.",
        "<transcript>\nMr. Dashwood had then leisure to consider.\n</transcript><|im_end|>\n<transcript>",
        R.ACCEPTED,
        "Mr. Dashwood had then leisure to consider.",
    ),
    ("4. Queen of Close.", "<transcript>\n5. The Queen of Close.\n", R.LOW_OVERLAP, None),
    (
        "He turned sharply and faced Gregson across the table.",
        "<transcript>\nI'm sorry, I'm not sure.\n</transcript><|im_end|>",
        R.ANSWERED,
        None,
    ),
    ("Montreal, or Stalina.", "<transcript>\n<transcript>\n<transcript>\n<transcript>", R.EMPTY, None),
    (
        "GAD, your letter came just in time.",
        "<transcript>\nI am a student at the University of California, Berkeley. I am a member of the National",
        R.TOO_LONG,
        None,
    ),
    (
        "What do you think about this?",
        "Please provide the transcript you would like me to clean.",
        R.ASKED,
        None,
    ),
    (
        "what do you think about this",
        "What do you think about this?",
        R.ACCEPTED,
        "What do you think about this?",
    ),
    ("send the report today", "Send the report today. Would you like me to add a greeting?", R.ASKED, None),
    (
        "um so the meeting is at noon",
        "<think>Remove the filler.</think>So the meeting is at noon.",
        R.ACCEPTED,
        None,
    ),
    ("the meeting is at noon", "<think>The user wants a clean version, so I", R.THINKING, None),
    ("the meeting is at noon", '```\n"The meeting is at noon."\n```', R.ACCEPTED, "The meeting is at noon."),
    ("the meeting is at noon and lunch after", "Noon.", R.TOO_SHORT, None),
]


@pytest.mark.parametrize(("said", "answer", "verdict", "text"), EDITS)
def test_the_edit_guard_on_real_answers(said, answer, verdict, text):
    edited, reason = judge_edit(said, answer)
    assert reason is verdict, edited
    if text is not None:
        assert edited == text


def test_references_pass_as_edits_of_their_transcripts_and_unrelated_ones_do_not(manifest):
    rows = [r for r in manifest if r["lang"] == "en" and r["ref_quality"] == "exact"][:20]
    for row in rows:
        assert judge_edit(row["text"].lower(), row["text"])[1] is R.ACCEPTED, row["text"]
    unrelated = [(a, b) for a in rows for b in rows if len(a["text"].split()) > 5 and a is not b]
    assert unrelated and all(judge_edit(a["text"], b["text"])[1] is not R.ACCEPTED for a, b in unrelated)


COMMANDS = [
    ("hello, how are you?", "Hola, ¿cómo estás?", R.ACCEPTED),
    ("milk eggs bread", "- milk\n- eggs\n- bread", R.ACCEPTED),
    ("hello", "Sure! Could you tell me which language you want?", R.ASKED),
    ("hello", "I'm sorry, I can't do that.", R.ANSWERED),
    ("hello", "<think>translate", R.THINKING),
    ("hello", "", R.EMPTY),
    ("hello", "Hallo " * 200, R.TOO_LONG),
    # a selection that asks for something excuses only its own words, not a request of the model's
    ("hey can you send it", "Please provide the text you want me to edit.", R.ASKED),
    ("hey can you send it", "Hey, can you send it.", R.ACCEPTED),
]


@pytest.mark.parametrize(("selection", "answer", "verdict"), COMMANDS)
def test_the_command_guard_allows_every_word_to_change_but_no_talk(selection, answer, verdict):
    assert judge_command(selection, answer)[1] is verdict


def test_tidy_strips_wrapping_but_keeps_inner_quotes():
    assert tidy('Here is the cleaned text:\n\n"Hello, world."').text == "Hello, world."
    assert tidy('"yes" and "no"').text == '"yes" and "no"'
    assert tidy("okay</think> Fine text").text == "Fine text"
    assert tidy("Cleaned text: Meet at noon.<end_of_turn>\nmore").text == "Meet at noon."
