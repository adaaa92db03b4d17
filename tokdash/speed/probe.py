"""The generation-speed probe: time a decoder's prefill and decode, convert tokens/s to chars/s.

Speed depends on a model's shape, not its weights, so a preset shape gets random weights and the
vocabulary of each tokenizer under test (same body, same seed). torch and transformers are
imported inside the functions: ``import tokdash.speed.probe`` stays light.

Method (optimum-benchmark's split, gpt-fast's decode): the decode step compiled once per model
and timed apart (`tokdash.speed.decode`), one warm-up run, then ``repeats`` timed runs; prefill
= time to first token (the prompt's forward pass and the first argmax), decode = one-token
steps with the KV cache; each run is marked with CUDA events on a GPU and waited for once; the
figures are medians over the repeats. The memory-bandwidth bound (`add_bandwidth_bound`) says
how far decode is from what the hardware allows.
"""

from __future__ import annotations

import statistics
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from tokdash.errors import TokdashError
from tokdash.settings import LOCAL, Limits
from tokdash.speed import costmodel, devices
from tokdash.speed.bound import (  # noqa: F401  (re-exported)
    OVERHEAD_FRACTION,
    OVERHEAD_PARAMS,
    add_bandwidth_bound,
    kv_tokens_read,
    run_notes,
    vocab_cost_table,
)
from tokdash.speed.costmodel import ModelShape, TokenizerRate, tokenizer_rates  # noqa: F401
from tokdash.speed.decode import (  # noqa: F401
    DECODE_MODES,
    decode_mode,
    grad_context,
    make_decoder,
)
from tokdash.speed.devices import (  # noqa: F401  (re-exported for the pages and the CLI)
    ProbeOutOfMemory,
    available_memory_bytes,
    cuda_available,
    measure_bandwidth,
    resolve_device,
)
from tokdash.speed.models import (  # noqa: F401  (the probe's model sources, re-exported)
    build_model,
    check_fits,
    load_checkpoint,
    load_hub_model,
    shape_from_config,
)

Progress = Callable[[str, float], None]

#: The columns of a result row worth a glance (the CLI prints them).
SUMMARY_COLUMNS = ["tokenizer", "vocab_size", "params", "decode_mode", "compile_s", "ttft_ms",
                   "decode_tokens_per_s", "chars_per_s", "fraction_of_bound"]  # fmt: skip


class ProbeStopped(TokdashError):
    """The caller asked the probe to stop (results finished before are kept)."""


@dataclass(frozen=True)
class ProbeSettings:
    """What one probe run measures; ``decode`` is 'compiled' (static KV cache, torch.compile)
    or 'eager' (`tokdash.speed.decode`)."""

    batch: int = 1
    prompt_len: int = 256
    new_tokens: int = 64
    repeats: int = 5
    warmup: int = 1
    device: str = "auto"
    dtype: str = "float32"
    decode: str = "compiled"

    @classmethod
    def from_args(cls, args: Any) -> ProbeSettings:
        """Settings from an object with the knobs as attributes (an argparse namespace); a knob
        it lacks, or sets to None, keeps its default."""
        given = {f.name: getattr(args, f.name, None) for f in fields(cls)}
        return cls(**{k: v for k, v in given.items() if v is not None})

    def checked(self, limits: Limits = LOCAL) -> ProbeSettings:
        """These settings with a resolved device ('cpu' or 'cuda:N'), dtype and decode mode;
        each knob checked against ``limits.probe`` (TokdashError)."""
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
            self.batch,
            self.prompt_len,
            self.new_tokens,
            self.repeats,
            self.warmup,
            device,
            dtype,
            decode_mode(self.decode),
        )


def prompt_ids(vocab_size: int, settings: ProbeSettings, seed: int = 0):
    """The probe's prompt: ``batch x prompt_len`` random token ids drawn with ``seed``."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab_size, (settings.batch, settings.prompt_len), generator=gen)


def time_generation(
    model,
    settings: ProbeSettings,
    *,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    seed: int = 0,
    backend: str = "inductor",
) -> dict[str, Any]:
    """Median prefill / decode figures of ``model`` over ``settings.repeats`` timed runs.

    Returns ttft_ms (prefill of the prompt + first token), decode_tokens_per_s
    (= batch * (new_tokens - 1) / decode seconds), itl_ms (median per-step latency) and
    itl_p90_ms, the decode mode used and compile_s (compiling, apart from the runs; 0 eager),
    decode_note (why the mode is not the one asked for, '' when it is), peak_memory_mib and how
    it was measured. ``backend``: torch.compile's backend in compiled mode.
    """
    s = settings
    device = s.device
    ids = prompt_ids(int(model.config.vocab_size), s, seed).to(device)
    prefills: list[float] = []
    rates: list[float] = []
    itls: list[float] = []
    p90s: list[float] = []
    total = s.warmup + s.repeats
    with devices.device_scope(device), grad_context(s.decode):
        devices.reset_peak_memory(device)
        kwargs = {"backend": backend} if s.decode == "compiled" else {}
        decoder = make_decoder(model, s.decode, s.prompt_len, s.new_tokens, device, **kwargs)
        try:
            compile_s = 0.0
            if decoder.mode == "compiled":
                if should_stop is not None and should_stop():
                    raise ProbeStopped("stopped by the user")
                if progress:
                    progress("compiling the decode step", 0.0)
                compile_s = decoder.compile(ids)
            for i in range(total):
                if should_stop is not None and should_stop():
                    raise ProbeStopped("stopped by the user")
                if progress:
                    label = "warm-up" if i < s.warmup else f"repeat {i - s.warmup + 1}/{s.repeats}"
                    progress(label, i / total)
                run = decoder.run(ids)
                if i < s.warmup:
                    continue
                prefills.append(run.prefill_s)
                rates.append(s.batch * len(run.step_s) / sum(run.step_s))
                ordered = sorted(run.step_s)
                itls.append(statistics.median(ordered))
                p90s.append(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))])
            mode, note = decoder.mode, decoder.note
        finally:
            decoder.close()
        if devices.is_cuda(device):
            peak = devices.peak_memory_mib(device)
            source = f"{device} max_memory_allocated"
        else:
            shape = shape_from_config(model.config)
            ctx = s.prompt_len + s.new_tokens
            peak = (
                costmodel.weight_bytes(shape, s.dtype)
                + costmodel.kv_cache_bytes(shape, ctx, s.dtype, s.batch)
            ) / 2**20
            source = "analytic: weights + KV cache"
    return {
        "decode_mode": mode,
        "compile_s": compile_s,
        "decode_note": note,
        "ttft_ms": statistics.median(prefills) * 1e3,
        "decode_tokens_per_s": statistics.median(rates),
        "itl_ms": statistics.median(itls) * 1e3,
        "itl_p90_ms": statistics.median(p90s) * 1e3,
        "peak_memory_mib": peak,
        "memory_source": source,
    }


def result_row(
    shape: ModelShape, settings: ProbeSettings, rate: TokenizerRate, timing: dict[str, Any]
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
    }


def _load_source(model_source: str, s: ProbeSettings, limits: Limits):
    if model_source.startswith("hub:"):
        return load_hub_model(model_source[4:], s.device, s.dtype, limits=limits)
    return load_checkpoint(model_source, s.device, s.dtype, limits=limits)


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
    backend: str = "inductor",
) -> list[dict[str, Any]]:
    """Probe ``shape`` once per tokenizer (its vocabulary, same body); rows as in `result_row`.

    ``model_source``: a checkpoint folder or ``hub:ORG/NAME`` instead of a preset shape; then
    one model is timed and each tokenizer's row converts the same tokens/s. ``on_result`` gets
    each row as soon as it is done (the page keeps them when the user stops the run).
    ``bandwidth`` (bytes/s, measured first when None) gives the memory-bandwidth bound columns.
    ``limits`` bounds the settings, the model size and the sources (local paths, downloads).
    Running out of device memory raises `ProbeOutOfMemory`; whatever ends the run (an error, a
    stop), the models, caches and compiled graphs are dropped and the device's cached memory
    handed back before it returns.
    """
    s = settings.checked(limits)
    if not rates:
        raise TokdashError("select at least one tokenizer to probe")
    rows: list[dict[str, Any]] = []
    n = len(rates)
    checkpoint = model = None
    try:
        if model_source:
            if progress:
                progress(f"loading {model_source}", 0.0)
            with devices.out_of_memory_as_error(s.device, f"loading {model_source}"):
                checkpoint = _load_source(model_source, s, limits)
            shape = shape_from_config(checkpoint.config, name=Path(model_source).name)
        if bandwidth is None:  # before any model: the copy gets the memory to itself
            if progress:
                progress("measuring memory bandwidth", 0.0)
            bandwidth = measure_bandwidth(s.device, dtype=s.dtype, limits=limits)
        timing_cache: dict[str, Any] | None = None
        for i, rate in enumerate(rates):
            this = shape if checkpoint is not None else shape.with_vocab(rate.vocab_size)

            def sub(msg: str, frac: float, i: int = i, rate: TokenizerRate = rate) -> None:
                if progress:
                    progress(f"{rate.tokenizer} ({i + 1}/{n}): {msg}", (i + frac) / n)

            what = f"probing {this.name} with vocabulary {this.vocab_size:,} ({s.dtype})"
            if checkpoint is None:
                context = s.prompt_len + s.new_tokens
                check_fits(this, s.dtype, s.device, s.batch, context, limits=limits,
                           prompt=s.prompt_len)  # fmt: skip
                sub("building the model", 0.0)
                try:
                    with devices.out_of_memory_as_error(s.device, what):
                        model = build_model(this, s.dtype, s.device, seed=seed)
                        timing = time_generation(
                            model, s, progress=sub, should_stop=should_stop, seed=seed,
                            backend=backend,
                        )  # fmt: skip
                finally:
                    model = None
                    devices.free_memory(s.device)
            else:
                if timing_cache is None:
                    with devices.out_of_memory_as_error(s.device, what):
                        timing_cache = time_generation(
                            checkpoint, s, progress=sub, should_stop=should_stop, seed=seed,
                            backend=backend,
                        )  # fmt: skip
                timing = timing_cache
            row = result_row(this, s, rate, timing)
            row["_shape"] = this
            rows.append(row)
            if on_result is not None:
                on_result(public_row(row))
    except BaseException as exc:
        # the frames of the failed call hold the model and its tensors until the exception
        # is gone: clear them, so the memory is freed now, not when the caller lets go of it
        traceback.clear_frames(exc.__traceback__)
        raise
    finally:
        checkpoint = model = None
        devices.free_memory(s.device)
    spec = devices.spec_bandwidth_gb_s(devices.device_name(s.device))
    add_bandwidth_bound(rows, bandwidth, spec)
    if progress:
        progress("done", 1.0)
    return [public_row(r) for r in rows]


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    """A result row without private keys (ready for a DataFrame / CSV)."""
    return {k: v for k, v in row.items() if not k.startswith("_")}
