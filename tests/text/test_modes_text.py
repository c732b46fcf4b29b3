"""A mode's text settings through the real text chain: code style, raw, snippets, the mode's dictionary."""

from __future__ import annotations

from pathlib import Path

import pytest

from keyvox.config.load import parse_config
from keyvox.config.mode_choice import apply_mode, find_mode
from keyvox.engines.base import Segment, Transcription
from keyvox.text.chain import TextProcessor
from keyvox.text.snippets import expand_snippet

CONFIG = """
version = 1
[dictionary]
kubernetes = "Kubernetes"
[snippets]
"my address" = "1 Main Street\\nSpringfield"
[[mode]]
name = "terminal"
style = "code"
dictionary = { "get status" = "git status" }
[[mode]]
name = "raw"
style = "raw"
[[mode]]
name = "mail"
snippets = { "sign off" = "Best,\\nAlex" }
"""


def said(text: str) -> Transcription:
    return Transcription(text, "en", 2.0, [Segment(0.0, 2.0, " " + text, 0.05, -0.3)])


@pytest.fixture
def chain():
    config = parse_config(CONFIG, Path("config.toml")).config
    return TextProcessor(config), config


def text_in(chain, mode: str | None, words: str) -> str:
    processor, config = chain
    settings = apply_mode(config, find_mode(config, mode)) if mode else None
    return processor.process_edit(said(words), settings=settings).insert_text


def test_code_style_types_commands_as_said(chain):
    assert text_in(chain, "terminal", "Get status.") == "git status"
    assert text_in(chain, "terminal", "Um, ls dash la.") == "um, ls dash la"  # fillers kept, no capital
    assert text_in(chain, None, "Get status.") == "Get status."  # the mode's words stay in the mode
    assert text_in(chain, "terminal", "Deploy kubernetes.") == "deploy Kubernetes"  # the main ones apply


def test_raw_style_leaves_the_engines_text(chain):
    assert text_in(chain, "raw", "hello comma world") == "hello comma world"
    assert text_in(chain, None, "hello comma world") == "Hello, world"


def test_snippets_expand_only_an_utterance_that_is_exactly_the_trigger(chain):
    assert text_in(chain, None, "My address.") == "1 Main Street\nSpringfield"
    assert text_in(chain, None, "Insert my address!") == "1 Main Street\nSpringfield"
    assert text_in(chain, None, "Send it to my address.") == "Send it to my address."
    assert text_in(chain, "mail", "Sign off.") == "Best,\nAlex"
    assert text_in(chain, None, "Sign off.") == "Sign off."  # a mode's snippet is the mode's


def test_trigger_phrases_ignore_case_and_punctuation():
    assert expand_snippet("MY, address?", {"My Address": "x"}) == "x"
    assert expand_snippet("", {"my address": "x"}) is None
