"""Extending a tokenizer for a domain (the paper's "extend" setting) and tiktoken export.

Extension method (honest and simple): a byte-level BPE is trained on the user's texts with the
base tokenizer's own pre-tokenization regex; its merges are walked in the order they were
learnt, and each merge ``(a, b)`` whose result ``a + b`` is not yet a token, while ``a`` and
``b`` both are (in the base or among the tokens already added), is appended with the next free
id, until ``n_new`` tokens are added. Base ids are unchanged (the model's embeddings keep their
rows), new tokens get ids past every base id, special tokens included.

Limits: the new tokens rank after every base merge, so the base's merges run first and a new
token is produced only where the base's segmentation happens to leave its two halves side by
side; some added tokens may therefore never be used. `extension_table` reports how many are
used on held-out text and what share of the tokens they make, next to the gain in compression.
Only bases in tiktoken form (byte-level BPE ranks: gpt2, p50k_base, cl100k_base, o200k_base,
llama3, mistral-tekken, any ``.tiktoken`` file) can be extended.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tokdash.analysis.compare import run_comparison
from tokdash.analysis.ratios import tokens_saved
from tokdash.corpus import Document
from tokdash.errors import CorpusError, TokdashError
from tokdash.paths import writable_dir
from tokdash.settings import LOCAL, Limits
from tokdash.tokenizers import Tokenizer
from tokdash.tokenizers.base import TokenizerInfo
from tokdash.tokenizers.hf_backend import HFTokenizer, _byte_decoder
from tokdash.tokenizers.tiktoken_backend import (
    TiktokenTokenizer,
    encoding_parts,
    tokenizer_from_ranks,
)
from tokdash.training.config import regex_engine_guard
from tokdash.training.trainer import (
    BYTE_ALPHABET,
    SPECIAL_TOKENS,
    Progress,
    TrainConfig,
    build_untrained,
    check_time,
    make_trainer,
)

MAX_NEW_TOKENS = 100_000


@dataclass
class ExtendResult:
    """The extended tokenizer, its base, the added token bytes (in id order) and timing."""

    tokenizer: TiktokenTokenizer
    base: TiktokenTokenizer
    added: list[bytes]
    first_new_id: int
    path: Path
    seconds: float


def _merges(hf_json: str) -> list[tuple[bytes, bytes]]:
    """A trained byte-level BPE's merges as byte pairs, in the order they were learnt."""
    table = _byte_decoder()
    out = []
    for m in json.loads(hf_json)["model"]["merges"]:
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        out.append((bytes(table[c] for c in a), bytes(table[c] for c in b)))
    return out


def write_tiktoken(ranks: dict[bytes, int], path: Path) -> Path:
    """Write a ``.tiktoken`` rank file (``base64 rank`` per line, by rank)."""
    lines = [
        f"{base64.b64encode(t).decode()} {r}\n"
        for t, r in sorted(ranks.items(), key=lambda x: x[1])
    ]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines), encoding="ascii")
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise TokdashError(f"cannot write {path}: {why}") from None
    return path


def extend_tokenizer(
    base: Tokenizer,
    texts: Sequence[str],
    n_new: int,
    out_dir: str | Path,
    *,
    min_frequency: int = 2,
    name: str | None = None,
    progress: Progress | None = None,
    limits: Limits = LOCAL,
) -> ExtendResult:
    """Append up to ``n_new`` tokens learnt on ``texts`` to ``base`` (see the module docstring);
    the training time is checked against ``limits``."""
    if not isinstance(base, TiktokenTokenizer):
        raise TokdashError(
            f"{base.id} cannot be extended here: extension needs a byte-level BPE in tiktoken "
            "form (gpt2, p50k_base, cl100k_base, o200k_base, llama3, mistral-tekken or a "
            ".tiktoken file)"
        )
    if not 1 <= n_new <= MAX_NEW_TOKENS:
        raise TokdashError(f"the number of new tokens must be between 1 and {MAX_NEW_TOKENS:,}")
    if not texts:
        raise CorpusError("no training text to learn new tokens from")
    parts = encoding_parts(base.encoding)
    pattern = parts.pattern
    ranks = dict(parts.ranks)
    specials = dict(parts.special_tokens)
    config = TrainConfig(regex="custom", pattern=pattern, min_frequency=min_frequency)
    check_time(config, texts, limits)
    out = writable_dir(out_dir, "output folder")
    next_id = max([*ranks.values(), *specials.values()]) + 1
    first_new = next_id
    added: list[bytes] = []
    start = time.perf_counter()
    n_train = max(4 * n_new, n_new + 1000)
    for attempt in range(3):
        if progress:
            progress(f"Learning {n_train:,} merges on the corpus (try {attempt + 1})", attempt / 3)
        vocab = BYTE_ALPHABET + len(SPECIAL_TOKENS) + n_train
        hf = build_untrained(TrainConfig(vocab_size=vocab, regex="custom", pattern=pattern))
        trainer = make_trainer(TrainConfig(vocab_size=vocab, min_frequency=min_frequency))
        with regex_engine_guard("the training text"):
            hf.train_from_iterator(list(texts), trainer, length=len(texts))
        merges = _merges(hf.to_str())
        trial = dict(ranks)
        added, next_id = [], first_new
        for a, b in merges:
            new = a + b
            if new not in trial and a in trial and b in trial:
                trial[new] = next_id
                next_id += 1
                added.append(new)
                if len(added) == n_new:
                    break
        if len(added) == n_new or len(merges) < n_train:
            break  # enough, or the corpus has no more merges at this min frequency
        n_train *= 2
    seconds = time.perf_counter() - start
    label = name or f"{base.id}+{len(added)}"
    path = write_tiktoken(trial, out / label / f"{label}.tiktoken")
    info = TokenizerInfo(
        id=label,
        name=label,
        backend="tiktoken",
        source=str(path),
        family="extended here",
        pattern=pattern,
        notes=(f"{base.id} + {len(added)} tokens learnt in {seconds:.2f} s",),
    )
    tok = tokenizer_from_ranks(trial, pattern, info, specials)
    if progress:
        progress(f"Added {len(added):,} tokens to {base.id} in {seconds:.2f} s", 1.0)
    return ExtendResult(tok, base, added, first_new, path, seconds)


def extension_table(result: ExtendResult, held_out: Sequence[Document]) -> pd.DataFrame:
    """Held-out numbers of the base and the extended tokenizer, per language and ALL.

    ``tokens_saved`` = fraction of tokens saved, `tokdash.analysis.ratios.tokens_saved`:
    ``1 - extended tokens / base tokens`` (0.05: 5 % fewer tokens; 0 for the base's own rows);
    ``new_tokens_used`` = added tokens seen at least once, ``new_token_share`` = their share of
    all tokens.
    """
    ext, base = result.tokenizer, result.base
    cmp = run_comparison([base, ext], held_out, base)
    table = cmp.table()
    enc = cmp.encodings[ext.id]
    used, share = {}, {}
    for lang in [*sorted(enc.unigram), None]:
        counts = enc.counts(lang)
        new = counts[result.first_new_id :]
        used[lang or "ALL"] = int(np.count_nonzero(new))
        share[lang or "ALL"] = float(new.sum() / counts.sum()) if counts.sum() else 0.0
    base_tokens = table[table["tokenizer"] == base.id].set_index("language")["tokens"]
    base_of_row = table["language"].map(base_tokens)
    table["tokens_saved"] = [
        tokens_saved(b, t) for b, t in zip(base_of_row, table["tokens"], strict=True)
    ]
    is_ext = table["tokenizer"] == ext.id
    table["new_tokens_used"] = np.where(is_ext, table["language"].map(used), 0)
    table["new_token_share"] = np.where(is_ext, table["language"].map(share), 0.0)
    return table


def export_tiktoken(tok: HFTokenizer, config: TrainConfig, path: str | Path) -> Path:
    r"""Write a trained byte-level BPE as a ``.tiktoken`` rank file (rank = id).

    Within a pre-token, tiktoken (merge by the rank of the merged bytes) and HF (merge by the
    rank of the merge) give the same ids for a BPE trained here. The split itself can differ:
    the HF trainer's regex engine (Oniguruma) reads ``$`` as end of *line*, tiktoken as end of
    text, so GPT-style patterns with ``\s++$`` cut a few whitespace runs differently;
    `tiktoken_agreement` measures it (about 0.2 % more tokens on the sample corpora). Identity
    and digit splits are refused: a ``.tiktoken`` file carries no pre-tokenizer, and
    tiktoken's single regex cannot express them.
    """
    pattern = config.resolved_pattern()
    if pattern is None or config.digits != "regex":
        raise TokdashError(
            "tiktoken export needs a plain pre-tokenization regex (not Identity, no digit "
            "split): download the tokenizer.json instead"
        )
    ranks: dict[bytes, int] = {}
    for i in range(tok.vocab_size):
        if i in tok.special_ids:
            continue
        data = tok.token_bytes(i)
        if data in ranks:
            raise TokdashError(f"token {i} repeats token {ranks[data]}: no tiktoken export")
        ranks[data] = i
    return write_tiktoken(ranks, Path(path))


def tiktoken_agreement(a: Tokenizer, b: Tokenizer, texts: Sequence[str]) -> dict[str, float]:
    """How far two tokenizers agree on ``texts``: share of identical encodings, token ratio."""
    same = 0
    tokens_a = tokens_b = 0
    for ids_a, ids_b in zip(a.encode_batch(texts), b.encode_batch(texts), strict=True):
        same += ids_a == ids_b
        tokens_a += len(ids_a)
        tokens_b += len(ids_b)
    return {
        "identical_share": same / len(texts) if texts else 1.0,
        "token_ratio": tokens_b / tokens_a if tokens_a else 1.0,
    }
