"""Spoken punctuation and "scratch that": converted once, never doubled, literal uses kept."""

import pytest

from keyvox.text.punctuation import apply_spoken_punctuation, split_scratch


@pytest.mark.parametrize(
    "text, expected",
    [
        # the engine already punctuated: the spoken mark replaces its mark, never adds a second one
        ("hello, comma", "hello,"),
        ("Hello. Period.", "Hello."),
        ("Is it done? Question mark.", "Is it done?"),
        ("Wait. Full stop.", "Wait."),
        ("Hello, comma, how are you? Question mark.", "Hello, how are you?"),
        ("Great. Exclamation mark.", "Great!"),
        ("Hello. Comma. How are you? Question mark.", "Hello, how are you?"),
        ("Dear Anna. Comma. Thanks.", "Dear Anna, Thanks."),  # only common words are lowercased
        ("It works. Full-stop. New-line. Next.", "It works.\nNext."),
        # plain spoken marks
        ("Hello comma how are you question mark", "Hello, how are you?"),
        ("end of story period", "end of story."),
        ("I love it exclamation point", "I love it!"),
        ("Note colon buy milk", "Note: buy milk"),
        ("first semicolon second semi colon third", "first; second; third"),
        ("done period next one", "done. Next one"),  # a sentence starts after "."
        # line breaks
        ("First line. New line. Second line.", "First line.\nSecond line."),
        ("first line new line second line", "first line\nsecond line"),
        ("Dear John, new paragraph. Thank you.", "Dear John,\n\nThank you."),
        ("Hello newline", "Hello\n"),
        ("new line", "\n"),
        # quotes and parentheses
        ("He said, open quote, hello, close quote.", 'He said, "hello".'),
        ("she said open quote is it question mark close quote", 'she said "is it?"'),
        ("call me open paren maybe close paren tomorrow", "call me (maybe) tomorrow"),
        ("see open parenthesis page 4 close parenthesis.", "see (page 4)."),
        # the words used as words
        ("a comma splice", "a comma splice"),
        ("the period of time", "the period of time"),
        ("Put a period at the end.", "Put a period at the end."),
        ("The comma is misplaced", "The comma is misplaced"),
        ("we need a new line of products", "we need a new line of products"),
        ("comma separated values", "comma separated values"),
        ("a question mark key", "a question mark key"),
        ("the grace period ends", "the grace period ends"),
        ("He has colon cancer.", "He has colon cancer."),
        # nothing to do: returned untouched
        ("Numbers 1,000 and 3.5 stay.", "Numbers 1,000 and 3.5 stay."),
        ("Commander Periodic, a colonel.", "Commander Periodic, a colonel."),
        ("", ""),
    ],
)
def test_spoken_punctuation(text, expected):
    assert apply_spoken_punctuation(text) == expected


def test_capitalisation_after_a_spoken_full_stop_can_be_turned_off():
    assert apply_spoken_punctuation("done period next one", capitalize=False) == "done. next one"


@pytest.mark.parametrize(
    "text, retract, rest",
    [
        ("Scratch that.", 1, ""),
        ("scratch that", 1, ""),
        ("Scratch that, I went to work.", 1, "I went to work."),
        ("Scratch that. Scratch that.", 2, ""),
        ("I went home, scratch that, I went to work.", 0, "I went to work."),
        ("A. Scratch that. B", 0, "B"),
        ("A. Scratch that. Scratch that. B", 1, "B"),
        # meant literally: no pause before it, or it has an object
        ("Don't scratch that.", 0, "Don't scratch that."),
        ("Scratch that itch.", 0, "Scratch that itch."),
        ("You can scratch that off the list", 0, "You can scratch that off the list"),
        ("Nothing to undo.", 0, "Nothing to undo."),
    ],
)
def test_scratch_that(text, retract, rest):
    assert split_scratch(text) == (retract, rest)
