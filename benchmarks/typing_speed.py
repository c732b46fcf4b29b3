"""How fast each X11 insertion method gets a whole text into a window, and whether it arrives intact.

Starts the desktop rig (Xvfb and the Tk window; an xterm for the terminal rows), then inserts texts of
50, 150 and 300 characters with each method and times, from the call, the first character and the
whole text in the window. It also checks that the text arrived exactly and that the clipboard the
"user" had before a paste is there afterwards.

Usage: python3 benchmarks/typing_speed.py [--repeat 3] [--json benchmarks/results/typing-speed.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.helpers.x11.rig import Desktop, Terminal, wait_until  # noqa: E402

GTK_PYTHON = "/usr/bin/python3"
"""The distribution's Python, which has PyGObject for the GTK text field (skipped when missing)."""

SAMPLE = (
    "He began a confused complaint against the wizard, who had vanished behind the curtain on the left. "
    "Mr. Quilter is the apostle of the middle classes, and we are glad to welcome his gospel! "
)
LENGTHS = (50, 150, 300)


def methods():
    from keyvox.desktop.output.methods import X11Paste
    from keyvox.desktop.output.xtest_type import type_text

    return {
        "type 4 ms/char": lambda text: type_text(text, delay_s=0.004),
        "type in bursts": lambda text: type_text(text, delay_s=0.0),
        "paste, clipboard restored": X11Paste(True).insert,
    }


def measure(insert, text: str, read) -> dict:
    done = threading.Event()
    started = time.monotonic()
    worker = threading.Thread(target=lambda: (insert(text), done.set()))
    worker.start()
    first = full = None
    while time.monotonic() - started < 20:
        got = read()
        now = time.monotonic()
        if got and first is None:
            first = now - started
        if got == text:
            full = now - started
            break
        time.sleep(0.002)
    worker.join(30)
    time.sleep(0.3)
    final = read()
    return {
        "first_s": first,
        "full_s": full,
        "returned": done.is_set(),
        "exact": final == text,
        "first_to_full_s": None if first is None or full is None else full - first,
    }


def start_gtk(desktop):
    import subprocess

    if not Path(GTK_PYTHON).exists():
        return None
    out = desktop.workdir / "gtk.txt"
    process = subprocess.Popen(
        [GTK_PYTHON, str(REPO / "tests" / "helpers" / "x11" / "gtk_window.py"), str(out)],
        env={k: v for k, v in desktop.env.items() if not k.startswith("PYTHON")},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    if process.stdout.readline().strip() != "ready":
        process.terminate()
        return None
    return process


def window_reader(window):
    return lambda: window.text


def file_reader(path: Path):
    return lambda: path.read_text(encoding="utf-8") if path.exists() else ""


def terminal_reader(terminal, offset: int):
    """What the terminal received after ``offset``: the text of this insertion only."""
    return lambda: terminal.received[offset:]


def median_of(rows: list[dict], key: str) -> float:
    return statistics.median([r[key] for r in rows if r[key] is not None] or [float("nan")])


def clear_file(path: Path) -> None:
    Path(str(path) + ".clear").touch()
    wait_until(
        lambda: not Path(str(path) + ".clear").exists() and (not path.exists() or path.read_text() == ""),
        5,
        what="the GTK field to clear",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", default=str(REPO / "benchmarks" / "results" / "typing-speed.json"))
    args = parser.parse_args()
    desktop = Desktop(Path(tempfile.mkdtemp(prefix="keyvox-typing-")))
    os.environ["DISPLAY"] = desktop.xvfb.display
    rows = []
    try:
        terminal = gtk = None
        for target in ("tk", "xterm", "gtk"):
            if target == "xterm":
                terminal = Terminal(desktop.workdir, desktop.env)
            if target == "gtk":
                gtk = start_gtk(desktop)
                if gtk is None:
                    continue
                gtk_file = desktop.workdir / "gtk.txt"
            for name, insert in methods().items():
                for length in LENGTHS:
                    text = (SAMPLE * 4)[:length].rstrip()
                    for _ in range(args.repeat):
                        desktop.clipboard("the user's own clipboard")
                        if target == "tk":
                            desktop.window.clear()
                            read = window_reader(desktop.window)
                        elif target == "gtk":
                            clear_file(gtk_file)
                            read = file_reader(gtk_file)
                        else:
                            read = terminal_reader(terminal, len(terminal.received))
                        row = {
                            "target": target,
                            "method": name,
                            "chars": len(text),
                            **measure(insert, text, read),
                        }
                        row["clipboard_kept"] = desktop.clipboard() == "the user's own clipboard"
                        rows.append(row)
                        print(json.dumps(row), flush=True)
        for process in (terminal, gtk):
            if process is not None:
                process.stop() if hasattr(process, "stop") else process.terminate()
    finally:
        desktop.stop()
    print(
        "\ntarget  method                      chars  first char p50   whole text p50   first→whole p50  exact"
        "  clipboard kept"
    )
    for target in ("tk", "xterm", "gtk"):
        for name in methods():
            for length in LENGTHS:
                got = [
                    r
                    for r in rows
                    if (r["target"], r["method"], r["chars"])
                    == (target, name, len((SAMPLE * 4)[:length].rstrip()))
                ]
                if not got:
                    continue
                print(
                    f"{target:<7} {name:<27} {got[0]['chars']:>5}  {median_of(got, 'first_s'):10.3f} s"
                    f"  {median_of(got, 'full_s'):12.3f} s  {median_of(got, 'first_to_full_s'):12.3f} s"
                    f"  {sum(r['exact'] for r in got)}/{len(got)}"
                    f"  {sum(r['clipboard_kept'] for r in got)}/{len(got)}"
                )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(
        json.dumps(
            {
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": " ".join(["python3", *sys.argv]),
                "rows": rows,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
