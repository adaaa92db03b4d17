"""Run-time policy: the bounds the product applies, in one object built at the edge.

The UI (`tokdash.ui`) and the CLI build one `Limits` (`current_limits()` reads ``TOKDASH_HOSTED``
once) and pass it down; library functions take a ``limits`` argument and never read the
environment themselves. ``LOCAL`` is the default everywhere (a user on their own machine);
``HOSTED`` bounds a demo shared with strangers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

MB = 1_000_000


@dataclass(frozen=True)
class ProbeBounds:
    """Upper bounds of the speed probe's knobs (each knob runs from 1 to its bound)."""

    batch: int = 64
    prompt_len: int = 8192
    new_tokens: int = 1024
    repeats: int = 50

    def as_dict(self) -> dict[str, int]:
        """``{"batch": ..., "prompt_len": ..., "new_tokens": ..., "repeats": ...}``."""
        return {
            "batch": self.batch,
            "prompt_len": self.prompt_len,
            "new_tokens": self.new_tokens,
            "repeats": self.repeats,
        }


@dataclass(frozen=True)
class Limits:
    """Every bound in force, in one place.

    - ``hosted``: a demo for strangers (uploads only, tight bounds, stated on the pages).
    - ``local_paths``: a local file, folder or checkpoint path may be read (never when hosted).
    - ``upload_bytes``: all files of one upload together.
    - ``max_vocab``: the largest vocabulary a training run may ask for.
    - ``train_seconds``: the longest predicted training time accepted.
    - ``train_mb``: the largest training budget (MB of text) offered.
    - ``max_model_params``: the largest model the speed probe or swap builds (None: memory only).
    - ``probe``: bounds of the probe's batch, prompt, new tokens and repeats.
    - ``bandwidth_probe_bytes``: the most host memory the bandwidth measurement may allocate on
      a CPU (on a GPU its buffers are always at least 1 GiB: smaller ones sit in the L2 cache).
    - ``downloads``: models may be fetched from the hub.
    - ``heavy_jobs``: heavy jobs (training, sweeps, probes, swap builds) running at once on the
      server; the others wait in line.
    - ``sweep_seconds``: the longest predicted time of a whole training sweep.
    """

    hosted: bool = False
    local_paths: bool = True
    upload_bytes: int = 200 * MB
    max_vocab: int = 1_048_576
    train_seconds: float = 120.0
    train_mb: float = 500.0
    max_model_params: int | None = None
    probe: ProbeBounds = field(default_factory=ProbeBounds)
    bandwidth_probe_bytes: int | None = None
    downloads: bool = True
    heavy_jobs: int = 2
    sweep_seconds: float = 1800.0


LOCAL = Limits()
HOSTED = Limits(
    hosted=True,
    local_paths=False,
    upload_bytes=20 * MB,
    max_vocab=262_144,
    train_seconds=30.0,
    train_mb=20.0,
    max_model_params=500_000_000,
    probe=ProbeBounds(batch=8, prompt_len=1024, new_tokens=128, repeats=10),
    bandwidth_probe_bytes=64 << 20,
    downloads=False,
    heavy_jobs=1,
    sweep_seconds=90.0,
)


def hosted_note(limits: Limits) -> str:
    """The hosted demo's bounds in one sentence (empty when not hosted), for the pages."""
    if not limits.hosted:
        return ""
    params = f"{limits.max_model_params / 1e6:.0f}M" if limits.max_model_params else "any"
    return (
        f"Hosted demo bounds: {limits.heavy_jobs} heavy job at a time (others wait in line), "
        f"models up to {params} parameters in 16-bit (the 125m preset; 1b and 7b need a local "
        "install), "
        f"probe batch <= {limits.probe.batch}, prompt <= {limits.probe.prompt_len}, "
        f"<= {limits.probe.new_tokens} new tokens; training <= {limits.train_mb:g} MB of text and "
        f"~{limits.train_seconds:.0f} s per tokenizer, <= {limits.sweep_seconds:.0f} s per sweep; "
        f"uploads <= {limits.upload_bytes // MB} MB. Run tokdash locally for more."
    )


def hosted_mode() -> bool:
    """``TOKDASH_HOSTED=1``: a demo for strangers (uploads only, no local paths, tight bounds)."""
    return os.environ.get("TOKDASH_HOSTED", "").strip().lower() in ("1", "true", "yes", "on")


def current_limits() -> Limits:
    """The limits for this process: `HOSTED` when ``TOKDASH_HOSTED`` is set, else `LOCAL`;
    ``TOKDASH_HEAVY_JOBS`` sets how many heavy jobs run at once.

    Called by the UI and the CLI only; the library receives the result as an argument.
    """
    limits = HOSTED if hosted_mode() else LOCAL
    jobs = os.environ.get("TOKDASH_HEAVY_JOBS", "").strip()
    if jobs.isdigit() and int(jobs) >= 1:
        limits = replace(limits, heavy_jobs=int(jobs))
    return limits


#: Upload bounds (bytes, all files of one upload together); the hosted demo uses the smaller.
MAX_UPLOAD_BYTES = LOCAL.upload_bytes
MAX_UPLOAD_BYTES_HOSTED = HOSTED.upload_bytes


def max_upload_bytes() -> int:
    """The upload bound in force (smaller in hosted mode)."""
    return current_limits().upload_bytes


#: Default tokenizers shown on first start: the paper's base and three common code tokenizers.
DEFAULT_TOKENIZERS = ("llama2", "cl100k_base", "o200k_base", "starcoder2")
