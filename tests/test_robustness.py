"""Bad input everywhere it enters: a clear message (one line, exit 2 in the CLI; an error box on
the page), the app keeps running, and what was computed before is still there.

Training and speed-probe knobs (vocab size 0 or 10 million, a model preset too large for memory)
are covered next to their features, in test_train*.py and test_speed*.py.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tokdash.analysis.encode import encode_corpus
from tokdash.analysis.pretokenize import split
from tokdash.cli.main import main
from tokdash.corpus import MAX_LINE_BYTES, Document, decode_document, longest_line
from tokdash.errors import EncodeError, RegexError

MB = 1_000_000


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture()
def bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "latin1.py").write_bytes("caf\xe9 = 1\n".encode("latin-1"))
    (folder / "image.c").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "utf16.js").write_bytes("x = 1".encode("utf-16"))
    (folder / "empty.rs").write_bytes(b"")
    return folder


# --- corpus input -------------------------------------------------------------------------


def test_longest_line_by_hand():
    assert longest_line(b"") == (0, 1)
    assert longest_line(b"ab\nc") == (2, 1)
    assert longest_line(b"a\nbcd\n") == (3, 2)
    assert longest_line(b"\n\n") == (0, 1)


def test_a_100_mb_single_line_file_is_skipped_with_its_reason():
    data = b"var a=1;" * (100 * MB // 8)
    skipped = decode_document("bundle.min.js", data)
    assert skipped.reason.startswith("line 1 is 100.0 MB long (limit 1 MB per line)")
    ok = decode_document("long.py", b"x = 1\n" * (MAX_LINE_BYTES // 3))
    assert isinstance(ok, str)  # many short lines are fine, however large the file


def test_cli_compare_on_a_100_mb_single_line_file(tmp_path, capsys):
    big = tmp_path / "bundle.js"
    with big.open("wb") as fh:
        chunk = b"var a=1;" * 125_000  # 1 MB, no newline
        for _ in range(100):
            fh.write(chunk)
    code, _, err = run_cli(capsys, "compare", "-t", "gpt2", "-c", str(big), "--base", "")
    assert_one_line_error(code, err, "bundle.js", "too large (100.0 MB > 10 MB limit)")


def test_cli_compare_on_files_that_are_not_text(bad_folder, capsys):
    code, _, err = run_cli(capsys, "compare", "-t", "gpt2", "-c", str(bad_folder), "--base", "")
    assert_one_line_error(code, err)
    for reason in ("not UTF-8 (invalid byte 0xe9", "binary file", "UTF-16", "empty file"):
        assert reason in err


def test_cli_compare_on_an_empty_folder_and_a_missing_one(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run_cli(capsys, "compare", "-t", "gpt2", "-c", str(empty), "--base", "")
    assert_one_line_error(code, err, "empty")
    code, _, err = run_cli(capsys, "compare", "-t", "gpt2", "-c", str(tmp_path / "nope"))
    assert_one_line_error(code, err, "nope")


def zip_bomb() -> bytes:
    """A 300 MB member compressed to well under 1 MB, next to a small real file."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ok.py", "print('hello')\n")
        with zf.open("bomb.py", "w", force_zip64=True) as fh:
            block = b"a = 1\n" * 500_000
            for _ in range(100):
                fh.write(block)
    return buf.getvalue()


def test_cli_compare_on_a_zip_bomb_reads_only_the_small_file(tmp_path, capsys):
    path = tmp_path / "bomb.zip"
    path.write_bytes(zip_bomb())
    assert path.stat().st_size < 2 * MB
    code, out, err = run_cli(capsys, "compare", "-t", "gpt2", "-c", str(path), "--base", "")
    assert code == 0, err
    assert "skipped bomb.zip/bomb.py: too large (300.0 MB > 10 MB limit)" in err
    assert "1 documents" in err


def test_cli_paths_with_traversal_inside_a_zip_are_refused(tmp_path, capsys):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../etc/evil.py", "x = 1\n")
    path = tmp_path / "evil.zip"
    path.write_bytes(buf.getvalue())
    code, _, err = run_cli(capsys, "compare", "-t", "gpt2", "-c", str(path), "--base", "")
    assert_one_line_error(code, err, "evil.py")
    assert not (tmp_path.parent / "etc").exists()


# --- tokenizer input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("tokenizer.json", b"{broken", "not a valid tokenizer.json"),
        ("tokenizer.json", b'{"model": {"type": "Nope"}}', "tokenizer.json"),
        ("spm.model", b"this is not a protobuf", "spm.model"),
        ("ranks.tiktoken", b"!!notbase64 x\n", "ranks.tiktoken"),
        ("weights.gguf", b"GGUF\x03\x00\x00\x00" + b"\x00" * 8, "weights.gguf"),
        ("tokenizer.json", b"\xff\xfe\x00binary", "tokenizer.json"),
    ],
)
def test_cli_broken_tokenizer_files(tmp_path, capsys, name, data, needle):
    path = tmp_path / name
    path.write_bytes(data)
    code, _, err = run_cli(capsys, "encode", "-t", str(path), "x = 1")
    assert_one_line_error(code, err, needle)


def test_cli_unknown_tokenizer_name(capsys):
    code, _, err = run_cli(capsys, "encode", "-t", "gpt-17-turbo", "x")
    assert_one_line_error(code, err, "gpt-17-turbo")


def test_cli_unknown_corpus_name(capsys):
    code, _, err = run_cli(capsys, "compare", "-t", "gpt2", "-c", "sample:klingon")
    assert_one_line_error(code, err, "klingon")


# --- what a tokenizer or a regex engine gives up on ---------------------------------------


def test_catastrophic_regex_times_out_with_a_message():
    with pytest.raises(RegexError, match="catastrophic backtracking"):
        split("a" * 40 + "b", r"(a|aa)+$", timeout=0.5)


def test_invalid_regex_is_a_message():
    with pytest.raises(RegexError):
        split("x", r"(unclosed", timeout=0.5)


def test_tiktoken_crash_on_a_whitespace_run_names_the_document(catalog_tokenizer, capsys):
    tok = catalog_tokenizer("o200k_base")
    docs = [
        Document("x = 1\n", "python", "fine.py"),
        Document("y" + " " * 1_000_000 + "z\n", "python", "spaces.py"),
    ]
    with pytest.raises(EncodeError, match=r"very long runs of spaces.*\(document: spaces.py\)"):
        encode_corpus(tok, docs)
    assert tok.encode("x = 1") == tok.encode("x = 1")  # the tokenizer still works after it


# --- the same through the pages: an error box, the app keeps its state ---------------------


def app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    assert not at.exception
    return at


def test_compression_page_keeps_working_after_a_bad_corpus(bad_folder):
    at = app()
    at.session_state["td_tokenizers"] = ["gpt2"]
    at.session_state["td_corpus"] = "sample:python"
    at.switch_page("app_pages/compression.py").run()
    assert not at.exception
    before = at.dataframe[0].value.copy()

    at.session_state["td_corpus"] = "folder"
    at.session_state["td_corpus_folder"] = str(bad_folder)
    at.switch_page("app_pages/compression.py").run()
    assert not at.exception
    text = " ".join(e.value for e in at.error)
    assert "latin1.py" in text and "binary file" in text

    at.session_state["td_corpus"] = "sample:python"
    at.switch_page("app_pages/compression.py").run()
    assert not at.exception
    assert at.dataframe[0].value.equals(before)


def test_tokens_page_shows_a_tiktoken_crash_as_an_error():
    at = app()
    at.session_state["td_tokenizers"] = ["o200k_base", "llama2"]
    at.switch_page("app_pages/tokens.py").run()
    assert not at.exception
    area = at.text_area[0]
    area.set_value("def f():" + " " * 1_000_000 + "return 1\n").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("o200k_base: tiktoken's encoder crashed")
    assert "very long runs of spaces" in errors[0]
    assert [m.label for m in at.metric] == ["llama2: tokens"]  # the other view still renders


def test_regex_page_with_a_catastrophic_pattern(catalog_tokenizer):
    at = app()
    at.switch_page("app_pages/regex_splits.py").run()
    assert not at.exception
    custom = [t for t in at.text_input if "pattern" in (t.label or "").lower()]
    assert custom, [t.label for t in at.text_input]
    at.text_area[0].set_value("a" * 40 + "b").run()
    custom[0].set_value(r"(a|aa)+$").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("Your custom pattern cannot be used" in e and "backtracking" in e for e in errors)
    assert len(at.get("markdown")) > 0  # the named patterns still render next to it


# --- training and probing knobs -------------------------------------------------------------


@pytest.mark.parametrize("vocab", ["0", "10000000"])
def test_cli_train_refuses_a_vocab_of_0_or_10_million(tmp_path, capsys, vocab):
    code, _, err = run_cli(
        capsys, "train", "-c", "sample:python", "--vocab-size", vocab, "--out-dir", str(tmp_path)
    )
    assert_one_line_error(code, err)
    assert not any(tmp_path.iterdir())  # nothing half-written


def test_cli_speed_refuses_a_model_too_large_for_memory(monkeypatch, capsys):
    from tokdash.speed import models

    monkeypatch.setattr(models, "available_memory_bytes", lambda device: 2 * 1024**3)  # 2 GiB
    code, _, err = run_cli(
        capsys, "speed", "-m", "7b", "-t", "gpt2", "-c", "sample:python", "--device", "cpu"
    )
    assert_one_line_error(code, err)
    assert "GiB" in err or "GB" in err
