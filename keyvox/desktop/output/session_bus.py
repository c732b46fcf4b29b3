"""What the GNOME output methods (mutter's remote desktop and clipboard, the desktop portal) share about
their calls on the session bus (jeepney)."""

from __future__ import annotations

from keyvox.desktop.output.base import OutputFailed


def answer(reply, refused: str) -> tuple:
    """The body of ``reply``; an error reply is ``OutputFailed`` starting with ``refused`` ("mutter refused")."""
    if reply.header.message_type.name == "error":
        raise OutputFailed(f"{refused}: {reply.body[0] if reply.body else 'error'}")
    return reply.body


def close_router(opened) -> None:
    """Close an opened jeepney threading router (its context manager); a bus already gone is no error."""
    if opened is not None:
        try:
            opened.__exit__(None, None, None)
        except Exception:
            pass
