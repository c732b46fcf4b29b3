"""The [dictionary] step: case-insensitive whole words and phrases, longest first, applied once."""

import pytest

from keyvox.text.dictionary import Dictionary

ENTRIES = {
    "github": "GitHub",
    "node js": "Node.js",
    "node": "NODE",
    "kubernetes": "Kubernetes",
    "forced a liner": "Forced Aligner",
    "k8s": "Kubernetes",
    "c++": "C++",
    "gpt": "GPT-4",
    "gpt 4": "GPT-4",
}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I pushed it to github.", "I pushed it to GitHub."),
        ("GITHUB and Github", "GitHub and GitHub"),  # case-insensitive
        ("githubs and mygithub stay", "githubs and mygithub stay"),  # whole words only
        ("Node JS is not node.", "Node.js is not NODE."),  # longest phrase first
        ("node-js works too", "Node.js works too"),  # hyphen between the words
        ("node   js spaced", "Node.js spaced"),
        ("Montreal forced a liner.", "Montreal Forced Aligner."),
        ("deploy on k8s, now", "deploy on Kubernetes, now"),
        ("I write c++ daily", "I write C++ daily"),
        ("gpt 4 and gpt", "GPT-4 and GPT-4"),  # output is not re-replaced
        ("", ""),
    ],
)
def test_replacements(text, expected):
    assert Dictionary(ENTRIES).apply(text) == expected


def test_replacement_is_applied_once():
    # "js" -> "JS JS" must not loop, and "Node.js" written by an entry is not matched by "node".
    dictionary = Dictionary({"js": "js js", "node": "Node.js"})
    assert dictionary.apply("node js") == "Node.js js js"


def test_vocabulary_lists_written_forms_once_in_order():
    assert Dictionary(ENTRIES).vocabulary == [
        "GitHub",
        "Node.js",
        "NODE",
        "Kubernetes",
        "Forced Aligner",
        "C++",
        "GPT-4",
    ]


def test_empty_dictionary_changes_nothing():
    assert not Dictionary({})
    assert Dictionary({}).apply("github") == "github"
    assert Dictionary({"  ": "x"}).apply("a  b") == "a  b"
