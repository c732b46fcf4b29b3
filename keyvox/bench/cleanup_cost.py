"""``keyvox bench --cleanup``: what clean-up by the configured model adds to release → text.

Each clip runs twice through the same loaded engine: once with the config's ``[cleanup]`` on (the
``keyvox`` side) and once with it off (``no_cleanup``); the cost is the per-clip difference of the two
release → text latencies, as p50 and p95.
"""

from __future__ import annotations

import dataclasses

from keyvox.bench.runner import BenchRun
from keyvox.bench.summary import percentile
from keyvox.config.schema import Config
from keyvox.errors import KeyvoxError

LABEL = "no_cleanup"


def cleanup_configs(config: Config) -> tuple[Config, Config]:
    """(the config with clean-up on, the same with it off); a one-line error when there is nothing to call."""
    cleanup = config.cleanup
    if not cleanup.command.strip() and not cleanup.endpoint.strip():
        raise KeyvoxError("--cleanup needs [cleanup] endpoint or command in the config")
    on = dataclasses.replace(config, cleanup=dataclasses.replace(cleanup, enabled=True))
    off = dataclasses.replace(config, cleanup=dataclasses.replace(cleanup, enabled=False))
    return on, off


def cleanup_cost(run: BenchRun) -> dict:
    """p50/p95 of the seconds clean-up added per clip, over the clips both sides delivered text for."""
    added = []
    for result in run.clips:
        on, off = result.sides.get("keyvox"), result.sides.get(LABEL)
        if on is None or off is None:
            continue
        with_cleanup, without = on.measurement.latency_s, off.measurement.latency_s
        if with_cleanup == with_cleanup and without == without:  # both are numbers (NaN: no text)
            added.append(with_cleanup - without)
    return {"clips": len(added), "added_p50_s": percentile(added, 50), "added_p95_s": percentile(added, 95)}


def cost_line(cost: dict) -> str:
    if not cost["clips"]:
        return "clean-up cost: no clip gave text on both sides"
    return (
        f"clean-up adds to release → text: p50 {cost['added_p50_s']:.3f} s, p95 {cost['added_p95_s']:.3f} s "
        f"({cost['clips']} clips)"
    )
