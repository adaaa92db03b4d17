"""The last line of defence: a failure no check foresaw (a Python error, a Rust panic, which is
not an Exception) is one line on the page, the sidebar and the session kept; the CLI prints one
line too."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.errors import is_rust_panic, unexpected_message
from tokdash.tokenizers.base import Tokenizer, TokenizerInfo


class PanicException(BaseException):
    """Stands for ``pyo3_runtime.PanicException`` (same name, same base class)."""


def make_failing(exc: BaseException) -> Tokenizer:
    class Failing(Tokenizer):
        info = TokenizerInfo(id="failing", name="Failing", backend="test")

        @property
        def vocab_size(self) -> int:
            return 256

        def encode(self, text, *, add_special_tokens=False):
            raise exc

        encode_with_spans = encode

        def decode(self, ids) -> str:
            return ""

        def token_bytes(self, token_id: int) -> bytes:
            return bytes([token_id])

    return Failing()


@pytest.mark.parametrize(
    "exc, shown",
    [
        (PanicException("Onig: retry-limit-in-match over"), "the Rust library panicked"),
        (RuntimeError("Unable to cast Python instance"), "RuntimeError"),
        (MemoryError(), "ran out of memory"),
    ],
)
def test_a_page_failure_is_one_line_and_the_session_is_kept(exc, shown, monkeypatch):
    import tokdash.analysis.metrics as metrics

    real = metrics.snippet_stats
    monkeypatch.setattr(metrics, "snippet_stats", lambda *a, **k: (_ for _ in ()).throw(exc))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["td_tokenizers"] = ["gpt2"]
    at.run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and shown in at.error[0].value, [e.value for e in at.error]
    assert "stopped" in at.error[0].value and "is kept" in at.error[0].value
    assert at.sidebar.multiselect(key="td_tokenizers").value == ["gpt2"]  # the sidebar is drawn
    monkeypatch.setattr(metrics, "snippet_stats", real)  # the cause goes: the page works again
    at.run()
    assert not at.exception and not at.error
    assert [m.label for m in at.metric] == ["gpt2: tokens"]


def test_a_tokenizer_that_panics_is_named_and_the_others_drawn():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["td_custom"] = {"failing": make_failing(PanicException("retry-limit"))}
    at.session_state["td_tokenizers"] = ["gpt2", "failing"]
    at.session_state["td_base"] = "gpt2"
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "failing could not encode this text (its Rust library panicked: retry-limit)."
    ]
    assert [m.label for m in at.metric] == ["gpt2: tokens"]


def test_the_rust_panic_is_recognised_by_its_type_name():
    assert is_rust_panic(PanicException("x"))
    assert not is_rust_panic(RuntimeError("x"))
    message = unexpected_message(ValueError("bad\nsecond line"))
    assert message == "unexpected failure (ValueError: bad)"


def test_the_cli_turns_an_unexpected_failure_into_one_line(monkeypatch, capsys):
    from tokdash.cli import main as cli_main

    def boom(args):
        raise PanicException("Encoder and decoder must be of equal length")

    parser = cli_main.build_parser()
    args = parser.parse_args(["tokenizers"])
    monkeypatch.setattr(cli_main, "build_parser", lambda: _Fixed(parser, args, boom))
    assert cli_main.main(["tokenizers"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the Rust library panicked" in err
    assert "Traceback" not in err and "TOKDASH_DEBUG=1" in err
    monkeypatch.setenv("TOKDASH_DEBUG", "1")  # a developer gets the traceback
    with pytest.raises(PanicException):
        cli_main.main(["tokenizers"])


class _Fixed:
    def __init__(self, parser, args, func):
        self.parser, self.args, self.func = parser, args, func

    def parse_args(self, argv):
        self.args.func = self.func
        return self.args
