"""Clean-up of dictated text by a local language model or a program, and edits of selected text by
voice, both under a fail-closed guard (docs/cleanup.md)."""

from keyvox.config.cleanup import CleanupConfig
from keyvox.text.cleanup.outcome import CleanupOutcome, CleanupReason
from keyvox.text.cleanup.run import clean, instruct

__all__ = ["CleanupConfig", "CleanupOutcome", "CleanupReason", "clean", "instruct"]
