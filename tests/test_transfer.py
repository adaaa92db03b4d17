"""Tokenizer swap: overlap statistics, FVT / extend initialisation, saved files, gain formulas.

The toy tokenizers are tiktoken encodings built by hand, so every number below can be checked on
paper: the old vocabulary is the 256 bytes (id = byte value) plus "ab", "cd", "xy" and one special
token; the candidate puts its 256 bytes at ids 3..258 (ids 0..2 are unused) and adds "ab", "cd",
"abcd", "yz", "xyz", the partial UTF-8 sequence E4 BD, and the same special token.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tokdash.errors import TokdashError
from tokdash.settings import HOSTED
from tokdash.speed import costmodel
from tokdash.tokenizers.base import TokenizerInfo
from tokdash.tokenizers.tiktoken_backend import tokenizer_from_ranks
from tokdash.transfer import fvt, planner, swap_io

PAT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
SPECIAL = "<|end|>"


def toy(name: str, ranks: dict[bytes, int], special: int):
    info = TokenizerInfo(id=name, name=name, backend="tiktoken")
    return tokenizer_from_ranks(ranks, PAT, info, {SPECIAL: special})


@pytest.fixture(scope="module")
def old():
    ranks = {bytes([b]): b for b in range(256)}
    ranks.update({b"ab": 256, b"cd": 257, b"xy": 258})
    return toy("old", ranks, 259)


@pytest.fixture(scope="module")
def new():
    ranks = {bytes([b]): b + 3 for b in range(256)}
    extra = [b"ab", b"cd", b"abcd", b"yz", b"xyz", b"\xe4\xbd"]
    ranks.update({t: 259 + k for k, t in enumerate(extra)})
    return toy("new", ranks, 265)


@pytest.fixture(scope="module")
def plan(old, new):
    return fvt.build_plan(old, new)


def ids_of(tok, piece: bytes) -> int:
    return tok.encoding.encode_single_token(piece)


# ----- overlap ----------------------------------------------------------------------------------
def test_vocab_index_skips_specials_and_unused_ids(old, new):
    oi, ni = fvt.vocab_index(old), fvt.vocab_index(new)
    assert len(oi.by_bytes) == 259 and oi.skipped_special == 1 and oi.skipped == 1
    assert len(ni.by_bytes) == 262 and ni.skipped_special == 1 and ni.skipped_empty == 3
    assert ni.by_bytes[b"abcd"] == 261 and oi.by_bytes[b"xy"] == 258


def test_overlap_table_counts(plan):
    got = dict(zip(*planner.overlap_table(plan).T.values, strict=True))
    assert got["shared (same bytes in both)"] == 258  # 256 bytes + "ab" + "cd"
    assert got["only in current"] == 1  # "xy"
    assert got["only in candidate"] == 4  # abcd, yz, xyz, E4 BD
    assert got["candidate ids skipped (special / no bytes / duplicate)"] == 4


def test_pieces_histogram(plan):
    hist = planner.pieces_histogram(plan)
    assert hist["pieces"].tolist() == [1, 2]
    assert hist["candidate_tokens"].tolist() == [258, 4]
    assert hist["share"].sum() == pytest.approx(1.0)


def test_plan_sources_and_pieces(plan, old, new):
    assert plan.counts() == {"exact": 256 + 2 + 1, "fvt": 4, "fallback": 3}
    assert [plan.source[i] for i in (0, 1, 2)] == [fvt.FALLBACK] * 3
    assert plan.pieces(ids_of(new, b"ab")) == [256]
    assert plan.pieces(ids_of(new, b"abcd")) == [256, 257]  # the old tokenizer's "ab" + "cd"
    assert plan.pieces(ids_of(new, b"yz")) == [ord("y"), ord("z")]
    assert plan.pieces(ids_of(new, b"xyz")) == [258, ord("z")]
    assert plan.pieces(ids_of(new, b"\xe4\xbd")) == [0xE4, 0xBD]  # bytes, not decodable text
    assert plan.source[265] == fvt.EXACT and plan.exact_row[265] == 259  # the special
    assert not plan.by_encoder[ids_of(new, b"\xe4\xbd")] and plan.by_encoder[261]


def test_segment_fewest_pieces():
    index = {b"a": 0, b"b": 1, b"ab": 2, b"abc": 3, b"c": 4}
    assert fvt.segment(b"abc", index, 3) == [3]
    assert fvt.segment(b"abab", index, 3) == [2, 2]
    assert fvt.segment(b"abd", index, 3) is None


def test_spell_strips_sentencepiece_dummy_prefix(catalog_tokenizer):
    llama = catalog_tokenizer("llama2")
    pieces, by_encoder = fvt.spell(llama, [b"foo", b"_ACCESS", b"\xe4\xbd"])
    vb = llama.vocab_bytes()
    assert [b"".join(vb[i] for i in p) for p in pieces] == [b"foo", b"_ACCESS", b"\xe4\xbd"]
    assert by_encoder.tolist() == [True, True, False]


def test_new_token_examples_longest_used_first(plan):
    usage = np.zeros(plan.new_vocab_size, dtype=np.int64)
    usage[[261, 262]] = [5, 9]  # abcd used 5 times, yz 9 times; xyz unused
    ex = planner.new_token_examples(plan, usage)
    assert ex["token"].tolist() == ["abcd", "yz"]
    assert ex["current_spelling"].tolist() == ["ab | cd", "y | z"]
    assert ex["uses_in_corpus"].tolist() == [5, 9]


# ----- embedding initialisation -----------------------------------------------------------------
@pytest.fixture(scope="module")
def old_matrix():
    rng = np.random.default_rng(1)
    return rng.standard_normal((260, 4)).astype(np.float32)


def test_fvt_rows_by_hand(plan, old_matrix, new):
    E = old_matrix
    M = fvt.fvt_matrix(E, plan)
    assert M.shape == (266, 4) and M.dtype == np.float32
    np.testing.assert_array_equal(M[ids_of(new, b"a")], E[ord("a")])  # shared: exact copy
    np.testing.assert_array_equal(M[ids_of(new, b"cd")], E[257])
    np.testing.assert_array_equal(M[265], E[259])  # special -> same-named special
    np.testing.assert_allclose(M[261], (E[256] + E[257]) / 2, rtol=1e-6)
    np.testing.assert_allclose(M[263], (E[258] + E[ord("z")]) / 2, rtol=1e-6)
    np.testing.assert_allclose(M[264], (E[0xE4] + E[0xBD]) / 2, rtol=1e-6)
    np.testing.assert_allclose(M[0], E.mean(axis=0), rtol=1e-5)  # fallback: mean of old rows


def test_shared_rows_exact_for_every_shared_token(plan, old_matrix):
    M = fvt.fvt_matrix(old_matrix, plan)
    exact = np.flatnonzero(plan.source == fvt.EXACT)
    np.testing.assert_array_equal(M[exact], old_matrix[plan.exact_row[exact]])


def test_normal_fallback_uses_old_statistics(plan, old_matrix):
    rows = fvt.fallback_rows(old_matrix, 20000, "normal", seed=0)
    assert rows.shape == (20000, 4)
    np.testing.assert_allclose(rows.std(axis=0), old_matrix.std(axis=0), rtol=0.05)
    with pytest.raises(TokdashError, match="unknown fallback"):
        fvt.fallback_rows(old_matrix, 1, "zeros")


def test_extend_keeps_old_rows_and_appends(plan, old_matrix):
    M, mapping = fvt.extend_matrix(old_matrix, plan)
    n_new = int((plan.source != fvt.EXACT).sum())
    assert M.shape == (260 + n_new, 4) == (267, 4)
    np.testing.assert_array_equal(M[:260], old_matrix)
    assert mapping[261] >= 260
    np.testing.assert_allclose(M[mapping[261]], (old_matrix[256] + old_matrix[257]) / 2, rtol=1e-6)
    assert mapping[259] == 256  # "ab" maps to its old row


def test_too_few_rows_is_a_clear_error(plan):
    with pytest.raises(TokdashError, match="this model's tokenizer"):
        fvt.fvt_matrix(np.zeros((10, 4), dtype=np.float32), plan)


def test_source_table_names_fallback(plan):
    table = fvt.source_table(plan, "fvt", "normal")
    assert table["rows"].tolist() == [259, 4, 3]
    assert "random normal" in table.loc[2, "how"]
    ext = fvt.source_table(plan, "extend", "mean")
    assert ext["source"].tolist() == ["kept", "appended fvt", "appended fallback"]


# ----- files ------------------------------------------------------------------------------------
def test_saved_tensors_load_back(tmp_path, plan, old, new):
    from safetensors import safe_open

    shape = costmodel.get_preset("tiny", old.vocab_size)
    emb = swap_io.random_init(shape, seed=0)
    assert emb.input.shape == (260, 64) and not emb.tied
    result = swap_io.build_swap(emb, plan, "fvt", "mean")
    path = swap_io.save_swap(tmp_path / "swap.safetensors", result, emb, plan)
    with safe_open(str(path), framework="np") as f:
        assert set(f.keys()) == {"model.embed_tokens.weight", "lm_head.weight"}
        assert f.get_tensor("model.embed_tokens.weight").shape == (266, 64)
        assert f.get_tensor("lm_head.weight").shape == (266, 64)
        np.testing.assert_array_equal(
            f.get_tensor("lm_head.weight")[ids_of(new, b"a")], emb.output[ord("a")]
        )
        meta = f.metadata()
    assert meta["candidate_tokenizer"] == "new"
    assert json.loads(meta["row_sources"]) == {"exact": 259, "fvt": 4, "fallback": 3}


def test_checkpoint_round_trip_bf16_tied(tmp_path, plan):
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file

    w = torch.randn(260, 8).to(torch.bfloat16)
    save_file(
        {"model.embed_tokens.weight": w, "model.norm.weight": torch.ones(8)},
        str(tmp_path / "model.safetensors"),
    )
    emb = swap_io.read_checkpoint(tmp_path, 260)
    assert emb.tied and emb.dtype == "bfloat16" and emb.input.shape == (260, 8)
    result = swap_io.build_swap(emb, plan, "extend", "mean")
    out = swap_io.save_swap(tmp_path / "out" / "e.safetensors", result, emb, plan)
    with safe_open(str(out), framework="pt") as f:
        assert set(f.keys()) == {"model.embed_tokens.weight", swap_io.MAP_KEY}
        got = f.get_tensor("model.embed_tokens.weight")
        assert got.dtype == torch.bfloat16 and got.shape == (267, 8)
        assert torch.equal(got[:260], w)  # kept rows are bit-identical
        assert f.get_tensor(swap_io.MAP_KEY).shape == (266,)


def test_checkpoint_errors(tmp_path):
    with pytest.raises(TokdashError, match="no .safetensors"):
        swap_io.read_checkpoint(tmp_path, 10)
    (tmp_path / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(TokdashError, match="not a readable safetensors"):
        swap_io.read_checkpoint(tmp_path, 10)
    with pytest.raises(TokdashError, match="hosted demo does not read local checkpoints"):
        swap_io.read_checkpoint(tmp_path, 10, limits=HOSTED)


def test_tokenizer_file_from_tiktoken_keeps_ids(new):
    from tokdash.tokenizers.hf_backend import load_tokenizer_json_str

    name, data = swap_io.tokenizer_file(new)
    assert name == "tokenizer.json"
    hf = load_tokenizer_json_str(data.decode(), TokenizerInfo(id="hf", name="hf", backend="hf"))
    text = "abcd xyz yz 你好 12345 ab\ncd"
    assert hf.encode(text) == new.encode(text)
    assert hf.vocab_size == new.vocab_size and 265 in hf.special_ids


def test_catalog_tiktoken_conversion_is_cached(catalog_tokenizer, tmp_path, monkeypatch):
    monkeypatch.setenv("TOKDASH_CACHE_DIR", str(tmp_path))
    gpt2 = catalog_tokenizer("gpt2")
    name, first = swap_io.tokenizer_file(gpt2)
    cached = list((tmp_path / "derived").glob("gpt2.from-tiktoken.v*.json"))
    assert len(cached) == 1 and cached[0].read_bytes() == first
    cached[0].write_bytes(first + b" ")  # mark the cached copy
    assert swap_io.tokenizer_file(gpt2)[1] == first + b" "  # read back, not converted again


# ----- gain and budget --------------------------------------------------------------------------
def test_gain_formulas():
    assert planner.chars_per_s_gain(0.8) == pytest.approx(0.25)
    assert planner.chars_per_s_gain(1.0) == 0.0
    assert planner.effective_context(4096, 0.5) == 8192


def test_gain_table_from_comparison_rows():
    rows = []
    for tok, tokens in (("cur", 100), ("cand", 80)):
        rows.append(
            {
                "tokenizer": tok,
                "language": "ALL",
                "documents": 2,
                "bytes": 400,
                "chars": 360,
                "tokens": tokens,
                "chars_per_token": 360 / tokens,
            }
        )
    gain = planner.gain_table(pd.DataFrame(rows), "cur", "cand", 1000)
    row = gain.iloc[0]
    assert row["nsl"] == pytest.approx(0.8)
    assert row["chars_per_s_gain"] == pytest.approx(0.25)
    assert row["effective_context"] == pytest.approx(1250)
    assert row["chars_per_token_candidate"] == pytest.approx(4.5)
    with pytest.raises(TokdashError):
        planner.gain_table(pd.DataFrame(rows), "cur", "missing")


def test_size_table_embedding_change():
    shape = costmodel.get_preset("tiny")
    t = planner.size_table(shape, 32_000, 100_277, "float32")
    change = t.iloc[2]
    assert change["embedding_params"] == (100_277 - 32_000) * 64
    assert change["output_params"] == (100_277 - 32_000) * 64  # untied
    assert change["body_params"] == 0
    assert change["weights_mib"] == pytest.approx(2 * 68_277 * 64 * 4 / 2**20)


def test_budget_table_restates_paper():
    b = planner.budget_table(3.0, 4.0, planned_tokens=5e9)
    values = dict(zip(b["what"], b["value"], strict=True))
    assert values["paper: fine-tuning tokens after which the swap paid off"] == 50e9
    assert values["same text in candidate tokens"] == pytest.approx(37.5e9)
    assert values["same text as code like your corpus"] == pytest.approx(150.0)
    assert values["your plan / the paper's 50B"] == pytest.approx(0.1)
    assert "not a prediction" in planner.PAPER_FINDING


# ----- CLI --------------------------------------------------------------------------------------
def test_cli_swap_writes_csv_and_embeddings(tmp_path, capsys):
    from safetensors import safe_open

    from tokdash.cli.main import main

    out = tmp_path / "swap.csv"
    emb = tmp_path / "e" / "swap.safetensors"
    rc = main(
        [
            "swap",
            "--from",
            "llama2",
            "--to",
            "gpt2",
            "--corpus",
            "sample:python",
            "--out",
            str(out),
            "--model-preset",
            "tiny",
            "--save-embeddings",
            str(emb),
        ]
    )
    assert rc == 0
    table = pd.read_csv(out)
    assert list(table.columns) == planner.GAIN_COLUMNS
    assert table["language"].tolist() == ["python", "ALL"]
    with safe_open(str(emb), framework="np") as f:
        assert f.get_tensor("model.embed_tokens.weight").shape == (50257, 64)
    assert (tmp_path / "e" / "tokenizer.json").is_file()
    assert "not a prediction" in capsys.readouterr().out


def test_cli_swap_errors(capsys):
    from tokdash.cli.main import main

    args = ["swap", "--from", "gpt2", "--to", "gpt2", "--corpus", "sample:python"]
    assert main(args) == 2
    assert "same tokenizer" in capsys.readouterr().err
    assert main([*args[:4], "cl100k_base", *args[5:], "--save-embeddings", "x.safetensors"]) == 2
    assert "--checkpoint" in capsys.readouterr().err


def test_visible_marks_whitespace_and_partial_bytes():
    # the one `visible` of the analysis layer (the Vocabulary page's tables draw the same)
    assert planner.visible(b" a\n\tb\xe4") == "·a↵→b\\xe4"


def test_new_token_examples_words_only(plan):
    usage = np.zeros(plan.new_vocab_size, dtype=np.int64)
    usage[[261, 264]] = [1, 50]  # "abcd" and the partial UTF-8 E4 BD
    assert planner.new_token_examples(plan, usage)["token"].tolist() == ["abcd", "\\xe4\\xbd"]
    assert planner.new_token_examples(plan, usage, words_only=True)["token"].tolist() == ["abcd"]


def test_pure_modules_import_neither_torch_nor_streamlit():
    import subprocess
    import sys

    code = (
        "import sys, tokdash.transfer.fvt, tokdash.transfer.planner, tokdash.transfer.swap_io; "
        "print(sorted(m for m in ('torch', 'streamlit') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_random_init_of_a_big_preset_draws_only_embeddings(plan):
    shape = costmodel.get_preset("1b", 260)  # tied, far above MAX_BUILT_PARAMS
    emb = swap_io.random_init(shape)
    assert emb.tied and emb.input.shape == (260, 2048) and emb.input.dtype == np.float32
    assert "normal(0, 0.02)" in emb.source
    assert abs(float(emb.input.std()) - 0.02) < 0.002
