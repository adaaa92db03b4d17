"""One server-wide line for heavy jobs (training, sweeps, speed probes, swap builds).

At most ``concurrency`` jobs run at once; the others wait in arrival order and can ask their
position. A waiting job that stops asking (its session is gone) is dropped after
``stale_seconds``, so a closed browser tab never blocks the line. Thread-safe; no streamlit (the
page side is `tokdash.ui.heavy`).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Ticket:
    """One job in the line."""

    number: int
    label: str
    owner: str
    joined: float = field(default_factory=time.monotonic)
    seen: float = field(default_factory=time.monotonic)
    started: float | None = None


class JobQueue:
    """A line of `Ticket`s, ``concurrency`` of them running at a time."""

    def __init__(self, concurrency: int = 1, stale_seconds: float = 30.0) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.stale_seconds = stale_seconds
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._waiting: list[Ticket] = []
        self._running: list[Ticket] = []

    def join(self, label: str, owner: str = "") -> Ticket:
        """Get in line (at the end)."""
        with self._lock:
            ticket = Ticket(next(self._numbers), label, owner)
            self._waiting.append(ticket)
            return ticket

    def _drop_stale(self, now: float) -> None:
        self._waiting = [t for t in self._waiting if now - t.seen <= self.stale_seconds]

    def try_start(self, ticket: Ticket) -> bool:
        """Start ``ticket`` if it is first in line and a slot is free (True: it runs now, or
        already did). Every call also counts as the ticket's sign of life."""
        with self._lock:
            if ticket in self._running:
                return True
            now = time.monotonic()
            ticket.seen = now
            self._drop_stale(now)
            if ticket not in self._waiting:  # dropped as stale, then came back
                self._waiting.append(ticket)
            if len(self._running) < self.concurrency and self._waiting[0] is ticket:
                self._waiting.pop(0)
                ticket.started = now
                self._running.append(ticket)
                return True
            return False

    def position(self, ticket: Ticket) -> int:
        """1 for the next to start, 2 behind it, ...; 0 when running or gone."""
        with self._lock:
            for i, t in enumerate(self._waiting):
                if t is ticket:
                    return i + 1
            return 0

    def leave(self, ticket: Ticket) -> None:
        """Done, cancelled or failed: out of the line and of the running set."""
        with self._lock:
            self._waiting = [t for t in self._waiting if t is not ticket]
            self._running = [t for t in self._running if t is not ticket]

    def snapshot(self) -> dict:
        """``{"running": [labels], "waiting": [labels]}`` (what a page may show)."""
        with self._lock:
            return {
                "running": [t.label for t in self._running],
                "waiting": [t.label for t in self._waiting],
            }
