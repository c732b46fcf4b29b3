"""``/v1/audio/translations``: Whisper's translate task on the multilingual base model, through the real
openai client; an English-only model says plainly that it cannot."""

from __future__ import annotations

import re

import openai
import pytest

from tests.helpers.serverkit import running_server

pytestmark = [
    pytest.mark.slow,
    # openai marks audio.translations deprecated, yet the endpoint is in OpenAI's API and clients call it.
    pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning"),
]

GERMAN_CLIP = "multi/de/picovoice_leopard_test_de.wav"
"""'Der hinter diesem Portal liegenden Raum wurde als Leichenhalle genutzt.' base translates it as
'The rear of this portal lying in the room was used as a small hall.'"""
ENGLISH = {"the", "this", "was", "used", "as", "room", "behind"}
GERMAN = {"der", "diesem", "wurde", "als", "genutzt", "raum", "hinter"}


@pytest.fixture(scope="module")
def base_server():
    """Multilingual base, which installs from PyPI with keyvox[offline], detecting the language."""
    from keyvox.config.schema import Config
    from keyvox.engines.factory import create_transcriber

    config = Config()
    config.model.name, config.model.language = "base", "auto"
    with running_server(create_transcriber(config)) as handle:
        yield handle


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def api(handle) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{handle.url}/v1", api_key="unused", timeout=300, max_retries=0)


def test_translations_answer_in_english_what_transcriptions_write_in_german(base_server, manifest):
    clip = next(r for r in manifest if r["audio"] == GERMAN_CLIP)
    with open(clip["path"], "rb") as audio:
        german = api(base_server).audio.transcriptions.create(model="whisper-1", file=audio)
    with open(clip["path"], "rb") as audio:
        english = api(base_server).audio.translations.create(model="whisper-1", file=audio)
    assert len(words(german.text) & GERMAN) >= 4, german.text
    assert len(words(english.text) & ENGLISH) >= 3 and not words(english.text) & GERMAN, english.text
    with open(clip["path"], "rb") as audio:
        verbose = api(base_server).audio.translations.create(
            model="whisper-1", file=audio, response_format="verbose_json"
        )
    assert verbose.task == "translate" and verbose.language == "de" and verbose.segments
    assert verbose.text == english.text and 0.0 <= verbose.segments[0].start < verbose.segments[-1].end
    with open(clip["path"], "rb") as audio:
        srt = api(base_server).audio.translations.create(model="whisper-1", file=audio, response_format="srt")
    assert srt.startswith("1\n00:00:") and len(words(srt) & ENGLISH) >= 3, srt


def test_an_english_only_model_refuses_to_translate_in_the_envelope(tiny_server, short_clip):
    with open(short_clip["path"], "rb") as audio, pytest.raises(openai.BadRequestError) as caught:
        api(tiny_server).audio.translations.create(model="whisper-1", file=audio)
    error = caught.value.body
    assert caught.value.status_code == 400 and error["code"] == "translation_unsupported"
    assert error["param"] == "model" and "multilingual" in error["message"] and "tiny.en" in error["message"]
