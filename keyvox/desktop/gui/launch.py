"""The desktop GUI: a tray icon and an overlay that shows the words as you speak (``pip install keyvox[gui]``).

Qt (PySide6-Essentials) draws both; docs/desktop.md has the measurements that chose it. Qt wants the main
thread, so with the GUI on the Qt event loop runs there and the daemon's action loop runs in a thread;
without the extra, or with no display, keyvox runs headless exactly as before and says why in one line.

A Qt platform plugin that cannot load (a missing system library) aborts the whole process inside Qt, so
before the daemon commits to the GUI a short child process tries to start Qt; it runs while the model loads.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from keyvox.config.schema import GuiConfig
from keyvox.desktop.gui.qt_platform import qt_arguments
from keyvox.platform.session import has_display

if TYPE_CHECKING:
    from keyvox.desktop.gui.controls import DaemonLink

INSTALL_HINT = (
    "tray icon and overlay need the gui extra: pip install 'keyvox[gui]' "
    "(or set [gui] tray = false and overlay = false to silence this)"
)
PROBE_TIMEOUT_S = 30.0
"""Starting Qt in the child takes ~0.3 s on an idle desktop; the shared test machine has taken 5 s."""
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_PROBE = (
    "import sys\n"
    "from PySide6.QtWidgets import QApplication\n"
    "app = QApplication(sys.argv)\n"
    "print('ok', app.platformName(), flush=True)\n"
)


def toolkit_installed() -> bool:
    return importlib.util.find_spec("PySide6") is not None


class GuiLauncher:
    """Decides between the GUI and the headless loop; ``run`` replaces the daemon's ``loop``."""

    def __init__(self, options: GuiConfig, report: Callable[[str], None]) -> None:
        self.options = options
        self.report = report
        # QT_DEBUG_PLUGINS names the missing library; without it Qt blames libxcb-cursor0 for every failure.
        self._probe = subprocess.Popen(
            [sys.executable, "-c", _PROBE, *qt_arguments()[1:]],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env={**os.environ, "QT_DEBUG_PLUGINS": "1"},
        )

    def usable(self) -> bool:
        """Whether Qt started in the child; reports the reason in one line when it did not."""
        try:
            out, err = self._probe.communicate(timeout=PROBE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._probe.kill()
            self._probe.communicate()
            self.report(f"tray and overlay off: Qt did not start within {PROBE_TIMEOUT_S:g} s")
            return False
        if self._probe.returncode == 0 and out.startswith("ok"):
            return True
        self.report(
            f"tray and overlay off: Qt cannot start here ({probe_failure(err, self._probe.returncode)})"
        )
        return False

    def run(self, daemon: DaemonLink) -> int:
        # From here Ctrl+C and SIGTERM only ask the daemon to stop: an interrupt landing inside Qt's import or
        # start-up would otherwise abort the process instead of letting it exit cleanly.
        previous = {sig: signal.signal(sig, lambda *_: daemon.request_stop()) for sig in STOP_SIGNALS}
        try:
            if daemon.stopping() or not self.usable():
                return daemon.loop()
            from keyvox.desktop.gui.app import run_gui

            if daemon.stopping():  # interrupted while Qt loaded: no window for a moment only to close it
                return daemon.loop()
            return run_gui(daemon, self.options)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def probe_failure(stderr: str, code: int) -> str:
    """The reason in Qt's start-up noise: a missing system library, an unreachable display, or its first line."""
    missing = re.search(r"(lib[\w.+-]+\.so[.\d]*): cannot open shared object file", stderr)
    if missing:
        return f"the system library {missing.group(1)} is missing; see docs/desktop.md for the packages"
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    display = next((line for line in lines if "could not connect to display" in line), None)
    if display:
        return display.removeprefix("qt.qpa.xcb: ")
    interesting = [line for line in lines if not line.startswith(("qt.core.", "QFactoryLoader", "Got keys"))]
    return (interesting or lines or [f"exit status {code}"])[0]


def prepare_gui(options: GuiConfig, report: Callable[[str], None]) -> GuiLauncher | None:
    """A launcher when the config asks for the tray or overlay and they can be shown; else None (headless)."""
    if not (options.tray or options.overlay):
        return None
    if not toolkit_installed():
        report(INSTALL_HINT)
        return None
    if not has_display():
        report("tray and overlay off: no display (DISPLAY and WAYLAND_DISPLAY are unset)")
        return None
    return GuiLauncher(options, report)
