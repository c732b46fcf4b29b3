"""Where a long decode may give the model to other work: between the pieces of long audio.

The engine worker (keyvox/core/engine_worker.py) runs a server request that may be long with a
``yield_turn`` callback set here; ``transcribe_in_pieces`` calls ``between_pieces`` after each piece, and
the worker then runs other clients' jobs before the next piece. Nothing else changes: the same pieces
are decoded in the same order with the same context, so the joined result is the uncut one.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

_YIELD: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "keyvox_yield_turn", default=None
)


@contextlib.contextmanager
def turns_given(yield_turn: Callable[[], None]) -> Iterator[None]:
    """Within this block, ``between_pieces`` calls ``yield_turn`` (on this thread only)."""
    token = _YIELD.set(yield_turn)
    try:
        yield
    finally:
        _YIELD.reset(token)


def between_pieces() -> None:
    """A decode of long audio finished one piece: let waiting work run first, when a worker asked so."""
    yield_turn = _YIELD.get()
    if yield_turn is not None:
        yield_turn()
