"""The device a probe runs on: names (``cpu``, ``cuda:N``), timing, memory, out-of-memory errors,
and the memory bandwidth (measured, and the vendor's figure for known GPUs).

Every CUDA call names its device (``cuda:1`` is timed and measured on GPU 1, not on the current
one). torch is imported inside the functions: ``import tokdash.speed.devices`` stays light.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tokdash.errors import TokdashError
from tokdash.memory import release_memory
from tokdash.settings import LOCAL, Limits

#: The bandwidth measurement's buffer on a GPU, at least (a smaller one sits in an H100's 50 MB
#: L2 and H200's 60 MB L2 partly, and reads faster than memory).
GPU_BANDWIDTH_BYTES = 1 << 30
#: The default buffer on the CPU (``limits.bandwidth_probe_bytes`` may lower it).
CPU_BANDWIDTH_BYTES = 1 << 30

#: Vendor memory bandwidth (GB/s) by GPU name, first match wins (datasheets: NVIDIA H200 4.8 TB/s,
#: H100 SXM 3.35, H100 NVL 3.9, H100 PCIe 2.0, A100 80GB SXM 2.04 / PCIe 1.94, A100 40GB 1.56,
#: L40S / L40 0.86, L4 0.3, A10(G) 0.6, T4 0.32, V100 0.9, RTX 4090 1.01, RTX 3090 0.94).
SPEC_BANDWIDTH_GB_S: tuple[tuple[str, float], ...] = (
    (r"\bB200\b", 8000.0),
    (r"\bH200\b", 4800.0),
    (r"\bH100\b.*\bNVL\b", 3900.0),
    (r"\bH100\b.*\bPCIe\b", 2000.0),
    (r"\bH100\b", 3350.0),
    (r"\bA100\b.*80GB.*PCIe", 1935.0),
    (r"\bA100\b.*80GB", 2039.0),
    (r"\bA100\b", 1555.0),
    (r"\bL40S?\b", 864.0),
    (r"\bL4\b", 300.0),
    (r"\bA10G?\b", 600.0),
    (r"\bT4\b", 320.0),
    (r"\bV100\b", 900.0),
    (r"RTX 4090", 1008.0),
    (r"RTX 3090", 936.0),
)


class ProbeOutOfMemory(TokdashError):
    """The device ran out of memory during a probe (the message says what to change)."""


def cuda_available() -> bool:
    """True when torch sees a CUDA device."""
    import torch

    return bool(torch.cuda.is_available())


def cuda_count() -> int:
    """How many CUDA devices torch sees (0 without CUDA)."""
    import torch

    return int(torch.cuda.device_count()) if torch.cuda.is_available() else 0


def parse_device(device: str, n_gpus: int) -> str:
    """``cpu`` or ``cuda:N`` for a device name on a machine with ``n_gpus`` GPUs.

    'auto' -> 'cuda:0' when there is a GPU, else 'cpu'; 'cuda' -> 'cuda:0'; an index past the
    last GPU, or CUDA without a GPU, is a `TokdashError`.
    """
    d = (device or "auto").strip().lower()
    if d == "auto":
        return "cuda:0" if n_gpus else "cpu"
    if d == "cpu":
        return d
    m = re.fullmatch(r"cuda(?::(\d+))?", d)
    if m is None:
        raise TokdashError(f"unknown device {device!r}; use auto, cpu, cuda or cuda:N")
    if not n_gpus:
        raise TokdashError("no CUDA device is available here: use --device cpu (or auto)")
    index = int(m.group(1) or 0)
    if index >= n_gpus:
        raise TokdashError(
            f"{d} does not exist: this machine has {n_gpus} GPU{'s' if n_gpus > 1 else ''} "
            f"(cuda:0 to cuda:{n_gpus - 1})"
        )
    return f"cuda:{index}"


def resolve_device(device: str) -> str:
    """`parse_device` on this machine: 'cpu' or 'cuda:N'."""
    d = (device or "auto").strip().lower()
    return parse_device(d, cuda_count() if d != "cpu" else 0)


def is_cuda(device: str) -> bool:
    """True for 'cuda' and 'cuda:N'."""
    return str(device).startswith("cuda")


def device_index(device: str) -> int | None:
    """The GPU index of 'cuda:N' (0 for a bare 'cuda'), None for the CPU."""
    if not is_cuda(device):
        return None
    _, _, index = str(device).partition(":")
    return int(index or 0)


@contextlib.contextmanager
def device_scope(device: str) -> Iterator[None]:
    """Make ``device`` torch's current CUDA device inside the block (nothing on the CPU): CUDA
    events, streams and graphs made in it belong to that GPU."""
    if not is_cuda(device):
        yield
        return
    import torch

    with torch.cuda.device(device_index(device)):
        yield


def synchronize(device: str) -> None:
    """Wait for ``device``'s queued work (nothing to wait for on the CPU)."""
    if is_cuda(device):
        import torch

        torch.cuda.synchronize(device_index(device))


class StepClock:
    """Time marks of one run: CUDA events on a GPU (one synchronisation, in `intervals`),
    ``time.perf_counter`` on the CPU (its kernels run in the calling thread)."""

    def __init__(self, device: str) -> None:
        self.cuda = is_cuda(device)
        self.device = device
        self.marks: list[Any] = []

    def mark(self) -> None:
        """A mark at this point of the device's work queue."""
        if self.cuda:
            import torch

            event = torch.cuda.Event(enable_timing=True)
            event.record()  # on the current stream of the current device: see `device_scope`
            self.marks.append(event)
        else:
            self.marks.append(time.perf_counter())

    def intervals(self) -> list[float]:
        """Seconds between consecutive marks (waits once for the device on a GPU)."""
        if len(self.marks) < 2:
            return []
        if self.cuda:
            self.marks[-1].synchronize()
            return [a.elapsed_time(b) / 1e3 for a, b in itertools.pairwise(self.marks)]
        return [b - a for a, b in itertools.pairwise(self.marks)]


def reset_peak_memory(device: str) -> None:
    """Start ``device``'s peak-memory counter afresh (CUDA only)."""
    if is_cuda(device):
        import torch

        torch.cuda.reset_peak_memory_stats(device_index(device))


def peak_memory_mib(device: str) -> float:
    """Peak memory allocated by tensors on ``device`` since `reset_peak_memory` (CUDA only)."""
    import torch

    return torch.cuda.max_memory_allocated(device_index(device)) / 2**20


def available_memory_bytes(device: str) -> int:
    """Memory a new model may use on ``device``: the GPU's free memory plus what torch holds
    reserved but unused there, or the host's available RAM."""
    if is_cuda(device):
        import torch

        index = device_index(device)
        free = int(torch.cuda.mem_get_info(index)[0])
        cached = torch.cuda.memory_reserved(index) - torch.cuda.memory_allocated(index)
        return free + max(0, int(cached))
    try:
        import psutil  # type: ignore[import-not-found]

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def free_memory(device: str) -> None:
    """Collect garbage, give the freed host heap back to the OS (`release_memory`) and hand
    ``device``'s cached blocks back (a later run, or another process, can then use them)."""
    release_memory()
    if is_cuda(device):
        import torch

        with torch.cuda.device(device_index(device)):
            torch.cuda.empty_cache()


def is_out_of_memory(exc: BaseException) -> bool:
    """True for torch's CUDA out-of-memory error and the CPU allocator's refusal, also when
    wrapped (torch.compile re-raises what a compiled graph raised)."""
    seen = 0
    while exc is not None and seen < 8:
        name = type(exc).__name__
        text = str(exc)
        if name == "OutOfMemoryError" or "out of memory" in text.lower():
            return True
        if isinstance(exc, RuntimeError) and "can't allocate memory" in text:
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@contextlib.contextmanager
def out_of_memory_as_error(device: str, what: str) -> Iterator[None]:
    """Turn running out of memory on ``device`` inside the block into `ProbeOutOfMemory`
    (the frames of the failed call are cleared first, so their tensors can be freed)."""
    try:
        yield
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
        traceback.clear_frames(exc.__traceback__)
        held = ""
        if is_cuda(device):
            try:
                free_memory(device)
                held = f" ({available_memory_bytes(device) / 2**30:.1f} GiB free after cleanup)"
            except Exception:  # noqa: BLE001 - the advice stands without the figure
                held = ""
        raise ProbeOutOfMemory(
            f"{device} ran out of memory {what}{held}: pick a smaller preset, a 16-bit dtype, "
            "a smaller batch or a shorter prompt, or free the GPU from other processes"
        ) from None


def device_name(device: str) -> str:
    """The GPU's name ('NVIDIA H100 80GB HBM3'), or 'cpu'."""
    if not is_cuda(device):
        return "cpu"
    import torch

    return str(torch.cuda.get_device_name(device_index(device)))


def spec_bandwidth_gb_s(name: str) -> float:
    """The vendor's memory bandwidth of a GPU by its name (GB/s), NaN when not known."""
    for pattern, gb_s in SPEC_BANDWIDTH_GB_S:
        if re.search(pattern, name, flags=re.IGNORECASE):
            return gb_s
    return float("nan")


def bandwidth_buffer_bytes(device: str, limits: Limits = LOCAL) -> int:
    """Bytes of the bandwidth measurement's buffer: 1 GiB; on the CPU at most
    ``limits.bandwidth_probe_bytes`` (host memory on a shared server), on a GPU never less
    than 1 GiB (a buffer that fits the L2 cache would read faster than the memory)."""
    if is_cuda(device):
        return GPU_BANDWIDTH_BYTES
    n = CPU_BANDWIDTH_BYTES
    if limits.bandwidth_probe_bytes is not None:
        n = min(n, limits.bandwidth_probe_bytes)
    return n


def measure_bandwidth(
    device: str = "cpu",
    n_bytes: int | None = None,
    repeats: int = 5,
    *,
    dtype: str = "float32",
    limits: Limits = LOCAL,
) -> float:
    """Memory bandwidth in bytes/s: the best of a large tensor copy (read + write = 2x bytes)
    and a large matrix-vector product (the decode's access pattern: each weight read once),
    on buffers of ``n_bytes`` in ``dtype`` (default: `bandwidth_buffer_bytes`).

    The best, not the median, of ``repeats`` runs: a bound uses the peak the hardware reaches.
    Each run is timed with CUDA events on a GPU.
    """
    import torch

    from tokdash.speed.costmodel import dtype_bytes, dtype_name

    if n_bytes is None:
        n_bytes = bandwidth_buffer_bytes(device, limits)
    size = dtype_bytes(dtype)
    side = max(64, int((n_bytes // size) ** 0.5))
    n = side * side
    tdtype = getattr(torch, dtype_name(dtype))
    with device_scope(device), out_of_memory_as_error(device, "measuring the bandwidth"):
        src = torch.ones(n, dtype=tdtype, device=device)
        dst = torch.empty_like(src)
        vec = torch.ones(1, side, dtype=tdtype, device=device)
        mat = src.view(side, side)

        def best(fn) -> float:
            fn()
            times = []
            for _ in range(repeats):
                clock = StepClock(device)
                clock.mark()
                fn()
                clock.mark()
                times.append(clock.intervals()[0])
            return min(times)

        copy = 2.0 * n * size / best(lambda: dst.copy_(src))
        gemv = 1.0 * n * size / best(lambda: vec @ mat.T)
        src = dst = vec = mat = None  # freed before the cached blocks are handed back
    free_memory(device)
    return max(copy, gemv)
