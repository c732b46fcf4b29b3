"""Freed decoder memory goes back to the system (glibc's malloc_trim; a no-op elsewhere)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from keyvox.heap import release_free_memory


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap: Linux only")
def test_free_memory_is_handed_back():
    # Many small blocks (under glibc's mmap threshold) live in the heap; freed, they stay there until trimmed.
    blocks = [np.ones(16_000, dtype=np.float32) for _ in range(3_000)]  # ~190 MB in 64 KB pieces
    del blocks[:-1]  # the last one keeps the top of the heap in use, so free() alone cannot shrink it
    before = resident_mb()
    assert release_free_memory()
    assert resident_mb() < before - 100
