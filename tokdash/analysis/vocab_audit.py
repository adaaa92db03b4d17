"""An audit of every id of a vocabulary: can plain text ever produce this token?

Each id gets one category, the first that holds:

- ``special``: a special/control token, or an id with no token at all (``token_bytes`` is empty:
  cl100k's unused ids, SentencePiece's ``<unk>``/unused pieces);
- ``partial_utf8``: its bytes are not valid UTF-8 on their own (a byte-level piece of a
  multi-byte character, or a byte-fallback token ``<0x80>``..``<0xFF>``): it only ever appears
  next to the rest of its character, so encoding it alone means nothing;
- ``ok``: encoding its own text gives exactly this id;
- ``unreachable``: encoding its own text gives something else, so (for a context-free BPE) the
  tokenizer never produces it from text and its embedding row never trains (the under-trained
  "glitch token" problem).

SentencePiece's dummy prefix: such tokenizers put a space (``▁``) before every text, so a piece's
own text would be encoded as ``" " + text``. The check encodes with that prefix turned off (the
model proto's ``add_dummy_prefix``, or the tokenizer.json's ``Metaspace``/``Prepend``/``ByteLevel``
prefix settings), so ``▁def`` is checked on ``" def"`` and the mid-word piece ``def`` on
``"def"``. Byte-fallback tokens ``<0x00>``..``<0x7F>`` are ASCII: they are ``ok`` only when the
character has no piece of its own (``<0x0A>`` for a newline in Llama 2), else ``unreachable``.
WordPiece continuation pieces (``##ing``) are checked after a one-letter word start (``a``..``z``).

Given a corpus's unigram counts, ``never_seen`` marks the non-special ids it never produced.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tokdash.errors import TokdashError

AUDIT_CATEGORIES: tuple[str, ...] = ("special", "partial_utf8", "ok", "unreachable")
SPECIAL, PARTIAL, OK, UNREACHABLE = range(len(AUDIT_CATEGORIES))
#: ``piece``: the token as its vocabulary writes it, control characters escaped.
AUDIT_COLUMNS = ["tokenizer", "id", "category", "bytes_hex", "piece", "note"]
SUMMARY_COLUMNS = ["tokenizer", "vocab_size", *AUDIT_CATEGORIES, "never_seen", "prefix"]

BatchEncode = Callable[[Sequence[str]], list[list[int]]]


@dataclass
class Audit:
    """The category of every id of one tokenizer (``categories[id]`` indexes
    `AUDIT_CATEGORIES`), what an unreachable token's text encodes to, and how the check
    handled a dummy prefix."""

    tokenizer: str
    categories: np.ndarray
    reencoded: dict[int, list[int]] = field(default_factory=dict)
    prefix: str = "none"

    def count(self, category: str) -> int:
        """Ids in ``category``."""
        return int((self.categories == AUDIT_CATEGORIES.index(category)).sum())


def _adds_prefix(tok, encode: BatchEncode) -> bool:
    ids = encode(["a"])[0]
    return b"".join(tok.token_bytes(i) for i in ids) == b" a"


def _strip_prefix_settings(node) -> None:
    """Turn off every prefix-space setting in a tokenizer.json sub-tree, in place."""
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "Metaspace":
            node["prepend_scheme"] = "never"
            if "add_prefix_space" in node:
                node["add_prefix_space"] = False
        if kind == "ByteLevel" and "add_prefix_space" in node:
            node["add_prefix_space"] = False
        for key in ("normalizers", "pretokenizers"):
            if isinstance(node.get(key), list):
                node[key] = [n for n in node[key] if n.get("type") != "Prepend"]
        for value in node.values():
            _strip_prefix_settings(value)
    elif isinstance(node, list):
        for value in node:
            _strip_prefix_settings(value)


def _spm_without_prefix(sp) -> BatchEncode:
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.ParseFromString(sp.serialized_model_proto())
    proto.normalizer_spec.add_dummy_prefix = False
    plain = spm.SentencePieceProcessor()
    plain.load_from_serialized_proto(proto.SerializeToString())
    return lambda texts: plain.encode(list(texts))


def _hf_without_prefix(raw) -> BatchEncode:
    from tokenizers import Tokenizer as HFRawTokenizer

    spec = json.loads(raw.to_str())
    if (spec.get("normalizer") or {}).get("type") == "Prepend":
        spec["normalizer"] = None
    _strip_prefix_settings(spec)
    plain = HFRawTokenizer.from_str(json.dumps(spec))
    plain.no_truncation()
    plain.no_padding()
    plain.encode_special_tokens = True
    return lambda texts: [e.ids for e in plain.encode_batch_fast(list(texts))]


def prefix_free_encoder(tok) -> tuple[BatchEncode, str]:
    """A batch encoder of ``tok`` that adds no dummy-prefix space, and how it was obtained."""
    encode: BatchEncode = tok.encode_batch
    if not _adds_prefix(tok, encode):
        return encode, "none"
    processor = getattr(tok, "processor", None)
    raw = getattr(tok, "raw", None)
    if processor is not None:
        encode, how = _spm_without_prefix(processor), "dummy prefix off (add_dummy_prefix)"
    elif raw is not None:
        encode, how = _hf_without_prefix(raw), "dummy prefix off (prepend_scheme never)"
    else:
        encode, how = None, ""
    if encode is None or _adds_prefix(tok, encode):
        raise TokdashError(
            f"{tok.id}: it puts a space before every text and that cannot be turned off here, "
            "so its tokens cannot be checked one by one"
        )
    return encode, how


def _wordpiece_prefix(tok) -> str | None:
    raw = getattr(tok, "raw", None)
    if raw is None:
        return None
    model = json.loads(raw.to_str()).get("model") or {}
    if model.get("type") != "WordPiece":
        return None
    return model.get("continuing_subword_prefix") or "##"


def audit_vocabulary(tok) -> Audit:
    """Categorize every id of ``tok`` (see the module docstring)."""
    encode, how = prefix_free_encoder(tok)
    vocab = tok.vocab_bytes()
    specials = tok.special_ids
    cats = np.full(len(vocab), OK, dtype=np.int8)
    texts: dict[int, str] = {}
    for i, b in enumerate(vocab):
        if i in specials or not b:
            cats[i] = SPECIAL
            continue
        try:
            texts[i] = b.decode("utf-8")
        except UnicodeDecodeError:
            cats[i] = PARTIAL
    audit = Audit(tok.id, cats, prefix=how)
    continuation = _continuations(tok, texts)
    plain = [i for i in texts if i not in continuation]
    for i, ids in zip(plain, encode([texts[i] for i in plain]), strict=True):
        if list(ids) != [i]:
            cats[i] = UNREACHABLE
            audit.reencoded[i] = list(ids)
    if continuation:
        _check_continuations(tok, encode, audit, {i: texts[i] for i in continuation})
    return audit


def _continuations(tok, texts: dict[int, str]) -> set[int]:
    prefix = _wordpiece_prefix(tok)
    if prefix is None:
        return set()
    return {i for i in texts if tok.id_to_piece(i).startswith(prefix)}


def _check_continuations(tok, encode: BatchEncode, audit: Audit, texts: dict[int, str]) -> None:
    """WordPiece ``##x`` pieces: ``ok`` when ``c + x`` encodes to ``[c, ##x]`` for a letter c."""
    todo = dict(texts)
    first: dict[int, list[int]] = {}
    for letter in string.ascii_lowercase:
        if not todo:
            break
        head = encode([letter])[0]
        ids = list(todo)
        for i, got in zip(ids, encode([letter + todo[i] for i in ids]), strict=True):
            if list(got) == [*head, i]:
                del todo[i]
            else:
                first.setdefault(i, list(got))
    for i in todo:
        audit.categories[i] = UNREACHABLE
        audit.reencoded[i] = first.get(i, [])


_VISIBLE = {i: f"\\x{i:02x}" for i in [*range(0x20), 0x7F]}
_VISIBLE.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def _visible(piece: str) -> str:
    """``piece`` with control characters written as escapes (``\\n``, ``\\x00``): readable,
    and safe in a CSV cell (an unquoted carriage return would end the row for some readers);
    ``bytes_hex`` holds the exact bytes."""
    return piece.translate(_VISIBLE)


def _note(tok, audit: Audit, i: int, piece: str, data: bytes) -> str:
    cat = int(audit.categories[i])
    if cat == SPECIAL:
        return "special/control token" if data or i in tok.special_ids else "no token at this id"
    if cat == PARTIAL:
        if piece.startswith("<0x") and len(data) == 1:
            return "byte-fallback byte of a multi-byte character"
        return "part of a multi-byte character"
    if cat == UNREACHABLE:
        got = audit.reencoded.get(i, [])
        more = " ..." if len(got) > 8 else ""
        pieces = "|".join(_visible(tok.id_to_piece(x)) for x in got[:8]) + more
        ids = " ".join(str(x) for x in got[:8]) + more
        return f"its text encodes as {pieces} ({ids})"
    return ""


def _rows(tok, audit: Audit, ids: np.ndarray, counts: np.ndarray | None) -> pd.DataFrame:
    vocab = tok.vocab_bytes()
    ids = np.asarray(ids, dtype=np.int64)
    pieces = [_visible(tok.id_to_piece(int(i))) for i in ids]
    names = np.asarray(AUDIT_CATEGORIES, dtype=object)[audit.categories[ids]]
    df = pd.DataFrame(
        {
            "tokenizer": audit.tokenizer,
            "id": ids,
            "category": names,
            "bytes_hex": [vocab[i].hex() for i in ids],
            "piece": pieces,
            "note": [
                _note(tok, audit, int(i), p, vocab[i]) for i, p in zip(ids, pieces, strict=True)
            ],
        },
        columns=AUDIT_COLUMNS,
    )
    if counts is not None:
        seen = _dense(counts, audit.categories.size)[ids]
        df["corpus_count"] = seen
        df["never_seen"] = (seen == 0) & (audit.categories[ids] != SPECIAL)
    return df


def _dense(counts: np.ndarray, size: int) -> np.ndarray:
    c = np.asarray(counts)[:size]
    out = np.zeros(size, dtype=np.int64)
    out[: c.size] = c
    return out


def audit_table(tok, audit: Audit, counts: np.ndarray | None = None) -> pd.DataFrame:
    """One row per id (`AUDIT_COLUMNS`); with a corpus's unigram ``counts``, also
    ``corpus_count`` and ``never_seen`` (a non-special id the corpus never produced)."""
    return _rows(tok, audit, np.arange(audit.categories.size), counts)


def never_seen(audit: Audit, counts: np.ndarray) -> int:
    """Non-special ids that ``counts`` (a corpus's unigram counts) never saw."""
    dense = _dense(counts, audit.categories.size)
    return int(((dense == 0) & (audit.categories != SPECIAL)).sum())


def audit_summary(items: Sequence[tuple[Audit, np.ndarray | None]]) -> pd.DataFrame:
    """Per tokenizer: ids per category, never-seen ids (NaN without corpus counts), and how a
    dummy prefix was handled. ``items``: ``(audit, corpus unigram counts or None)``."""
    rows = []
    for audit, counts in items:
        row = {"tokenizer": audit.tokenizer, "vocab_size": int(audit.categories.size)}
        row.update({c: audit.count(c) for c in AUDIT_CATEGORIES})
        row["never_seen"] = np.nan if counts is None else never_seen(audit, counts)
        row["prefix"] = audit.prefix
        rows.append(row)
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def audit_examples(tok, audit: Audit, per_category: int = 4) -> pd.DataFrame:
    """A few ids of each non-``ok`` category, spread evenly over the id range."""
    picked = []
    for cat in (UNREACHABLE, PARTIAL, SPECIAL):
        ids = np.flatnonzero(audit.categories == cat)
        if ids.size:
            idx = np.linspace(0, ids.size - 1, min(per_category, ids.size)).astype(int)
            picked.append(ids[np.unique(idx)])
    ids = np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)
    return _rows(tok, audit, ids, None)
