"""What every way of inserting text is and may raise."""

from __future__ import annotations


class OutputFailed(Exception):
    """One method could not insert the text; the chain tries the next one."""


class PartlyInserted(OutputFailed):
    """A method failed after part of the text may have reached the window: the next method would insert it
    all again after that part, so the chain stops and leaves the whole text on the clipboard."""
