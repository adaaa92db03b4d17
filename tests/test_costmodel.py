"""The vocabulary cost model: formulas by hand on a small shape, and against transformers."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from tokdash.errors import TokdashError
from tokdash.speed import costmodel
from tokdash.speed.costmodel import ModelShape, TokenizerRate

# 1 layer, d=4, 2 heads (head_dim 2), 1 KV head, d_ff=8, V=10: small enough to count by hand.
SMALL = ModelShape("small", n_layers=1, d_model=4, n_heads=2, n_kv_heads=1, d_ff=8, vocab_size=10)


def test_param_counts_by_hand():
    p = costmodel.param_counts(SMALL)
    assert p["embedding"] == 40  # 10 x 4
    assert p["output"] == 40
    assert p["attention"] == 48  # q, o: 4x4 each; k, v: 4x2 each
    assert p["mlp"] == 96  # 3 x 4 x 8
    assert p["norms"] == 12  # 2 x 4 per layer + final 4
    assert p["body"] == 156
    assert p["total"] == 236
    tied = costmodel.param_counts(replace(SMALL, tie_embeddings=True))
    assert tied["output"] == 0 and tied["total"] == 196


def test_flops_per_token_by_hand():
    f = costmodel.flops_per_token(SMALL, context=3)
    assert f["embedding"] == 0
    assert f["output"] == 80  # 2 x 10 x 4
    assert f["attention"] == 96 + 48  # 2 x 48 params + 4 x 1 layer x 3 ctx x 4
    assert f["mlp"] == 192
    assert f["body"] == 336
    assert f["total"] == 416
    with pytest.raises(TokdashError):
        costmodel.flops_per_token(SMALL, context=-1)


def test_memory_by_hand():
    assert costmodel.weight_bytes(SMALL, "float32") == 944
    assert costmodel.weight_bytes(SMALL, "bf16") == 472
    # 2 (k,v) x 1 layer x 1 kv head x 2 head_dim x 5 tokens x batch 2 x 2 bytes
    assert costmodel.kv_cache_bytes(SMALL, 5, "bfloat16", batch=2) == 80
    # untied: body 156 + output 40 + one embedding row 4, fp32, + KV of 5 tokens (40 x 2 / 2)
    assert costmodel.decode_bytes_per_step(SMALL, "float32", 5) == 800 + 80
    tied = replace(SMALL, tie_embeddings=True)
    assert costmodel.decode_bytes_per_step(tied, "float32", 0) == (156 + 40) * 4
    assert costmodel.bandwidth_bound_tokens_per_s(SMALL, "float32", 5, 880.0) == 1.0


def test_dtype_bytes_and_errors():
    assert costmodel.dtype_bytes("float32") == 4
    assert costmodel.dtype_bytes("bfloat16") == 2
    assert costmodel.dtype_bytes("fp16") == 2
    assert costmodel.dtype_bytes("torch.float16") == 2
    with pytest.raises(TokdashError, match="unknown dtype"):
        costmodel.dtype_bytes("int3")
    with pytest.raises(TokdashError, match="multiple of n_heads"):
        ModelShape("bad", 1, 10, 3, 1, 8, 10)
    with pytest.raises(TokdashError, match="unknown model preset"):
        costmodel.get_preset("13b")


def test_with_vocab_and_presets():
    assert SMALL.with_vocab(20).vocab_size == 20
    assert SMALL.with_vocab(20).d_model == SMALL.d_model
    big = costmodel.param_counts(SMALL.with_vocab(1000))
    assert big["embedding"] > costmodel.param_counts(SMALL)["embedding"]
    assert big["body"] == costmodel.param_counts(SMALL)["body"]
    # Llama-2-7B has 6,738,415,616 parameters.
    assert costmodel.param_counts(costmodel.PRESETS["7b"])["total"] == 6_738_415_616
    # Llama-3.2-1B (tied embeddings) has 1,235,814,400.
    assert costmodel.param_counts(costmodel.PRESETS["1b"])["total"] == 1_235_814_400
    assert costmodel.param_counts(costmodel.PRESETS["tiny"])["total"] < 10_000_000


@pytest.mark.parametrize("tie", [False, True])
@pytest.mark.parametrize("kv_heads", [1, 2])
def test_param_counts_match_transformers(tie, kv_heads):
    from tokdash.speed.probe import build_model

    shape = ModelShape("t", 2, 16, 2, kv_heads, 24, 50, tie_embeddings=tie, max_positions=64)
    model = build_model(shape)
    real = {p.data_ptr(): p.numel() for p in model.parameters()}  # tied weights counted once
    assert costmodel.param_counts(shape)["total"] == sum(real.values())
    assert model.get_input_embeddings().weight.numel() == costmodel.param_counts(shape)["embedding"]


def test_vocab_sweep_grows_with_vocab():
    rows = costmodel.vocab_sweep(costmodel.PRESETS["125m"], [64_000, 16_384, 256_000], 1024)
    assert [r["vocab_size"] for r in rows] == [16_384, 64_000, 256_000]
    shares = [r["params_vocab_share"] for r in rows]
    assert shares == sorted(shares) and 0 < shares[0] < shares[-1] < 1
    assert rows[0]["params_body"] == rows[-1]["params_body"]
    assert rows[0]["kv_cache_mib"] == rows[-1]["kv_cache_mib"]


def test_effective_context_by_hand():
    row = costmodel.effective_context_row(SMALL, 1000, bytes_per_token=4.0, tokens_per_line=10.0)
    assert row["window_kib"] == pytest.approx(1000 * 4 / 1024)
    assert row["window_lines"] == pytest.approx(100)
    # 10,000 tokens x 2 x 1 x 1 x 2 x 2 bytes (bf16) = 80,000 bytes
    assert row["kv_mib_per_1k_lines"] == pytest.approx(80_000 / 2**20)
    rates = [TokenizerRate("a", 10, 3.0, 3.0, 10.0), TokenizerRate("b", 20, 4.0, 4.0, 8.0)]
    ctx = costmodel.effective_context(SMALL, rates, 800)
    assert [r["window_lines"] for r in ctx] == pytest.approx([80, 100])
    cmp = costmodel.compression_vs_cost(SMALL, rates, 16, "float32")
    assert cmp[0]["base"] == "a" and cmp[1]["gain_vs_base"] == pytest.approx(4 / 3 - 1)
    assert cmp[1]["params_vocab_share"] > cmp[0]["params_vocab_share"]


def test_rates_from_corpus(catalog_tokenizer):
    from tokdash.corpus import load_sample_corpus

    toks = [catalog_tokenizer("gpt2"), catalog_tokenizer("cl100k_base")]
    rates = costmodel.tokenizer_rates(toks, load_sample_corpus("python").documents)
    assert [r.tokenizer for r in rates] == ["gpt2", "cl100k_base"]
    assert rates[1].vocab_size > rates[0].vocab_size
    assert rates[1].chars_per_token > rates[0].chars_per_token > 1
    assert all(r.tokens_per_line > 0 for r in rates)


def test_import_is_light():
    code = "import sys, tokdash.speed.costmodel, tokdash.speed.probe; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
