"""The generation-speed probe on the CPU with the tiny preset, the loaders and the CLI."""

from __future__ import annotations

import csv

import pytest

from tokdash.cli.main import main
from tokdash.errors import TokdashError
from tokdash.settings import HOSTED
from tokdash.speed import costmodel, probe
from tokdash.speed.costmodel import ModelShape, TokenizerRate

FAST = probe.ProbeSettings(prompt_len=16, new_tokens=5, repeats=2, device="cpu", decode="eager")


@pytest.fixture(scope="module")
def probe_rows():
    rates = [
        TokenizerRate("small-vocab", 1_000, 3.0, 3.1, 10.0),
        TokenizerRate("large-vocab", 8_000, 4.0, 4.2, 8.0),
    ]
    seen: list[dict] = []
    rows = probe.run_probe(costmodel.PRESETS["tiny"], rates, FAST, on_result=seen.append)
    return rows, seen


def test_probe_measurements_are_positive_and_consistent(probe_rows):
    rows, seen = probe_rows
    assert [r["tokenizer"] for r in rows] == ["small-vocab", "large-vocab"]
    assert [r["tokenizer"] for r in seen] == ["small-vocab", "large-vocab"]
    for r in rows:
        for key in ("ttft_ms", "decode_tokens_per_s", "itl_ms", "itl_p90_ms", "peak_memory_mib"):
            assert r[key] > 0, key
        assert r["itl_p90_ms"] >= r["itl_ms"]
        assert r["bandwidth_gb_s"] > 0 and r["bound_tokens_per_s"] > 0
        assert r["overhead_bound"]  # the tiny preset is below 10M parameters
        assert r["memory_source"].startswith("analytic")
        assert r["decode_mode"] == "eager" and r["compile_s"] == 0 and r["decode_note"] == ""
        assert r["kv_tokens_read"] == 16 + 5 // 2  # the growing cache's mean length
        assert r["fraction_of_bound"] > 0 and r["above_bound"] == (r["fraction_of_bound"] > 1)
    small, large = rows
    assert large["vocab_size"] > small["vocab_size"] and large["params"] > small["params"]
    assert large["decode_mib_per_step"] > small["decode_mib_per_step"]


def test_result_row_and_bandwidth_bound_by_hand():
    shape = ModelShape("hand", 1, 4, 2, 2, 8, 10)  # head_dim 2, untied
    settings = probe.ProbeSettings(prompt_len=8, new_tokens=4, device="cpu")
    timing = {"ttft_ms": 5.0, "decode_tokens_per_s": 250.0}
    row = probe.result_row(shape, settings, TokenizerRate("t", 10, 3.0, 3.5), timing)
    assert row["chars_per_s"] == 750.0 and row["bytes_per_s"] == 875.0  # 250 x 3.0, 250 x 3.5
    assert row["params"] == 252  # embedding 40 + output 40 + attention 64 + MLP 96 + norms 12
    row["_shape"] = shape
    probe.add_bandwidth_bound([row], bandwidth=1_184_000.0)
    # a decode step at context 8 + 4 // 2 = 10, float32: weights read (body 172 + output 40 +
    # one embedding row of 4) x 4 B = 864 B, KV cache 2 x 1 layer x 2 heads x 2 x 10 x 4 B = 320 B
    assert row["decode_mib_per_step"] * 2**20 == pytest.approx(1184)
    assert row["bound_tokens_per_s"] == pytest.approx(1000.0)  # 1,184,000 B/s / 1,184 B
    assert row["fraction_of_bound"] == pytest.approx(0.25)  # 250 / 1000
    assert row["bandwidth_gb_s"] == pytest.approx(0.001184)
    assert row["overhead_bound"] and not row["above_bound"]  # 25% of the bound
    # compiled: the step reads the whole static cache, 8 + 4 = 12 positions: KV 384 B
    row = probe.result_row(shape, settings, TokenizerRate("t", 10, 3.0, 3.5), timing)
    row.update(_shape=shape, decode_mode="compiled", decode_tokens_per_s=1_000.0, params=10**8)
    probe.add_bandwidth_bound([row], bandwidth=1_248_000.0, spec_gb_s=3350.0)
    assert row["kv_tokens_read"] == 12 and row["decode_mib_per_step"] * 2**20 == 1248
    assert row["fraction_of_bound"] == pytest.approx(1.0) and row["spec_bandwidth_gb_s"] == 3350
    assert not row["overhead_bound"] and not row["above_bound"]
    row["decode_tokens_per_s"] = 1_200.0
    probe.add_bandwidth_bound([row], bandwidth=1_248_000.0)
    assert row["above_bound"] and any("above the measured" in n for n in probe.run_notes([row]))


def test_larger_vocab_gets_larger_embedding():
    tiny = costmodel.PRESETS["tiny"]
    a = probe.build_model(tiny.with_vocab(500))
    b = probe.build_model(tiny.with_vocab(2_000))
    ea, eb = a.get_input_embeddings().weight, b.get_input_embeddings().weight
    assert ea.shape == (500, tiny.d_model) and eb.shape == (2_000, tiny.d_model)
    assert b.get_output_embeddings().weight.shape[0] == 2_000
    assert sum(p.numel() for p in b.parameters()) > sum(p.numel() for p in a.parameters())
    assert not a.training


def test_build_model_dtype_and_seed():
    import torch

    tiny = costmodel.PRESETS["tiny"].with_vocab(300)
    m = probe.build_model(tiny, dtype="bfloat16", seed=3)
    assert m.dtype == torch.bfloat16
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = probe.build_model(tiny, seed=3).state_dict()
    assert torch.equal(torch.random.get_rng_state(), before)  # the global generator untouched
    torch.rand(1000)  # another session drawing on the global generator in between
    b = probe.build_model(tiny, seed=3).state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    c = probe.build_model(tiny, seed=4).state_dict()
    assert not torch.equal(a["model.embed_tokens.weight"], c["model.embed_tokens.weight"])
    # Llama's init: normal(0, 0.02) matrices, norm weights 1
    emb = a["model.embed_tokens.weight"]
    assert abs(float(emb.std()) - 0.02) < 0.002 and abs(float(emb.mean())) < 0.002
    assert torch.equal(a["model.norm.weight"], torch.ones(tiny.d_model))


def test_checkpoint_roundtrip_and_refusals(tmp_path):
    shape = ModelShape("ck", 1, 32, 2, 2, 64, 120, max_positions=64)
    model = probe.build_model(shape)
    model.save_pretrained(tmp_path / "ok", safe_serialization=True)
    loaded = probe.load_checkpoint(tmp_path / "ok", "cpu", "float32")
    assert probe.shape_from_config(loaded.config) == probe.shape_from_config(model.config)
    assert probe.shape_from_config(loaded.config, name="ck") == shape
    with pytest.raises(TokdashError, match="not a folder"):
        probe.load_checkpoint(tmp_path / "missing")
    (tmp_path / "pickle").mkdir()
    (tmp_path / "pickle" / "config.json").write_text("{}")
    (tmp_path / "pickle" / "pytorch_model.bin").write_bytes(b"x")
    with pytest.raises(TokdashError, match="only .safetensors"):
        probe.load_checkpoint(tmp_path / "pickle")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TokdashError, match="no config.json"):
        probe.load_checkpoint(tmp_path / "empty")


def test_probe_with_checkpoint_times_once(tmp_path):
    shape = ModelShape("ck", 1, 32, 2, 2, 64, 120, max_positions=64)
    probe.build_model(shape).save_pretrained(tmp_path / "ck")
    rates = [TokenizerRate("a", 50, 3.0, 3.0), TokenizerRate("b", 90, 4.0, 4.0)]
    s = probe.ProbeSettings(prompt_len=8, new_tokens=3, repeats=1, device="cpu", decode="eager")
    rows = probe.run_probe(shape, rates, s, model_source=str(tmp_path / "ck"), bandwidth=1e9)
    assert [r["vocab_size"] for r in rows] == [120, 120]  # the checkpoint's own vocabulary
    assert rows[0]["decode_tokens_per_s"] == rows[1]["decode_tokens_per_s"]
    assert rows[1]["chars_per_s"] > rows[0]["chars_per_s"]


def test_memory_check_refuses_too_large():
    huge = ModelShape("huge", 400, 16384, 128, 8, 53248, 128_000, max_positions=8192)
    with pytest.raises(TokdashError, match="GiB free"):
        probe.check_fits(huge, "float32", "cpu", 1, 512)
    with pytest.raises(TokdashError, match="positions"):
        probe.check_fits(costmodel.PRESETS["tiny"], "float32", "cpu", 1, 5000)
    probe.check_fits(costmodel.PRESETS["tiny"], "float32", "cpu", 1, 512)
    assert probe.available_memory_bytes("cpu") > 0


def test_settings_bounds_and_hosted():
    with pytest.raises(TokdashError, match="batch"):
        probe.ProbeSettings(batch=0, device="cpu").checked()
    with pytest.raises(TokdashError, match="new_tokens"):
        probe.ProbeSettings(new_tokens=1, device="cpu").checked()
    with pytest.raises(TokdashError, match="float16"):
        probe.ProbeSettings(device="cpu", dtype="fp16").checked()
    with pytest.raises(TokdashError, match="unknown device"):
        probe.resolve_device("tpu")
    assert probe.ProbeSettings(device="cpu", dtype="bf16").checked().dtype == "bfloat16"
    assert probe.ProbeSettings(prompt_len=4096, device="cpu").checked().prompt_len == 4096
    with pytest.raises(TokdashError, match="between 1 and 1024"):
        probe.ProbeSettings(prompt_len=4096, device="cpu").checked(HOSTED)
    with pytest.raises(TokdashError, match="hosted demo builds at most"):
        probe.check_fits(costmodel.PRESETS["7b"], "bfloat16", "cpu", 1, 512, limits=HOSTED)
    with pytest.raises(TokdashError, match="hosted demo"):
        probe.load_checkpoint("/tmp", limits=HOSTED)
    with pytest.raises(TokdashError, match="hosted demo"):
        probe.load_hub_model("org/name", limits=HOSTED)
    with pytest.raises(TokdashError, match="hosted demo"):  # nothing is loaded or measured
        rates = [TokenizerRate("a", 50, 3.0, 3.0)]
        probe.run_probe(costmodel.PRESETS["tiny"], rates, FAST, model_source="/tmp", limits=HOSTED)


@pytest.mark.skipif(probe.cuda_available(), reason="a GPU is present")
def test_cuda_without_gpu_is_a_clear_error():
    with pytest.raises(TokdashError, match="no CUDA device"):
        probe.resolve_device("cuda")
    assert probe.resolve_device("auto") == "cpu"


def test_bandwidth_positive():
    assert probe.measure_bandwidth("cpu", n_bytes=8 << 20, repeats=2) > 1e8


def test_cli_speed_and_cost(tmp_path, capsys):
    out = tmp_path / "speed.csv"
    argv = ["speed", "-m", "tiny", "-t", "gpt2", "-t", "cl100k_base", "-c", "sample:python"]
    argv += ["--device", "cpu", "--prompt-len", "8", "--new-tokens", "3", "--repeats", "1"]
    assert main([*argv, "--decode", "eager", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["tokenizer"] for r in rows] == ["gpt2", "cl100k_base"]
    assert {"decode_mode", "fraction_of_bound", "compile_s", "spec_bandwidth_gb_s"} <= set(rows[0])
    assert {r["decode_mode"] for r in rows} == {"eager"}
    assert int(rows[1]["vocab_size"]) > int(rows[0]["vocab_size"])
    for r in rows:
        tps, cpt = float(r["decode_tokens_per_s"]), float(r["chars_per_token"])
        assert float(r["chars_per_s"]) == pytest.approx(tps * cpt)
    cost = tmp_path / "cost.csv"
    ctx = tmp_path / "ctx.csv"
    argv = ["cost", "-m", "125m", "--vocab", "32000", "--vocab", "128000", "-o", str(cost)]
    argv += ["-t", "gpt2", "-c", "sample:python", "--context-out", str(ctx)]
    assert main(argv) == 0
    crow = list(csv.DictReader(cost.open()))
    assert [int(r["vocab_size"]) for r in crow] == [32000, 128000]
    assert float(crow[1]["params_vocab"]) == 2 * 128000 * 768
    assert list(csv.DictReader(ctx.open()))[0]["tokenizer"] == "gpt2"


def test_cli_bad_input_exits_2(capsys):
    assert main(["speed", "-m", "tiny", "-t", "gpt2", "--device", "tpu"]) == 2
    assert "unknown device" in capsys.readouterr().err
    assert main(["speed", "-m", "tiny", "-t", "gpt2", "--device", "cpu", "--dtype", "x"]) == 2
    assert main(["speed", "-m", "tiny", "-t", "gpt2", "--device", "cuda:x"]) == 2
    assert "cuda:N" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse's own usage error for a mode it does not offer
        main(["speed", "-m", "tiny", "-t", "gpt2", "--decode", "jit"])
    assert main(["cost", "-m", "tiny", "-t", "gpt2"]) == 2
    assert "--corpus" in capsys.readouterr().err
