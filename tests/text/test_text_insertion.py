"""Smart insertion: case and spacing fitted to what keyvox typed before the cursor."""

import pytest

from keyvox.text.insertion import Edit, InsertionContext, fit_to_context, tidy_spacing


@pytest.mark.parametrize(
    "text, before, expected",
    [
        ("hello world.", "", "Hello world."),  # no context: starts a sentence, no space
        ("Hello world.", "", "Hello world."),
        ("hello.", "Done.", " Hello."),  # new sentence after earlier dictation
        ("and then more.", "I went home", " and then more."),
        ("And then more.", "I went home,", " and then more."),  # engine's sentence capital undone
        ("Montreal is nice.", "I went to", " Montreal is nice."),  # names keep their capital
        ("I think so.", "Well,", " I think so."),
        (", and more", "I went home", ", and more"),  # no space before punctuation
        ("? ", "Really", "? "),
        ("next line", "First.\n", "Next line"),  # after a line break: no space, capital
        ("hello", 'He said "', "hello"),  # right after an opening quote: no space
        ("more", 'He said "hi"', " more"),  # after a closing quote
        ("inside", "call me (", "inside"),
        ("iPhone sales.", "", "iPhone sales."),  # deliberate spellings keep their case
        ("3 apples.", "", "3 apples."),  # numbers untouched
        ("hello", "Typed with space ", "hello"),  # mid sentence, space already there
        ("", "anything", ""),
    ],
)
def test_fit_to_context(text, before, expected):
    assert fit_to_context(text, before) == expected


@pytest.mark.parametrize(
    "options, expected",
    [
        ({"capitalize": False}, " The end."),
        ({"smart_spacing": False}, "the end."),
        ({"trailing_space": True}, " the end. "),
    ],
)
def test_options(options, expected):
    assert fit_to_context("The end.", "we reached", **options) == expected


def test_trailing_space_means_no_leading_space_next_time():
    first = fit_to_context("Hello.", "", trailing_space=True)
    assert first == "Hello. "
    assert fit_to_context("again.", first, trailing_space=True) == "Again. "


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hello , world .", "Hello, world."),
        ("a  b\t c", "a b c"),
        ("line one \n line two", "line one\nline two"),
        ("(maybe )", "(maybe)"),
        ("  50 % off  ", "50% off"),
    ],
)
def test_tidy_spacing(text, expected):
    assert tidy_spacing(text) == expected


def test_context_before_and_unknown_window():
    context = InsertionContext(("Hello.", " World"))
    assert context.before == "Hello. World"
    assert InsertionContext(("Hello.",), window_known=False).before == ""


def test_edit_truthiness():
    assert not Edit()
    assert Edit(3, "")
    assert Edit(0, "x")
