"""The push-to-talk daemon (``keyvox`` with no command): microphone, hotkey, pipeline and output joined.

Threads: the key listener and the control socket only post actions to a queue; the main thread turns
actions into recorder/pipeline calls (all cheap); the pipeline's worker types what the engine worker
(keyvox/core/engine_worker.py, the one thread that touches the model, shared with the server) transcribes.
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import time

from keyvox.config.schema import LoadedConfig
from keyvox.core.presence import Presence
from keyvox.desktop.sounds import Sounds
from keyvox.desktop.status import StatusLine
from keyvox.errors import KeyvoxError, error_line
from keyvox.platform.heap import limit_arenas
from keyvox.platform.native_stderr import quiet_native_stderr
from keyvox.vocabulary import DaemonState, Notice, NoticeKind


def run_daemon(loaded: LoadedConfig) -> int:
    from keyvox.config.keys import parse_key_spec
    from keyvox.desktop.gui.launch import prepare_gui
    from keyvox.desktop.hotkey.control import ControlServer
    from keyvox.desktop.hotkey.listen import choose_backend
    from keyvox.desktop.hotkey.machine import PushToTalk
    from keyvox.desktop.integrations import attach as attach_integrations

    limit_arenas()  # before any thread starts
    config = loaded.config
    spec = parse_key_spec(config.hotkey.key)
    cancel = parse_key_spec(config.hotkey.cancel_key, setting="[hotkey] cancel_key")
    backend = choose_backend(config.hotkey.backend)
    check_display(backend)

    actions: queue.Queue[str] = queue.Queue()
    machine = PushToTalk(
        spec,
        mode=config.hotkey.mode,
        double_tap_s=config.hotkey.double_tap_s,
        cancel=cancel,
        post=actions.put,
    )
    control = ControlServer(machine.command)
    control.claim()
    daemon = Daemon(loaded, machine, backend)
    attach_integrations(daemon, control)
    gui = prepare_gui(config.gui, daemon.status.message)  # tray and overlay; None runs headless
    try:
        with quiet_native_stderr():
            try:
                daemon.start()
                control.serve()
                daemon.status.message(ready_line(config.hotkey.mode, spec.human, backend, daemon.description))
                daemon.presence.on_state(DaemonState.IDLE)
                code = gui.run(daemon, actions) if gui is not None else daemon.loop(actions)
            finally:
                daemon.stop()
    finally:
        control.close()
    if gui is not None:
        # Everything is closed and saved by now. PySide6 can abort the interpreter's final garbage
        # collection ("Fatal Python error: bool_dealloc", seen on the rig after a clean quit), which would
        # turn a clean stop into SIGABRT for a supervisor: leave without that last collection.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def check_display(backend: str) -> None:
    """Fail before the model loads when the X display is missing or unreachable."""
    from keyvox.platform.session import detect_session

    if not detect_session().is_linux or backend != "pynput":
        return
    name = os.environ.get("DISPLAY")
    if not name:
        raise KeyvoxError(
            "no display: DISPLAY is not set; run keyvox inside your desktop session (on Wayland set "
            '[hotkey] backend = "evdev" or "command")'
        )
    try:
        from Xlib import display

        display.Display().close()
    except ImportError:
        return  # pynput will report what is missing
    except Exception as exc:
        raise KeyvoxError(
            f"cannot open display {name} ({str(exc).strip() or type(exc).__name__}); run keyvox "
            "inside your desktop session, or check DISPLAY"
        ) from None


def ready_line(mode: str, key: str, backend: str, description: str) -> str:
    if backend == "command":
        how = "run `keyvox toggle` (bind it to a key) to dictate"
    elif mode == "toggle":
        how = f"press {key} to start and stop dictation"
    else:
        how = f"hold {key} to dictate"
    return f"Ready: {how} ({description})"


class Daemon:
    """Owns the recorder, the pipeline and the listener for one run."""

    def __init__(self, loaded: LoadedConfig, machine, backend: str) -> None:
        self.loaded = loaded
        self.config = loaded.config
        self.machine = machine
        self.backend = backend
        self.status = StatusLine()
        self.sounds = Sounds.from_config(self.config.audio)
        self.recorder = None
        self.pipeline = None
        self.listener = None
        self.utterance = None
        self.description = ""
        self.transcriber = None
        self.engine = None
        self.history = None
        self.events = None
        self.server = None
        self.presence = Presence()
        """Every observer of the daemon (status line, event stream, tray, overlay, ...) hangs off this."""
        self.presence.add(self.status)
        self.paused = False
        self._stop = threading.Event()

    def start(self) -> None:
        from keyvox.audio.capture import Recorder
        from keyvox.core.engine_worker import EngineWorker
        from keyvox.core.pipeline import Pipeline, PipelineOptions
        from keyvox.desktop.hotkey.listen import make_listener
        from keyvox.desktop.output.chain import OutputChain, build_methods
        from keyvox.engines.factory import create_transcriber
        from keyvox.text.chain import TextProcessor

        audio = self.config.audio
        self.recorder = Recorder(
            audio.device, audio.preroll_s, on_event=self._on_audio_event, on_level=self.presence.on_level
        )
        self.recorder.open()
        try:
            transcriber = self.transcriber = create_transcriber(self.config)
        except Exception as exc:
            self.presence.on_notice(Notice(NoticeKind.MODEL_FAILED, str(exc)))
            raise
        self.description = transcriber.description
        self.engine = EngineWorker(transcriber)
        self._start_history_and_server()
        sink = OutputChain(
            build_methods(self.config.output.method, type_delay_ms=self.config.output.type_delay_ms),
            wait_for_keys=self.machine.hotkey_up,
            report=lambda line: self.status.message(line, error=True),
            on_fallback=lambda line: self.presence.on_notice(Notice(NoticeKind.INSERT_FAILED, line)),
        )
        chain = TextProcessor.from_loaded(
            self.loaded, report=lambda line: self.status.message(line, error=True)
        )
        self.pipeline = Pipeline(
            self.engine.for_dictation(),
            chain,
            sink,
            options=PipelineOptions.from_config(self.config),
            on_result=self._on_result,
            on_state=self._on_state,
            on_partial=self.presence.on_partial,
        )
        self.listener = make_listener(self.backend, self.machine)
        if self.listener is not None:
            self.listener.start()

    def loop(self, actions: queue.Queue) -> int:
        """Turn posted actions into recorder/pipeline calls until Ctrl+C or SIGTERM."""
        # With the GUI this loop runs in a thread and the GUI's main thread handles the signals.
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, lambda *_: self._stop.set()) if in_main else None
        try:
            while not self._stop.is_set():
                try:
                    action = actions.get(timeout=0.1)
                except queue.Empty:
                    self._check_length()
                    continue
                self.handle(action)
        except KeyboardInterrupt:
            pass
        finally:
            if in_main:
                signal.signal(signal.SIGTERM, previous)
        self.status.close()
        return 0

    def handle(self, action: str) -> None:
        from keyvox.desktop.hotkey.machine import CANCEL, PAUSE, REINSERT, RESUME, START, STOP

        if action == PAUSE:
            self._set_paused(True)
        elif action == RESUME:
            self._set_paused(False)
        elif action == START and self.paused:
            self.status.message("paused: not recording (resume from the tray or with `keyvox resume`)")
        elif action == START:
            if self.utterance is not None:  # a stale one (e.g. stopped by its length limit): finish it first
                self._finish()
            self.utterance = self.pipeline.start_utterance()
            self.recorder.attach(self.utterance)
            self.sounds.start()
        elif action == STOP:
            self._finish()
        elif action == CANCEL and self.utterance is not None:
            self.recorder.detach()
            self.utterance.cancel()
            self.utterance = None
            self.status.message("cancelled")
        elif action == REINSERT:
            if self.pipeline.last_text is None and self.pipeline.state == "idle":
                self.status.message("nothing to re-insert yet")
            self.pipeline.reinsert_last()

    def request_stop(self) -> None:
        """Ask the action loop to end (Quit in the tray; thread-safe)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        self.presence.close()
        if self.listener is not None:
            try:
                self.listener.stop()
            except Exception:  # shutting down: a listener that is already gone is fine
                pass
        if self.recorder is not None:
            self.recorder.close()
        if self.pipeline is not None:
            self.pipeline.close(timeout=0.5)
        if self.server is not None:
            self.server.stop()
        if self.engine is not None:
            self.engine.close(timeout=0.5)

    @property
    def backend_name(self) -> str:
        return self.description.split(" ")[0] if self.description else ""

    @property
    def model_name(self) -> str:
        return str(getattr(self.transcriber, "model_name", ""))

    # --- internals -----------------------------------------------------------------------------

    def _finish(self) -> None:
        if self.utterance is None:
            return
        self.recorder.detach()
        utterance, self.utterance = self.utterance, None
        self.sounds.stop()
        held = time.perf_counter() - utterance.started_at  # the pre-roll does not make a tap longer
        if held < self.config.audio.min_duration_s:
            utterance.cancel()
            self.status.message(f"too short ({held:.2f} s), ignored")
        elif not utterance.finish():
            self.status.message(f"too short ({utterance.duration_s:.2f} s), ignored")

    def _set_paused(self, paused: bool) -> None:
        """Paused: the hotkey records nothing until resumed; an utterance in progress is finished first."""
        if paused == self.paused:
            return
        if paused:
            self._finish()
        self.paused = paused
        self.presence.on_state(DaemonState.PAUSED if paused else self.pipeline.state)

    def _check_length(self) -> None:
        if self.utterance is not None and self.utterance.duration_s >= self.config.audio.max_duration_s:
            self.status.message(f"recording reached {self.config.audio.max_duration_s:g} s, stopped")
            self.machine.stopped_by_itself()
            self._finish()

    def _start_history_and_server(self) -> None:
        """History and the optional server with its event stream; both follow the pipeline's callbacks."""
        if self.config.history.enabled:
            from keyvox.desktop.history import History

            self.history = History.from_config(self.config.history)
        if self.config.server.enabled:
            from keyvox.server.events import EventHub
            from keyvox.server.run import start_background

            self.events = EventHub()
            self.presence.add(self.events)
            self.server = start_background(self.config, self.transcriber, self.events, self.engine)

    def _on_state(self, state: str) -> None:
        self.presence.on_state(DaemonState.PAUSED if self.paused and state == "idle" else DaemonState(state))

    def _on_result(self, result) -> None:
        from keyvox.desktop.output.window_info import describe_window

        self.presence.on_result(result)
        if self.history is not None:
            try:
                self.history.record(
                    result,
                    backend=self.backend_name,
                    model=self.model_name,
                    window=describe_window(result.window),
                    audio=result.audio,
                )
            except Exception as exc:  # a full disk must not stop dictation; the text is already typed
                self.status.message(error_line(f"history not saved ({exc})"), error=True)
        if result.error:
            self.status.message(error_line(result.error), error=True)
        elif result.text:
            latency = f"{result.latency_s:.2f}"
            self.status.message(
                f"text ({result.duration_s:.1f} s audio, {latency} s after release): {result.text}"
            )
        else:
            self.status.message("no speech heard")

    def _on_audio_event(self, kind: str, message: str) -> None:
        self.status.message(f"keyvox: {'error: ' if kind == 'error' else ''}{message}", error=kind == "error")
        if kind == "error":
            self.presence.on_notice(Notice(NoticeKind.MICROPHONE_LOST, message))
