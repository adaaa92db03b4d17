"""The last line of defence of a page: a failure no check foresaw is one line on the page, with
its traceback in the server's log, never a traceback in the browser. The session (selection,
trained tokenizers, results in the cache) is untouched, so nothing computed is lost."""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from tokdash.errors import TokdashError, is_rust_panic, unexpected_message

log = logging.getLogger("tokdash")


def guarded(run: Callable[[], None], where: str = "this page") -> None:
    """``run()``; a TokdashError or an unexpected failure (a Rust panic included) becomes
    ``st.error``. Streamlit's own stop and rerun signals pass through."""
    try:
        run()
    except TokdashError as exc:
        st.error(str(exc))
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        _report(exc, where)
    except BaseException as exc:
        if not is_rust_panic(exc):
            raise  # st.stop / st.rerun / KeyboardInterrupt / SystemExit
        _report(exc, where)


def _report(exc: BaseException, where: str) -> None:
    log.error("unexpected failure on %s", where, exc_info=exc)
    st.error(
        f"{where[:1].upper()}{where[1:]} stopped: {unexpected_message(exc)}. "
        "What you selected and computed so far is kept; change the input and try again."
    )
