"""The generation-speed probe: time a decoder's prefill and decode, convert tokens/s to chars/s.

Speed depends on a model's shape, not its weights, so a preset shape gets random weights and the
vocabulary of each tokenizer under test (same body, same seed). torch and transformers are
imported inside the functions: ``import tokdash.speed.probe`` stays light.

Method (optimum-benchmark's split): one warm-up run, then ``repeats`` timed runs with device
synchronisation; prefill = time to first token (the prompt's forward pass and the first
argmax), decode = a manual loop of one-token steps with the KV cache; the figures are medians
over the repeats.
"""

from __future__ import annotations

import gc
import inspect
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from tokdash.errors import TokdashError
from tokdash.settings import LOCAL, Limits
from tokdash.speed import costmodel
from tokdash.speed.costmodel import ModelShape, TokenizerRate, tokenizer_rates  # noqa: F401
from tokdash.speed.models import (  # noqa: F401  (the probe's model sources, re-exported)
    available_memory_bytes,
    build_model,
    check_fits,
    cuda_available,
    load_checkpoint,
    load_hub_model,
    resolve_device,
    shape_from_config,
)

Progress = Callable[[str, float], None]

#: The columns of a result row worth a glance (the CLI prints them).
SUMMARY_COLUMNS = ["tokenizer", "vocab_size", "params", "ttft_ms", "decode_tokens_per_s",
                   "chars_per_token", "chars_per_s", "fraction_of_bound"]  # fmt: skip
#: Below this many parameters the probe measures framework overhead, not hardware.
OVERHEAD_PARAMS = 10_000_000


class ProbeStopped(TokdashError):
    """The caller asked the probe to stop (results finished before are kept)."""


@dataclass(frozen=True)
class ProbeSettings:
    """What one probe run measures."""

    batch: int = 1
    prompt_len: int = 256
    new_tokens: int = 64
    repeats: int = 5
    warmup: int = 1
    device: str = "auto"
    dtype: str = "float32"

    @classmethod
    def from_args(cls, args: Any) -> ProbeSettings:
        """Settings from an object with the knobs as attributes (an argparse namespace); a knob
        it lacks, or sets to None, keeps its default."""
        given = {f.name: getattr(args, f.name, None) for f in fields(cls)}
        return cls(**{k: v for k, v in given.items() if v is not None})

    def checked(self, limits: Limits = LOCAL) -> ProbeSettings:
        """These settings with a resolved device and dtype; each knob checked against
        ``limits.probe`` (TokdashError)."""
        for key, bound in limits.probe.as_dict().items():
            value = int(getattr(self, key))
            if not 1 <= value <= bound:
                raise TokdashError(f"{key} must be between 1 and {bound} (got {value})")
        if self.new_tokens < 2:
            raise TokdashError("new_tokens must be at least 2 (one from prefill, one decoded)")
        device = resolve_device(self.device)
        dtype = costmodel.dtype_name(self.dtype)
        if device == "cpu" and dtype == "float16":
            raise TokdashError("float16 is slow or unsupported on the CPU: use float32 or bfloat16")
        return ProbeSettings(
            self.batch, self.prompt_len, self.new_tokens, self.repeats, self.warmup, device, dtype
        )


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _cache_kwarg(model) -> str:
    """The forward() keyword for the KV cache ('cache' in transformers 5, else past_key_values)."""
    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _run_once(model, ids, new_tokens: int, device: str, cache_kw: str) -> tuple[float, list[float]]:
    """One generation: (prefill seconds, [seconds of each decode step])."""
    _sync(device)
    t0 = time.perf_counter()
    out = model(input_ids=ids, use_cache=True, logits_to_keep=1)
    nxt = out.logits[:, -1].argmax(-1, keepdim=True)
    _sync(device)
    prefill = time.perf_counter() - t0
    cache = getattr(out, "cache", None) or getattr(out, "past_key_values", None)
    steps = []
    for _ in range(new_tokens - 1):
        t = time.perf_counter()
        out = model(input_ids=nxt, use_cache=True, logits_to_keep=1, **{cache_kw: cache})
        nxt = out.logits[:, -1].argmax(-1, keepdim=True)
        _sync(device)
        steps.append(time.perf_counter() - t)
    return prefill, steps


def time_generation(
    model,
    settings: ProbeSettings,
    *,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """Median prefill / decode figures of ``model`` over ``settings.repeats`` timed runs.

    Returns ttft_ms (prefill of the prompt + first token), decode_tokens_per_s
    (= batch * (new_tokens - 1) / decode seconds), itl_ms (median per-step latency) and
    itl_p90_ms, peak_memory_mib and how it was measured.
    """
    import torch

    s = settings
    device = s.device
    cache_kw = _cache_kwarg(model)
    gen = torch.Generator().manual_seed(seed)
    vocab = int(model.config.vocab_size)
    ids = torch.randint(0, vocab, (s.batch, s.prompt_len), generator=gen).to(device)
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    prefills: list[float] = []
    rates: list[float] = []
    itls: list[float] = []
    p90s: list[float] = []
    total = s.warmup + s.repeats
    with torch.inference_mode():
        for i in range(total):
            if should_stop is not None and should_stop():
                raise ProbeStopped("stopped by the user")
            if progress:
                label = "warm-up" if i < s.warmup else f"repeat {i - s.warmup + 1}/{s.repeats}"
                progress(label, i / total)
            prefill, steps = _run_once(model, ids, s.new_tokens, device, cache_kw)
            if i < s.warmup:
                continue
            prefills.append(prefill)
            rates.append(s.batch * len(steps) / sum(steps))
            ordered = sorted(steps)
            itls.append(statistics.median(ordered))
            p90s.append(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))])
    if device.startswith("cuda"):
        peak = torch.cuda.max_memory_allocated() / 2**20
        source = "cuda max_memory_allocated"
    else:
        shape = shape_from_config(model.config)
        ctx = s.prompt_len + s.new_tokens
        peak = (
            costmodel.weight_bytes(shape, s.dtype)
            + costmodel.kv_cache_bytes(shape, ctx, s.dtype, s.batch)
        ) / 2**20
        source = "analytic: weights + KV cache"
    return {
        "ttft_ms": statistics.median(prefills) * 1e3,
        "decode_tokens_per_s": statistics.median(rates),
        "itl_ms": statistics.median(itls) * 1e3,
        "itl_p90_ms": statistics.median(p90s) * 1e3,
        "peak_memory_mib": peak,
        "memory_source": source,
    }


def measure_bandwidth(
    device: str = "cpu",
    n_bytes: int | None = None,
    repeats: int = 5,
    *,
    limits: Limits = LOCAL,
) -> float:
    """Memory bandwidth in bytes/s: the best of a large tensor copy (read + write = 2x bytes)
    and a large matrix-vector product (the decode's access pattern: each weight read once).

    The best, not the median, of ``repeats`` runs: a bound uses the peak the hardware reaches.
    ``n_bytes`` defaults to 1 GiB on CUDA, 128 MiB on the CPU, at most
    ``limits.bandwidth_probe_bytes``.
    """
    import torch

    if n_bytes is None:
        n_bytes = (1 << 30) if device.startswith("cuda") else (128 << 20)
        if limits.bandwidth_probe_bytes is not None:
            n_bytes = min(n_bytes, limits.bandwidth_probe_bytes)
    side = max(64, int((n_bytes // 4) ** 0.5))
    n = side * side
    src = torch.ones(n, dtype=torch.float32, device=device)
    dst = torch.empty_like(src)
    vec = torch.ones(1, side, dtype=torch.float32, device=device)
    mat = src.view(side, side)

    def best(fn) -> float:
        fn()
        times = []
        for _ in range(repeats):
            _sync(device)
            t = time.perf_counter()
            fn()
            _sync(device)
            times.append(time.perf_counter() - t)
        return min(times)

    copy = 2.0 * n * 4 / best(lambda: dst.copy_(src))
    gemv = 1.0 * n * 4 / best(lambda: vec @ mat.T)
    return max(copy, gemv)


def result_row(
    shape: ModelShape, settings: ProbeSettings, rate: TokenizerRate, timing: dict[str, float]
) -> dict[str, Any]:
    """One result row: the timing plus chars/s and bytes/s (= tokens/s x chars or bytes/token)."""
    tps = timing["decode_tokens_per_s"]
    params = costmodel.param_counts(shape)["total"]
    return {
        "tokenizer": rate.tokenizer,
        "vocab_size": shape.vocab_size,
        "model": shape.name,
        "params": params,
        "device": settings.device,
        "dtype": settings.dtype,
        "batch": settings.batch,
        "prompt_tokens": settings.prompt_len,
        "new_tokens": settings.new_tokens,
        "repeats": settings.repeats,
        **timing,
        "chars_per_token": rate.chars_per_token,
        "bytes_per_token": rate.bytes_per_token,
        "chars_per_s": tps * rate.chars_per_token,
        "bytes_per_s": tps * rate.bytes_per_token,
        "overhead_bound": params < OVERHEAD_PARAMS,
    }


def add_bandwidth_bound(rows: list[dict[str, Any]], bandwidth: float) -> None:
    """Add the memory-bandwidth bound (tokens/s) and the measured decode's share of it."""
    for row in rows:
        shape = row.get("_shape")
        if shape is None:
            continue
        ctx = row["prompt_tokens"] + row["new_tokens"] // 2
        step = costmodel.decode_bytes_per_step(shape, row["dtype"], ctx, row["batch"])
        bound = bandwidth / step * row["batch"]
        row["bandwidth_gb_s"] = bandwidth / 1e9
        row["decode_mib_per_step"] = step / 2**20
        row["bound_tokens_per_s"] = bound
        row["fraction_of_bound"] = row["decode_tokens_per_s"] / bound


def run_probe(
    shape: ModelShape,
    rates: Sequence[TokenizerRate],
    settings: ProbeSettings,
    *,
    model_source: str | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    bandwidth: float | None = None,
    seed: int = 0,
    limits: Limits = LOCAL,
) -> list[dict[str, Any]]:
    """Probe ``shape`` once per tokenizer (its vocabulary, same body); rows as in `result_row`.

    ``model_source``: a checkpoint folder or ``hub:ORG/NAME`` instead of a preset shape; then
    one model is timed and each tokenizer's row converts the same tokens/s. ``on_result`` gets
    each row as soon as it is done (the page keeps them when the user stops the run).
    ``bandwidth`` (bytes/s, measured first when None) gives the memory-bandwidth bound columns.
    ``limits`` bounds the settings, the model size and the sources (local paths, downloads).
    """
    s = settings.checked(limits)
    if not rates:
        raise TokdashError("select at least one tokenizer to probe")
    rows: list[dict[str, Any]] = []
    n = len(rates)
    checkpoint = None
    if model_source:
        if progress:
            progress(f"loading {model_source}", 0.0)
        if model_source.startswith("hub:"):
            checkpoint = load_hub_model(model_source[4:], s.device, s.dtype, limits=limits)
        else:
            checkpoint = load_checkpoint(model_source, s.device, s.dtype, limits=limits)
        shape = shape_from_config(checkpoint.config, name=Path(model_source).name)
    if bandwidth is None:  # before any model: the copy gets the memory to itself
        if progress:
            progress("measuring memory bandwidth", 0.0)
        bandwidth = measure_bandwidth(s.device, limits=limits)
    timing_cache: dict[str, float] | None = None
    for i, rate in enumerate(rates):
        this = shape if checkpoint is not None else shape.with_vocab(rate.vocab_size)

        def sub(msg: str, frac: float, i: int = i, rate: TokenizerRate = rate) -> None:
            if progress:
                progress(f"{rate.tokenizer} ({i + 1}/{n}): {msg}", (i + frac) / n)

        if checkpoint is None:
            context = s.prompt_len + s.new_tokens
            check_fits(this, s.dtype, s.device, s.batch, context, limits=limits)
            sub("building the model", 0.0)
            model = build_model(this, s.dtype, s.device, seed=seed)
            timing = time_generation(model, s, progress=sub, should_stop=should_stop, seed=seed)
            del model
            _free(s.device)
        else:
            if timing_cache is None:
                timing_cache = time_generation(
                    checkpoint, s, progress=sub, should_stop=should_stop, seed=seed
                )
            timing = timing_cache
        row = result_row(this, s, rate, timing)
        row["_shape"] = this
        rows.append(row)
        if on_result is not None:
            on_result(public_row(row))
    add_bandwidth_bound(rows, bandwidth)
    if progress:
        progress("done", 1.0)
    return [public_row(r) for r in rows]


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    """A result row without private keys (ready for a DataFrame / CSV)."""
    return {k: v for k, v in row.items() if not k.startswith("_")}


def _free(device: str) -> None:
    gc.collect()
    if device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()
