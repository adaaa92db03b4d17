"""Heavy jobs wait their turn in the server-wide line (`tokdash.jobqueue`): the page says the
job's place in line, a Cancel button (or any other change on the page) gives the place up, and a
job whose browser session ends stops at its next progress update and frees its slot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from tokdash.jobqueue import JobQueue
from tokdash.memory import release_memory
from tokdash.settings import current_limits, hosted_note

CANCELLED_KEY = "td_heavy_cancelled"


@st.cache_resource(show_spinner=False)
def server_queue() -> JobQueue:
    """The one line of this server (shared by every session)."""
    return JobQueue(concurrency=current_limits().heavy_jobs)


def _cancel(label: str) -> None:
    st.session_state[CANCELLED_KEY] = label


def show_cancelled() -> None:
    """Say once that this session gave up its place in line."""
    label = st.session_state.pop(CANCELLED_KEY, None)
    if label:
        st.info(f"Cancelled: {label} left the line before it started.")


def page_notes() -> None:
    """What a page of heavy jobs says first: a job this session cancelled, and on a hosted demo
    its bounds (`hosted_note`)."""
    show_cancelled()
    note = hosted_note(current_limits())
    if note:
        st.caption(note)


@contextmanager
def heavy_slot(label: str) -> Iterator[None]:
    """Run the ``with`` body when this job's turn comes (at once when the line is empty)."""
    from tokdash.ui.sessions import _session_id

    queue = server_queue()
    ticket = queue.join(label, _session_id())
    try:
        if not queue.try_start(ticket):
            box = st.empty()
            st.button(
                "Cancel",
                key=f"td_heavy_cancel_{ticket.number}",
                on_click=_cancel,
                args=(label,),
                help="Leave the line: nothing of this job has run yet.",
            )
            while not queue.try_start(ticket):
                ahead = queue.position(ticket) - 1
                now = queue.snapshot()["running"]
                box.info(
                    f"Waiting for the server ({queue.concurrency} heavy job"
                    f"{'s' if queue.concurrency > 1 else ''} at a time): {label} is number "
                    f"{ahead + 1} in line, {ahead} waiting ahead, running now: "
                    f"{', '.join(now) or 'nothing'}. It starts by itself."
                )
                time.sleep(0.5)
            box.empty()
        yield
    finally:
        queue.leave(ticket)
        release_memory()  # what the job freed goes back to the OS, not to this process's heap
