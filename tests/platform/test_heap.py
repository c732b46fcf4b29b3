"""Freed decoder memory goes back to the system (glibc's malloc_trim; a no-op elsewhere)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from keyvox.platform.heap import release_free_memory


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


ARENAS_SCRIPT = """
import ctypes, sys, threading
import numpy as np
from keyvox.platform.heap import limit_arenas
if sys.argv[1] == "limited":
    assert limit_arenas(2)
barrier = threading.Barrier(8)
def work():
    barrier.wait()  # all at once, so each thread finds the heaps busy and glibc would make it one of its own
    blocks = [np.ones(256, dtype=np.float32) for _ in range(20_000)]
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
ctypes.CDLL("libc.so.6").malloc_stats()  # one "Arena N:" paragraph per heap, on stderr
"""


def arenas_used(mode: str) -> int:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", ARENAS_SCRIPT, mode], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stderr.count("Arena ")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heaps: Linux only")
def test_threads_share_a_capped_number_of_heaps():
    assert arenas_used("default") > 2  # glibc's own limit is 8 per core
    assert arenas_used("limited") <= 2
