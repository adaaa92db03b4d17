"""The operators' timing log of page runs."""

from __future__ import annotations

import pytest

from tokdash.ui.timing import timed_run


def test_runs_are_logged_only_when_asked(tmp_path, monkeypatch):
    log = tmp_path / "times.tsv"
    calls = []
    monkeypatch.delenv("TOKDASH_TIMING_LOG", raising=False)
    timed_run("Home", lambda: calls.append(1))
    assert calls == [1] and not log.exists()
    monkeypatch.setenv("TOKDASH_TIMING_LOG", str(log))
    timed_run("Home", lambda: calls.append(2))

    def stop():
        raise KeyboardInterrupt  # any BaseException (st.stop, a rerun) is logged and passed on

    with pytest.raises(KeyboardInterrupt):
        timed_run("Vocabulary", stop)
    rows = [line.split("\t") for line in log.read_text().splitlines()]
    assert [r[0] for r in rows] == ["Home", "Vocabulary"]
    assert [r[2] for r in rows] == ["finished", "KeyboardInterrupt"]
    assert all(float(r[1]) >= 0 for r in rows)
