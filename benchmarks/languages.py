"""Language control on the shared non-English clips with multilingual base: free detection, detection among
the clip's language and English (``[model] languages``), and the language locked; WER per language.

Usage: python3 benchmarks/languages.py [--manifest M] [--json benchmarks/results/languages.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    from keyvox.audio.files import load_audio
    from keyvox.bench.wer import word_errors
    from keyvox.engines.faster_whisper import FasterWhisperTranscriber

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default=str(REPO.parent / "shared" / "speech" / "manifest.jsonl"))
    parser.add_argument("--json", default=str(REPO / "benchmarks" / "results" / "languages.json"))
    args = parser.parse_args()
    folder = Path(args.manifest).parent
    rows = [json.loads(line) for line in Path(args.manifest).read_text().splitlines() if line.strip()]
    rows = [row for row in rows if row["lang"] != "en"]
    model = FasterWhisperTranscriber("base", language="auto")
    ways = {
        "free": lambda lang: (None, ()),
        "among [lang, en]": lambda lang: (None, (lang, "en")),
        "locked": lambda lang: (lang, ()),
    }
    totals: dict = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0]))  # errors, words, right, clips
    clips = []
    for row in rows:
        audio = load_audio(folder / row["audio"])
        seen = {"audio": row["audio"], "lang": row["lang"]}
        for way, choice in ways.items():
            model.set_language(*choice(row["lang"]))
            result = model.transcribe_detailed(audio)
            errors = word_errors(row["text"], result.text, row["lang"])
            total = totals[way][row["lang"]]
            total[0] += errors.errors
            total[1] += errors.reference_words
            total[2] += result.language == row["lang"]
            total[3] += 1
            seen[way] = {"language": result.language, "text": result.text}
        clips.append(seen)
    summary = {
        way: {
            lang: {"wer": round(e / max(w, 1), 3), "detected_right": f"{right}/{n}"}
            for lang, (e, w, right, n) in sorted(per.items())
        }
        for way, per in totals.items()
    }
    Path(args.json).write_text(
        json.dumps(
            {"command": "python3 benchmarks/languages.py", "summary": summary, "clips": clips},
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    for way, per in summary.items():
        print(way, per)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
