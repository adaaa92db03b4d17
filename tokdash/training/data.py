"""Training data for `tokdash.training.trainer`: the held-out split by document and the data mix.

The split is made per language with a seeded shuffle, before anything is trained, so a
tokenizer's compression is always measured on documents it never saw. The mix gives each
language a share of the training bytes; `select_training` honours it exactly (lowering the
total when a language runs short) and reports what it took.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from tokdash.corpus import Document
from tokdash.errors import CorpusError, TokdashError


def mix_label(mix: Sequence[tuple[str, float]]) -> str:
    """``python70-english30`` for weights 0.7/0.3 (percent of the total weight)."""
    total = sum(w for _, w in mix) or 1.0
    return "-".join(f"{lang}{round(100 * w / total)}" for lang, w in mix if w > 0)


def parse_mix(text: str) -> tuple[tuple[str, float], ...]:
    """``"python=70,english=30"`` -> ``(("python", 70.0), ("english", 30.0))``; '' -> ()."""
    out: list[tuple[str, float]] = []
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        lang, sep, weight = part.partition("=")
        try:
            value = float(weight) if sep else float("nan")
        except ValueError:
            value = float("nan")
        if not lang.strip() or not math.isfinite(value) or value < 0:
            raise TokdashError(
                f"bad data mix entry {part.strip()!r}: write LANGUAGE=WEIGHT, e.g. python=70"
            )
        name = lang.strip().lower()
        if any(name == seen for seen, _ in out):
            raise TokdashError(
                f"{name} appears twice in the data mix {text.strip()!r}: give each language "
                "once, e.g. python=70,english=30"
            )
        out.append((name, value))
    if out and sum(w for _, w in out) <= 0:
        raise TokdashError("the data mix weights add up to 0: give at least one positive weight")
    return tuple(out)


@dataclass
class DocumentSplit:
    """Training and held-out documents (split by document, per language, seeded)."""

    train: list[Document]
    held_out: list[Document]
    seed: int
    share: float


def split_documents(docs: Sequence[Document], held_out: float, seed: int = 0) -> DocumentSplit:
    """Per language, ``round(share * n)`` documents (at least 1, at most n-1) are held out.

    A language with a single document keeps it for training (it has no held-out numbers).
    The order is a seeded shuffle per language, so the split does not depend on the others.
    """
    if not docs:
        raise CorpusError("the corpus is empty: nothing to train on")
    by_lang: dict[str, list[Document]] = {}
    for doc in docs:
        by_lang.setdefault(doc.language, []).append(doc)
    train: list[Document] = []
    test: list[Document] = []
    for lang in sorted(by_lang):
        group = list(by_lang[lang])
        random.Random(f"{seed}:{lang}").shuffle(group)
        k = 0 if len(group) < 2 else min(len(group) - 1, max(1, round(held_out * len(group))))
        test += group[:k]
        train += group[k:]
    if not test:
        raise CorpusError(
            "no held-out document: every language has a single document. Give at least two "
            "documents (files) of a language so one can be held out for measuring compression."
        )
    return DocumentSplit(train, test, seed, held_out)


def select_training(
    train_docs: Sequence[Document],
    mix: Sequence[tuple[str, float]] = (),
    byte_budget: int | None = None,
) -> tuple[list[str], pd.DataFrame]:
    """Training texts honouring the mix and the budget, and a table of what was taken.

    Each language gets ``share x total`` bytes, where ``total`` is the budget, lowered when a
    language has too little text for its share (so the mix holds exactly). Documents are taken
    whole in (shuffled) order; the last one of a language is cut to fit.
    """
    pool: dict[str, list[Document]] = {}
    for doc in train_docs:
        pool.setdefault(doc.language, []).append(doc)
    weights = dict(mix) if mix else {lang: sum(d.n_bytes for d in ds) for lang, ds in pool.items()}
    unknown = sorted(lang for lang, w in weights.items() if w > 0 and lang not in pool)
    if unknown:
        raise CorpusError(
            f"the data mix names {', '.join(unknown)}, which has no training document here; "
            f"the corpus's languages are: {', '.join(sorted(pool)) or 'none'}"
        )
    weight_sum = sum(w for w in weights.values() if w > 0)
    if weight_sum <= 0:
        raise CorpusError("no training text: the data mix gives every language weight 0")
    avail = {lang: sum(d.n_bytes for d in pool[lang]) for lang, w in weights.items() if w > 0}
    total = min(avail[lang] * weight_sum / weights[lang] for lang in avail)
    if byte_budget is not None:
        total = min(total, float(byte_budget))
    texts: list[str] = []
    rows = []
    for lang in sorted(weights):
        w = weights[lang]
        target = int(total * w / weight_sum) if w > 0 else 0
        taken = 0
        n_docs = 0
        for doc in pool.get(lang, []) if w > 0 else []:
            if taken >= target:
                break
            if taken + doc.n_bytes <= target:
                texts.append(doc.text)
                taken += doc.n_bytes
            else:
                head = doc.text.encode("utf-8")[: target - taken].decode("utf-8", "ignore")
                if not head:
                    break
                texts.append(head)
                taken += len(head.encode("utf-8"))
            n_docs += 1
        rows.append(
            {
                "language": lang,
                "weight": w,
                "target_share": w / weight_sum,
                "available_bytes": avail.get(lang, 0),
                "train_bytes": taken,
                "train_docs": n_docs,
            }
        )
    if not texts:
        raise CorpusError("no training text selected: raise the byte budget")
    table = pd.DataFrame(rows)
    table["actual_share"] = table["train_bytes"] / max(1, int(table["train_bytes"].sum()))
    return texts, table


def mix_summary(split: DocumentSplit, taken: pd.DataFrame) -> pd.DataFrame:
    """``taken`` (from `select_training`) with held-out documents and bytes per language."""
    held: dict[str, list[int]] = {}
    for doc in split.held_out:
        held.setdefault(doc.language, []).append(doc.n_bytes)
    langs = sorted(set(taken["language"]) | set(held))
    out = pd.DataFrame({"language": langs}).merge(taken, on="language", how="left")
    out["held_out_docs"] = [len(held.get(lang, [])) for lang in langs]
    out["held_out_bytes"] = [sum(held.get(lang, [])) for lang in langs]
    return out.fillna({"weight": 0.0, "target_share": 0.0, "actual_share": 0.0}).fillna(0)
