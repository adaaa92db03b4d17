"""What vocabulary size costs: parameters, FLOPs and memory of a Llama-style decoder (pure Python).

No torch here: every number is a closed-form function of a `ModelShape`, checked in the tests
against the parameter count of the real ``transformers`` LlamaForCausalLM.

Llama-style layout (no biases, RMSNorm, SwiGLU MLP, grouped-query attention):

- embedding: ``V * d``; output (``lm_head``): ``V * d``, or 0 when tied to the embedding;
- attention per layer: q and o ``d * d`` each, k and v ``d * (n_kv_heads * head_dim)`` each,
  with ``head_dim = d / n_heads``;
- mlp per layer: gate, up and down ``3 * d * d_ff``;
- norms: two RMSNorm weights per layer (``2 * d``) plus the final one (``d``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from tokdash.errors import TokdashError

#: Bytes per element of the dtypes a probe may use (aliases accepted by `dtype_bytes`).
DTYPE_BYTES: dict[str, int] = {"float32": 4, "bfloat16": 2, "float16": 2}
_DTYPE_ALIASES = {
    "fp32": "float32",
    "float": "float32",
    "f32": "float32",
    "bf16": "bfloat16",
    "fp16": "float16",
    "half": "float16",
    "f16": "float16",
}

#: Vocabulary sizes of the cost-model sweep (16k to 256k).
VOCAB_SWEEP: tuple[int, ...] = (16_384, 32_000, 50_257, 64_000, 100_256, 128_256, 200_000, 256_000)


@dataclass(frozen=True)
class ModelShape:
    """The shape of a Llama-style decoder-only transformer."""

    name: str
    n_layers: int
    d_model: int
    n_heads: int
    n_kv_heads: int
    d_ff: int
    vocab_size: int
    tie_embeddings: bool = False
    max_positions: int = 4096

    def __post_init__(self) -> None:
        for field in ("n_layers", "d_model", "n_heads", "n_kv_heads", "d_ff", "vocab_size"):
            if int(getattr(self, field)) <= 0:
                raise TokdashError(f"model shape {self.name!r}: {field} must be positive")
        if self.d_model % self.n_heads:
            raise TokdashError(
                f"model shape {self.name!r}: d_model ({self.d_model}) must be a multiple of "
                f"n_heads ({self.n_heads})"
            )
        if self.n_heads % self.n_kv_heads:
            raise TokdashError(
                f"model shape {self.name!r}: n_heads ({self.n_heads}) must be a multiple of "
                f"n_kv_heads ({self.n_kv_heads})"
            )

    @property
    def head_dim(self) -> int:
        """Width of one attention head."""
        return self.d_model // self.n_heads

    def with_vocab(self, vocab_size: int) -> ModelShape:
        """The same body with another vocabulary size."""
        return replace(self, vocab_size=int(vocab_size))


#: Presets with real shapes. "tiny" is for tests (framework overhead, not hardware);
#: "125m" is GPT-2-small-sized, "1b" the Llama-3.2-1B shape, "7b" the Llama-2-7B shape.
PRESETS: dict[str, ModelShape] = {
    "tiny": ModelShape("tiny", 2, 64, 4, 2, 176, 32_000, max_positions=1024),
    "125m": ModelShape("125m", 12, 768, 12, 12, 2048, 32_000, max_positions=2048),
    "1b": ModelShape("1b", 16, 2048, 32, 8, 8192, 128_256, tie_embeddings=True, max_positions=8192),
    "7b": ModelShape("7b", 32, 4096, 32, 32, 11008, 32_000, max_positions=4096),
}


def get_preset(name: str, vocab_size: int | None = None) -> ModelShape:
    """A preset by name, optionally with another vocabulary size."""
    key = name.strip().lower()
    if key not in PRESETS:
        raise TokdashError(f"unknown model preset {name!r}; choose one of {', '.join(PRESETS)}")
    shape = PRESETS[key]
    return shape.with_vocab(vocab_size) if vocab_size else shape


def dtype_name(dtype: str) -> str:
    """Canonical dtype name ("float32", "bfloat16", "float16") for a name or alias."""
    key = str(dtype).strip().lower().removeprefix("torch.")
    key = _DTYPE_ALIASES.get(key, key)
    if key not in DTYPE_BYTES:
        raise TokdashError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPE_BYTES)}")
    return key


def dtype_bytes(dtype: str) -> int:
    """Bytes per element: 4 for float32, 2 for bfloat16 / float16."""
    return DTYPE_BYTES[dtype_name(dtype)]


def param_counts(shape: ModelShape) -> dict[str, int]:
    """Parameters by part: embedding, output, attention, mlp, norms, body (= the rest), total."""
    d, v, n = shape.d_model, shape.vocab_size, shape.n_layers
    kv_dim = shape.n_kv_heads * shape.head_dim
    embedding = v * d
    output = 0 if shape.tie_embeddings else v * d
    attention = n * (2 * d * d + 2 * d * kv_dim)
    mlp = n * 3 * d * shape.d_ff
    norms = n * 2 * d + d
    body = attention + mlp + norms
    return {
        "embedding": embedding,
        "output": output,
        "attention": attention,
        "mlp": mlp,
        "norms": norms,
        "body": body,
        "total": embedding + output + body,
    }


def flops_per_token(shape: ModelShape, context: int) -> dict[str, float]:
    """Forward FLOPs for one token attending to ``context`` tokens (multiply-add = 2 FLOPs).

    - embedding: 0 (a row lookup, no arithmetic);
    - output: ``2 * V * d`` (the logits, computed even when the weights are tied);
    - attention: ``2 * attention params`` (projections) ``+ 4 * n_layers * context * d``
      (scores ``q.k`` and the weighted sum of values, over all heads);
    - mlp: ``2 * mlp params``; norms are ignored (O(d), not a matmul);
    - body = attention + mlp; total = output + body.
    """
    if context < 0:
        raise TokdashError("context must be >= 0 tokens")
    p = param_counts(shape)
    output = 2.0 * shape.vocab_size * shape.d_model
    attention = 2.0 * p["attention"] + 4.0 * shape.n_layers * context * shape.d_model
    mlp = 2.0 * p["mlp"]
    body = attention + mlp
    return {
        "embedding": 0.0,
        "output": output,
        "attention": attention,
        "mlp": mlp,
        "body": body,
        "total": output + body,
    }


def weight_bytes(shape: ModelShape, dtype: str) -> int:
    """Bytes of all weights (tied embeddings counted once)."""
    return param_counts(shape)["total"] * dtype_bytes(dtype)


def kv_cache_bytes(shape: ModelShape, n_tokens: int, dtype: str, batch: int = 1) -> int:
    """KV cache bytes: ``2 (k, v) * n_layers * n_kv_heads * head_dim * tokens * batch * bytes``."""
    per_token = 2 * shape.n_layers * shape.n_kv_heads * shape.head_dim
    return int(per_token * int(n_tokens) * int(batch) * dtype_bytes(dtype))


def decode_bytes_per_step(shape: ModelShape, dtype: str, context: int, batch: int = 1) -> int:
    """Bytes a decode step must read: every weight except the untouched embedding rows, plus KV.

    The embedding is a lookup of ``batch`` rows, so an untied table is not read whole; a tied
    table is (it is also the output layer). The KV cache of ``context`` tokens is read once.
    """
    p = param_counts(shape)
    b = dtype_bytes(dtype)
    read = p["body"] + p["output"] if not shape.tie_embeddings else p["body"] + p["embedding"]
    rows = 0 if shape.tie_embeddings else batch * shape.d_model
    return int((read + rows) * b + kv_cache_bytes(shape, context, dtype, batch))


def bandwidth_bound_tokens_per_s(
    shape: ModelShape, dtype: str, context: int, bandwidth_bytes_per_s: float, batch: int = 1
) -> float:
    """Upper bound on decode tokens/s (all sequences) when every step is memory-bound."""
    step = decode_bytes_per_step(shape, dtype, context, batch)
    return float(bandwidth_bytes_per_s) / step * batch if step else float("nan")


def vocab_cost_row(shape: ModelShape, context: int, dtype: str) -> dict[str, float]:
    """One row of the vocabulary sweep: params, FLOPs and memory for ``shape``."""
    p = param_counts(shape)
    f = flops_per_token(shape, context)
    vocab_params = p["embedding"] + p["output"]
    return {
        "vocab_size": shape.vocab_size,
        "params_total": p["total"],
        "params_vocab": vocab_params,
        "params_body": p["body"],
        "params_vocab_share": vocab_params / p["total"],
        "gflops_per_token": f["total"] / 1e9,
        "gflops_output": f["output"] / 1e9,
        "gflops_body": f["body"] / 1e9,
        "flops_output_share": f["output"] / f["total"],
        "weights_mib": weight_bytes(shape, dtype) / 2**20,
        "vocab_weights_mib": vocab_params * dtype_bytes(dtype) / 2**20,
        "kv_cache_mib": kv_cache_bytes(shape, context, dtype) / 2**20,
    }


def vocab_sweep(
    shape: ModelShape,
    vocab_sizes: Iterable[int] = VOCAB_SWEEP,
    context: int = 2048,
    dtype: str = "bfloat16",
) -> list[dict[str, float]]:
    """`vocab_cost_row` for the same body at each vocabulary size (sorted)."""
    return [vocab_cost_row(shape.with_vocab(v), context, dtype) for v in sorted(set(vocab_sizes))]


def effective_context_row(
    shape: ModelShape,
    window: int,
    bytes_per_token: float,
    tokens_per_line: float,
    dtype: str = "bfloat16",
) -> dict[str, float]:
    """What an N-token window holds of the user's code, and KV memory per 1,000 lines.

    bytes = window * bytes_per_token; lines = window / tokens_per_line;
    kv_mib_per_1k_lines = kv_cache_bytes(1000 * tokens_per_line tokens) / 2**20.
    """
    lines = window / tokens_per_line if tokens_per_line > 0 else float("nan")
    kv_1k = (
        kv_cache_bytes(shape, 1, dtype) * 1000.0 * tokens_per_line / 2**20
        if tokens_per_line > 0
        else float("nan")
    )
    return {
        "window_tokens": int(window),
        "window_kib": window * bytes_per_token / 1024.0,
        "window_lines": lines,
        "kv_mib_per_1k_lines": kv_1k,
    }


def format_count(n: float) -> str:
    """A parameter / byte count as 1.23B, 45.6M, 7.8k."""
    n = float(n)
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.3g}{unit}"
    return f"{n:.3g}"


def preset_names() -> Sequence[str]:
    """Preset names, smallest first."""
    return list(PRESETS)


@dataclass(frozen=True)
class TokenizerRate:
    """A tokenizer's measured compression on the selected corpus (its comparison ALL row)."""

    tokenizer: str
    vocab_size: int
    chars_per_token: float
    bytes_per_token: float
    tokens_per_line: float = float("nan")


def tokenizer_rates(tokenizers: Sequence, documents: Sequence) -> list[TokenizerRate]:
    """Each tokenizer's chars/token, bytes/token and tokens/line on ``documents``."""
    from tokdash.analysis.compare import run_comparison

    table = run_comparison(tokenizers, documents).table()
    return rates_from_table(table, tokenizers)


def rates_from_table(table, tokenizers: Sequence) -> list[TokenizerRate]:
    """`TokenizerRate`s from a comparison table (`Comparison.table()`, its ALL rows)."""
    rows = table[table["language"] == "ALL"].set_index("tokenizer")
    return [
        TokenizerRate(
            tokenizer=t.id,
            vocab_size=int(t.vocab_size),
            chars_per_token=float(rows.loc[t.id, "chars_per_token"]),
            bytes_per_token=float(rows.loc[t.id, "bytes_per_token"]),
            tokens_per_line=float(rows.loc[t.id, "tokens_per_line"]),
        )
        for t in tokenizers
    ]


def effective_context(
    shape: ModelShape, rates: Sequence[TokenizerRate], window: int, dtype: str = "bfloat16"
) -> list[dict[str, float]]:
    """Per tokenizer: `effective_context_row` with its own vocabulary, plus its compression."""
    out = []
    for r in rates:
        row = effective_context_row(
            shape.with_vocab(r.vocab_size), window, r.bytes_per_token, r.tokens_per_line, dtype
        )
        out.append(
            {
                "tokenizer": r.tokenizer,
                "vocab_size": r.vocab_size,
                "bytes_per_token": r.bytes_per_token,
                "tokens_per_line": r.tokens_per_line,
                **row,
            }
        )
    return out


def compression_vs_cost(
    shape: ModelShape, rates: Sequence[TokenizerRate], context: int, dtype: str, base: str = ""
) -> list[dict[str, float]]:
    """Per tokenizer: the cost of its vocabulary on ``shape`` next to its measured compression.

    gain_vs_base = bytes_per_token / bytes_per_token(base) - 1 (base: ``base`` when given and
    present, else the tokenizer with the smallest vocabulary); vocab_params_share as in
    `vocab_cost_row`.
    """
    if not rates:
        return []
    by_id = {r.tokenizer: r for r in rates}
    ref = by_id.get(base) or min(rates, key=lambda r: r.vocab_size)
    out = []
    for r in sorted(rates, key=lambda r: r.vocab_size):
        cost = vocab_cost_row(shape.with_vocab(r.vocab_size), context, dtype)
        out.append(
            {
                "tokenizer": r.tokenizer,
                "vocab_size": r.vocab_size,
                "bytes_per_token": r.bytes_per_token,
                "gain_vs_base": r.bytes_per_token / ref.bytes_per_token - 1.0,
                "base": ref.tokenizer,
                "params_total": cost["params_total"],
                "params_vocab_share": cost["params_vocab_share"],
                "flops_output_share": cost["flops_output_share"],
                "weights_mib": cost["weights_mib"],
            }
        )
    return out
