"""Filler removal: hesitation sounds go, real words that look like them stay."""

import pytest

from keyvox.text.fillers import remove_fillers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Montreal, uh, forced a liner.", "Montreal, forced a liner."),  # real tiny.en output (mfa_uh)
        ("Montreal forced um, a liner.", "Montreal forced a liner."),  # real tiny.en output (mfa_um)
        ("Um, so we ship.", "So we ship."),  # the capital moves on
        ("Yes. Uh, no.", "Yes. No."),
        ("I was, um.", "I was."),
        ("Hmm.", ""),
        ("Erm, I think uhm it works", "I think it works"),
        ("umbrella, uhuh, summary and err stay", "umbrella, uhuh, summary and err stay"),
        ("Ah, I see. You know, like, mhm.", "Ah, I see. You know, like, mhm."),
        ("Take 3 um 4.5 pills", "Take 3 4.5 pills"),
        ("No fillers here.", "No fillers here."),
    ],
)
def test_remove_fillers(text, expected):
    assert remove_fillers(text) == expected
