"""What the daemon tells the user about the microphone and about each finished utterance: the status
line, the state tracker (keyvox/core/state.py) and every observer hear it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from keyvox.core.commands import CommandResult, CommandStatus
from keyvox.core.presence import Observer
from keyvox.core.state import StateTracker
from keyvox.desktop.status import StatusLine
from keyvox.errors import error_line
from keyvox.vocabulary import Notice, NoticeKind

if TYPE_CHECKING:
    from keyvox.core.utterance import UtteranceResult
    from keyvox.desktop.history import History


class MicrophoneReport:
    """The recorder's ``on_notice``: the microphone is lost, or back (from its watchdog thread)."""

    def __init__(self, status: StatusLine, tracker: StateTracker, observer: Observer) -> None:
        self.status = status
        self.tracker = tracker
        self.observer = observer

    def on_notice(self, notice: Notice) -> None:
        trouble = notice.kind.is_trouble
        self.status.message(
            error_line(notice.message) if trouble else f"keyvox: {notice.message}", error=trouble
        )
        self.tracker.on_notice(notice)  # first: the tray draws the error state, then the notice's words on it
        self.observer.on_notice(notice)


class ResultReport:
    """The pipeline's ``on_result`` (its worker thread): the transcript line, history and the observers."""

    def __init__(
        self,
        status: StatusLine,
        tracker: StateTracker,
        observer: Observer,
        history: History | None,
        *,
        backend: str,
        model: str,
    ) -> None:
        self.status = status
        self.tracker = tracker
        self.observer = observer
        self.history = history
        self.backend = backend
        self.model = model

    def on_result(self, result: UtteranceResult) -> None:
        self.observer.on_result(result)
        if self.history is not None:
            self._remember(result)
        self.tracker.on_result(result)
        if result.command is not None and not result.error:
            self._report_command(result.command)
        elif result.error:
            self.status.message(error_line(result.error), error=True)
        elif result.text:
            latency = f"{result.latency_s:.2f}"
            self.status.message(
                f"text ({result.duration_s:.1f} s audio, {latency} s after release): {result.text}"
            )
        else:
            self.status.message("no speech heard")

    def _report_command(self, done: CommandResult) -> None:
        """One line for every command; a notice (overlay, notification) when it changed nothing."""
        if done.status.changed_text:
            self.status.message(
                f'[command] "{done.instruction}": {done.status.value} {done.before!r} -> {done.after!r}'
            )
            return
        self.status.message(f'[command] "{done.instruction}": {done.status.value}: {done.reason}')
        if done.status not in (CommandStatus.NOT_HEARD, CommandStatus.UNCHANGED):
            self.observer.on_notice(Notice(NoticeKind.COMMAND_NOT_DONE, done.reason))

    def _remember(self, result: UtteranceResult) -> None:
        from keyvox.desktop.output.window_info import describe_window

        try:
            self.history.record(
                result,
                backend=self.backend,
                model=result.model or self.model,
                window=describe_window(result.window),
                audio=result.audio,
            )
        except Exception as exc:  # a full disk must not stop dictation; the text is already typed
            self.status.message(error_line(f"history not saved ({exc})"), error=True)
