"""Bad input to the CLI's own options: one line and exit status 2, before any work is done
(an output place that cannot be written, found after encoding, would lose the work)."""

from __future__ import annotations

import json

import pytest

from tokdash.cli.main import main

LONG = "/tmp/" + "y" * 300


def cli(capsys, *argv: str) -> tuple[int, str]:
    """Run the CLI in-process; (exit status, stderr). argparse's own exits count too."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize("alpha", ["-3", "nan", "inf", "x"])
def test_a_bad_renyi_order_is_refused_before_encoding(capsys, alpha):
    code, err = cli(capsys, "compare", "-t", "gpt2", "--corpus", "sample:python", "--alpha", alpha)
    assert code == 2 and "--alpha" in err
    assert "Encoding" not in err  # refused by argparse, nothing was encoded


def test_report_falls_back_when_the_recorded_order_is_not_one(tmp_path, capsys):
    stats = tmp_path / "stats"
    code, _ = cli(capsys, "compare", "-t", "gpt2", "--corpus", "sample:python", "--base", "",
                  "--stats-dir", str(stats), "--out", str(tmp_path / "a.csv"))  # fmt: skip
    assert code == 0
    meta = stats / "bundle" / "stats.json"
    data = json.loads(meta.read_text())
    data["meta"]["alpha"] = "abc"
    meta.write_text(json.dumps(data))
    code, err = cli(capsys, "report", "--stats-dir", str(stats), "--out", str(tmp_path / "b.csv"))
    assert code == 0 and "alpha='abc'" in err and "using 2.5" in err
    assert (tmp_path / "b.csv").read_text() == (tmp_path / "a.csv").read_text()


@pytest.mark.parametrize("bad", [LONG, "~no-such-user-here/x"])
def test_paths_that_cannot_be_paths_are_one_line(tmp_path, capsys, bad):
    for argv in (
        ["compare", "-t", "gpt2", "--corpus", bad, "--base", ""],
        ["report", "--stats-dir", bad],
        ["speed", "-t", "gpt2", "--checkpoint", bad, "--device", "cpu"],
        ["swap", "--from", "gpt2", "--to", "cl100k_base", "--corpus", "sample:python",
         "--checkpoint", bad],
    ):  # fmt: skip
        code, err = cli(capsys, *argv)
        assert code == 2, (argv, err)
        assert err.startswith("error: ") and err.count("\n") == 1, (argv, err)
        assert "corpus sample" not in err  # refused before any work


def test_an_output_place_that_cannot_be_written_fails_before_the_work(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    for argv, option in (
        (["compare", "-t", "gpt2", "--corpus", "sample:python", "--stats-dir", str(afile)],
         "--stats-dir"),
        (["compare", "-t", "gpt2", "--corpus", "sample:python", "-o", str(tmp_path)], "--out"),
        (["compare", "-t", "gpt2", "--corpus", "sample:python", "--vocab",
          str(afile / "v.csv")], "--vocab"),
        (["code-metrics", "-t", "gpt2", "--corpus", "sample:python", "--worst", str(tmp_path)],
         "--worst"),
        (["paper-check", "--corpus", "sample:python", "--points", str(afile / "p.csv")],
         "--points"),
        (["swap", "--from", "gpt2", "--to", "cl100k_base", "--corpus", "sample:python",
          "--model-preset", "tiny", "--save-embeddings", str(tmp_path)], "--save-embeddings"),
        (["cost", "--context-out", str(tmp_path)], "--context-out"),
    ):  # fmt: skip
        code, err = cli(capsys, *argv)
        assert code == 2 and option in err, (argv, err)
        assert "Encoding" not in err and "corpus sample" not in err, (argv, err)


def test_swap_never_overwrites_a_checkpoints_own_tokenizer(tmp_path, capsys):
    model = tmp_path / "mymodel"
    model.mkdir()
    own = model / "tokenizer.json"
    own.write_text('{"the model": "own tokenizer"}')
    code, err = cli(capsys, "swap", "--from", "gpt2", "--to", "cl100k_base", "--corpus",
                    "sample:python", "--model-preset", "tiny", "--save-embeddings",
                    str(model / "new.safetensors"))  # fmt: skip
    assert code == 2 and "tokenizer.json exists" in err
    assert own.read_text() == '{"the model": "own tokenizer"}'
    assert not (model / "new.safetensors").exists()
    assert "Encoding" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["speed", "-t", "gpt2", "--threads", "-3"],
        ["code-metrics", "-t", "gpt2", "--corpus", "sample:python", "--top", "-5"],
        ["cost", "--window", "-5"],
        ["cost", "--vocab", "0"],
        ["cost", "--vocab", "10000000000"],
        ["compare", "-t", "gpt2", "--corpus", "sample:python", "--workers", "-1"],
        ["compare", "-t", "gpt2", "--corpus", "sample:python", "--tasks", "0"],
        ["compare", "-t", "gpt2", "--corpus", "sample:python", "--sample-size", "-1"],
        ["swap", "--from", "gpt2", "--to", "llama2", "--corpus", "sample", "--context", "0"],
    ],
)
def test_nonsense_numbers_are_refused_by_the_parser(capsys, argv):
    code, err = cli(capsys, *argv)
    assert code == 2 and "out of range" in err, err


def test_scale_options_argparse_cannot_judge(tmp_path, capsys):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.py").write_text("x = 1\n")
    code, err = cli(capsys, "compare", "-t", "gpt2", "--corpus", str(corpus), "--workers", "10000")
    assert code == 2 and "--workers 10,000" in err
    code, err = cli(capsys, "compare", "-t", "gpt2", "--corpus", str(corpus), "--executor",
                    "slurm", "--dry-run", "--time", "garbage")  # fmt: skip
    assert code == 2 and "not a Slurm time limit" in err
