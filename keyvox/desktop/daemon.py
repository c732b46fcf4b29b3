"""The push-to-talk daemon (``keyvox`` with no command): microphone, hotkey, pipeline and output joined.

Threads: the key listener, the control socket, D-Bus and the tray only post actions to a queue; the
main thread (``Daemon.loop``) turns actions into recorder/pipeline calls (all cheap); the pipeline's
worker types what the engine worker (keyvox/core/engine_worker.py, the one thread that touches the
model, shared with the server) transcribes. keyvox/desktop/runtime.py builds the parts.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time

from keyvox.audio.capture import Recorder
from keyvox.config.schema import AudioConfig, LoadedConfig
from keyvox.core.pipeline import Pipeline
from keyvox.core.state import StateTracker
from keyvox.core.utterance import Utterance
from keyvox.desktop.hotkey.machine import Action, Posted, PushToTalk, StartCommand, StartInMode
from keyvox.desktop.mode_picker import ModePicker
from keyvox.desktop.runtime import build_runtime
from keyvox.desktop.sounds import Sounds
from keyvox.desktop.status import StatusLine
from keyvox.platform.heap import limit_arenas
from keyvox.platform.native_stderr import quiet_native_stderr
from keyvox.vocabulary import DaemonState

LENGTH_CHECK_S = 0.1
"""While recording, the length limit is checked this often (it stops the recording at most this late)."""


def run_daemon(loaded: LoadedConfig) -> int:
    limit_arenas()  # before any thread starts
    with quiet_native_stderr():
        runtime = build_runtime(loaded)
        try:
            daemon = Daemon(
                loaded.config.audio,
                runtime.actions,
                machine=runtime.machine,
                recorder=runtime.recorder,
                pipeline=runtime.pipeline,
                tracker=runtime.tracker,
                sounds=runtime.sounds,
                status=runtime.status,
                modes=runtime.modes,
            )
            runtime.control.serve()
            runtime.status.message(
                ready_line(
                    loaded.config.hotkey.mode,
                    runtime.hotkey.key.human,
                    runtime.hotkey.listener,
                    runtime.transcriber.description,
                )
            )
            runtime.tracker.announce()
            gui = runtime.gui
            code = gui.run(runtime.gui_link(daemon)) if gui is not None else daemon.loop()
        finally:
            runtime.close()
    if runtime.gui is not None:
        # Everything is closed and saved by now. PySide6 can abort the interpreter's final garbage
        # collection after a clean quit ("Fatal Python error: bool_dealloc"), which would turn a clean
        # stop into SIGABRT for a supervisor: leave without that last collection.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def ready_line(mode: str, key: str, listener: str, description: str) -> str:
    if listener == "command":
        how = "run `keyvox toggle` (bind it to a key) to dictate"
    elif mode == "toggle":
        how = f"press {key} to start and stop dictation"
    else:
        how = f"hold {key} to dictate"
    return f"Ready: {how} ({description})"


class Daemon:
    """The action loop: turns the actions posted to its queue into recorder and pipeline calls."""

    def __init__(
        self,
        audio: AudioConfig,
        actions: queue.Queue[Posted],
        *,
        machine: PushToTalk,
        recorder: Recorder,
        pipeline: Pipeline,
        tracker: StateTracker,
        sounds: Sounds,
        status: StatusLine,
        modes: ModePicker | None = None,
    ) -> None:
        self.audio = audio
        self.modes = modes
        self.actions = actions
        self.machine = machine
        self.recorder = recorder
        self.pipeline = pipeline
        self.tracker = tracker
        self.sounds = sounds
        self.status = status
        self.utterance: Utterance | None = None
        self._stop = threading.Event()

    def loop(self) -> int:
        """Turn posted actions into recorder/pipeline calls until Ctrl+C, SIGTERM or ``request_stop``."""
        # With the GUI this loop runs in a thread and the GUI's main thread handles the signals.
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, lambda *_: self.request_stop()) if in_main else None
        try:
            while not self._stop.is_set():
                # Idle, the loop sleeps until an action arrives; only a recording needs the clock, for its
                # length limit.
                wait = LENGTH_CHECK_S if self.utterance is not None else None
                try:
                    action = self.actions.get(timeout=wait)
                except queue.Empty:
                    self._check_length()
                    continue
                if action is not Action.QUIT:
                    self.handle(action)
        except KeyboardInterrupt:
            pass
        finally:
            if in_main:
                signal.signal(signal.SIGTERM, previous)
        self.status.close()
        return 0

    def handle(self, action: Posted) -> None:
        if action is Action.PAUSE:
            self._set_paused(True)
        elif action is Action.RESUME:
            self._set_paused(False)
        elif (
            action is Action.START or isinstance(action, (StartInMode, StartCommand))
        ) and self.tracker.paused:
            self.status.message("paused: not recording (resume from the tray or with `keyvox resume`)")
        elif action is Action.START or isinstance(action, StartInMode):
            self._start(action.mode if isinstance(action, StartInMode) else None)
        elif isinstance(action, StartCommand):
            self._start(action.mode, command=True)
        elif action is Action.STOP:
            self._finish()
        elif action is Action.CANCEL and self.utterance is not None:
            self.recorder.detach()
            self.utterance.cancel()
            self.utterance = None
            self.status.message("cancelled")
        elif action is Action.REINSERT:
            if self.pipeline.last_text is None and self.pipeline.state is DaemonState.IDLE:
                self.status.message("nothing to re-insert yet")
            self.pipeline.reinsert_last()

    def request_stop(self) -> None:
        """Ask the action loop to end (Quit in the tray, SIGTERM; thread-safe)."""
        self._stop.set()
        self.actions.put(Action.QUIT)  # wakes the loop where it waits

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # --- internals -----------------------------------------------------------------------------

    def _start(self, key_mode: str | None, *, command: bool = False) -> None:
        """Start recording in ``key_mode`` (its key's), else the picked mode; ``command``: a spoken
        command on the selection (the command key) rather than dictation."""
        if self.utterance is not None:  # a stale one (e.g. stopped by its length limit): finish it first
            self._finish()
        mode = self.modes.pick(key_mode) if self.modes is not None else None
        if key_mode is not None and mode is None:
            self.status.message(f'no mode named "{key_mode}": dictating with the main settings')
        if command:
            self.status.message("[command] say what to do with the selection")
        self.utterance = self.pipeline.start_utterance(mode, command=command)
        self.recorder.attach(self.utterance)
        self.sounds.start()

    def _finish(self) -> None:
        if self.utterance is None:
            return
        self.recorder.detach()
        utterance, self.utterance = self.utterance, None
        self.sounds.stop()
        held = time.perf_counter() - utterance.started_at  # the pre-roll does not make a tap longer
        if held < self.audio.min_duration_s:
            utterance.cancel()
            self.status.message(f"too short ({held:.2f} s), ignored")
        elif not utterance.finish():
            self.status.message(f"too short ({utterance.duration_s:.2f} s), ignored")

    def _set_paused(self, paused: bool) -> None:
        """Paused: the hotkey records nothing until resumed; an utterance in progress is finished first."""
        if paused == self.tracker.paused:
            return
        if paused:
            self._finish()
        self.tracker.set_paused(paused)

    def _check_length(self) -> None:
        if self.utterance is not None and self.utterance.duration_s >= self.audio.max_duration_s:
            self.status.message(f"recording reached {self.audio.max_duration_s:g} s, stopped")
            self.machine.stopped_by_itself()
            self._finish()
