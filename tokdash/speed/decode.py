"""Greedy generation for the probe, eager or compiled, with every device mark it needs.

- eager: transformers as most people run it: ``model(...)`` per token, the KV cache a
  `DynamicCache` that grows by one position per step.
- compiled (gpt-fast's recipe): a `StaticCache` of prompt + new tokens, the prefill eager, each
  decode step through transformers' compiled call (``model.get_compiled_call``: inductor, CUDA
  graphs on a GPU via mode "reduce-overhead", fullgraph). Dynamo is reset for each model (its
  recompile limit would otherwise fall back to eager without a word) and the cache is reset
  before each run. Compiling is timed apart (`CompiledDecoder.compile`); a compile that fails
  falls back to eager with the reason (`Decoder.note`), never silently.

torch and transformers are imported inside the functions.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from tokdash.errors import TokdashError
from tokdash.speed.devices import StepClock, is_cuda, is_out_of_memory

#: The decode modes, the default first.
DECODE_MODES: tuple[str, ...] = ("compiled", "eager")
#: Compiled decode steps run before timing: dynamo's trace and inductor's build, then (on a GPU)
#: the CUDA-graph warm-up and recording.
COMPILE_STEPS = 3

# torch.compile's state (dynamo's caches, CUDA-graph trees) is global to the process: one
# compiled probe at a time, so that one's reset never pulls the graphs from under another's.
_COMPILE_LOCK = threading.Lock()


def decode_mode(mode: str) -> str:
    """A decode mode by name ('compiled' or 'eager'; TokdashError otherwise)."""
    m = str(mode or "").strip().lower()
    if m not in DECODE_MODES:
        raise TokdashError(f"unknown decode mode {mode!r}; use {' or '.join(DECODE_MODES)}")
    return m


@dataclass
class Run:
    """One generation: prefill seconds (the prompt and the first token), the seconds of each
    decode step, and every generated token id (batch x new tokens, on the CPU)."""

    prefill_s: float
    step_s: list[float]
    tokens: Any


class Decoder:
    """Eager greedy generation with a growing `DynamicCache`."""

    mode = "eager"

    def __init__(self, model, new_tokens: int, device: str) -> None:
        self.model = model
        self.new_tokens = int(new_tokens)
        self.device = device
        self.cache_kw = _cache_kwarg(model)
        #: Why this decoder is not the one asked for ('' when it is).
        self.note = ""

    def _prefill(self, ids):
        return self.model(input_ids=ids, use_cache=True, logits_to_keep=1)

    def _step(self, nxt, cache):
        return self.model(input_ids=nxt, use_cache=True, logits_to_keep=1, **{self.cache_kw: cache})

    def run(self, ids) -> Run:
        """Generate ``new_tokens`` greedily after ``ids``; the device is waited for once."""
        import torch

        clock = StepClock(self.device)
        tokens = []
        clock.mark()
        out = self._prefill(ids)
        nxt = out.logits[:, -1].argmax(-1, keepdim=True)
        clock.mark()
        tokens.append(nxt)
        cache = _cache_of(out)
        del out
        for _ in range(self.new_tokens - 1):
            out = self._step(nxt, cache)
            nxt = out.logits[:, -1].argmax(-1, keepdim=True)
            del out  # a CUDA graph's output buffer is reused by the next replay
            clock.mark()
            tokens.append(nxt)
        times = clock.intervals()
        del cache
        return Run(times[0], times[1:], torch.cat(tokens, dim=1).cpu())

    def compile(self, ids) -> float:
        """Seconds spent compiling (none in eager mode)."""
        return 0.0

    def close(self) -> None:
        """Drop the references to the model and its cache."""
        self.model = None


class CompiledDecoder(Decoder):
    """Static KV cache, eager prefill, decode steps through the model's compiled call."""

    mode = "compiled"

    def __init__(
        self, model, prompt_len: int, new_tokens: int, device: str, *, backend: str = "inductor"
    ) -> None:
        super().__init__(model, new_tokens, device)
        import torch
        from transformers import StaticCache
        from transformers.generation.configuration_utils import CompileConfig

        self.call = None
        self.cache = None
        self.config = CompileConfig(
            fullgraph=True,
            dynamic=False,
            backend=backend,
            mode="reduce-overhead" if is_cuda(device) else "default",
        )
        self._locked = _COMPILE_LOCK.acquire()
        try:
            torch._dynamo.reset()  # a fresh recompile budget for this model
            self.cache = StaticCache(config=model.config, max_cache_len=prompt_len + new_tokens)
        except Exception as exc:  # noqa: BLE001 - a model whose cache cannot be static
            if is_out_of_memory(exc):
                self.close()
                raise
            self._fall_back(exc)
        except BaseException:
            self.close()
            raise

    @property
    def cuda_graphs(self) -> bool:
        """Whether the steps replay CUDA graphs (compiled with mode 'reduce-overhead')."""
        return self.config.mode == "reduce-overhead"

    def _prefill(self, ids):
        if self.mode == "eager":  # fell back
            return super()._prefill(ids)
        self.cache.reset()  # in place: the compiled graph keeps the cache's addresses
        return self.model(
            input_ids=ids, use_cache=True, logits_to_keep=1, **{self.cache_kw: self.cache}
        )

    def _step(self, nxt, cache):
        if self.mode == "eager":
            return super()._step(nxt, cache)
        if self.cuda_graphs:
            import torch

            torch.compiler.cudagraph_mark_step_begin()  # the previous replay's outputs are done
        return self.call(input_ids=nxt, use_cache=True, logits_to_keep=1, **{self.cache_kw: cache})

    def compile(self, ids) -> float:
        """Compile the decode step (and record its CUDA graph) on ``ids``; the wall seconds.

        A failure other than running out of memory leaves this decoder eager, with the reason
        in `note`; out-of-memory is raised. After it, a recompile is an error (timing a
        recompile, or dynamo's silent fallback to eager, would misreport the speed).
        """
        import torch
        from torch._dynamo.utils import counters

        skips = counters["inductor"]["cudagraph_skips"]
        t0 = time.perf_counter()
        steps = self.new_tokens
        try:
            self.call = self.model.get_compiled_call(self.config)
            self.new_tokens = min(steps, COMPILE_STEPS + 1)
            super().run(ids)
        except Exception as exc:  # noqa: BLE001 - inductor and dynamo raise many types
            if is_out_of_memory(exc):
                raise
            self._fall_back(exc)
        finally:
            self.new_tokens = steps
        seconds = time.perf_counter() - t0
        skipped = counters["inductor"]["cudagraph_skips"] > skips
        if self.mode == "compiled" and self.cuda_graphs and skipped:
            self.note = "compiled, but inductor skipped CUDA graphs (TORCH_LOGS=perf_hints)"
        torch._dynamo.config.error_on_recompile = self.mode == "compiled"
        return seconds

    def _fall_back(self, exc: BaseException) -> None:
        import torch

        self.note = f"cannot compile, decoded eager: {_first_line(exc)}".rstrip(": ")
        self.mode = "eager"
        self.call = None
        self.cache = None
        torch._dynamo.reset()

    def run(self, ids) -> Run:
        if self.mode == "compiled" and self.call is None:
            raise TokdashError("compile() the decoder before timing it")
        try:
            return super().run(ids)
        except Exception as exc:
            if self.mode == "eager" or is_out_of_memory(exc) or isinstance(exc, TokdashError):
                raise
            raise TokdashError(
                f"the compiled decode failed after compiling ({_first_line(exc)}): "
                "use the eager decode"
            ) from exc

    def close(self) -> None:
        """Drop the model, the cache and the compiled graphs; let the next probe compile."""
        import torch

        try:
            torch._dynamo.config.error_on_recompile = False
            if self.model is not None:
                for attr in ("_compiled_call", "_last_compile_config"):
                    if attr in vars(self.model):
                        delattr(self.model, attr)
            self.call = None
            self.cache = None
            self.model = None
            torch._dynamo.reset()  # frees the CUDA-graph pools and the guards' references
        finally:
            if getattr(self, "_locked", False):
                self._locked = False
                _COMPILE_LOCK.release()


def grad_context(mode: str):
    """The autograd context a decode of ``mode`` runs in: eager as people run it (inference
    mode), compiled under no_grad, as transformers' own generate() runs its compiled
    static-cache decode."""
    import torch

    return torch.inference_mode() if decode_mode(mode) == "eager" else torch.no_grad()


def make_decoder(
    model, mode: str, prompt_len: int, new_tokens: int, device: str, **kwargs: Any
) -> Decoder:
    """The decoder of ``mode`` for ``model`` (`Decoder` or `CompiledDecoder`)."""
    if decode_mode(mode) == "compiled":
        return CompiledDecoder(model, prompt_len, new_tokens, device, **kwargs)
    return Decoder(model, new_tokens, device)


def _cache_kwarg(model) -> str:
    """The forward() keyword for the KV cache ('cache' in transformers 5, else past_key_values)."""
    import inspect

    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"


def _first_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (at most 200 characters of it)."""
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first}"


def _cache_of(out):
    return getattr(out, "cache", None) or getattr(out, "past_key_values", None)
