"""The server-wide line for heavy jobs: order, concurrency, places, leaving, stale waiters."""

from __future__ import annotations

import threading
import time

import pytest

from tokdash.jobqueue import JobQueue
from tokdash.settings import HOSTED, LOCAL, current_limits, hosted_note


def test_one_at_a_time_in_arrival_order():
    q = JobQueue(concurrency=1)
    a, b, c = q.join("a"), q.join("b"), q.join("c")
    assert q.try_start(b) is False  # not first in line
    assert q.try_start(a) is True
    assert q.try_start(a) is True  # asking again while running is fine
    assert [q.position(t) for t in (a, b, c)] == [0, 1, 2]
    assert q.try_start(b) is False  # first in line, but the slot is taken
    q.leave(a)
    assert q.try_start(b) is True and q.position(c) == 1
    assert q.snapshot() == {"running": ["b"], "waiting": ["c"]}


def test_concurrency_two_and_leaving_the_line():
    q = JobQueue(concurrency=2)
    a, b, c = q.join("a"), q.join("b"), q.join("c")
    assert q.try_start(a) and q.try_start(b) and not q.try_start(c)
    q.leave(c)  # cancelled while waiting
    assert q.position(c) == 0 and q.snapshot()["waiting"] == []
    d = q.join("d")
    q.leave(a)
    assert q.try_start(d)


def test_a_waiter_that_stops_asking_is_dropped():
    q = JobQueue(concurrency=1, stale_seconds=0.05)
    a, gone, c = q.join("a"), q.join("gone"), q.join("c")
    assert q.try_start(a)
    time.sleep(0.1)
    q.try_start(c)  # c asks (alive); "gone" never did
    assert q.position(gone) == 0 and q.position(c) == 1
    q.leave(a)
    assert q.try_start(c)


def test_threads_never_run_more_than_the_concurrency():
    q = JobQueue(concurrency=2)
    running, peak, order = [0], [0], []
    lock = threading.Lock()

    def job(i):
        t = q.join(str(i))
        while not q.try_start(t):
            time.sleep(0.001)
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            order.append(i)
        time.sleep(0.01)
        with lock:
            running[0] -= 1
        q.leave(t)

    threads = [threading.Thread(target=job, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2 and sorted(order) == list(range(8))


def test_bad_concurrency():
    with pytest.raises(ValueError):
        JobQueue(concurrency=0)


def test_limits_state_the_hosted_bounds(monkeypatch):
    assert HOSTED.heavy_jobs == 1 and LOCAL.heavy_jobs >= 1
    note = hosted_note(HOSTED)
    assert "1 heavy job at a time" in note and "500M parameters" in note and "90 s" in note
    assert hosted_note(LOCAL) == ""
    monkeypatch.setenv("TOKDASH_HEAVY_JOBS", "3")
    assert current_limits().heavy_jobs == 3
