"""Voice commands on selected text: what the spoken instruction asks, and carrying it out.

The user holds the command key and says an instruction. A spoken edit ("delete that", "capitalize
that", "undo that", "uppercase that", "lowercase that") is done here, offline; anything else goes with the
selection to a ``SelectionEditor`` (the mode's model, keyvox/core/command_model.py) when instructions
are on. Reading the selection is the desktop's (keyvox/desktop/selection.py); replacing it is typing the
answer over it through the pipeline's sink, which text fields take as "replace the selection".
When nothing is selected, or the editor's answer is rejected, nothing is typed and the result says why.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from keyvox.config.schema import Config
from keyvox.core.sinks import TextSink
from keyvox.text.insertion import Edit, InsertionContext


class SpokenEdit(Enum):
    """An edit keyvox does itself, without a model."""

    DELETE = "delete"
    """The selection; with nothing selected, keyvox's last insertion."""
    CAPITALIZE = "capitalize"
    """Each word of the selection starts with a capital (as Dragon's "cap that")."""
    UPPERCASE = "uppercase"
    LOWERCASE = "lowercase"
    UNDO = "undo"
    """Takes back the last command's replacement, else keyvox's last insertion ("scratch that")."""


_THAT = r"(?:that|this|it|the selection|selection|these|those)"
_PATTERNS: tuple[tuple[SpokenEdit, re.Pattern[str]], ...] = tuple(
    (edit, re.compile(rf"^(?:please )?{pattern}(?: please)?$"))
    for edit, pattern in (
        (SpokenEdit.DELETE, rf"(?:delete|remove|erase|cut|scratch) {_THAT}"),
        (SpokenEdit.CAPITALIZE, rf"(?:capitali[sz]e|cap) {_THAT}"),
        (
            SpokenEdit.UPPERCASE,
            rf"(?:upper ?case|all caps|caps) {_THAT}|make {_THAT} (?:upper ?case|all caps)",
        ),
        (SpokenEdit.LOWERCASE, rf"(?:lower ?case|no caps) {_THAT}|make {_THAT} lower ?case"),
        (SpokenEdit.UNDO, rf"undo(?: {_THAT})?"),
    )
)


@dataclass(frozen=True)
class Instruction:
    """What the user said while holding the command key."""

    spoken: str
    """The instruction as transcribed (for the model and for history)."""
    edit: SpokenEdit | None
    """The spoken edit it is; None: an instruction for the model."""


def parse_instruction(spoken: str) -> Instruction:
    """``spoken`` as the engine wrote it ("Capitalize that.", "Delete this!") read as a spoken edit, else
    as an instruction for the model. Case, punctuation and spacing do not matter to the edits."""
    words = " ".join(re.sub(r"[^\w\s']+", " ", spoken.lower()).split())
    for edit, pattern in _PATTERNS:
        if pattern.match(words):
            return Instruction(spoken.strip(), edit)
    return Instruction(spoken.strip(), None)


def apply_spoken_edit(edit: SpokenEdit, selection: str) -> str:
    """The selection after a case edit (``DELETE`` leaves nothing; ``UNDO`` is no text edit)."""
    if edit is SpokenEdit.CAPITALIZE:
        return re.sub(r"(?<![\w'’])([^\W\d_])", lambda match: match.group(1).upper(), selection)
    if edit is SpokenEdit.UPPERCASE:
        return selection.upper()
    if edit is SpokenEdit.LOWERCASE:
        return selection.lower()
    if edit is SpokenEdit.DELETE:
        return ""
    raise ValueError(f"{edit} is not an edit of the selection")


class CommandStatus(Enum):
    """What became of one command."""

    REPLACED = "replaced"
    DELETED = "deleted"
    UNDONE = "undone"
    UNCHANGED = "unchanged"
    """The edit gave the selection as it was: nothing was typed."""
    NOTHING_SELECTED = "nothing-selected"
    NOTHING_TO_UNDO = "nothing-to-undo"
    REJECTED = "rejected"
    """The model's answer was not a plausible edit (or it did not answer): the selection is kept."""
    NO_MODEL = "no-model"
    """An instruction for the model while model instructions are off."""
    NOT_HEARD = "not-heard"

    @property
    def changed_text(self) -> bool:
        return self in (CommandStatus.REPLACED, CommandStatus.DELETED, CommandStatus.UNDONE)


@dataclass(frozen=True)
class CommandResult:
    """One command, done or not: what was said, the text before and after, and why when nothing changed."""

    instruction: str
    status: CommandStatus
    before: str = ""
    """The selection (or the insertion taken back) before the command."""
    after: str = ""
    """What replaced it ("" for a deletion, or when nothing changed)."""
    reason: str = ""
    """For the user, when nothing changed: one line saying why."""


@dataclass(frozen=True)
class EditAnswer:
    """A ``SelectionEditor``'s answer: the edited text, and whether it may replace the selection."""

    text: str
    accepted: bool
    reason: str = ""
    """Why it was not accepted (the guard's verdict, a timeout, an unreachable server)."""


class SelectionEditor(Protocol):
    """Edits selected text as an instruction asks (the mode's model)."""

    def edit(self, instruction: str, selection: str) -> EditAnswer: ...


class SelectionReader(Protocol):
    """Reads the text selected in the focused window (keyvox/desktop/selection.py)."""

    def read(self) -> str | None:
        """The selected text; None or "" when nothing is selected."""
        ...


class InsertionLog(Protocol):
    """What keyvox typed recently per window (the text chain, ``TextProcessor``)."""

    def context_for(self, window_id: Hashable | None = None) -> InsertionContext: ...

    def record_edit(self, edit: Edit, window_id: Hashable | None = None) -> None: ...

    def forget(self) -> None: ...


@dataclass(frozen=True)
class _Replacement:
    window: Hashable | None
    before: str
    after: str


class CommandRunner:
    """Carries out commands in order (the pipeline's worker calls ``run``); remembers the last replacement
    so "undo that" can put the selection back."""

    def __init__(
        self,
        selection: SelectionReader,
        typed: InsertionLog,
        editor_for: Callable[[Config | None], SelectionEditor | None] = lambda settings: None,
    ) -> None:
        self.selection = selection
        self.typed = typed
        self.editor_for = editor_for
        """The model editor for an utterance's settings (a mode's endpoint); None: instructions are off."""
        self._last: _Replacement | None = None
        self._lock = threading.Lock()

    def run(
        self, spoken: str, sink: TextSink, window: Hashable | None = None, settings: Config | None = None
    ) -> CommandResult:
        instruction = parse_instruction(spoken)
        said = instruction.spoken
        if not said:
            return CommandResult("", CommandStatus.NOT_HEARD, reason="no instruction heard")
        with self._lock:
            if instruction.edit is SpokenEdit.UNDO:
                return self._undo(said, sink, window)
            selected = self.selection.read() or ""
            if instruction.edit is SpokenEdit.DELETE and not selected:
                return self._take_back_insertion(said, sink, window, CommandStatus.DELETED)
            if not selected:
                return CommandResult(
                    said,
                    CommandStatus.NOTHING_SELECTED,
                    reason="nothing is selected: select the text first, then hold the command key",
                )
            if instruction.edit is not None:
                return self._replace(
                    said, selected, apply_spoken_edit(instruction.edit, selected), sink, window
                )
            editor = self.editor_for(settings)
            if editor is None:
                return CommandResult(
                    said,
                    CommandStatus.NO_MODEL,
                    selected,
                    reason=f'"{said}" is not a spoken edit, and model instructions are off '
                    "(set [commands] instructions = true and a [cleanup] endpoint)",
                )
            answer = editor.edit(said, selected)
            if not answer.accepted or not answer.text.strip():
                why = answer.reason or "the model gave no usable edit"
                return CommandResult(said, CommandStatus.REJECTED, selected, reason=f"selection kept: {why}")
            return self._replace(said, selected, answer.text.strip(), sink, window)

    def _replace(
        self, said: str, selected: str, after: str, sink: TextSink, window: Hashable | None
    ) -> CommandResult:
        if after == selected:
            return CommandResult(
                said, CommandStatus.UNCHANGED, selected, after, "the selection is already so"
            )
        if after:
            sink.deliver(after)  # typed over the selection, which replaces it
        else:
            sink.delete_chars(1)  # one BackSpace deletes a selection
        # What keyvox typed before no longer ends at the cursor: "scratch that" must not reach into it.
        self.typed.forget()
        self._last = _Replacement(window, selected, after)
        status = CommandStatus.REPLACED if after else CommandStatus.DELETED
        return CommandResult(said, status, selected, after)

    def _undo(self, said: str, sink: TextSink, window: Hashable | None) -> CommandResult:
        last, self._last = self._last, None
        if last is not None and last.window == window:
            sink.delete_chars(len(last.after))
            if last.before:
                sink.deliver(last.before)
            return CommandResult(said, CommandStatus.UNDONE, last.after, last.before)
        return self._take_back_insertion(said, sink, window, CommandStatus.UNDONE)

    def _take_back_insertion(
        self, said: str, sink: TextSink, window: Hashable | None, status: CommandStatus
    ) -> CommandResult:
        recent = self.typed.context_for(window).recent
        if not recent:
            return CommandResult(
                said,
                CommandStatus.NOTHING_TO_UNDO,
                reason="nothing selected, and nothing typed by keyvox here recently to take back",
            )
        sink.delete_chars(len(recent[-1]))
        self.typed.record_edit(Edit(len(recent[-1]), "", 1), window)
        return CommandResult(said, status, recent[-1])
