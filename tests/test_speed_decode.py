"""The compiled decode (static KV cache + torch.compile) against eager, device names, running
out of memory, and what a stopped or failed probe leaves behind. Compiles once per module (a
tiny fp32 model: inductor builds its C++ on the CPU in a few seconds)."""

from __future__ import annotations

import gc

import pytest

from tokdash.errors import TokdashError
from tokdash.speed import costmodel, decode, devices, models, probe
from tokdash.speed.costmodel import ModelShape, TokenizerRate

SHAPE = costmodel.PRESETS["tiny"].with_vocab(1_000)
SETTINGS = probe.ProbeSettings(prompt_len=16, new_tokens=8, repeats=2, device="cpu")


@pytest.fixture(scope="module")
def decoded():
    """The same model and prompt decoded eager and compiled: (eager run, compiled run,
    compile seconds, the compiled decoder's mode and note)."""

    model = probe.build_model(SHAPE, "float32", "cpu", seed=5)
    ids = probe.prompt_ids(SHAPE.vocab_size, SETTINGS, seed=5)
    with decode.grad_context("eager"):
        eager = decode.make_decoder(model, "eager", 16, 8, "cpu")
        eager_run = eager.run(ids)
        eager.close()
    with decode.grad_context("compiled"):
        compiled = decode.make_decoder(model, "compiled", 16, 8, "cpu")
        try:
            seconds = compiled.compile(ids)
            runs = [compiled.run(ids) for _ in range(2)]  # the cache is reset between runs
            mode, note = compiled.mode, compiled.note
        finally:
            compiled.close()
    return eager_run, runs, seconds, mode, note


def test_compiled_decode_gives_the_eager_tokens(decoded):
    import torch

    eager_run, runs, seconds, mode, note = decoded
    assert (mode, note) == ("compiled", "")
    assert seconds > 0
    assert eager_run.tokens.shape == (1, 8)
    for run in runs:
        assert torch.equal(run.tokens, eager_run.tokens)  # greedy, fp32, same seed
        assert len(run.step_s) == 7 and run.prefill_s > 0 and min(run.step_s) > 0
    assert len(set(eager_run.tokens[0].tolist())) > 1  # not one token repeated: a real check
    assert not decode._COMPILE_LOCK.locked()  # closed: another probe may compile


def test_probe_rows_in_compiled_mode(decoded):
    rates = [TokenizerRate("t", SHAPE.vocab_size, 3.0, 3.2)]
    rows = probe.run_probe(SHAPE, rates, SETTINGS, bandwidth=20e9)  # compiled is the default
    (row,) = rows
    assert row["decode_mode"] == "compiled" and row["decode_note"] == ""
    assert row["compile_s"] > 0
    assert row["kv_tokens_read"] == 16 + 8  # the static cache is read whole every step
    assert row["decode_tokens_per_s"] > 0 and row["chars_per_s"] > 0
    assert row["fraction_of_bound"] > 0
    assert row["overhead_bound"]  # under 10M parameters


def test_a_failed_compile_falls_back_to_eager_and_says_why():
    model = probe.build_model(SHAPE.with_vocab(300), "float32", "cpu")
    s = SETTINGS.checked()
    timing = probe.time_generation(model, s, backend="no_such_backend")
    assert timing["decode_mode"] == "eager"
    assert timing["decode_note"].startswith("cannot compile, decoded eager: InvalidBackend")
    assert timing["decode_tokens_per_s"] > 0
    row = probe.result_row(SHAPE, s, TokenizerRate("t", 300, 3.0, 3.0), timing)
    assert any("cannot compile" in n for n in probe.run_notes([row]))
    assert not decode._COMPILE_LOCK.locked()


def test_decode_mode_names():
    assert decode.decode_mode(" Compiled ") == "compiled"
    assert probe.ProbeSettings(device="cpu", decode="EAGER").checked().decode == "eager"
    with pytest.raises(TokdashError, match="unknown decode mode"):
        probe.ProbeSettings(device="cpu", decode="jit").checked()


def test_device_names():
    assert devices.parse_device("auto", 0) == "cpu"
    assert devices.parse_device("auto", 2) == "cuda:0"
    assert devices.parse_device("cuda", 2) == "cuda:0"
    assert devices.parse_device(" CUDA:1 ", 2) == "cuda:1"
    assert devices.parse_device("cpu", 2) == "cpu"
    with pytest.raises(TokdashError, match="cuda:2 does not exist: this machine has 2 GPUs"):
        devices.parse_device("cuda:2", 2)
    with pytest.raises(TokdashError, match="no CUDA device"):
        devices.parse_device("cuda:0", 0)
    with pytest.raises(TokdashError, match="unknown device"):
        devices.parse_device("cuda:-1", 2)
    assert devices.device_index("cuda:3") == 3 and devices.device_index("cuda") == 0
    assert devices.device_index("cpu") is None
    with devices.device_scope("cpu"):  # nothing to switch on the CPU
        devices.synchronize("cpu")


def test_spec_bandwidth_by_gpu_name():
    assert devices.spec_bandwidth_gb_s("NVIDIA H100 80GB HBM3") == 3350
    assert devices.spec_bandwidth_gb_s("NVIDIA H100 PCIe") == 2000
    assert devices.spec_bandwidth_gb_s("NVIDIA H200") == 4800
    assert devices.spec_bandwidth_gb_s("NVIDIA A100-SXM4-80GB") == 2039
    assert devices.spec_bandwidth_gb_s("NVIDIA A100-SXM4-40GB") == 1555
    assert devices.spec_bandwidth_gb_s("NVIDIA L4") == 300
    assert devices.spec_bandwidth_gb_s("NVIDIA GH200 480GB") != 4800  # not an H200
    assert devices.spec_bandwidth_gb_s("cpu") != devices.spec_bandwidth_gb_s("cpu")  # NaN


def test_bandwidth_buffer_is_at_least_1_gib_on_a_gpu():
    from tokdash.settings import HOSTED

    assert devices.bandwidth_buffer_bytes("cuda:1", HOSTED) == 1 << 30  # 64 MiB sits in L2
    assert devices.bandwidth_buffer_bytes("cpu", HOSTED) == HOSTED.bandwidth_probe_bytes
    assert devices.bandwidth_buffer_bytes("cpu") == 1 << 30
    assert devices.measure_bandwidth("cpu", n_bytes=8 << 20, repeats=2, dtype="bfloat16") > 1e8


def test_out_of_memory_becomes_a_clear_error():
    import torch

    oom = devices.ProbeOutOfMemory
    guard = devices.out_of_memory_as_error
    with pytest.raises(oom, match="cpu ran out of memory building x"), guard("cpu", "building x"):
        torch.empty(1 << 50, dtype=torch.uint8)  # a real refusal of the CPU allocator
    message = "CUDA out of memory. Tried to allocate 20.00 GiB"
    with pytest.raises(oom, match="smaller preset, a 16-bit dtype"), guard("cpu", "decoding"):
        raise torch.OutOfMemoryError(message)
    with pytest.raises(oom), guard("cpu", "compiling"):  # wrapped, as torch.compile does
        try:
            raise torch.OutOfMemoryError(message)
        except torch.OutOfMemoryError as exc:
            raise RuntimeError("backend compiler failed") from exc
    with pytest.raises(ValueError, match="not memory"), guard("cpu", "decoding"):
        raise ValueError("not memory")  # anything else passes through


def _live_models(vocab: int) -> int:
    from transformers import LlamaForCausalLM

    gc.collect()
    return sum(
        1 for o in gc.get_objects() if type(o) is LlamaForCausalLM and o.config.vocab_size == vocab
    )


@pytest.mark.parametrize("mode", ["eager", "compiled"])
def test_a_stopped_probe_leaves_no_model_behind(mode):
    vocab = 777 if mode == "eager" else 778
    rates = [TokenizerRate("a", vocab, 3.0, 3.0), TokenizerRate("b", vocab + 2, 3.0, 3.0)]
    calls = []

    def stop_in_the_second_tokenizer() -> bool:
        calls.append(1)
        return len(calls) > 4 if mode == "eager" else True  # compiled: before compiling

    seen: list[dict] = []
    s = probe.ProbeSettings(prompt_len=8, new_tokens=3, repeats=2, device="cpu", decode=mode)
    with pytest.raises(probe.ProbeStopped) as excinfo:
        probe.run_probe(
            costmodel.PRESETS["tiny"],
            rates,
            s,
            should_stop=stop_in_the_second_tokenizer,
            on_result=seen.append,
            bandwidth=1e10,
        )
    # the exception (and its traceback) is still held here, as a caller that shows it holds it
    assert excinfo.value is not None
    assert [r["tokenizer"] for r in seen] == (["a"] if mode == "eager" else [])
    assert _live_models(vocab) == 0 and _live_models(vocab + 2) == 0
    assert not decode._COMPILE_LOCK.locked()


def test_memory_check_counts_the_prefill():
    small = ModelShape("small", 1, 4, 2, 1, 8, 10)
    # per token 6 x 4 + 3 x 8 = 48 elements; scores (2 heads + mask) x 3 x 5; logits 10 x 4 x 2
    acts = models.prefill_activation_bytes(small, "float32", batch=1, prompt=3, context=5)
    assert acts == 3 * 48 * 4 + 3 * 3 * 5 * 4 + 80
    short = models.required_bytes(costmodel.PRESETS["125m"], "float32", 1, 4096, prompt=64)
    long = models.required_bytes(costmodel.PRESETS["125m"], "float32", 1, 4096, prompt=4032)
    assert long - short > 1e9  # a long prompt's activations are counted


def test_checkpoint_loaded_onto_the_device_equals_from_pretrained(tmp_path):
    import torch

    shape = ModelShape("ck", 1, 32, 2, 2, 64, 120, tie_embeddings=True, max_positions=64)
    probe.build_model(shape, seed=2).save_pretrained(tmp_path / "ck")
    direct = models.load_onto_device(tmp_path / "ck", "cpu", "bfloat16")
    loaded = probe.load_checkpoint(tmp_path / "ck", "cpu", "bfloat16")
    assert direct is not None and not direct.training and direct.dtype == torch.bfloat16
    a, b = direct.state_dict(), loaded.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    (tmp_path / "ck" / "config.json").write_text(
        (tmp_path / "ck" / "config.json")
        .read_text()
        .replace('"intermediate_size": 64', '"intermediate_size": 65')
    )
    assert models.load_onto_device(tmp_path / "ck", "cpu") is None  # shapes differ: not loaded


# ------------------------------------------------------------------ on a GPU (skipped here)

needs_cuda = pytest.mark.skipif(not devices.cuda_available(), reason="no CUDA device here")


@needs_cuda
@pytest.mark.parametrize("mode", ["eager", "compiled"])
def test_gpu_probe_on_the_last_device(mode):
    import torch

    index = devices.cuda_count() - 1
    device = f"cuda:{index}"
    before = torch.cuda.memory_allocated(index)
    rates = [TokenizerRate("t", 32_000, 3.0, 3.0)]
    s = probe.ProbeSettings(
        prompt_len=64, new_tokens=32, repeats=3, device=device, dtype="bfloat16", decode=mode
    )
    (row,) = probe.run_probe(costmodel.PRESETS["125m"], rates, s)
    assert row["device"] == device and row["memory_source"].startswith(device)
    assert row["decode_mode"] == mode and row["decode_note"] == ""
    assert 0 < row["fraction_of_bound"] <= 1.1
    assert (
        row["peak_memory_mib"] > costmodel.weight_bytes(costmodel.PRESETS["125m"], "bf16") / 2**20
    )
    assert torch.cuda.memory_allocated(index) <= before + 2**20  # model and cache are gone
    assert devices.available_memory_bytes(device) > 0


@needs_cuda
def test_gpu_bandwidth_below_spec():
    device = f"cuda:{devices.cuda_count() - 1}"
    measured = devices.measure_bandwidth(device, dtype="bfloat16") / 1e9
    spec = devices.spec_bandwidth_gb_s(devices.device_name(device))
    assert measured > 0
    if spec == spec:  # a known GPU: a 1 GiB buffer cannot read faster than the memory
        assert measured <= 1.1 * spec
