"""What the user hears of a voice command: one status line for each, and a notice to every observer (overlay,
tray, notifications) exactly when the text was left as it was."""

from __future__ import annotations

import io

from keyvox.core.commands import CommandResult, CommandStatus
from keyvox.core.presence import Observer, Presence
from keyvox.core.state import StateTracker
from keyvox.core.utterance import UtteranceResult
from keyvox.desktop.reports import ResultReport
from keyvox.desktop.status import StatusLine
from keyvox.vocabulary import NoticeKind


class Notices(Observer):
    def __init__(self) -> None:
        self.seen = []

    def on_notice(self, notice) -> None:
        self.seen.append(notice)


def test_a_command_that_changed_nothing_is_one_notice_and_one_line():
    out, notices = io.StringIO(), Notices()
    presence = Presence([notices])
    report = ResultReport(
        StatusLine(out), StateTracker(presence), presence, None, backend="faster-whisper", model="tiny.en"
    )
    done = CommandResult("Capitalize that.", CommandStatus.REPLACED, "new york", "New York")
    report.on_result(UtteranceResult("New York", None, 1.0, 0.0, delivered_at=0.3, command=done))
    why = "nothing is selected: select the text first, then hold the command key"
    refused = CommandResult("Capitalize that.", CommandStatus.NOTHING_SELECTED, reason=why)
    report.on_result(UtteranceResult("", None, 1.0, 0.0, delivered_at=0.3, command=refused))
    lines = out.getvalue().splitlines()
    assert "[command] \"Capitalize that.\": replaced 'new york' -> 'New York'" in lines
    assert f'[command] "Capitalize that.": nothing-selected: {why}' in lines
    assert not any(line.startswith(("text (", "no speech")) for line in lines)
    assert [(n.kind, n.message) for n in notices.seen] == [(NoticeKind.COMMAND_NOT_DONE, why)]
