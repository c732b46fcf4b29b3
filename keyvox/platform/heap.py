"""Handing memory that decoding freed back to the system, so a long-running daemon holds less of it.

glibc keeps freed memory in its heaps for reuse, and the decoder's buffers of many sizes (a window per
length, pieces of long speech) leave them fragmented, so RSS creeps up utterance by utterance.
``release_free_memory`` (``malloc_trim``, 0.4-1.9 ms) returns the free pages after each utterance and
each server request; ``limit_arenas`` caps the per-thread heaps ("arenas"), each of which fragments on
its own, at ``MAX_ARENAS``. With both, a 500-utterance soak held RSS flat (docs/decisions.md, "The C heap").
"""

from __future__ import annotations

import ctypes
import sys


def _find_libc() -> ctypes.CDLL | None:
    """The process's own symbols on Linux, where the C library's ``malloc_trim`` and ``mallopt`` are
    (glibc's; musl has neither: each is looked up when used); None elsewhere (Windows, macOS), where both
    calls are no-ops. ``ctypes.util.find_library`` would run ``ldconfig`` at every start (2.8 ms)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


_LIBC = _find_libc()
_TRIM = getattr(_LIBC, "malloc_trim", None)
M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter number for the arena limit (malloc.h)."""
MAX_ARENAS = 2
"""Enough where one engine thread does the heavy work: RSS 221-234 MB against 246-263 MB with glibc's 16."""


def limit_arenas(count: int = MAX_ARENAS) -> bool:
    """Cap the heaps glibc makes for threads; call before starting threads. True where it applies (glibc)."""
    if _LIBC is None:
        return False
    try:
        return bool(_LIBC.mallopt(M_ARENA_MAX, count))
    except AttributeError:
        return False


def release_free_memory() -> bool:
    """Give free heap memory back to the system; True when there was a way to (glibc)."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
