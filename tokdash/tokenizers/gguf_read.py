"""Reading a llama.cpp GGUF file's tokenizer: the key/value header (never the tensors, through a
memory map, so a full model GGUF is read as fast as a vocab-only one; ``gguf.GGUFReader`` builds a
numpy view per string and takes seconds on a 150k vocabulary), the checked vocabulary, and
llama.cpp's reference strings (``ggml-vocab-*.gguf.inp`` / ``.out``).
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gguf.constants import GGUF_MAGIC, GGUFValueType, Keys, TokenType

from tokdash.errors import TokenizerLoadError

# --- reading the GGUF key/value header -------------------------------------------------------

_SCALARS: dict[int, struct.Struct] = {
    GGUFValueType.UINT8: struct.Struct("<B"),
    GGUFValueType.INT8: struct.Struct("<b"),
    GGUFValueType.UINT16: struct.Struct("<H"),
    GGUFValueType.INT16: struct.Struct("<h"),
    GGUFValueType.UINT32: struct.Struct("<I"),
    GGUFValueType.INT32: struct.Struct("<i"),
    GGUFValueType.FLOAT32: struct.Struct("<f"),
    GGUFValueType.BOOL: struct.Struct("<?"),
    GGUFValueType.UINT64: struct.Struct("<Q"),
    GGUFValueType.INT64: struct.Struct("<q"),
    GGUFValueType.FLOAT64: struct.Struct("<d"),
}
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


class _Header:
    """A cursor over the bytes of a GGUF file's header."""

    def __init__(self, buf: mmap.mmap) -> None:
        self.buf = buf
        self.pos = 0

    def unpack(self, st: struct.Struct) -> Any:
        if self.pos + st.size > len(self.buf):
            raise ValueError("the file ends inside its header")
        (value,) = st.unpack_from(self.buf, self.pos)
        self.pos += st.size
        return value

    def string(self) -> str:
        n = self.unpack(_U64)
        if self.pos + n > len(self.buf):
            raise ValueError("a string runs past the end of the file")
        raw = self.buf[self.pos : self.pos + n]
        self.pos += n
        return raw.decode("utf-8")

    def value(self, vtype: int) -> Any:
        if vtype == GGUFValueType.STRING:
            return self.string()
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == GGUFValueType.ARRAY:
            itype = self.unpack(_U32)
            count = self.unpack(_U64)
            if count > len(self.buf) - self.pos:  # every item takes at least one byte
                raise ValueError(f"an array claims {count} items, more than the file holds")
            if itype == GGUFValueType.STRING:
                return self._strings(count)
            if itype in _SCALARS:
                st = _SCALARS[itype]
                end = self.pos + st.size * count
                if end > len(self.buf):
                    raise ValueError("an array runs past the end of the file")
                out = [v for (v,) in st.iter_unpack(self.buf[self.pos : end])]
                self.pos = end
                return out
            return [self.value(itype) for _ in range(count)]
        raise ValueError(f"unknown value type {vtype}")

    def _strings(self, count: int) -> list[str]:
        buf, pos, size, u64 = self.buf, self.pos, len(self.buf), _U64.unpack_from
        out: list[str] = []
        append = out.append
        for _ in range(count):
            if pos + 8 > size:
                raise ValueError("the file ends inside its header")
            (n,) = u64(buf, pos)
            pos += 8
            if pos + n > size:
                raise ValueError("a string runs past the end of the file")
            append(buf[pos : pos + n].decode("utf-8"))
            pos += n
        self.pos = pos
        return out


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The key/value metadata of a GGUF file (little-endian, version 2 or 3)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            cur = _Header(buf)
            if len(buf) < 24 or cur.unpack(_U32) != GGUF_MAGIC:
                raise ValueError("it does not start with the GGUF magic bytes")
            version = cur.unpack(_U32)
            if version not in (2, 3):
                raise ValueError(f"GGUF version {version} is not supported (2 or 3 are)")
            cur.unpack(_U64)  # tensor count
            n_kv = cur.unpack(_U64)
            meta: dict[str, Any] = {}
            for _ in range(n_kv):
                key = cur.string()
                meta[key] = cur.value(cur.unpack(_U32))
            return meta
    except TokenizerLoadError:
        raise
    except (OSError, ValueError, struct.error, UnicodeDecodeError, OverflowError) as exc:
        reason = str(exc) or type(exc).__name__
        raise TokenizerLoadError(
            f"{path.name} is not a readable GGUF file: {reason}. Give a llama.cpp .gguf file "
            "(a vocab-only one is enough)."
        ) from exc


# --- the vocabulary ----------------------------------------------------------------------------


@dataclass
class GGUFVocab:
    """The tokenizer part of a GGUF file."""

    name: str
    model: str
    pre: str
    tokens: list[str]
    types: list[int]
    scores: list[float] | None
    merges: list[str] | None
    meta: dict[str, Any] = field(repr=False)

    def token_id(self, key: str) -> int | None:
        """A ``tokenizer.ggml.*_token_id`` value, or None when absent or out of range."""
        value = self.meta.get(f"tokenizer.ggml.{key}_token_id")
        if isinstance(value, int) and 0 <= value < len(self.tokens):
            return value
        return None

    def flag(self, key: str, default: bool) -> bool:
        """A boolean ``tokenizer.ggml.*`` value."""
        value = self.meta.get(f"tokenizer.ggml.{key}")
        return bool(value) if isinstance(value, bool) else default


_KINDS = {"llama": "spm", "gpt2": "bpe", "bert": "wordpiece"}
TOKEN_TYPES = frozenset(int(t) for t in TokenType)


def read_vocab(path: str | Path, *, keep_padding: bool = True) -> GGUFVocab:
    """Read and check the tokenizer metadata of a GGUF file.

    llama.cpp's converter pads the vocabulary to the model's embedding size with ``[PAD<id>]``
    tokens that the original tokenizer does not have; ``keep_padding=False`` drops that tail.
    """
    path = Path(path)
    meta = read_metadata(path)

    def fail(reason: str) -> TokenizerLoadError:
        return TokenizerLoadError(f"{path.name}: {reason}")

    model = meta.get(Keys.Tokenizer.MODEL)
    if not isinstance(model, str):
        raise fail("no tokenizer in this GGUF (the key tokenizer.ggml.model is missing).")
    if model not in _KINDS:
        raise fail(
            f"the tokenizer type {model!r} is not supported (supported: llama = SentencePiece, "
            "gpt2 = byte-level BPE, bert = WordPiece)."
        )
    tokens = meta.get(Keys.Tokenizer.LIST)
    if not isinstance(tokens, list) or not tokens or not isinstance(tokens[0], str):
        raise fail("the token list (tokenizer.ggml.tokens) is missing or empty.")
    n = len(tokens)
    types = meta.get(Keys.Tokenizer.TOKEN_TYPE) or [int(TokenType.NORMAL)] * n
    scores = meta.get(Keys.Tokenizer.SCORES)
    merges = meta.get(Keys.Tokenizer.MERGES)
    if len(types) != n or (scores is not None and len(scores) != n):
        raise fail("the token types or scores do not have one entry per token.")
    if len(set(tokens)) != n:
        raise fail("the token list holds the same token twice.")
    if model == "llama" and scores is None:
        raise fail("a SentencePiece vocabulary without scores (tokenizer.ggml.scores).")
    if model == "gpt2" and not merges:
        raise fail("a BPE vocabulary without merges (tokenizer.ggml.merges).")
    if not keep_padding:
        while n > 1 and tokens[n - 1] == f"[PAD{n - 1}]":
            n -= 1
        tokens, types = tokens[:n], types[:n]
        scores = scores[:n] if scores is not None else None
    pre = meta.get(Keys.Tokenizer.PRE)
    return GGUFVocab(
        name=path.name,
        model=model,
        pre=pre if isinstance(pre, str) else "default",
        tokens=tokens,
        types=[int(t) for t in types],
        scores=scores,
        merges=merges,
        meta=meta,
    )


def gguf_kind(path: str | Path) -> str:
    """``"spm"``, ``"bpe"`` or ``"wordpiece"``: which converter a GGUF file needs."""
    return _KINDS[read_vocab(path).model]


# --- llama.cpp's reference strings -------------------------------------------------------------

_SEPARATOR = "\n__ggml_vocab_test__\n"


def reference_cases(inp_path: str | Path, out_path: str | Path) -> list[tuple[str, list[int]]]:
    """(text, ids) pairs from llama.cpp's ``.gguf.inp`` / ``.gguf.out`` files.

    The ``.inp`` file is each text followed by a ``__ggml_vocab_test__`` line; the ``.out`` file
    has one line of space-separated ids per text (no special tokens).
    """
    inp, out = Path(inp_path), Path(out_path)
    texts = inp.read_bytes().decode("utf-8").split(_SEPARATOR)
    if texts and texts[-1] == "":
        texts.pop()
    lines = out.read_bytes().decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(texts) != len(lines):
        raise TokenizerLoadError(
            f"{inp.name} has {len(texts)} texts but {out.name} has {len(lines)} lines of ids."
        )
    return [(t, [int(x) for x in line.split()]) for t, line in zip(texts, lines, strict=True)]
