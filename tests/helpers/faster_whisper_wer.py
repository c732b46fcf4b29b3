"""faster-whisper's own ``transcribe()`` on the shared English clips, WER per category: what the WER bounds in
tests/cli/test_transcribe.py are measured against. Run ``python3 -m tests.helpers.faster_whisper_wer``
from the checkout (a few minutes on 2 cores)."""

from __future__ import annotations

import json
from collections import defaultdict

from keyvox.audio.files import load_audio
from keyvox.bench.wer import corpus_wer, word_errors
from keyvox.config.schema import Config
from keyvox.engines.factory import create_transcriber
from tests.helpers.paths import SPEECH_DIR

CATEGORIES = ("read_audiobook", "read_sentence", "spontaneous_long", "spontaneous_short")


def main() -> None:
    config = Config()
    transcriber = create_transcriber(config)  # the default model, as keyvox loads it
    rows = [
        json.loads(line) for line in (SPEECH_DIR / "manifest.jsonl").open(encoding="utf-8") if line.strip()
    ]
    rows = [r for r in rows if r["lang"] == "en" and r.get("category") in CATEGORIES]
    scores = defaultdict(list)
    for row in rows:
        segments, _info = transcriber.model.transcribe(
            load_audio(SPEECH_DIR / row["audio"]),
            language="en",
            beam_size=config.model.beam_size,
            vad_filter=config.model.vad_filter,
        )
        text = " ".join(segment.text.strip() for segment in segments)
        scores[row["category"]].append(word_errors(row["text"], text, "en"))
    for category in CATEGORIES:
        found = scores[category]
        errors, words = sum(s.errors for s in found), sum(s.reference_words for s in found)
        print(
            f"{category}: WER {corpus_wer(found):.3f} ({errors} errors in {words} words, {len(found)} clips)"
        )


if __name__ == "__main__":
    main()
