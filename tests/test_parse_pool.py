"""Parsing in worker processes gives what parsing here gives, keeps order, survives a dead worker
and gives its memory back when idle."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

from tokdash.analysis import parse_pool as pp
from tokdash.analysis.code_compare import parse_corpus
from tokdash.corpus import Document, harvest_stdlib


@pytest.fixture(scope="module")
def items():
    docs = harvest_stdlib().documents[:40]
    out = [(d.text, d.language, d.source) for d in docs]
    # a refused document in the middle: the grammar cannot read most of it
    out.insert(7, ("§§§ ((( not python at all ]]] " * 50, "python", "junk.py"))
    return out


def same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return (
        a.language == b.language
        and a.n_bytes == b.n_bytes
        and a.error_bytes == b.error_bytes
        and np.array_equal(a.starts, b.starts)
        and np.array_equal(a.ends, b.ends)
        and np.array_equal(a.categories, b.categories)
        and np.array_equal(a.kinds, b.kinds)
    )


@pytest.fixture
def small_pool(monkeypatch):
    monkeypatch.setattr(pp, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pp, "CHUNK_BYTES", 20_000)
    yield
    pp.shutdown()


def test_chunks_keep_order_and_size():
    items = [("x" * n, "python", f"{i}.py") for i, n in enumerate([5, 5, 20, 1, 1, 1, 30])]
    parts = pp.chunks(items, limit=10)
    assert [item for part in parts for item in part] == items
    assert [len(p) for p in parts] == [2, 1, 4]  # 5+5 | 20 | 1+1+1+30
    assert pp.chunks([], limit=10) == []


def test_pool_equals_here(items, small_pool):
    here = pp.parse_items(items, workers=1)
    seen = []
    pooled = pp.parse_items(items, workers=2, progress=seen.append)
    assert len(pooled) == len(here) == len(items)
    assert all(same(a, b) for a, b in zip(pooled, here, strict=True))
    assert isinstance(pooled[7], str) and "junk.py" in pooled[7]
    assert seen == sorted(seen) and seen[-1] == len(items)
    assert pp._pool is not None  # kept warm for the next call


def test_parse_corpus_same_with_workers(small_pool):
    docs = [
        *harvest_stdlib().documents[:12],
        Document("fn main() { let x = 1; }\n", "rust", "m.rs"),
        Document("just prose, no grammar\n", "english", "a.txt"),
    ]
    one = parse_corpus(docs, workers=1)
    two = parse_corpus(docs, workers=2)
    assert [d.source for d in one.documents] == [d.source for d in two.documents]
    assert all(same(a, b) for a, b in zip(one.leaves, two.leaves, strict=True))
    assert one.no_grammar == two.no_grammar == {"english": 1}


def test_a_worker_dying_mid_run_loses_nothing(items, small_pool, monkeypatch):
    monkeypatch.setattr(pp, "CHUNK_BYTES", 2_000)  # hundreds of chunks: most still queued
    here = pp.parse_items(items, workers=1)
    pool = pp._get_pool(2)
    pool.submit(pp.parse_one, items[0]).result()  # the workers are up
    killed = []

    def kill_one(done: int) -> None:
        if not killed:
            victim = next(iter(pool._processes.values()))
            os.kill(victim.pid, signal.SIGKILL)
            killed.append(victim.pid)

    pooled = pp.parse_items(items, workers=2, progress=kill_one)
    assert killed
    assert all(same(a, b) for a, b in zip(pooled, here, strict=True))
    assert pp._pool is not pool  # the broken pool was dropped


def test_a_worker_dead_before_the_run_loses_nothing(items, small_pool):
    pool = pp._get_pool(2)
    pool.submit(pp.parse_one, items[0]).result()  # the workers are up
    victim = next(iter(pool._processes.values()))
    os.kill(victim.pid, signal.SIGKILL)
    victim.join(10)
    here = pp.parse_items(items, workers=1)
    pooled = pp.parse_items(items, workers=2)
    assert all(same(a, b) for a, b in zip(pooled, here, strict=True))
    assert pp._pool is not pool  # the broken pool was dropped


def test_idle_pool_is_shut_down(items, small_pool, monkeypatch):
    monkeypatch.setattr(pp, "IDLE_SECONDS", 0.2)
    pp.parse_items(items[:5], workers=2)
    pool = pp._pool
    assert pool is not None
    deadline = time.monotonic() + 10
    while pp._pool is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pp._pool is None


def test_a_busy_pool_is_not_reaped(items, small_pool, monkeypatch):
    monkeypatch.setattr(pp, "IDLE_SECONDS", 0.05)
    here = pp.parse_items(items, workers=1)
    seen = []

    def slow(done: int) -> None:
        time.sleep(0.3)  # the reaper comes due (several times) while this call is busy
        seen.append(pp._pool)

    pp.parse_items(items[:3], workers=2)  # ends by setting the reaper, due in 0.05 s
    pooled = pp.parse_items(items, workers=2, progress=slow)
    assert all(same(a, b) for a, b in zip(pooled, here, strict=True))
    assert len(seen) > 2 and seen[0] is not None
    assert all(p is seen[0] for p in seen)  # the same pool, alive, the whole call


def test_workers_follow_tokdash_threads(monkeypatch):
    monkeypatch.setenv("TOKDASH_THREADS", "1")
    assert pp.parse_workers() == 1
    monkeypatch.setenv("TOKDASH_THREADS", "64")
    assert pp.parse_workers() == (os.cpu_count() or 1)


def worker_has_streamlit() -> bool:
    """Run in a pool worker: whether it imported streamlit."""
    import sys

    return "streamlit" in sys.modules


def test_workers_under_streamlit_do_not_rerun_the_app():
    """Under Streamlit the main module is app.py; a spawned worker re-runs it as __mp_main__,
    and app.py must then do nothing (importing the UI cost ~150 MB per worker)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = f"""
import sys, types
main = types.ModuleType("__main__")
main.__file__ = {str(root / "app.py")!r}
sys.modules["__main__"] = main  # what Streamlit's script runner does
from tokdash.analysis import parse_pool as pp
from tests.test_parse_pool import worker_has_streamlit
print(pp._get_pool(1).submit(worker_has_streamlit).result())
pp.shutdown()
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "False"
