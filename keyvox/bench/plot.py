"""``--plot``: latency against utterance length for each side, and WER bars per length group."""

from __future__ import annotations

from pathlib import Path

from keyvox.bench.report import GROUP_TITLES
from keyvox.bench.summary import LENGTH_GROUPS
from keyvox.errors import KeyvoxError

COLOURS = {"keyvox": "tab:blue", "baseline": "tab:orange"}


def write_plot(result: dict, path: str | Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display needed, none opened
        import matplotlib.pyplot as plt
    except ImportError:
        raise KeyvoxError('--plot needs matplotlib; install it with: pip install "keyvox[bench]"') from None
    summary, clips = result["summary"], result["clips"]
    sides = [(summary["label"], summary, lambda row: row)]
    if "baseline" in summary:
        sides.append(("baseline", summary["baseline"], lambda row: row["baseline"]))

    figure, (latency_axes, wer_axes) = plt.subplots(
        1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [3, 2]}
    )
    plotted = False
    for label, side, pick in sides:
        points = [
            (row["duration_s"], pick(row)["latency_s"]) for row in clips if pick(row)["latency_s"] is not None
        ]
        if points:
            xs, ys = zip(*points)
            plotted = True
            latency_axes.scatter(
                xs,
                ys,
                s=18,
                alpha=0.75,
                color=COLOURS.get(label),
                label=f"{label} (p50 {side['latency_p50_s']:.2f} s)"
                if side["latency_p50_s"] is not None
                else label,
            )
    latency_axes.set_xlabel("utterance length (s)")
    latency_axes.set_ylabel("key release → text (s)")
    mode = "audio fed in real time" if summary["realtime"] else "audio given at once"
    latency_axes.set_title(f"Latency vs length ({mode})")
    latency_axes.set_ylim(bottom=0)
    latency_axes.grid(alpha=0.3)
    if plotted:
        latency_axes.legend()

    groups = ["all"] + [name for name, _l, _h in LENGTH_GROUPS if name in summary["groups"]]
    width = 0.8 / len(sides)
    for number, (label, side, _pick) in enumerate(sides):
        values = [side["wer"] if group == "all" else side["groups"][group]["wer"] for group in groups]
        positions = [i + (number - (len(sides) - 1) / 2) * width for i in range(len(groups))]
        bars = wer_axes.bar(
            positions, [v or 0.0 for v in values], width, color=COLOURS.get(label), label=label
        )
        wer_axes.bar_label(bars, labels=[f"{v:.1%}" if v is not None else "-" for v in values], fontsize=8)
    wer_axes.set_xticks(range(len(groups)), [GROUP_TITLES.get(g, g) for g in groups])
    wer_axes.set_ylabel("word error rate")
    wer_axes.set_title("WER by utterance length")
    wer_axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
