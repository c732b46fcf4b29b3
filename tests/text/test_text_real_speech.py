"""The text chain on what the real tiny.en model hears in real clips from ../shared/speech."""

import json

import numpy as np
import pytest

from keyvox.audio.files import load_audio
from keyvox.audio.format import SAMPLE_RATE
from keyvox.cli.main import main
from keyvox.config.schema import Config
from keyvox.text.chain import TextProcessor

pytestmark = pytest.mark.slow


def clip(manifest, name):
    return next(row for row in manifest if row["audio"].endswith(name))


def chain(dictionary=None, **text_options):
    config = Config()
    config.dictionary = dict(dictionary or {})
    for key, value in text_options.items():
        setattr(config.text, key, value)
    return TextProcessor(config)


@pytest.fixture(scope="module")
def heard(tiny_en, manifest):
    """Raw tiny.en transcriptions (no vocabulary) of every third English clip plus the ones named below."""
    named = (
        "mfa_uh.wav",
        "mfa_um.wav",
        "cmu_arctic_us_aew_a0001.wav",
        "sphinx4_10001-90210-01803.wav",
        "uberi_english.wav",
        "mfa_words.wav",
        "common_voice_en_22058266.wav",
    )
    english = [row for row in manifest if row["lang"] == "en"]
    rows = [row for index, row in enumerate(english) if index % 3 == 0 or row["audio"].endswith(named)]
    return {
        row["audio"].split("/", 1)[1]: tiny_en.transcribe_detailed(load_audio(row["path"])) for row in rows
    }


def test_default_chain_keeps_real_speech_as_the_engine_wrote_it(heard):
    """With no dictionary and default options, real dictation of plain speech passes through unchanged
    but for the capital that starts the insertion: no hallucination guard, loop collapse, spoken-command
    or spacing rule fires on it."""
    processor = chain()
    changed = {}
    for name, raw in heard.items():
        expected = raw.text[:1].upper() + raw.text[1:]
        if processor.process(raw) != expected:
            changed[name] = (raw.text, processor.process(raw))
    assert len(heard) >= 25
    assert changed == {}
    cards = heard["commands/cards_002.wav"].text
    assert processor.process(heard["commands/cards_002.wav"]) == cards[:1].upper() + cards[1:]


def test_dictionary_fixes_words_the_model_really_got_wrong(heard):
    raw = heard["mfa/mfa_words.wav"].text
    assert "forced a liner" in raw  # tiny.en mishears "forced aligner"
    fixed = chain({"forced a liner": "Forced Aligner", "montreal": "MONTREAL"}).process(
        heard["mfa/mfa_words.wav"]
    )
    assert fixed == raw.replace("forced a liner", "Forced Aligner").replace("Montreal", "MONTREAL")

    uh = heard["mfa/mfa_uh.wav"]
    assert "forced a liner" in uh.text
    assert chain({"forced a liner": "Forced Aligner"}).process(uh) == "Montreal, uh, Forced Aligner."


def test_dictionary_biases_the_engine(tiny_en, manifest):
    """The same terms reach the model (initial prompt): it then hears them right in the first place.
    Measured on all 28 clips that say the name: 2 right without the dictionary, 22 with it."""
    rows = [row for row in manifest if row["lang"] == "en" and "aligner" in row["text"].lower()][:12]
    vocabulary = chain({"montreal forced aligner": "Montreal Forced Aligner"}).vocabulary
    unbiased = biased = 0
    for row in rows:
        audio = load_audio(row["path"])
        unbiased += "forced aligner" in tiny_en.transcribe_detailed(audio).text.lower()
        biased += "forced aligner" in tiny_en.transcribe_detailed(audio, vocabulary=vocabulary).text.lower()
    assert len(rows) == 12
    assert biased >= unbiased + 5, (unbiased, biased)


def test_filler_removal_on_real_output(heard):
    for name, filler in (("mfa/mfa_uh.wav", "uh"), ("mfa/mfa_um.wav", "um")):
        raw = heard[name].text
        assert f", {filler}," in raw  # the model really wrote the filler
        assert chain(remove_fillers=True).process(heard[name]) == raw.replace(f", {filler},", ",")


def test_numbers_and_real_repetition_are_untouched(heard):
    for name in ("commands/sphinx4_10001-90210-01803.wav", "commands/uberi_english.wav", "mfa/mfa_words.wav"):
        assert chain(remove_fillers=True).process(heard[name]) == heard[name].text
    assert heard["mfa/mfa_words.wav"].text.lower().count("word") >= 6  # real repetition, not a decoding loop


def test_real_thanks_is_kept_and_silence_gives_nothing(tiny_en, manifest):
    """Both sides of the hallucination guard on the real engine's evidence."""
    audio = load_audio(clip(manifest, "mfa/cold_corpus.wav")["path"])
    thanks = tiny_en.transcribe_detailed(audio[int(24.0 * SAMPLE_RATE) :])  # the speaker's closing "thanks"
    assert thanks.text == "Thanks." and thanks.speech_found
    assert chain().process(thanks) == "Thanks."

    silence = tiny_en.transcribe_detailed(np.zeros(2 * SAMPLE_RATE, np.float32))
    assert not silence.speech_found
    assert chain().process(silence) == ""


def test_context_joins_two_real_utterances(heard):
    processor = chain({"fire fox": "Firefox"})
    for name in ("commonvoice/common_voice_en_22058266.wav", "mfa/mfa_uh.wav"):
        processor.record_edit(processor.process_edit(heard[name], window_id="w"), "w")
    assert "".join(processor.context_for("w").recent) == "Firefox. Montreal, uh, forced a liner."


def test_transcribe_command_runs_the_chain(tmp_path, manifest, capsys):
    config = tmp_path / "config.toml"
    config.write_text(
        'version = 1\n[text]\nremove_fillers = true\n[dictionary]\nmontreal = "MTL"\n', encoding="utf-8"
    )
    path = str(clip(manifest, "mfa/mfa_uh.wav")["path"])
    assert main(["--config", str(config), "transcribe", "--json", path]) == 0
    assert main(["--config", str(config), "transcribe", "--raw", "--json", path]) == 0
    chained, raw = (json.loads(line)["text"] for line in capsys.readouterr().out.splitlines())
    assert "MTL" in chained and "uh" not in chained.replace(",", " ").split()
    assert "uh" in raw.replace(",", " ").split()
