"""The CLI, run as users run it: `python -m tokdash ...` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tokdash", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_encode_cl100k():
    proc = run("encode", "--tokenizer", "cl100k_base", "hello world")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [15339, 1917]


def test_encode_file(tmp_path):
    f = tmp_path / "x.py"
    f.write_text("hello world", encoding="utf-8")
    proc = run("encode", "-t", "gpt2", "--file", str(f))
    assert json.loads(proc.stdout) == [31373, 995]


def test_tokenizers_json_lists_catalog():
    proc = run("tokenizers", "--json")
    assert proc.returncode == 0
    rows = json.loads(proc.stdout)
    ids = {r["id"] for r in rows}
    assert {"gpt2", "llama2", "cl100k_base", "bert-base-uncased"} <= ids
    offline = [r for r in rows if not r["id"].startswith("paper-")]
    assert all(r["available"] for r in offline), [r for r in offline if not r["available"]]
    assert all(r["source"] and r["licence"] for r in rows)


def test_errors_are_one_line_and_nonzero(tmp_path):
    proc = run("encode", "-t", "nope", "x")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("error:")
    bad = tmp_path / "bad.py"
    bad.write_bytes(b"\xff\xfe\x00abc")
    proc = run("encode", "-t", "gpt2", "--file", str(bad))
    assert proc.returncode == 2 and "not UTF-8" in proc.stderr
    proc = run("encode", "-t", "gpt2", "--file", str(tmp_path / "missing.py"))
    assert proc.returncode == 2 and "cannot read" in proc.stderr


def test_help_documents_commands():
    proc = run("--help")
    assert proc.returncode == 0
    for cmd in ("tokenizers", "encode", "fetch"):
        assert cmd in proc.stdout
