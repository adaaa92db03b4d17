"""Freed heap memory goes back to the OS after a heavy job (glibc's malloc_trim)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tokdash.memory import _libc, release_memory

SCRIPT = """
import gc, psutil, threading
from tokdash.memory import release_memory
proc = psutil.Process()
keep = []
def work():
    # 200 MB in this thread's heap, each big block next to a small one that stays alive: free,
    # the big ones leave holes that the heap cannot give back by shrinking
    pairs = [(bytearray(100_000), bytearray(600)) for _ in range(2000)]
    keep.extend(small for _, small in pairs)
    del pairs
t = threading.Thread(target=work)
t.start()
t.join()
gc.collect()
before = proc.memory_info().rss
trimmed = release_memory()
after = proc.memory_info().rss
print(trimmed, before, after)
"""


@pytest.mark.skipif(_libc() is None, reason="needs glibc's malloc_trim")
def test_freed_heap_goes_back_to_the_os():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    ).stdout.split()
    trimmed, before, after = out[0] == "True", int(out[1]), int(out[2])
    assert trimmed
    assert before - after > 100e6, (before, after)  # most of the 200 MB of holes


def test_release_memory_collects_garbage_everywhere():
    class Cycle:
        pass

    import gc
    import weakref

    a, b = Cycle(), Cycle()
    a.other, b.other = b, a
    ref = weakref.ref(a)
    gc.disable()
    try:
        del a, b
        assert ref() is not None  # only a collection frees a cycle
        release_memory()
        assert ref() is None
    finally:
        gc.enable()
