"""The memory-bandwidth bound of decode and what the measured speed says against it.

At batch 1 a decode step reads every weight (but the embedding rows it looks up) and the KV
cache once, so tokens/s <= bandwidth / bytes read per step (`costmodel.decode_bytes_per_step`).
No torch here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokdash.speed import costmodel

#: Below this share of the memory-bandwidth bound, decode is "overhead-bound": something other
#: than reading the weights and the KV cache (Python, kernel launches, the CPU's arithmetic)
#: sets its pace.
OVERHEAD_FRACTION = 0.5
#: Below this many parameters a step reads too few bytes for the bound to mean anything (they
#: may sit in a cache, and the ~0.3-1 ms per-step floor of the framework dominates): such a
#: model is overhead-bound whatever its measured share.
OVERHEAD_PARAMS = 10_000_000


def kv_tokens_read(row: dict[str, Any]) -> int:
    """KV-cache positions a decode step reads: the whole static cache (prompt + new tokens)
    when compiled, the mean length of the growing cache (prompt + new // 2) when eager."""
    if row.get("decode_mode") == "compiled":
        return int(row["prompt_tokens"] + row["new_tokens"])
    return int(row["prompt_tokens"] + row["new_tokens"] // 2)


def add_bandwidth_bound(
    rows: list[dict[str, Any]], bandwidth: float, spec_gb_s: float = float("nan")
) -> None:
    """Add the memory-bandwidth bound (tokens/s), the measured decode's share of it, and flags:
    overhead_bound (share below `OVERHEAD_FRACTION`, or a model under `OVERHEAD_PARAMS`),
    above_bound (share above 1: the bandwidth measured too low, or the weights sit in a cache).
    ``spec_gb_s``: the vendor's bandwidth of the device, shown beside the measured one (NaN
    when not known)."""
    for row in rows:
        shape = row.get("_shape")
        if shape is None:
            continue
        ctx = kv_tokens_read(row)
        step = costmodel.decode_bytes_per_step(shape, row["dtype"], ctx, row["batch"])
        bound = bandwidth / step * row["batch"]
        fraction = row["decode_tokens_per_s"] / bound
        row["kv_tokens_read"] = ctx
        row["bandwidth_gb_s"] = bandwidth / 1e9
        row["spec_bandwidth_gb_s"] = spec_gb_s
        row["decode_mib_per_step"] = step / 2**20
        row["bound_tokens_per_s"] = bound
        row["fraction_of_bound"] = fraction
        row["overhead_bound"] = fraction < OVERHEAD_FRACTION or row["params"] < OVERHEAD_PARAMS
        row["above_bound"] = fraction > 1.0


def run_notes(rows: Sequence[dict[str, Any]], *, overhead: bool = True) -> list[str]:
    """What a reader of these rows must know, one sentence each: a compiled decode that fell
    back to eager (and why), a share of the bound above 1, and (``overhead``) decode below
    `OVERHEAD_FRACTION` of the bound."""
    notes = []
    for r in rows:
        if r.get("decode_note"):
            notes.append(f"{r['tokenizer']}: {r['decode_note']}")
    high = [r["tokenizer"] for r in rows if r.get("above_bound")]
    if high:
        notes.append(
            f"{', '.join(high)}: decode above the measured memory-bandwidth bound: the bandwidth "
            "was measured too low, or the weights fit a cache; the fraction is not a share"
        )
    low = [r["tokenizer"] for r in rows if r.get("overhead_bound")]
    if low and overhead:
        notes.append(
            f"{', '.join(low)}: decode below {OVERHEAD_FRACTION:.0%} of the memory-bandwidth "
            "bound: overhead (Python, kernel launches, the CPU's arithmetic), not reading the "
            "weights, sets the pace"
        )
    return notes


def vocab_cost_table(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per model, device, dtype and decode mode: decode tokens/s with the smallest and the
    largest vocabulary probed, the measured slowdown (small / large) and the slowdown the bound
    predicts (bound small / bound large, i.e. bytes per step large / small). At the bound the
    two are equal; far below it (overhead-bound) the measured one stays near 1."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        if "bound_tokens_per_s" in r:
            key = (r["model"], r["device"], r["dtype"], r.get("decode_mode", "eager"))
            groups.setdefault(key, []).append(r)
    out = []
    for (model, device, dtype, mode), group in groups.items():
        small = min(group, key=lambda r: r["vocab_size"])
        large = max(group, key=lambda r: r["vocab_size"])
        if small["vocab_size"] == large["vocab_size"]:
            continue
        out.append(
            {
                "model": model,
                "device": device,
                "dtype": dtype,
                "decode_mode": mode,
                "vocab_small": small["vocab_size"],
                "vocab_large": large["vocab_size"],
                "tokens_per_s_small": small["decode_tokens_per_s"],
                "tokens_per_s_large": large["decode_tokens_per_s"],
                "measured_slowdown": small["decode_tokens_per_s"] / large["decode_tokens_per_s"],
                "bound_slowdown": small["bound_tokens_per_s"] / large["bound_tokens_per_s"],
            }
        )
    return out
