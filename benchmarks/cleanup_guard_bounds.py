"""How the clean-up guard's bounds (keyvox/text/cleanup/guard.py) sit on real text.

1. Each transcript's reference as if it were the model's edit (a perfect clean-up that fixes every
   recognition error): how many the bounds accept.
2. Another clip's reference as the "edit" (a stand-in for an answer that has nothing to do with what was
   said): how many slip through.
3. With --endpoint: the real model's answer for each transcript, and what the guard makes of it.

Usage: PYTHONPATH=. python3 benchmarks/cleanup_guard_bounds.py benchmarks/results/bench-rig-clips.json \
           [--endpoint http://127.0.0.1:8080/v1] [--out benchmarks/results/cleanup-guard.json]
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path

from keyvox.config.cleanup import CleanupConfig
from keyvox.text.cleanup import clean
from keyvox.text.cleanup.guard import judge_edit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "bench_json", type=Path, help="a `keyvox bench` result with reference and text per clip"
    )
    parser.add_argument("--endpoint", default="")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    clips = [c for c in json.loads(args.bench_json.read_text())["clips"] if c["text"].strip()]
    report: dict = {"clips": len(clips)}

    verdicts = [judge_edit(c["text"], c["reference"])[1].value for c in clips]
    report["reference_as_edit"] = dict(collections.Counter(verdicts))
    accepted = [c["wer"] for c, v in zip(clips, verdicts, strict=True) if v == "accepted"]
    rejected = [c["wer"] for c, v in zip(clips, verdicts, strict=True) if v != "accepted"]
    report["reference_as_edit_wer"] = {
        "accepted_max": max(accepted, default=None),
        "rejected": sorted(rejected),
    }

    slipped = sum(
        judge_edit(c["text"], other["reference"])[1].value == "accepted"
        for i, c in enumerate(clips)
        for j, other in enumerate(clips)
        if i != j
    )
    report["unrelated_as_edit"] = {"pairs": len(clips) * (len(clips) - 1), "accepted": slipped}

    if args.endpoint:
        options = CleanupConfig(enabled=True, endpoint=args.endpoint, timeout_s=30)
        answers = []
        for c in clips:
            outcome = clean(c["text"], options)
            answers.append({"text": c["text"], "raw": outcome.raw, "reason": outcome.reason.value})
        report["model_answers"] = dict(collections.Counter(a["reason"] for a in answers))
        report["answers"] = answers
    print(json.dumps({k: v for k, v in report.items() if k != "answers"}, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
