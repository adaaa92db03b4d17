"""Private temporary folders per browser session, and their cleanup.

Each session writes uploads, trained tokenizers and saved embeddings (hundreds of MB for a large
vocabulary) under ``<tmp>/tokdash-sessions/<session id>/``. A folder is removed once its session
is gone from the server (the tab closed, the session expired) and it has not been touched for
``idle_seconds``, or when it is older than ``max_age_seconds`` whatever happens; the sweep runs
at most once a minute, on any session's rerun.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT_NAME = "tokdash-sessions"
IDLE_SECONDS = 30 * 60
MAX_AGE_SECONDS = 24 * 3600
SWEEP_EVERY_SECONDS = 60

_sweep_lock = threading.Lock()
_last_sweep = [0.0]


def sessions_root() -> Path:
    """The parent of every session folder (created on demand)."""
    root = Path(tempfile.gettempdir()) / ROOT_NAME
    root.mkdir(parents=True, exist_ok=True)
    return root


def sweep(
    root: Path,
    is_active: Callable[[str], bool],
    *,
    now: float | None = None,
    idle_seconds: float = IDLE_SECONDS,
    max_age_seconds: float = MAX_AGE_SECONDS,
) -> list[str]:
    """Remove the session folders under ``root`` that are done; return their names.

    Done: the session is not active and the folder's mtime is ``idle_seconds`` old, or the
    folder's mtime is ``max_age_seconds`` old.
    """
    now = time.time() if now is None else now
    removed = []
    for folder in root.iterdir() if root.is_dir() else []:
        if not folder.is_dir():
            continue
        try:
            age = now - folder.stat().st_mtime
        except OSError:
            continue
        if age >= max_age_seconds or (age >= idle_seconds and not is_active(folder.name)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def _is_active(session_id: str) -> bool:
    from streamlit import runtime

    if not runtime.exists():
        return True  # no server (AppTest, bare script): never remove anything
    return runtime.get_instance().is_active_session(session_id)


def maybe_sweep() -> None:
    """Run `sweep` on the sessions root, at most once every ``SWEEP_EVERY_SECONDS``."""
    now = time.time()
    if now - _last_sweep[0] < SWEEP_EVERY_SECONDS or not _sweep_lock.acquire(blocking=False):
        return
    try:
        _last_sweep[0] = now
        sweep(sessions_root(), _is_active, now=now)
    finally:
        _sweep_lock.release()


def session_dir() -> Path:
    """A temporary folder private to this browser session; touched on every call."""
    folder = sessions_root() / _session_id()
    folder.mkdir(parents=True, exist_ok=True)
    folder.touch()
    return folder
