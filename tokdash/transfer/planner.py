"""The swap planner's reports: vocabulary overlap tables, what a swap buys on the user's
corpus, what it costs in parameters, and the paper's fine-tuning finding (pure functions)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from tokdash.analysis.vocab_metrics import visible
from tokdash.errors import TokdashError
from tokdash.speed import costmodel
from tokdash.transfer import fvt

#: The paper's fine-tuning finding (Dagan, Synnaeve & Rozière 2024), in tokens.
PAPER_SWAP_TOKENS = 50e9
PAPER_FINDING = (
    "Dagan, Synnaeve & Rozière (2024) report that when fine-tuning a pre-trained code model on "
    "more than about 50B tokens, its tokenizer can be replaced by a specialised one (new "
    "embeddings initialised with Fast Vocabulary Transfer), gaining generation speed and "
    "effective context without losing performance on their code benchmarks. This is their "
    "result, in their setting (their models, data and benchmarks), not a prediction of ours "
    "for your model; see the paper for smaller fine-tuning budgets."
)

GAIN_COLUMNS = [
    "language",
    "documents",
    "bytes",
    "chars",
    "tokens_current",
    "tokens_candidate",
    "nsl",
    "chars_per_token_current",
    "chars_per_token_candidate",
    "chars_per_s_gain",
    "context_tokens",
    "effective_context",
    "effective_context_gain",
]


def chars_per_s_gain(nsl: float) -> float:
    """Relative characters/s gain at equal tokens/s: ``1 / NSL - 1`` (NSL = candidate tokens /
    current tokens on the same text; 0.8 -> +25%)."""
    return 1.0 / nsl - 1.0 if nsl > 0 else float("nan")


def effective_context(context_tokens: int, nsl: float) -> float:
    """How many *current* tokens' worth of text a ``context_tokens`` window holds with the
    candidate: ``context_tokens / NSL``."""
    return context_tokens / nsl if nsl > 0 else float("nan")


def gain_table(
    table: pd.DataFrame, current: str, candidate: str, context_tokens: int = 4096
) -> pd.DataFrame:
    """Per language (and ALL): NSL of the candidate against the current tokenizer and what it
    implies. ``table`` is `Comparison.table()` of both tokenizers with ``base = current``."""
    if context_tokens <= 0:
        raise TokdashError("the context length must be a positive number of tokens")
    cur = table[table["tokenizer"] == current].set_index("language")
    cand = table[table["tokenizer"] == candidate].set_index("language")
    if cur.empty or cand.empty:
        raise TokdashError(f"the comparison has no rows for {current!r} and {candidate!r}")
    rows = []
    for lang in cand.index:
        c, n = cur.loc[lang], cand.loc[lang]
        nsl = float(n["tokens"]) / float(c["tokens"]) if c["tokens"] else float("nan")
        rows.append(
            {
                "language": lang,
                "documents": int(n["documents"]),
                "bytes": int(n["bytes"]),
                "chars": int(n["chars"]),
                "tokens_current": int(c["tokens"]),
                "tokens_candidate": int(n["tokens"]),
                "nsl": nsl,
                "chars_per_token_current": float(c["chars_per_token"]),
                "chars_per_token_candidate": float(n["chars_per_token"]),
                "chars_per_s_gain": chars_per_s_gain(nsl),
                "context_tokens": int(context_tokens),
                "effective_context": effective_context(context_tokens, nsl),
                "effective_context_gain": chars_per_s_gain(nsl),
            }
        )
    return pd.DataFrame(rows, columns=GAIN_COLUMNS)


def size_table(
    shape: costmodel.ModelShape,
    current_vocab: int,
    candidate_vocab: int,
    dtype: str = "bfloat16",
) -> pd.DataFrame:
    """Embedding / output-layer parameters and weight memory with each vocabulary, same body."""
    rows = []
    for label, v in (("current", current_vocab), ("candidate", candidate_vocab)):
        s = shape.with_vocab(v)
        p = costmodel.param_counts(s)
        rows.append(
            {
                "tokenizer": label,
                "vocab_size": int(v),
                "embedding_params": p["embedding"],
                "output_params": p["output"],
                "body_params": p["body"],
                "total_params": p["total"],
                "vocab_share": (p["embedding"] + p["output"]) / p["total"],
                "weights_mib": costmodel.weight_bytes(s, dtype) / 2**20,
            }
        )
    out = pd.DataFrame(rows)
    diff = out.iloc[1][out.columns[1:]] - out.iloc[0][out.columns[1:]]
    out.loc[2] = {"tokenizer": "change", **diff.to_dict()}
    return out


def budget_table(
    bytes_per_token_current: float,
    bytes_per_token_candidate: float,
    planned_tokens: float | None = None,
) -> pd.DataFrame:
    """The paper's ~50B-token finding restated for the user's code: how much text that is, in
    candidate tokens and in GB of code like the corpus (50B *current*-tokenizer tokens assumed,
    as the paper counts with the model's tokenizer), and the user's plan against it."""
    if bytes_per_token_current <= 0 or bytes_per_token_candidate <= 0:
        raise TokdashError("bytes per token must be positive to restate the data budget")
    gb = PAPER_SWAP_TOKENS * bytes_per_token_current / 1e9
    rows = [
        ("paper: fine-tuning tokens after which the swap paid off", PAPER_SWAP_TOKENS, "tokens"),
        (
            "same text in candidate tokens",
            PAPER_SWAP_TOKENS * bytes_per_token_current / bytes_per_token_candidate,
            "tokens",
        ),
        ("same text as code like your corpus", gb, "GB (UTF-8)"),
    ]
    if planned_tokens is not None and planned_tokens > 0 and math.isfinite(planned_tokens):
        rows.append(("your planned fine-tuning", float(planned_tokens), "tokens"))
        rows.append(("your plan / the paper's 50B", planned_tokens / PAPER_SWAP_TOKENS, "ratio"))
    out = pd.DataFrame(rows, columns=["what", "value", "unit"])
    out["readable"] = [
        f"{costmodel.format_count(v)} {u}" if u == "tokens" else f"{v:,.3g} {u}"
        for v, u in zip(out["value"], out["unit"], strict=True)
    ]
    return out


# ----- overlap statistics (from a transfer.TransferPlan) ---------------------------------------
def overlap_table(plan: fvt.TransferPlan) -> pd.DataFrame:
    """Shared / only-current / only-candidate token counts (by exact bytes) and skipped ids."""
    old_set = set(plan.old_index.by_bytes)
    new_set = set(plan.new_index.by_bytes)
    shared = len(old_set & new_set)
    rows = [
        ("current tokens (ordinary, distinct bytes)", len(old_set)),
        ("candidate tokens (ordinary, distinct bytes)", len(new_set)),
        ("shared (same bytes in both)", shared),
        ("only in current", len(old_set) - shared),
        ("only in candidate", len(new_set) - shared),
        ("current ids skipped (special / no bytes / duplicate)", plan.old_index.skipped),
        ("candidate ids skipped (special / no bytes / duplicate)", plan.new_index.skipped),
    ]
    return pd.DataFrame(rows, columns=["what", "tokens"])


def pieces_histogram(plan: fvt.TransferPlan) -> pd.DataFrame:
    """How many candidate tokens (ordinary ones) the current tokenizer spells in k pieces;
    k = 0 means it cannot spell them at all."""
    ordinary = ~plan.new_special & np.array([bool(b) for b in plan.new_bytes], dtype=bool)
    k = plan.n_pieces()[ordinary]
    values, counts = np.unique(k, return_counts=True)
    total = max(int(counts.sum()), 1)
    return pd.DataFrame(
        {
            "pieces": values.astype(int),
            "candidate_tokens": counts.astype(int),
            "share": counts / total,
        }
    )


def new_token_examples(
    plan: fvt.TransferPlan,
    usage: np.ndarray | None = None,
    n: int = 20,
    *,
    words_only: bool = False,
) -> pd.DataFrame:
    """The longest candidate tokens absent from the current vocabulary, with how the current
    tokenizer spells them; with ``usage`` (candidate unigram counts on the user's corpus) only
    tokens used there, longest first, then most used. ``words_only`` keeps tokens with a letter
    or digit (drops runs of spaces and punctuation)."""
    ids = np.flatnonzero(plan.source == fvt.FVT)
    if words_only:
        text = (plan.new_bytes[i].decode("utf-8", errors="ignore") for i in ids)
        keep = [any(c.isalnum() for c in t) for t in text]
        ids = ids[np.array(keep, dtype=bool)] if ids.size else ids
    if usage is not None:
        used = np.zeros(plan.new_vocab_size, dtype=np.int64)
        used[: min(usage.size, used.size)] = usage[: used.size]
        ids = ids[used[ids] > 0]
    else:
        used = None
    lengths = np.array([len(plan.new_bytes[i]) for i in ids], dtype=np.int64)
    freq = used[ids] if used is not None else np.zeros_like(lengths)
    order = np.lexsort((-freq, -lengths))[:n]
    rows = []
    for i in ids[order]:
        pieces = plan.pieces(int(i))
        rows.append(
            {
                "candidate_id": int(i),
                "token": visible(plan.new_bytes[i]),
                "bytes": len(plan.new_bytes[i]),
                "uses_in_corpus": int(used[i]) if used is not None else None,
                "current_pieces": len(pieces),
                "current_spelling": " | ".join(visible(plan.old_bytes[p]) for p in pieces),
            }
        )
    return pd.DataFrame(rows)
