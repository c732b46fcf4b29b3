"""Idle cost of the tray icon and overlay: CPU and memory of an idle ``keyvox`` with and without them.

Runs on the headless desktop rig (tests/helpers/x11/rig.py) with a private session D-Bus and Xfce's panel as
the tray host, so the tray really registers and the overlay window really exists. Each variant starts the
real daemon, waits until it is ready, lets it settle, then reads its CPU time and memory from /proc.

Usage: python3 benchmarks/gui_idle.py [--seconds 30] [--settle 5] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a script: the rig helpers live in tests/helpers

from tests.helpers.x11.rig import Desktop, Keyvox  # noqa: E402
from tests.helpers.x11.traykit import SessionBus, XfcePanel, private_home  # noqa: E402

VARIANTS = {
    "headless, microphone opened at key-down": (
        "version = 1\n[audio]\nkeep_open = false\n[gui]\ntray = false\noverlay = false\n"
    ),
    "headless": "version = 1\n[gui]\ntray = false\noverlay = false\n",
    "tray + overlay": "version = 1\n[gui]\ntray = true\noverlay = true\n",
}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mib(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MiB; PSS splits shared libraries fairly between the processes using them."""
    rss = next(
        int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    try:
        pss = next(
            int(line.split()[1])
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
            if line.startswith("Pss:")
        )
    except (OSError, StopIteration):
        pss = 0
    return rss / 1024, pss / 1024


def main_thread_wakeups(pid: int) -> int:
    """Context switches of the main thread (with the GUI: Qt's event loop; headless: the action loop)."""
    lines = Path(f"/proc/{pid}/task/{pid}/status").read_text().splitlines()
    return sum(int(line.split()[1]) for line in lines if "ctxt_switches:" in line)


def measure(
    desktop: Desktop,
    env: dict[str, str],
    workdir: Path,
    name: str,
    config: str,
    seconds: float,
    settle: float,
) -> tuple[float, float, float, float]:
    keyvox = Keyvox(workdir, env, config, name=name.replace(" ", "").replace("+", "-"))
    try:
        keyvox.wait_for(r"^Ready:", 300)
        time.sleep(settle)
        pid = keyvox.process.pid
        start_cpu, start, start_wakeups = cpu_seconds(pid), time.monotonic(), main_thread_wakeups(pid)
        time.sleep(seconds)
        used = cpu_seconds(pid) - start_cpu
        wakeups = main_thread_wakeups(pid) - start_wakeups
        elapsed = time.monotonic() - start
        rss, pss = memory_mib(pid)
    finally:
        keyvox.stop()
    return 100 * used / elapsed, rss, pss, wakeups / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=1, help="run both variants this many times (noise)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="keyvox-gui-idle-"))
    desktop = Desktop(workdir)
    env = {**desktop.env, **private_home(workdir)}
    bus = SessionBus(workdir, env)
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.address
    panel = XfcePanel(workdir, env)
    try:
        print(
            f"| variant | CPU over {args.seconds:g} s idle (% of a core) | RSS (MiB) | PSS (MiB) | "
            "main-thread wake-ups per s |"
        )
        print("|---|---|---|---|---|")
        for _ in range(args.repeat):
            for name, config in VARIANTS.items():
                cpu, rss, pss, wakeups = measure(
                    desktop, env, workdir, name, config, args.seconds, args.settle
                )
                print(f"| {name} | {cpu:.2f} | {rss:.0f} | {pss:.0f} | {wakeups:.1f} |", flush=True)
    finally:
        panel.stop()
        bus.stop()
        desktop.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
