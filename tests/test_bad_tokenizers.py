"""Bad tokenizers and bad encode input: each is one clear `TokdashError`, never a traceback, a
hang or a crash (a Rust panic, which is no Exception, included)."""

from __future__ import annotations

import base64
import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tokdash.cli.main import main as cli_main
from tokdash.errors import EncodeError, TokdashError, TokenizerLoadError, UnknownTokenizerError
from tokdash.tokenizers import get_tokenizer, load_path

#: A pattern that backtracks catastrophically: HF's regex engine (Onig) panics on "aaa...a!".
EVIL_PATTERN = "(a+)+$"


def evil_tokenizer(folder: Path) -> Path:
    """A byte-level tokenizer.json whose Split regex is `EVIL_PATTERN`."""
    from tokenizers import Regex, decoders, models, pre_tokenizers
    from tokenizers import Tokenizer as Raw

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    raw = Raw(models.BPE(vocab={c: i for i, c in enumerate(alphabet)}, merges=[]))
    raw.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(EVIL_PATTERN), "isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    raw.decoder = decoders.ByteLevel()
    path = folder / "evil_tokenizer.json"
    raw.save(str(path))
    return path


def rank_file(path: Path, ranks: dict[bytes, int]) -> Path:
    path.write_text("".join(f"{base64.b64encode(k).decode()} {v}\n" for k, v in ranks.items()))
    return path


def byte_ranks() -> dict[bytes, int]:
    return {bytes([b]): b for b in range(256)}


def run_bounded(cmd: list[str], timeout: float, env: dict) -> tuple[int | None, str, str]:
    """``cmd``'s exit status (None when it ran past ``timeout``: it and every process it started
    are killed, so that a hang fails the test instead of hanging it), stdout and stderr."""
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out, err


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = cli_main(list(argv))
    return code, capsys.readouterr().err


# --- 1. a Rust panic while encoding ------------------------------------------------------------


def test_a_regex_that_backtracks_is_an_encode_error(tmp_path):
    tok = load_path(evil_tokenizer(tmp_path))
    assert tok.encode("hi") == [71, 72]
    for encode in (tok.encode, lambda t: tok.encode_batch([t]), lambda t: tok.count_batch([t])):
        with pytest.raises(EncodeError, match="backtracks catastrophically"):
            encode("a" * 200 + "!")
    assert tok.encode("hi") == [71, 72]  # still usable after it


def test_the_cli_encode_of_a_backtracking_regex_is_one_line(tmp_path, capsys):
    code, err = run_cli(capsys, "encode", "-t", str(evil_tokenizer(tmp_path)), "a" * 200 + "!")
    assert code == 2 and "backtracks catastrophically" in err


def test_compare_with_a_panicking_tokenizer_fails_instead_of_hanging(tmp_path):
    tok = evil_tokenizer(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a.py", "b.py", "c.py"):
        (corpus / name).write_text(("a" * 40 + "!\n") * 20)
    for engine in ("reference", "auto"):
        cmd = [sys.executable, "-m", "tokdash", "compare", "-t", str(tok), "--corpus", str(corpus)]
        cmd += ["--base", "", "--workers", "2", "--engine", engine]
        code, _, err = run_bounded(cmd, 90, {**os.environ, "RUST_BACKTRACE": "0"})
        assert code == 2, f"exit status {code} (None: it hung): {err[-2000:]}"
        assert "backtracks catastrophically" in err
        assert "Traceback" not in err and "leaked" not in err


def test_a_worker_that_dies_ends_a_local_run(tmp_path):
    (tmp_path / "dying.py").write_text(
        "import os\n\ndef die(data, rank, world_size):\n    os._exit(3)\n"
    )
    script = textwrap.dedent(
        f"""
        from dying import die
        from tokdash.scale.pipeline import QuietLocalExecutor, WorkerDied
        logs = {str(tmp_path / "logs")!r}
        try:
            QuietLocalExecutor([die], tasks=2, workers=2, logging_dir=logs).run()
        except WorkerDied as exc:
            print("WorkerDied:", exc)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    code, out, err = run_bounded([sys.executable, "-c", script], 60, env)
    assert code == 0 and "WorkerDied: a worker process died" in out, (code, err[-2000:])


# --- 2. rank files and vocabularies tiktoken or the counters cannot take ------------------------


def test_repeated_ranks_are_refused_at_load(tmp_path):
    ranks = byte_ranks()
    path = rank_file(tmp_path / "dup.tiktoken", ranks)
    with path.open("a") as fh:
        fh.write(f"{base64.b64encode(b'ab').decode()} 0\n")
    with pytest.raises(TokenizerLoadError, match="id 0 is given to both"):
        load_path(path)


def test_a_rank_file_without_every_byte_is_refused_at_load(tmp_path):
    path = rank_file(tmp_path / "ab.tiktoken", {b"a": 0, b"b": 1})
    with pytest.raises(TokenizerLoadError, match="lacks single-byte tokens for 254 of 256"):
        load_path(path)


def test_an_absurd_rank_is_refused(tmp_path):
    path = rank_file(tmp_path / "huge.tiktoken", {**byte_ranks(), b"ab": 999_999_999})
    with pytest.raises(TokenizerLoadError, match=r"largest token id is 999,999,999 for 257"):
        load_path(path)


def test_an_absurd_tokenizer_json_id_is_refused(tmp_path):
    spec = json.loads(evil_tokenizer(tmp_path).read_text())
    spec["model"]["vocab"]["ab"] = 1_500_000_000
    path = tmp_path / "hugeid_tokenizer.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(TokenizerLoadError, match="largest token id is 1,500,000,000"):
        load_path(path)


@pytest.mark.parametrize("entry", ["gpt2", "cl100k_base", "o200k_base", "mistral-tekken"])
def test_catalog_rank_tables_pass_the_checks(catalog_tokenizer, entry):
    from tokdash.tokenizers.tiktoken_backend import check_ranks, encoding_parts

    parts = encoding_parts(catalog_tokenizer(entry).encoding)
    check_ranks(parts.ranks, parts.special_tokens, entry)


# --- 3. a corrupt .tiktoken.gz ------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [b"\x1f\x8b\x08\x00junkjunk", gzip.compress(b"YQ== 0\nYg== 1\n")[:-12], b"not gzip"],
    ids=["bad-block", "truncated", "not-gzip"],
)
def test_a_corrupt_gzip_rank_file_is_a_load_error(tmp_path, payload):
    path = tmp_path / "trunc.tiktoken.gz"
    path.write_bytes(payload)
    with pytest.raises(TokenizerLoadError, match="trunc.tiktoken.gz: not a readable gzip file"):
        get_tokenizer(str(path))


# --- 4. paths no file system takes -------------------------------------------------------------


@pytest.mark.parametrize(
    "spec", ["x" * 300, "~no_such_user_tokdash/x", "a\x00b"], ids=["long", "tilde", "nul"]
)
def test_a_path_that_cannot_be_one_is_a_message(spec):
    with pytest.raises(TokdashError, match="tokenizer"):
        get_tokenizer(spec)
    with pytest.raises(TokdashError):
        load_path(spec)


# --- 5. an empty name; transformers' error in one line -----------------------------------------


@pytest.mark.parametrize("spec", ["", "   "])
def test_an_empty_tokenizer_name_is_refused(spec):
    with pytest.raises(UnknownTokenizerError, match="the tokenizer name is empty"):
        get_tokenizer(spec)


def test_an_empty_folder_and_a_broken_transformers_folder_say_so(tmp_path):
    with pytest.raises(TokenizerLoadError, match="holds no tokenizer file"):
        load_path(tmp_path)
    (tmp_path / "tokenizer_config.json").write_text("{}")
    with pytest.raises(TokenizerLoadError) as info:
        load_path(tmp_path)
    message = str(info.value)
    assert "transformers could not load" in message and "\n" not in message
    assert not message.rstrip(")").rstrip().endswith(":") and "one of:" not in message


# --- 6-7. encode's TEXT and --file --------------------------------------------------------------


def test_encode_refuses_text_that_is_not_utf8(capsys):
    code, err = run_cli(capsys, "encode", "-t", "gpt2", "ab\udcff\udcfe")  # bytes ab ff fe
    assert code == 2 and "TEXT is not valid UTF-8 (invalid byte at offset 2)" in err


def test_encode_refuses_a_file_over_the_document_bound(tmp_path, capsys):
    from tokdash.corpus.units import MAX_DOCUMENT_BYTES

    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # sparse: no disk used; /dev/zero is read the same way
        fh.truncate(MAX_DOCUMENT_BYTES + 1)
    code, err = run_cli(capsys, "encode", "-t", "gpt2", "--file", str(path))
    assert code == 2 and "huge.txt holds more than 10 MB" in err


def test_encode_refuses_text_and_file_together(tmp_path, capsys):
    path = tmp_path / "x.py"
    path.write_text("x = 1\n")
    code, err = run_cli(capsys, "encode", "-t", "gpt2", "--file", str(path), "y = 2")
    assert code == 2 and "not both" in err


def test_the_sidebar_path_field_reports_bad_paths_and_files(tmp_path):
    from streamlit.testing.v1 import AppTest

    broken = tmp_path / "trunc.tiktoken.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00junkjunk")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["td_tokenizers"] = ["gpt2"]
    at.run()
    for typed, shown in [
        ("~no_such_user_tokdash/x", "cannot expand '~'"),
        ("x" * 300, "File name too long"),
        (str(broken), "not a readable gzip file"),
    ]:
        at.sidebar.text_input(key="td_tok_path").set_value(typed)
        at.sidebar.button(key="td_tok_add_path").click().run()
        assert not at.exception, at.exception
        assert [e.value for e in at.sidebar.error if shown in e.value], [e.value for e in at.error]
