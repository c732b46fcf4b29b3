"""What the GUI may do with the running daemon (no Qt here): ``DaemonLink`` for the Qt loop, ``Controls``
for the tray's menu items.

Everything that changes dictation goes through the daemon's own channels: commands through the key
machine (thread-safe; the daemon then ignores the hotkey while paused), re-insert through the action
queue, so it lands after any utterance still being transcribed. History is only read.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from keyvox.core.presence import Observer
from keyvox.desktop.hotkey.machine import Action
from keyvox.errors import KeyvoxError
from keyvox.vocabulary import Command, DaemonState

if TYPE_CHECKING:
    from keyvox.audio.capture import Recorder
    from keyvox.core.engine_worker import EngineWorker
    from keyvox.core.pipeline import Pipeline
    from keyvox.core.state import StateTracker
    from keyvox.desktop.history import History
    from keyvox.desktop.mode_picker import ModePicker
    from keyvox.engines.base import Transcriber

log = logging.getLogger(__name__)

RECENT_ENTRIES = 10
"""History entries in the tray's "Recent" menu."""
LANGUAGES = ("auto", "en", "de", "es", "fr", "it", "nl", "pt", "pl", "ru", "uk", "zh", "ja", "ko")
"""Offered in the tray's language menu; any other code still works from ``[model] language``."""


@dataclass(frozen=True)
class Microphone:
    """An input device as the menu shows it; ``wanted`` is what ``[audio] device`` would hold."""

    label: str
    wanted: str | int
    current: bool


@dataclass(frozen=True)
class DaemonLink:
    """Everything the GUI (keyvox/desktop/gui/app.py, launch.py) may call on the running daemon."""

    controls: Controls
    report: Callable[[str], None]
    """A line for the user (the daemon's status line)."""
    watch: Callable[[Observer], None]
    """Tell this observer everything the daemon's observers hear, from now on."""
    loop: Callable[[], int]
    """The daemon's action loop: returns when it is asked to stop."""
    request_stop: Callable[[], None]
    stopping: Callable[[], bool]


class Controls:
    """The daemon's controls for the tray; every method is cheap and safe to call from the GUI thread."""

    def __init__(
        self,
        *,
        tracker: StateTracker,
        send: Callable[[Command], None],
        post: Callable[[Action], None],
        request_stop: Callable[[], None],
        pipeline: Pipeline,
        history: History | None,
        recorder: Recorder,
        transcriber: Transcriber,
        engine: EngineWorker,
        config_path: Path | None,
        modes: ModePicker | None = None,
    ) -> None:
        self._tracker = tracker
        self._send = send
        self._post = post
        self._request_stop = request_stop
        self._pipeline = pipeline
        self._history = history
        self._recorder = recorder
        self._transcriber = transcriber
        self._configured_among = transcriber.languages
        """``[model] languages``: what "auto" in the language menu detects among."""
        self._engine = engine
        self._config_path = config_path
        self._modes = modes
        self._autostart = _load_autostart()

    # --- dictation ------------------------------------------------------------------------------

    @property
    def state(self) -> DaemonState:
        return self._tracker.state

    @property
    def paused(self) -> bool:
        return self.state == DaemonState.PAUSED

    def toggle(self) -> None:
        """Start or stop dictation (a left click on the tray icon)."""
        self._send(Command.TOGGLE)

    def pause(self) -> None:
        self._send(Command.PAUSE)

    def resume(self) -> None:
        self._send(Command.RESUME)

    def reinsert(self) -> None:
        self._post(Action.REINSERT)

    def quit(self) -> None:
        self._request_stop()

    # --- text ------------------------------------------------------------------------------------

    @property
    def last_text(self) -> str | None:
        if self._pipeline.last_text:
            return self._pipeline.last_text
        recent = self.recent(1)
        return recent[0] if recent else None

    def recent(self, limit: int = RECENT_ENTRIES) -> list[str]:
        """The newest transcripts, newest first (empty when history is off or unreadable)."""
        history = self._history
        if history is None:
            return []
        try:
            # A voice command that changed nothing is kept with no text: nothing to copy or re-insert.
            return [entry.text for entry in history.search("", limit=limit) if entry.text]
        except Exception as exc:  # a locked or damaged database only empties the menu
            log.warning("history not readable: %s", exc)
            return []

    # --- microphone and language -------------------------------------------------------------------

    def microphones(self) -> list[Microphone]:
        from keyvox.audio.capture import list_input_devices

        try:
            devices = list_input_devices()
        except KeyvoxError:
            return []
        wanted = self._recorder.wanted
        default = Microphone("System default", "", wanted in ("", None))
        return [default] + [
            Microphone(
                d.name,
                d.name,
                wanted not in ("", None) and (wanted == d.index or str(wanted).lower() in d.name.lower()),
            )
            for d in devices
        ]

    def use_microphone(self, wanted: str | int) -> None:
        """Switch the input device for this run; raises a one-line ``KeyvoxError`` when it cannot open."""
        self._recorder.use_device(wanted)

    @property
    def language(self) -> str | None:
        """The engine's spoken language (``auto`` when it detects it), or None when it cannot be changed."""
        transcriber = self._transcriber
        if transcriber.model_name.endswith(".en"):
            return None  # English-only models understand nothing else
        return transcriber.language or "auto"

    def set_language(self, code: str) -> None:
        """From the next utterance on; raises a one-line ``KeyvoxError`` for a code the engine refuses."""
        if code == "auto":  # never while a decode runs
            self._engine.set_language(None, self._configured_among)
        else:
            self._engine.set_language(code)

    # --- modes --------------------------------------------------------------------------------------

    def mode_names(self) -> list[str]:
        return self._modes.names() if self._modes is not None else []

    @property
    def pinned_mode(self) -> str | None:
        return self._modes.pinned if self._modes is not None else None

    def pin_mode(self, name: str | None) -> None:
        """Dictate in ``name`` until unpinned (None: choose by key and window again)."""
        if self._modes is not None:
            self._modes.pin(name)

    # --- files and login ----------------------------------------------------------------------------

    def config_file(self) -> Path:
        """The config file in use; the default one is written first when keyvox runs on defaults."""
        from keyvox.config.render import write_default_config
        from keyvox.config.schema import CONFIG_NAME
        from keyvox.platform.dirs import user_config_dir

        if self._config_path is not None:
            return self._config_path
        target = user_config_dir() / CONFIG_NAME
        if not target.exists():
            write_default_config(target)
        return target

    @property
    def autostart_available(self) -> bool:
        return self._autostart is not None

    def autostart_enabled(self) -> bool:
        try:
            return bool(self._autostart and self._autostart.is_enabled())
        except Exception as exc:
            log.warning("autostart state unknown: %s", exc)
            return False

    def set_autostart(self, on: bool) -> None:
        if self._autostart is not None:
            (self._autostart.enable if on else self._autostart.disable)()


def _load_autostart():
    """The start-at-login module, when this install has it (the menu item is greyed out otherwise)."""
    try:
        return importlib.import_module("keyvox.desktop.autostart")
    except ImportError:
        return None
