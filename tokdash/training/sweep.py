"""The paper's ablation grid: vocab sizes x regexes x data mixes, measured on held-out documents.

Every trained tokenizer and every baseline is encoded on the same held-out documents with
`tokdash.analysis.compare.run_comparison`, so the numbers have exactly the columns of ``compare``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from tokdash.analysis.compare import COMPARE_COLUMNS, run_comparison
from tokdash.analysis.ratios import saved_per_doubling
from tokdash.corpus import Document
from tokdash.errors import TokdashError
from tokdash.paths import writable_dir
from tokdash.settings import LOCAL, Limits
from tokdash.tokenizers import Tokenizer
from tokdash.training.trainer import (
    DocumentSplit,
    Progress,
    TrainConfig,
    TrainResult,
    check_config,
    check_time,
    mix_summary,
    select_training,
    split_documents,
    train_texts,
    training_inputs,
)

#: Columns before the ``compare`` columns in a sweep table.
KNOB_COLUMNS = [
    "kind",
    "vocab_target",
    "regex",
    "digits",
    "mix",
    "train_bytes",
    "train_seconds",
    "train_mb_per_s",
]
MAX_SWEEP_RUNS = 64


def heldout_table(
    results: Sequence[TrainResult],
    held_out: Sequence[Document],
    baselines: Sequence[Tokenizer] = (),
    base: Tokenizer | None = None,
    *,
    progress: Progress | None = None,
    encode: Callable | None = None,
) -> pd.DataFrame:
    """Knob columns + ``compare`` columns, one row per (trained or baseline) x language.

    For every row, ``<baseline>_bytes_per_token`` gives each baseline's number on the same
    language of the same held-out documents.
    """
    toks: list[Tokenizer] = [r.tokenizer for r in results]
    ids = {t.id for t in toks}
    extra = [b for b in baselines if b.id not in ids]
    cmp = run_comparison([*toks, *extra], held_out, base, progress=progress, encode=encode)
    table = cmp.table()
    knobs = pd.DataFrame([r.knobs() for r in results], columns=["tokenizer", *KNOB_COLUMNS])
    out = table.merge(knobs, on="tokenizer", how="left")
    out["kind"] = out["kind"].fillna("baseline")
    out["vocab_target"] = out["vocab_target"].fillna(out["vocab_size"]).astype(int)
    out["train_bytes"] = out["train_bytes"].astype("Int64")
    for col in ("regex", "digits", "mix"):
        out[col] = out[col].fillna("")
    for b in extra:
        ref = table[table["tokenizer"] == b.id].set_index("language")["bytes_per_token"]
        out[f"{b.id}_bytes_per_token"] = out["language"].map(ref)
    cols = ["tokenizer", *KNOB_COLUMNS]
    rest = [c for c in out.columns if c not in cols]
    return out[cols + rest]


def sweep_configs(
    template: TrainConfig,
    vocab_sizes: Sequence[int],
    regexes: Sequence[str],
    mixes: Sequence[tuple[tuple[str, float], ...]] = ((),),
) -> list[TrainConfig]:
    """The grid, vocab-major order: one config per (vocab, regex, mix), names left automatic."""
    configs = [
        replace(template, vocab_size=v, regex=r, mix=m, name=None)
        for r, m, v in itertools.product(regexes, mixes or ((),), sorted(set(vocab_sizes)))
    ]
    if len(configs) > MAX_SWEEP_RUNS:
        raise TokdashError(
            f"the grid has {len(configs)} runs; the limit is {MAX_SWEEP_RUNS}: drop some sizes, "
            "regexes or mixes"
        )
    return configs


@dataclass
class SweepResult:
    """The trained tokenizers, the split they share, the table and each mix's selection."""

    results: list[TrainResult]
    split: DocumentSplit
    table: pd.DataFrame
    mixes: dict[str, pd.DataFrame]


def plan(
    configs: Sequence[TrainConfig], docs: Sequence[Document], limits: Limits = LOCAL
) -> tuple[DocumentSplit, list[tuple[TrainConfig, list[str], pd.DataFrame]], float]:
    """Split once, select each config's texts, check every knob against ``limits`` and the whole
    sweep's estimate against ``limits.sweep_seconds``; return the total estimate (s).

    Nothing is trained, so a bad knob anywhere in the grid fails before any time is spent.
    """
    if not configs:
        raise TokdashError("the sweep is empty: give at least one vocab size and one regex")
    first = configs[0]
    split = split_documents(docs, first.held_out, first.seed)
    jobs = []
    total = 0.0
    for cfg in configs:
        check_config(cfg, limits)
        texts, taken = select_training(split.train, cfg.mix, cfg.byte_budget)
        total += check_time(cfg, training_inputs(cfg, texts), limits)
        jobs.append((cfg, texts, mix_summary(split, taken)))
    if total > limits.sweep_seconds:
        raise TokdashError(
            f"the sweep of {len(configs)} tokenizers is estimated at ~{total:.0f} s; the limit "
            f"here is {limits.sweep_seconds:.0f} s for a whole sweep: fewer sizes, regexes or "
            "mixes, or a smaller byte budget"
        )
    return split, jobs, total


def run_sweep(
    configs: Sequence[TrainConfig],
    docs: Sequence[Document],
    out_dir: str | Path,
    *,
    baselines: Sequence[Tokenizer] = (),
    base: Tokenizer | None = None,
    progress: Progress | None = None,
    limits: Limits = LOCAL,
) -> SweepResult:
    """Train every config on the same split and measure all of them on its held-out documents
    (``out_dir`` is checked writable before the first run)."""
    split, jobs, _ = plan(configs, docs, limits)
    out_dir = writable_dir(out_dir, "output folder")
    labels = [cfg.label() for cfg, _, _ in jobs]
    if len(set(labels)) != len(labels):
        raise TokdashError("two runs of the sweep have the same name: remove duplicate knobs")
    results: list[TrainResult] = []
    n = len(jobs) + 1
    for i, (cfg, texts, mix) in enumerate(jobs):
        sub = None
        if progress:

            def sub(msg: str, frac: float, i: int = i, label: str = cfg.label()) -> None:
                progress(f"[{i + 1}/{len(jobs)}] {label}: {msg}", (i + frac) / n)

        results.append(train_texts(cfg, texts, out_dir, progress=sub, mix=mix, limits=limits))
    if progress:
        progress("Measuring on held-out documents", (n - 1) / n)
    table = heldout_table(results, split.held_out, baselines, base)
    mixes = {cfg.label(): mix for cfg, _, mix in jobs}
    return SweepResult(results, split, table, mixes)


# ----- derived numbers ------------------------------------------------------------------------


#: Metrics that are inversely proportional to the number of tokens (the others, nsl: directly).
PER_TOKEN_METRICS = ("bytes_per_token", "chars_per_token")


def doubling_gain(table: pd.DataFrame, metric: str = "bytes_per_token") -> pd.DataFrame:
    """Tokens saved per doubling of the vocabulary, between consecutive sizes of a series.

    A series is one (regex, digits, mix, language) of the trained rows, sorted by
    ``vocab_target``. Between sizes v1 < v2, ``tokens_saved_per_doubling`` is
    `tokdash.analysis.ratios.saved_per_doubling`: ``1 - (t2 / t1) ** (1 / log2(v2 / v1))`` with
    t = 1 / ``metric`` for bytes or chars per token, t = ``metric`` for NSL (0.05 = 5 % fewer
    tokens per doubling).
    """
    rows = []
    trained = table[table["kind"] == "trained"]
    for key, grp in trained.groupby(["regex", "digits", "mix", "language"], sort=True):
        grp = grp.sort_values("vocab_target")
        sizes = grp["vocab_target"].tolist()
        values = grp[metric].tolist()
        for (v1, m1), (v2, m2) in itertools.pairwise(zip(sizes, values, strict=True)):
            if v2 <= v1 or not m1 or not m2:
                continue
            t1, t2 = (1 / m1, 1 / m2) if metric in PER_TOKEN_METRICS else (m1, m2)
            gain = saved_per_doubling(v1, t1, v2, t2)
            if gain != gain:  # NaN: a metric was missing
                continue
            rows.append(dict(zip(["regex", "digits", "mix", "language"], key, strict=True))
                        | {"from_vocab": v1, "to_vocab": v2, f"{metric}_from": m1,
                           f"{metric}_to": m2, "tokens_saved_per_doubling": gain})  # fmt: skip
    cols = ["regex", "digits", "mix", "language", "from_vocab", "to_vocab", f"{metric}_from",
            f"{metric}_to", "tokens_saved_per_doubling"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


__all__ = [
    "COMPARE_COLUMNS",
    "KNOB_COLUMNS",
    "SweepResult",
    "doubling_gain",
    "heldout_table",
    "plan",
    "run_sweep",
    "sweep_configs",
]
