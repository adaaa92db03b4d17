"""Corpus scale: streaming readers over a plan of units, the datatrove pipeline on local
processes (2 workers), on a local Ray instance and as a Slurm launch script, bundles on disk,
``report`` reproducing ``compare``'s CSVs byte for byte, and the Compression page drawn from a
bundle."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import zstandard

from tokdash.analysis import metrics
from tokdash.analysis.fold import fold
from tokdash.analysis.stats_io import (
    StatsBundleError,
    bundle_zip,
    load_bundle_zip,
    load_stats,
    save_stats,
)
from tokdash.cli.main import main
from tokdash.corpus.records import DocRef, SkipRef, UnitLines
from tokdash.corpus.units import plan_corpus, read_unit
from tokdash.errors import CorpusError
from tokdash.scale.inprocess import fold_plan
from tokdash.scale.jobs import JobError, JobOptions, run_job
from tokdash.tokenizers import get_tokenizer

PY = "def add(a, b):\n    return a + b\n"
C = "int main(void) {\n  return 0;\n}\n"


def jsonl(records) -> bytes:
    out = []
    for r in records:
        out.append(r if isinstance(r, bytes) else json.dumps(r).encode())
    return b"\n".join(out) + b"\n"


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    """A folder with every input kind and every kind of bad record."""
    root = tmp_path_factory.mktemp("scale_corpus")
    (root / "src").mkdir()
    (root / "src" / "a.py").write_text(PY * 3)
    (root / "src" / "b.c").write_text(C * 2)
    (root / "src" / "empty.py").write_text("")
    (root / "src" / "blob.py").write_bytes(b"\x00\x01binary")
    (root / "src" / "latin.py").write_bytes(b"x = '\xe9'\n")
    (root / "notes.unknown").write_text("what")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "skip.js").write_text("var x = 1;")
    lines = [
        {"text": PY, "language": "python"},
        b"{broken json",
        {"content": C, "path": "lib/x.c"},
        {"nothing": 1},
        b"\xff\xfe not utf-8",
        {"text": "Hello world, plain prose.", "lang": "English"},
    ]
    (root / "data.jsonl").write_bytes(jsonl(lines))
    (root / "data2.jsonl.gz").write_bytes(gzip.compress(jsonl(lines[:3])))
    (root / "data3.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(jsonl(lines[2:])))
    table = pd.DataFrame({"text": [PY, C, ""], "language": ["python", "c", "python"]})
    table.to_parquet(root / "rows.parquet", row_group_size=2)
    (root / "broken.parquet").write_bytes(b"PAR1 not really")
    with zipfile.ZipFile(root / "more.zip", "w") as zf:
        zf.writestr("pkg/m.py", PY)
        zf.writestr("../evil.py", PY)
    return root


@pytest.fixture(scope="module")
def gpt2():
    return get_tokenizer("gpt2")


def records(spec, **kw):
    plan = plan_corpus(str(spec), **kw)
    return plan, [r for i, u in enumerate(plan.units) for r in read_unit(u, i)]


def test_plan_reads_every_kind_and_reports_bad_records(corpus_dir):
    plan, recs = records(corpus_dir)
    names = [u.name for u in plan.units]
    assert "node_modules/skip.js" not in names
    assert names == sorted(names, key=lambda n: Path(n).parts)
    docs = [r for r in recs if isinstance(r, DocRef)]
    skipped = {(r.source, r.reason.split(" (")[0]) for r in recs if isinstance(r, SkipRef)}
    assert ("data.jsonl", "line 2: not valid JSON") in skipped
    assert ("data.jsonl", "line 4: no string field 'text' or 'content'") in skipped
    assert ("data.jsonl", "line 5: not UTF-8") in skipped
    assert ("src/empty.py", "empty file") in skipped
    assert ("src/blob.py", "binary file") in skipped
    assert ("src/latin.py", "not UTF-8") in skipped
    assert ("notes.unknown", "unknown extension '.unknown'") in skipped
    assert any(s == "broken.parquet" for s, _ in skipped)
    assert any("unsafe path" in reason for _, reason in skipped)
    by_source = {(d.source, d.line): d for d in docs}
    assert by_source[("data.jsonl", 3)].language == "c"  # from the record's path
    assert by_source[("data.jsonl", 6)].language == "english"  # 'lang' field, lower-cased
    assert by_source[("data.jsonl", 1)].text == PY
    gz = [d for d in docs if d.source == "data2.jsonl.gz"]
    zst = [d for d in docs if d.source == "data3.jsonl.zst"]
    assert [d.line for d in gz] == [1, 3] and [d.line for d in zst] == [1, 4]
    rows = [d for d in docs if d.source.startswith("rows.parquet")]
    assert [d.language for d in rows] == ["python", "c"]  # the empty third row is skipped
    assert sum(isinstance(r, UnitLines) for r in recs) == 3


def test_missing_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="not found"):
        plan_corpus(str(tmp_path / "nope"))


def test_blocks_of_a_large_jsonl_give_the_whole_file(tmp_path, gpt2):
    lines = [{"text": f"x{i} = {i}\n" * (i % 7 + 1), "language": "python"} for i in range(300)]
    lines[41] = b"not json"
    path = tmp_path / "big.jsonl"
    path.write_bytes(jsonl(lines))
    whole_plan, whole = records(path)
    split_plan, split = records(path, block_bytes=997)
    assert len(whole_plan.units) == 1 and len(split_plan.units) > 5
    key = lambda rs: [(r.text, r.language) for r in rs if isinstance(r, DocRef)]  # noqa: E731
    assert key(whole) == key(split)

    def stats(plan):
        first = np.asarray([u.first for u in plan.units])
        return fold(
            [gpt2],
            lambda: (r for i, u in enumerate(plan.units) for r in read_unit(u, i)),
            n_units=len(plan.units),
            unit_first=first,
        )

    a, b = stats(whole_plan), stats(split_plan)
    assert a.documents()["source"].tolist() == b.documents()["source"].tolist()
    assert b.documents()["source"].iloc[41] == "big.jsonl:43"  # line 42 was skipped
    assert metrics.compression_table(a, None).equals(metrics.compression_table(b, None))


def in_process(spec, toks, **kw):
    return fold_plan(toks, plan_corpus(str(spec)), **kw)


def same_stats(a, b) -> None:
    """Equal numbers (the engine that produced the ids may differ: both are exact)."""
    ta, tb = (metrics.compression_table(x, "gpt2").drop(columns="engine") for x in (a, b))
    assert ta.equals(tb)
    assert a.documents().equals(b.documents())
    assert a.skipped_report().equals(b.skipped_report())
    assert a.skipped_total == b.skipped_total
    for tid in a.tokenizers:
        assert a.tokenizers[tid].unigram == b.tokenizers[tid].unigram


def test_local_executor_with_two_workers(corpus_dir, tmp_path, gpt2):
    llama = get_tokenizer("llama2")
    opts = JobOptions(workers=2, tasks=3, sample_size=5)
    stats = run_job(str(corpus_dir), ["gpt2", "llama2"], ["gpt2", "llama2"], opts, tmp_path)
    assert sorted(p.name for p in (tmp_path / "tasks").iterdir()) == ["00000", "00001", "00002"]
    same_stats(stats, in_process(corpus_dir, [gpt2, llama], sample_size=5))
    assert len(stats.sample) == 5 and not stats.sample_complete
    # the same job again: every task is complete, nothing is encoded, same result
    again = run_job(str(corpus_dir), ["gpt2", "llama2"], ["gpt2", "llama2"], opts, tmp_path)
    same_stats(stats, again)
    # another job in the same folder is refused, with what to do
    with pytest.raises(JobError, match="another job"):
        run_job(str(corpus_dir), ["gpt2"], ["gpt2"], opts, tmp_path)


def test_ray_executor_on_a_local_instance(corpus_dir, tmp_path, gpt2):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        opts = JobOptions(executor="ray", workers=2, tasks=2)
        stats = run_job(str(corpus_dir), ["gpt2"], ["gpt2"], opts, tmp_path)
    finally:
        ray.shutdown()
    same_stats(stats, in_process(corpus_dir, [gpt2]))


def test_slurm_launch_script_without_submitting(corpus_dir, tmp_path, capsys):
    import dill

    opts = JobOptions(
        executor="slurm", tasks=8, workers=4, partition="cpu", time="01:30:00",
        cpus_per_task=2, mem_per_cpu_gb=3, venv_path="/opt/venv/bin/activate", dry_run=True,
    )  # fmt: skip
    assert run_job(str(corpus_dir), ["gpt2"], ["gpt2"], opts, tmp_path) is None
    script = (tmp_path / "logs" / "launch_script.slurm").read_text()
    for line in (
        "#SBATCH --partition=cpu",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --mem-per-cpu=3G",
        "#SBATCH --time=01:30:00",
        "#SBATCH --array=0-7%4",
        "source /opt/venv/bin/activate",
    ):
        assert line in script
    assert f"launch_pickled_pipeline {tmp_path / 'logs' / 'executor.pik'}" in script
    with open(tmp_path / "logs" / "executor.pik", "rb") as fh:
        executor = dill.load(fh)
    assert [type(s).__name__ for s in executor.pipeline] == ["PlanReader", "StatsStep"]
    assert json.loads((tmp_path / "logs" / "ranks_to_run.json").read_text()) == list(range(8))
    assert main(["report", "--stats-dir", str(tmp_path), "--out", str(tmp_path / "x.csv")]) == 2
    assert "8 of 8 tasks" in capsys.readouterr().err


def test_report_reproduces_compare_byte_for_byte(corpus_dir, tmp_path, capsys):
    outs = ("out", "vocab", "per-document", "skipped")
    args = ["-t", "gpt2", "-t", "cl100k_base", "--base", "gpt2", "--workers", "2", "--alpha", "3"]
    first = [f"--{o}={tmp_path / ('a_' + o + '.csv')}" for o in outs]
    assert main(["compare", *args, "--corpus", str(corpus_dir), "--stats-dir",
                 str(tmp_path / "st"), *first]) == 0  # fmt: skip
    second = [f"--{o}={tmp_path / ('b_' + o + '.csv')}" for o in outs]
    assert main(["report", "--stats-dir", str(tmp_path / "st"), *second]) == 0
    for o in outs:
        a = (tmp_path / f"a_{o}.csv").read_bytes()
        assert a == (tmp_path / f"b_{o}.csv").read_bytes(), o
    table = pd.read_csv(tmp_path / "a_out.csv")
    assert set(table["tokenizer"]) == {"gpt2", "cl100k_base"}
    assert "skipped" in capsys.readouterr().err
    # a base the bundle does not hold is refused with what it holds
    assert main(["report", "--stats-dir", str(tmp_path / "st"), "--base", "llama3"]) == 2
    assert "gpt2, cl100k_base" in capsys.readouterr().err


def test_bundle_round_trip_zip_and_damage(corpus_dir, tmp_path, gpt2):
    stats = in_process(corpus_dir, [gpt2], sample_size=4)
    stats.meta = {"corpus": "x"}
    back = load_stats(save_stats(stats, tmp_path / "b"))
    same_stats(stats, back)
    assert back.meta == {"corpus": "x"}
    same_stats(stats, load_bundle_zip(bundle_zip(stats)))
    (tmp_path / "b" / "unigram.parquet").write_bytes(b"garbage")
    with pytest.raises(StatsBundleError, match="damaged"):
        load_stats(tmp_path / "b")
    with pytest.raises(StatsBundleError, match="not a statistics bundle"):
        load_stats(tmp_path)
    with pytest.raises(StatsBundleError, match="not a zip"):
        load_bundle_zip(b"nope")


def test_compression_page_from_a_bundle(corpus_dir, tmp_path, gpt2):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    stats = in_process(corpus_dir, [gpt2])
    stats.meta = {"corpus": "my-monorepo", "created": "2026-11-29 12:00 UTC"}
    save_stats(stats, tmp_path / "bundle")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.session_state["td_corpus"] = "stats"
    at.session_state["td_stats_folder"] = str(tmp_path)
    at.switch_page("app_pages/compression.py").run()
    assert not at.exception, at.exception
    assert any("my-monorepo" in i.value and "nothing encoded" in i.value for i in at.info)
    df = next(d.value for d in at.dataframe if "bytes_per_token" in d.value.columns)
    want = metrics.compression_table(stats, None)
    assert any("reason" in d.value.columns for d in at.dataframe)  # the skipped report
    assert df["tokens"].tolist() == want["tokens"].tolist()
    at.switch_page("app_pages/vocabulary.py").run()
    assert not at.exception, at.exception
    at.switch_page("app_pages/train.py").run()
    assert not at.exception and any("hold counts" in i.value for i in at.info)


def test_an_fsspec_url_is_read_like_a_folder(gpt2):
    import fsspec

    fs = fsspec.filesystem("memory")
    fs.pipe("/urlcorpus/src/a.py", (PY * 2).encode())
    fs.pipe("/urlcorpus/data.jsonl.gz", gzip.compress(jsonl([{"text": C, "language": "c"}])))
    plan = plan_corpus("memory://urlcorpus")
    assert [u.name for u in plan.units] == ["data.jsonl.gz", "src/a.py"]
    stats = fold_plan([gpt2], plan)
    assert stats.text_totals("python")["bytes"] == len(PY) * 2
    assert stats.tokenizers["gpt2"].tokens["c"] == len(gpt2.encode(C))


def test_an_unreachable_url_is_a_clear_error():
    with pytest.raises(CorpusError, match="cannot read|not found"):
        plan_corpus("memory://nowhere/at/all")


def test_compression_page_streams_a_local_folder(corpus_dir, gpt2):
    """A local folder on the corpus pages goes through the streaming fold (no cap), with the
    skipped records shown; the numbers equal the in-process fold of the same plan."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.session_state["td_tokenizers"] = ["gpt2"]
    at.session_state["td_corpus"] = "folder"
    at.session_state["td_corpus_folder"] = str(corpus_dir)
    at.switch_page("app_pages/compression.py").run()
    assert not at.exception, at.exception
    df = next(d.value for d in at.dataframe if "bytes_per_token" in d.value.columns)
    stats = in_process(corpus_dir, [gpt2, get_tokenizer("llama2")])  # llama2: the default base
    want = metrics.compression_table(stats.select(["gpt2", "llama2"]), "llama2")
    want = want[want["tokenizer"] == "gpt2"]
    assert df["tokens"].tolist() == want["tokens"].tolist()
    assert df["nsl"].tolist() == pytest.approx(want["nsl"].tolist())
    assert df["documents"].tolist() == want["documents"].tolist()
    assert any("skipped" in e.label for e in at.expander)
