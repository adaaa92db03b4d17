"""Vocabulary overlap and embedding initialisation for a tokenizer swap.

Everything works on token *bytes* (`Tokenizer.token_bytes`), so tokenizers of different backends
(SentencePiece "▁" pieces, byte-level "Ġ" pieces, tiktoken) compare honestly. Special/control
tokens and ids without bytes are left out of the overlap and counted as skipped.

Fast Vocabulary Transfer (FVT, Gee et al. 2022, used by Dagan et al. 2024 for a tokenizer swap):
a candidate token whose exact bytes are an old token copies that old row; any other token is
spelled with the old tokenizer and gets the mean of the old rows of its pieces; a token that
cannot be spelled gets a named fallback row. The same plan initialises the input embedding and
the output layer (lm_head). Pure numpy: no torch, no streamlit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tokdash.errors import TokdashError
from tokdash.tokenizers import Tokenizer

EXACT, FVT, FALLBACK = 0, 1, 2
SOURCE_NAMES = {EXACT: "exact", FVT: "fvt", FALLBACK: "fallback"}

#: Fallback rows for tokens FVT cannot spell, by key: the name shown to the user.
FALLBACKS = {
    "mean": "mean of all old rows",
    "normal": "random normal with the old rows' per-dimension mean and std (seed 0)",
}
MODES = {
    "fvt": "new matrix for the candidate vocabulary (one row per candidate id)",
    "extend": "keep every old row, append rows for candidate tokens the old vocabulary lacks",
}

_BYTE_PIECE = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")


@dataclass(frozen=True)
class VocabIndex:
    """Token bytes -> id for the ordinary tokens of one tokenizer.

    ``skipped`` counts special/control ids, ids without bytes, and duplicate byte strings (a
    SentencePiece byte piece ``<0x20>`` loses to an ordinary piece with the same bytes).
    """

    by_bytes: dict[bytes, int]
    skipped_special: int
    skipped_empty: int
    skipped_duplicate: int

    @property
    def skipped(self) -> int:
        """All ids left out of the overlap."""
        return self.skipped_special + self.skipped_empty + self.skipped_duplicate


def vocab_index(tok: Tokenizer) -> VocabIndex:
    """The byte strings of ``tok``'s ordinary tokens, each mapped to one id."""
    specials = tok.special_ids
    out: dict[bytes, int] = {}
    n_special = n_empty = n_dup = 0
    for i, b in enumerate(tok.vocab_bytes()):
        if i in specials:
            n_special += 1
            continue
        if not b:
            n_empty += 1
            continue
        prev = out.get(b)
        if prev is None:
            out[b] = i
            continue
        n_dup += 1
        if _BYTE_PIECE.match(tok.id_to_piece(prev)) and not _BYTE_PIECE.match(tok.id_to_piece(i)):
            out[b] = i
    return VocabIndex(out, n_special, n_empty, n_dup)


def segment(data: bytes, index: dict[bytes, int], max_len: int) -> list[int] | None:
    """Fewest old tokens whose bytes concatenate to ``data`` (ties: longest first piece);
    None when the vocabulary cannot spell it."""
    n = len(data)
    inf = n + 1
    best = [0] + [inf] * n
    back = [-1] * (n + 1)
    for i in range(1, n + 1):
        for j in range(max(0, i - max_len), i):
            if best[j] + 1 < best[i] and data[j:i] in index:
                best[i] = best[j] + 1
                back[i] = j
    if best[n] >= inf:
        return None
    ids: list[int] = []
    i = n
    while i > 0:
        j = back[i]
        ids.append(index[data[j:i]])
        i = j
    return ids[::-1]


#: Encoding ``"\n" + text`` and keeping the pieces after the newline gives a SentencePiece
#: tokenizer's spelling of ``text`` without its dummy-prefix space.
_ANCHOR = "\n"


def _suffix_spelling(ids: list[int], vb: list[bytes], target: bytes) -> list[int] | None:
    """The shortest tail of ``ids`` whose bytes are exactly ``target`` (None if none is)."""
    acc = b""
    for n in range(len(ids) - 1, -1, -1):
        acc = vb[ids[n]] + acc
        if len(acc) >= len(target):
            return list(ids[n:]) if acc == target else None
    return None


def _encode_many(tok: Tokenizer, texts: list[str]) -> list[list[int]]:
    """Ids of many short texts: tiktoken's batch call pays a thread-pool task per text (about
    50 us), more than encoding a short token's text, so it gets a plain loop."""
    from tokdash.tokenizers.tiktoken_backend import TiktokenTokenizer

    if isinstance(tok, TiktokenTokenizer):
        return [tok.encode(t) for t in texts]
    return tok.encode_batch(texts)


def spell(
    old: Tokenizer, targets: list[bytes], index: VocabIndex | None = None
) -> tuple[list[list[int] | None], np.ndarray]:
    """How ``old`` spells each byte string: its own encoding when that reproduces the bytes
    exactly (alone, or after a newline: SentencePiece's dummy prefix), else the fewest old tokens
    that do (partial UTF-8 sequences via byte tokens); None when neither works.

    Returns the pieces and a bool array: True where the old tokenizer's own encoding was used.
    """
    index = index or vocab_index(old)
    vb = old.vocab_bytes()
    out: list[list[int] | None] = [None] * len(targets)
    by_encoder = np.zeros(len(targets), dtype=bool)
    texts: list[str] = []
    where: list[int] = []
    for k, b in enumerate(targets):
        try:
            texts.append(b.decode("utf-8"))
            where.append(k)
        except UnicodeDecodeError:
            pass
    for anchor in ("", _ANCHOR):
        for start in range(0, len(texts), 4096):
            batch = [anchor + t for t in texts[start : start + 4096]]
            for k, ids in zip(where[start : start + 4096], _encode_many(old, batch), strict=True):
                if out[k] is None:
                    out[k] = _suffix_spelling(ids, vb, targets[k])
                    by_encoder[k] = out[k] is not None
        keep = [n for n, k in enumerate(where) if out[k] is None]
        texts, where = [texts[n] for n in keep], [where[n] for n in keep]
    max_len = max((len(b) for b in index.by_bytes), default=1)
    for k, b in enumerate(targets):
        if out[k] is None and b:
            out[k] = segment(b, index.by_bytes, max_len)
    return out, by_encoder


@dataclass
class TransferPlan:
    """Where each candidate id's embedding row comes from.

    ``source[i]`` is EXACT (copy old row ``exact_row[i]``), FVT (mean of old rows
    ``piece_ids[piece_ptr[i]:piece_ptr[i+1]]``) or FALLBACK. ``by_encoder[i]`` tells whether the
    FVT pieces are the old tokenizer's own encoding (else the fewest-pieces spelling).
    """

    old_id: str
    new_id: str
    old_vocab_size: int
    new_vocab_size: int
    source: np.ndarray
    exact_row: np.ndarray
    piece_ptr: np.ndarray
    piece_ids: np.ndarray
    by_encoder: np.ndarray
    new_bytes: list[bytes]
    old_bytes: list[bytes]
    new_special: np.ndarray
    old_index: VocabIndex
    new_index: VocabIndex

    def n_pieces(self) -> np.ndarray:
        """Old pieces per candidate id: 1 for exact, the spelling's length for FVT, 0 else."""
        out = np.diff(self.piece_ptr)
        out[self.source == EXACT] = 1
        out[self.source == FALLBACK] = 0
        return out

    def counts(self) -> dict[str, int]:
        """Candidate rows by source: exact / fvt / fallback."""
        return {name: int((self.source == k).sum()) for k, name in SOURCE_NAMES.items()}

    def pieces(self, new_id: int) -> list[int]:
        """The old ids a candidate id is initialised from."""
        if self.source[new_id] == EXACT:
            return [int(self.exact_row[new_id])]
        return self.piece_ids[self.piece_ptr[new_id] : self.piece_ptr[new_id + 1]].tolist()


def build_plan(old: Tokenizer, new: Tokenizer) -> TransferPlan:
    """Match every candidate id to old rows (exact bytes, FVT spelling, or fallback).

    A candidate special token copies the old special token with the same name when there is one
    (``<s>`` -> ``<s>``), else it falls back.
    """
    old_index, new_index = vocab_index(old), vocab_index(new)
    v_new = new.vocab_size
    new_bytes = list(new.vocab_bytes())
    source = np.full(v_new, FALLBACK, dtype=np.int8)
    exact_row = np.full(v_new, -1, dtype=np.int64)
    special = np.zeros(v_new, dtype=bool)
    old_specials = {old.id_to_piece(i): i for i in old.special_ids}
    to_spell: list[int] = []
    for i, b in enumerate(new_bytes):
        if i in new.special_ids:
            special[i] = True
            j = old_specials.get(new.id_to_piece(i))
            if j is not None:
                source[i], exact_row[i] = EXACT, j
        elif b:
            j = old_index.by_bytes.get(b)
            if j is not None:
                source[i], exact_row[i] = EXACT, j
            else:
                to_spell.append(i)
    spelled, enc_flags = spell(old, [new_bytes[i] for i in to_spell], old_index)
    lengths = np.zeros(v_new, dtype=np.int64)
    by_encoder = np.zeros(v_new, dtype=bool)
    chunks: list[list[int]] = []
    for i, ids, flag in zip(to_spell, spelled, enc_flags, strict=True):
        if ids:
            source[i] = FVT
            lengths[i] = len(ids)
            by_encoder[i] = flag
            chunks.append(ids)
    ptr = np.zeros(v_new + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    flat = np.fromiter((x for ids in chunks for x in ids), dtype=np.int64, count=int(ptr[-1]))
    return TransferPlan(
        old_id=old.id,
        new_id=new.id,
        old_vocab_size=old.vocab_size,
        new_vocab_size=v_new,
        source=source,
        exact_row=exact_row,
        piece_ptr=ptr,
        piece_ids=flat,
        by_encoder=by_encoder,
        new_bytes=new_bytes,
        old_bytes=list(old.vocab_bytes()),
        new_special=special,
        old_index=old_index,
        new_index=new_index,
    )


# ----- embedding initialisation -----------------------------------------------------------------
def fallback_rows(old: np.ndarray, n: int, kind: str = "mean", seed: int = 0) -> np.ndarray:
    """``n`` rows for tokens FVT cannot spell (see `FALLBACKS`)."""
    if kind not in FALLBACKS:
        raise TokdashError(f"unknown fallback {kind!r}; choose one of {', '.join(FALLBACKS)}")
    mean = old.mean(axis=0, dtype=np.float64)
    if kind == "mean":
        return np.broadcast_to(mean, (n, old.shape[1])).astype(old.dtype)
    std = old.std(axis=0, dtype=np.float64)
    rng = np.random.default_rng(seed)
    return (mean + rng.standard_normal((n, old.shape[1])) * std).astype(old.dtype)


def _fvt_rows(old: np.ndarray, plan: TransferPlan, ids: np.ndarray, chunk: int) -> np.ndarray:
    """Mean of the old rows of each id's pieces: ids grouped by piece count, so each group is
    a few vectorised row gathers (chunked to bound memory)."""
    out = np.empty((ids.size, old.shape[1]), dtype=old.dtype)
    lens = np.diff(plan.piece_ptr)[ids]
    starts = plan.piece_ptr[ids]
    for n in np.unique(lens):
        group = np.flatnonzero(lens == n)
        for s in range(0, group.size, chunk):
            part = group[s : s + chunk]
            idx = plan.piece_ids[starts[part][:, None] + np.arange(n)]
            acc = old[idx[:, 0]].astype(np.float32)
            for k in range(1, n):
                acc += old[idx[:, k]]
            out[part] = acc / n
    return out


def _check_rows(old: np.ndarray, plan: TransferPlan) -> None:
    if old.ndim != 2:
        raise TokdashError(f"an embedding matrix must be 2-D, got shape {old.shape}")
    if old.shape[0] < plan.old_vocab_size:
        raise TokdashError(
            f"the embedding matrix has {old.shape[0]:,} rows but {plan.old_id} has "
            f"{plan.old_vocab_size:,} ids: is {plan.old_id} this model's tokenizer?"
        )


def init_rows(
    old: np.ndarray,
    plan: TransferPlan,
    ids: np.ndarray,
    *,
    fallback: str = "mean",
    seed: int = 0,
    chunk: int = 4096,
) -> np.ndarray:
    """Rows for candidate ``ids``: exact copy, FVT mean, or the named fallback."""
    _check_rows(old, plan)
    out = np.empty((ids.size, old.shape[1]), dtype=old.dtype)
    src = plan.source[ids]
    ex = src == EXACT
    out[ex] = old[plan.exact_row[ids[ex]]]
    fv = src == FVT
    if fv.any():
        out[fv] = _fvt_rows(old, plan, ids[fv], chunk)
    fb = src == FALLBACK
    if fb.any():
        out[fb] = fallback_rows(old, int(fb.sum()), fallback, seed)
    return out


def fvt_matrix(old: np.ndarray, plan: TransferPlan, *, fallback: str = "mean") -> np.ndarray:
    """The candidate vocabulary's matrix: row ``i`` for candidate id ``i``."""
    return init_rows(old, plan, np.arange(plan.new_vocab_size), fallback=fallback)


def extend_matrix(
    old: np.ndarray, plan: TransferPlan, *, fallback: str = "mean"
) -> tuple[np.ndarray, np.ndarray]:
    """Every old row kept as is, then one row per candidate id without an exact old match.

    Returns the matrix and ``candidate_to_row`` (candidate id -> row of the matrix), which maps
    the candidate tokenizer's ids onto the extended matrix.
    """
    _check_rows(old, plan)
    added = np.flatnonzero(plan.source != EXACT)
    rows = init_rows(old, plan, added, fallback=fallback)
    mapping = plan.exact_row.copy()
    mapping[added] = old.shape[0] + np.arange(added.size)
    return np.concatenate([old, rows]), mapping


def source_table(plan: TransferPlan, mode: str = "fvt", fallback: str = "mean") -> pd.DataFrame:
    """Rows of the new matrix by where they came from (exact / fvt / fallback, fallback named)."""
    counts = plan.counts()
    spelled_by_encoder = int((plan.by_encoder & (plan.source == FVT)).sum())
    rows = [
        ("exact", counts["exact"], "copied from the current token with the same bytes"),
        (
            "fvt",
            counts["fvt"],
            f"mean of the pieces' rows ({spelled_by_encoder:,} spelled by {plan.old_id}'s "
            f"encoder, {counts['fvt'] - spelled_by_encoder:,} by the fewest pieces)",
        ),
        ("fallback", counts["fallback"], FALLBACKS[fallback]),
    ]
    if mode == "extend":
        rows = [
            ("kept", plan.old_vocab_size, "every current row, unchanged"),
            *[(f"appended {s}", n, d) for s, n, d in rows[1:]],
        ]
    return pd.DataFrame(rows, columns=["source", "rows", "how"])
