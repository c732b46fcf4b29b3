"""One run of the daemon: every part built once, in start-up order, with what it needs.

The order is the daemon's behaviour: the control socket is claimed first (a second keyvox stops before it
touches the microphone or the model); the observers exist before anything can fail (a model that does
not load is notified); the GUI's Qt probe starts before the model loads, and runs meanwhile; the
microphone opens before the model loads (a missing one is said at once, not after a long load). Should
any step fail, what was built so far is closed again, newest first, as ``Runtime.close`` does.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING

from keyvox.audio.capture import Recorder
from keyvox.config.keys import KeySpec, parse_key_spec
from keyvox.config.modes import ModeConfig
from keyvox.config.schema import Config, HotkeyConfig, LoadedConfig
from keyvox.core.commands import CommandRunner
from keyvox.core.engine_worker import EngineWorker
from keyvox.core.pipeline import Pipeline
from keyvox.core.presence import Observer, Presence
from keyvox.core.state import StateTracker
from keyvox.core.utterance import PipelineOptions
from keyvox.desktop.dbus_control import DBusControl, DBusUnavailable
from keyvox.desktop.gui.launch import GuiLauncher, prepare_gui
from keyvox.desktop.hotkey.control import ControlServer
from keyvox.desktop.hotkey.listen import choose_backend, make_listener
from keyvox.desktop.hotkey.machine import Posted, PushToTalk
from keyvox.desktop.mode_picker import ModePicker
from keyvox.desktop.notify import Notifier
from keyvox.desktop.panel import StatusFeed
from keyvox.desktop.reports import MicrophoneReport, ResultReport
from keyvox.desktop.sounds import Sounds
from keyvox.desktop.status import StatusLine
from keyvox.engines.base import Transcriber
from keyvox.errors import KeyvoxError
from keyvox.platform.session import detect_session
from keyvox.vocabulary import Notice, NoticeKind

if TYPE_CHECKING:
    from keyvox.desktop.daemon import Daemon
    from keyvox.desktop.gui.controls import DaemonLink
    from keyvox.desktop.history import History
    from keyvox.server.events import EventHub


@dataclass(frozen=True)
class HotkeyPlan:
    """The push-to-talk key, the cancel key and the listener that reads them (``pynput``, ``evdev`` or
    ``command``: the socket only)."""

    key: KeySpec
    cancel: KeySpec
    listener: str
    mode_keys: tuple[tuple[KeySpec, str], ...] = ()
    """The modes' own push-to-talk keys, each with its mode's name."""
    command_keys: tuple[tuple[KeySpec, str | None], ...] = ()
    """The command keys (``[commands] key``, each mode's ``command_key``), each with its mode (None: the
    main settings)."""

    @classmethod
    def from_config(
        cls, hotkey: HotkeyConfig, modes: list[ModeConfig] | None = None, command_key: str = ""
    ) -> HotkeyPlan:
        """Raises a one-line error for a bad key, or for an X display the listener cannot reach."""
        main_command = ((parse_key_spec(command_key, setting="[commands] key"), None),) if command_key else ()
        plan = cls(
            parse_key_spec(hotkey.key),
            parse_key_spec(hotkey.cancel_key, setting="[hotkey] cancel_key"),
            choose_backend(hotkey.backend),
            tuple(
                (parse_key_spec(m.key, setting=f'[[mode]] "{m.name}" key'), m.name)
                for m in modes or []
                if m.key
            ),
            main_command
            + tuple(
                (parse_key_spec(m.command_key, setting=f'[[mode]] "{m.name}" command_key'), m.name)
                for m in modes or []
                if m.command_key
            ),
        )
        check_display(plan.listener)
        return plan


@dataclass(frozen=True)
class Runtime:
    """The parts of one daemon run, started: ``run_daemon`` (keyvox/desktop/daemon.py) serves the socket,
    says it is ready and runs the action loop over them, headless or with the GUI; ``close`` stops
    everything, newest part first."""

    loaded: LoadedConfig
    hotkey: HotkeyPlan
    actions: queue.Queue[Posted]
    """What the key machine decided, for the action loop."""
    machine: PushToTalk
    control: ControlServer
    status: StatusLine
    presence: Presence
    tracker: StateTracker
    sounds: Sounds
    gui: GuiLauncher | None
    recorder: Recorder
    transcriber: Transcriber
    engine: EngineWorker
    history: History | None
    pipeline: Pipeline
    modes: ModePicker
    closing: ExitStack

    def gui_link(self, daemon: Daemon) -> DaemonLink:
        """What the tray and the overlay may call on this run, with ``daemon``'s action loop."""
        from keyvox.desktop.gui.controls import Controls, DaemonLink

        controls = Controls(
            tracker=self.tracker,
            send=self.machine.command,
            post=self.actions.put,
            request_stop=daemon.request_stop,
            pipeline=self.pipeline,
            history=self.history,
            recorder=self.recorder,
            transcriber=self.transcriber,
            engine=self.engine,
            config_path=self.loaded.path,
            modes=self.modes,
        )
        return DaemonLink(
            controls=controls,
            report=self.status.message,
            watch=self.presence.add,
            loop=daemon.loop,
            request_stop=daemon.request_stop,
            stopping=lambda: daemon.stopping,
        )

    def close(self) -> None:
        self.closing.close()


def build_runtime(loaded: LoadedConfig) -> Runtime:
    """Build and start every part of a daemon run; raises a one-line ``KeyvoxError`` when one cannot start
    (another keyvox runs, no microphone, no model), after closing what was already built."""
    config = loaded.config
    hotkey = HotkeyPlan.from_config(config.hotkey, config.modes, config.commands.key)
    with ExitStack() as stack:
        actions: queue.Queue[Posted] = queue.Queue()
        machine = PushToTalk(
            hotkey.key,
            mode=config.hotkey.mode,
            double_tap_s=config.hotkey.double_tap_s,
            cancel=hotkey.cancel,
            post=actions.put,
            mode_keys=hotkey.mode_keys,
            command_keys=hotkey.command_keys,
        )
        feed = StatusFeed()
        control = ControlServer(machine.command, feed)
        control.claim()
        stack.callback(control.close)

        status = StatusLine()
        sounds = Sounds.from_config(config.audio)
        events = _event_hub(config)
        observers: list[Observer] = [status, feed, sounds]
        observers += [Notifier()] if config.desktop.notifications else []
        observers += _dbus(config, machine, status)
        observers += [events] if events is not None else []
        presence = Presence(observers)
        stack.callback(presence.close)
        tracker = StateTracker(presence)
        gui = prepare_gui(config.gui, status.message)  # its probe runs while the model loads

        audio = config.audio
        recorder = Recorder(
            audio.device,
            audio.preroll_s,
            on_notice=MicrophoneReport(status, tracker, presence).on_notice,
            on_level=presence.on_level,
            keep_open=audio.keep_open,
        )
        recorder.open()
        stack.callback(recorder.close)
        transcriber = _load_model(config, presence)
        engine = EngineWorker(transcriber, _mode_models(config, transcriber, presence))
        stack.callback(engine.close, timeout=0.5)
        history = _history(config)
        if events is not None:
            from keyvox.server.run import start_background

            server = start_background(config, transcriber, events, engine)
            stack.callback(server.stop)

        pipeline = _pipeline(
            loaded,
            engine,
            machine,
            status,
            presence,
            tracker,
            ResultReport(
                status,
                tracker,
                presence,
                history,
                backend=transcriber.backend,
                model=transcriber.model_name,
            ),
        )
        stack.callback(pipeline.close, timeout=0.5)
        modes = ModePicker(lambda: pipeline.chain.config.modes, presence)
        listener = make_listener(hotkey.listener, machine)
        if listener is not None:
            listener.start()
            stack.callback(_stop_listener, listener)
        closing = stack.pop_all()
    return Runtime(
        loaded=loaded,
        hotkey=hotkey,
        actions=actions,
        machine=machine,
        control=control,
        status=status,
        presence=presence,
        tracker=tracker,
        sounds=sounds,
        gui=gui,
        recorder=recorder,
        transcriber=transcriber,
        engine=engine,
        history=history,
        pipeline=pipeline,
        modes=modes,
        closing=closing,
    )


def check_display(listener: str) -> None:
    """Fail before the model loads when the X display is missing or unreachable."""
    if not detect_session().is_linux or listener != "pynput":
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


# --- the parts that take a few steps ----------------------------------------------------------------


def _event_hub(config: Config) -> EventHub | None:
    """The ``/v1/events`` stream, when ``[server] enabled``: an observer from the start, served once the
    model is loaded."""
    if not config.server.enabled:
        return None
    from keyvox.server.events import EventHub

    return EventHub()


def _dbus(config: Config, machine: PushToTalk, status: StatusLine) -> list[Observer]:
    """D-Bus control on Linux, when ``[desktop] dbus``; a bus that cannot be used is said in one line."""
    if not (config.desktop.dbus and sys.platform.startswith("linux")):
        return []
    bus = DBusControl(machine.command, report=status.message)
    try:
        bus.start()
    except DBusUnavailable as exc:
        status.message(f"keyvox: {exc}")
        return []
    return [bus]


def _load_model(config: Config, observer: Observer) -> Transcriber:
    from keyvox.engines.factory import create_transcriber

    try:
        return create_transcriber(config)
    except Exception as exc:
        observer.on_notice(Notice(NoticeKind.MODEL_FAILED, str(exc)))
        raise


def _mode_models(config: Config, main: Transcriber, observer: Observer) -> dict[str, Transcriber]:
    """The other models modes ask for, loaded now and kept warm (each costs its own memory: see
    docs/modes.md), by the name the modes give them."""
    names = {mode.model for mode in config.modes if mode.model and mode.model != main.model_name}
    return {
        name: _load_model(
            dataclasses.replace(config, model=dataclasses.replace(config.model, name=name)), observer
        )
        for name in sorted(names)
    }


def _history(config: Config) -> History | None:
    if not config.history.enabled:
        return None
    from keyvox.desktop.history import History

    return History.from_config(config.history)


def _pipeline(
    loaded: LoadedConfig,
    engine: EngineWorker,
    machine: PushToTalk,
    status: StatusLine,
    presence: Presence,
    tracker: StateTracker,
    results: ResultReport,
) -> Pipeline:
    from keyvox.core.cleanup_step import CleanupStep
    from keyvox.desktop.output.chain import OutputChain, build_methods
    from keyvox.text.chain import TextProcessor

    config = loaded.config
    report = lambda line: status.message(line, error=True)

    def output(method: str) -> OutputChain:
        return OutputChain(
            build_methods(method, type_delay_ms=config.output.type_delay_ms),
            wait_for_keys=machine.hotkey_up,
            report=report,
            on_fallback=lambda line: presence.on_notice(Notice(NoticeKind.INSERT_FAILED, line)),
        )

    sink = output(config.output.method)
    by_method = {mode.output: output(mode.output) for mode in config.modes if mode.output}
    chain = TextProcessor.from_loaded(loaded, report=report)
    return Pipeline(
        engine.for_dictation(),
        chain,
        sink,
        options=PipelineOptions.from_config(config),
        on_result=results.on_result,
        on_state=tracker.on_pipeline_state,
        on_partial=presence.on_partial,
        engine_for=engine.for_dictation,
        sinks_by_method=by_method,
        cleanup=CleanupStep(presence.on_notice, presence.on_cleaning),
        commands=_commands(chain, presence.on_cleaning),
    )


def _commands(chain, on_cleaning) -> CommandRunner:
    """Voice commands: from a command key, or ``keyvox command`` (a compositor binding) without one."""
    from keyvox.core.command_model import editor_for
    from keyvox.desktop.selection import DesktopSelection

    return CommandRunner(
        DesktopSelection(), chain, lambda settings: editor_for(settings or chain.config, on_cleaning)
    )


def _stop_listener(listener) -> None:
    try:
        listener.stop()
    except Exception:  # shutting down: a listener that is already gone is fine
        pass
