"""Server-side run times of the pages, for operators and the load test: with
``TOKDASH_TIMING_LOG=FILE`` each script run appends ``page<TAB>seconds<TAB>how it ended`` to FILE
(the browser's drawing time is not in it)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable

_LOCK = threading.Lock()


def timed_run(title: str, run: Callable[[], None]) -> None:
    """``run()`` (a page), its wall time logged when ``TOKDASH_TIMING_LOG`` is set."""
    path = os.environ.get("TOKDASH_TIMING_LOG")
    if not path:
        run()
        return
    start = time.perf_counter()
    ended = "finished"
    try:
        run()
    except BaseException as exc:  # st.stop, a rerun, an error: logged, then passed on
        ended = type(exc).__name__
        raise
    finally:
        line = f"{title}\t{time.perf_counter() - start:.4f}\t{ended}\n"
        with _LOCK, open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
