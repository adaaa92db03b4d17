"""Parse documents with tree-sitter in worker processes, one per core.

tree-sitter holds the GIL while it parses and the leaf walk is Python, so threads do not help:
on the standard library (4.7 MB) a parse takes ~0.55 s in one process and ~0.3 s in a pool of two
warm workers (`benchmarks/code_bench.py`). The pool is started on first use (spawned, so a
server's threads are never forked; ~0.4 s), kept warm between calls and shut down after
`IDLE_SECONDS` without work, so an idle server gives its memory back. A worker that dies takes
its pool with it; the documents it had not returned are parsed here instead, never lost.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from tokdash.analysis.lexemes import Leaves, parse
from tokdash.errors import TokdashError
from tokdash.tokenizers.base import encode_threads

#: Work lists of at least this many bytes go to the pool; smaller ones are parsed here (the
#: pool's start and the transfers cost more than they save below ~1 MB).
PARALLEL_MIN_BYTES = 1_000_000
#: Documents travel to the workers in chunks of about this many bytes.
CHUNK_BYTES = 128_000
#: A pool unused this long is shut down.
IDLE_SECONDS = 120.0

#: ``(text, language, source)`` of one document.
Item = tuple[str, str, str]
#: A document's leaves, or the message of the `TokdashError` that refused it.
Outcome = Leaves | str

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0
_last_used = 0.0
_active = 0  # parse_items calls using the pool now: the reaper leaves a busy pool alone
_reaper: threading.Timer | None = None


def parse_workers() -> int:
    """Worker processes a parse may use: the cores, at most ``TOKDASH_THREADS`` when set (a
    corpus-scale worker sets 1, so its parses stay in its own process)."""
    return max(1, min(os.cpu_count() or 1, encode_threads()))


def parse_one(item: Item) -> Outcome:
    """`parse` of one item; a refused document gives its error message."""
    text, language, source = item
    try:
        return parse(text, language, source)
    except TokdashError as exc:
        return str(exc)


def _parse_chunk(items: Sequence[Item]) -> list[Outcome]:
    return [parse_one(item) for item in items]


def chunks(items: Sequence[Item], limit: int | None = None) -> list[list[Item]]:
    """``items`` in order, cut into consecutive chunks of about ``limit`` (default
    `CHUNK_BYTES`) characters of text: a chunk ends with the item that reaches the limit."""
    limit = CHUNK_BYTES if limit is None else limit
    out: list[list[Item]] = []
    chunk: list[Item] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item[0])
        if size >= limit:
            out.append(chunk)
            chunk, size = [], 0
    if chunk:
        out.append(chunk)
    return out


def _get_pool(workers: int) -> ProcessPoolExecutor:
    global _pool, _pool_size, _last_used
    with _lock:
        if _pool is None or _pool_size != workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            context = multiprocessing.get_context("spawn")
            _pool = ProcessPoolExecutor(workers, mp_context=context)
            _pool_size = workers
        _last_used = time.monotonic()
        return _pool


def _drop_pool(pool: ProcessPoolExecutor | None = None) -> None:
    """Shut the pool down (only ``pool`` when given: another call may have replaced it)."""
    global _pool
    with _lock:
        if _pool is not None and (pool is None or _pool is pool):
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None


def shutdown() -> None:
    """Stop the workers now (the next parse starts new ones)."""
    _drop_pool()


def _schedule_reaper() -> None:
    global _reaper

    def reap() -> None:
        with _lock:
            idle = _active == 0 and time.monotonic() - _last_used >= IDLE_SECONDS
        if idle:
            _drop_pool()
        elif _pool is not None:
            _schedule_reaper()

    with _lock:
        if _reaper is not None:
            _reaper.cancel()
        _reaper = threading.Timer(IDLE_SECONDS, reap)
        _reaper.daemon = True
        _reaper.start()


def _submit(parts: list[list[Item]], workers: int) -> tuple[ProcessPoolExecutor, list[Future]]:
    """The pool and one future per part; a pool found broken (a worker died while idle) is
    replaced once."""
    # the largest parts first, so that no worker is left with a big one at the end
    order = sorted(range(len(parts)), key=lambda i: -sum(len(item[0]) for item in parts[i]))
    for attempt in (1, 2):
        pool = _get_pool(workers)
        try:
            submitted = {i: pool.submit(_parse_chunk, parts[i]) for i in order}
            return pool, [submitted[i] for i in range(len(parts))]
        except BrokenProcessPool:
            _drop_pool(pool)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def parse_items(
    items: Sequence[Item],
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """The outcome of every item, in order. In a pool of ``workers`` processes (default
    `parse_workers`) when there are two or more and the texts hold at least
    `PARALLEL_MIN_BYTES`; otherwise in this process. ``progress(done)`` is called with the number
    of items done so far, in order."""
    workers = parse_workers() if workers is None else max(1, workers)
    total = sum(len(item[0]) for item in items)
    if workers < 2 or total < PARALLEL_MIN_BYTES:
        out = []
        for i, item in enumerate(items):
            if progress is not None and i % 50 == 0:
                progress(i)
            out.append(parse_one(item))
        return out
    global _active, _last_used
    parts = chunks(items)
    futures: list[Future] = []
    out: list[Outcome] = []
    with _lock:
        _active += 1
    try:
        pool, futures = _submit(parts, workers)
        for future, part in zip(futures, parts, strict=True):
            try:
                out.extend(future.result())
            except (BrokenProcessPool, CancelledError):
                # a worker died (or the pool was replaced under this call): parsed here
                _drop_pool(pool)
                out.extend(_parse_chunk(part))
            if progress is not None:
                progress(len(out))
    finally:
        for future in futures:
            future.cancel()  # a stop or an error here leaves no queued work behind
        with _lock:
            _active -= 1
            _last_used = time.monotonic()
        _schedule_reaper()
    return out
