"""llama.cpp vocab-only GGUF files rebuilt as exact SentencePiece models or HF tokenizer.json.

A GGUF holds the vocabulary (tokens, scores, token types, merges) and a pre-tokenizer name,
but not the tokenizer's program. This module reads the metadata and writes the program back:
``tokenizer.ggml.model == "llama"`` becomes a SentencePiece BPE ModelProto, ``"gpt2"`` a
byte-level BPE tokenizer.json with the pre-tokenizer named by ``tokenizer.ggml.pre``, ``"bert"``
a WordPiece tokenizer.json. Each is checked against llama.cpp's reference strings
(``ggml-vocab-*.gguf.inp`` / ``.out``, ids from the original Hugging Face tokenizer).

Only the key/value header is parsed (never the tensors), through a memory map, so a full model
GGUF is read as fast as a vocab-only one; ``gguf.GGUFReader`` builds a numpy view per string and
takes seconds on a 150k vocabulary, so it is not used for reading.
"""

from __future__ import annotations

import mmap
import re
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
_TOKEN_TYPES = frozenset(int(t) for t in TokenType)


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


# --- SentencePiece ------------------------------------------------------------------------------


def _spm_pb2() -> Any:
    """SentencePiece's ModelProto module (shipped by sentencepiece >= 0.1.99, or transformers)."""
    try:
        from sentencepiece import sentencepiece_model_pb2 as pb2
    except ImportError:
        try:
            from transformers.utils import sentencepiece_model_pb2_new as pb2
        except ImportError as exc:
            raise TokenizerLoadError(
                "Rebuilding a SentencePiece model needs sentencepiece >= 0.1.99 "
                "(pip install -U sentencepiece)."
            ) from exc
    return pb2


def spm_model_from_gguf(path: str | Path, *, keep_padding: bool = False) -> bytes:
    """A serialized SentencePiece BPE ModelProto rebuilt from a ``llama`` GGUF vocabulary.

    Pieces, scores and types come from the GGUF (byte fallback, identity normalizer, a dummy
    prefix and kept whitespace, as Llama 2 / Phi-3 / Mistral v1 use). llama.cpp's trailing
    ``[PAD<id>]`` fillers are dropped unless ``keep_padding``.
    """
    vocab = read_vocab(path, keep_padding=keep_padding)
    if vocab.model != "llama":
        raise TokenizerLoadError(
            f"{vocab.name}: a {vocab.model!r} vocabulary, not a SentencePiece one; convert it with "
            "hf_json_from_gguf."
        )
    unk = vocab.token_id("unknown")
    if unk is None:
        unk = next((i for i, t in enumerate(vocab.types) if t == TokenType.UNKNOWN), None)
    if unk is None:
        raise TokenizerLoadError(f"{vocab.name}: no unknown token, which SentencePiece needs.")
    types = list(vocab.types)
    for i, t in enumerate(types):
        # SentencePiece wants exactly one UNKNOWN piece; converters mark padding as UNKNOWN too.
        if t == TokenType.UNKNOWN and i != unk:
            types[i] = int(TokenType.UNUSED)
        elif t not in _TOKEN_TYPES:
            types[i] = int(TokenType.NORMAL)
    types[unk] = int(TokenType.UNKNOWN)
    byte_pieces = {f"<0x{b:02X}>" for b in range(256)}
    byte_fallback = sum(t == TokenType.BYTE for t in types) == 256 and all(
        tok in byte_pieces
        for tok, t in zip(vocab.tokens, types, strict=True)
        if t == TokenType.BYTE
    )

    pb2 = _spm_pb2()
    proto = pb2.ModelProto()
    assert vocab.scores is not None
    for tok, score, typ in zip(vocab.tokens, vocab.scores, types, strict=True):
        piece = proto.pieces.add()
        piece.piece = tok
        piece.score = score
        piece.type = typ

    spec = proto.trainer_spec
    spec.model_type = pb2.TrainerSpec.BPE
    spec.vocab_size = len(vocab.tokens)
    spec.byte_fallback = byte_fallback
    spec.split_digits = True
    spec.allow_whitespace_only_pieces = True
    spec.unk_id, spec.unk_piece = unk, vocab.tokens[unk]
    for key, id_field, piece_field in (
        ("bos", "bos_id", "bos_piece"),
        ("eos", "eos_id", "eos_piece"),
    ):
        tid = vocab.token_id(key)
        if tid is not None and tid != unk:
            setattr(spec, id_field, tid)
            setattr(spec, piece_field, vocab.tokens[tid])
        else:
            setattr(spec, id_field, -1)
    spec.pad_id = -1

    norm = proto.normalizer_spec
    norm.name = "identity"
    norm.precompiled_charsmap = b""
    norm.add_dummy_prefix = vocab.flag("add_space_prefix", True)
    norm.remove_extra_whitespaces = vocab.flag("remove_extra_whitespaces", False)
    norm.escape_whitespaces = True
    data = proto.SerializeToString()
    _check_spm(data, vocab.name)
    return data


def _check_spm(data: bytes, name: str) -> None:
    import sentencepiece as spm

    try:
        spm.SentencePieceProcessor(model_proto=data)
    except Exception as exc:  # the C++ side raises RuntimeError/OSError with its own message
        raise TokenizerLoadError(f"{name}: SentencePiece rejects the rebuilt model: {exc}") from exc


# --- Hugging Face tokenizer.json ------------------------------------------------------------------

_GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
_LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
_QWEN2_PATTERN = _LLAMA3_PATTERN.replace(r"\p{N}{1,3}", r"\p{N}")
_DEEPSEEK_CODER_SPLITS = (r"[\r\n]", r"\s?\p{L}+", r"\s?\p{P}+", r"[一-龥ࠀ-一가-퟿]+")

# tokenizer.ggml.pre -> recipe, after the Hugging Face originals (and llama.cpp's llama-vocab.cpp).
# Only names checked against llama.cpp's reference strings are listed: a wrong guess would give
# plausible but inexact counts, so an unknown name is an error instead.
_GPT2_LIKE = {"gpt-2", "gpt2", "mpt"}
_STARCODER_LIKE = {"starcoder", "refact", "command-r"}
_LLAMA3_LIKE = {"llama-bpe", "llama3", "llama-v3"}
_QWEN2_LIKE = {"qwen2"}
_DEEPSEEK_CODER_LIKE = {"deepseek-coder"}
SUPPORTED_PRE = sorted(
    {"falcon"} | _GPT2_LIKE | _STARCODER_LIKE | _LLAMA3_LIKE | _QWEN2_LIKE | _DEEPSEEK_CODER_LIKE
)


def _bpe_pipeline(vocab: GGUFVocab) -> tuple[Any, Any]:
    """(normalizer, pre_tokenizer) for a byte-level BPE vocabulary's ``tokenizer.ggml.pre``."""
    from tokenizers import Regex, normalizers
    from tokenizers import pre_tokenizers as pt

    pre = vocab.pre

    def split(pattern: str) -> Any:
        return pt.Split(Regex(pattern), behavior="isolated", invert=False)

    def byte_level(use_regex: bool) -> Any:
        return pt.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=use_regex)

    if pre == "falcon":
        steps = [pt.Punctuation("contiguous"), byte_level(True), pt.Digits(individual_digits=False)]
        return None, pt.Sequence([*steps, split("[0-9][0-9][0-9]")])
    if pre in _GPT2_LIKE:
        return None, byte_level(True)
    if pre in _STARCODER_LIKE:
        return None, pt.Sequence([pt.Digits(individual_digits=True), byte_level(True)])
    if pre in _LLAMA3_LIKE:
        return None, pt.Sequence([split(_LLAMA3_PATTERN), byte_level(False)])
    if pre in _QWEN2_LIKE:
        return normalizers.NFC(), pt.Sequence([split(_QWEN2_PATTERN), byte_level(False)])
    if pre in _DEEPSEEK_CODER_LIKE:
        steps = [split(p) for p in _DEEPSEEK_CODER_SPLITS]
        steps += [pt.Digits(individual_digits=True), byte_level(False)]
        return None, pt.Sequence(steps)
    reason = (
        "no pre-tokenizer is named in this GGUF"
        if pre == "default"
        else f"the pre-tokenizer {pre!r} is not known to tokdash"
    )
    raise TokenizerLoadError(
        f"{vocab.name}: {reason}, so its splitting cannot be reproduced exactly (known: "
        f"{', '.join(SUPPORTED_PRE)}). Load the model's tokenizer.json instead."
    )


_PAD_TOKEN = re.compile(r"\[PAD\d+\]")


def _added_tokens(vocab: GGUFVocab) -> list[Any]:
    """CONTROL tokens as special added tokens, USER_DEFINED as plain ones (llama.cpp's
    ``[PAD<id>]`` fillers stay ordinary vocabulary: no text should turn into them)."""
    from tokenizers import AddedToken

    out = []
    for tok, typ in zip(vocab.tokens, vocab.types, strict=True):
        if typ == TokenType.CONTROL:
            out.append(AddedToken(tok, special=True, normalized=False))
        elif typ == TokenType.USER_DEFINED and not _PAD_TOKEN.fullmatch(tok):
            out.append(AddedToken(tok, special=False, normalized=True))
    return out


def _special_template(vocab: GGUFVocab, default_bos: bool) -> Any | None:
    """A TemplateProcessing adding BOS/EOS as the GGUF asks (only with add_special_tokens)."""
    from tokenizers import processors

    parts, specials = [], []
    bos, eos = vocab.token_id("bos"), vocab.token_id("eos")
    if bos is not None and vocab.flag("add_bos_token", default_bos):
        parts.append(vocab.tokens[bos])
        specials.append((vocab.tokens[bos], bos))
    parts.append("$A")
    if eos is not None and vocab.flag("add_eos_token", False):
        parts.append(vocab.tokens[eos])
        specials.append((vocab.tokens[eos], eos))
    if not specials:
        return None
    single = " ".join(parts)
    return processors.TemplateProcessing(
        single=single, pair=f"{single} {single.replace('$A', '$B:1')}", special_tokens=specials
    )


def _bpe_json(vocab: GGUFVocab) -> str:
    from tokenizers import Tokenizer, decoders, models

    normalizer, pre_tokenizer = _bpe_pipeline(vocab)
    assert vocab.merges is not None
    merges = []
    for m in vocab.merges:
        left, sep, right = m.partition(" ")
        if not sep:
            raise TokenizerLoadError(f"{vocab.name}: the merge {m!r} is not two tokens.")
        merges.append((left, right))
    ids = {tok: i for i, tok in enumerate(vocab.tokens)}
    try:
        # Llama 3 takes a word that is in the vocabulary whole, before any merge.
        model = models.BPE(
            ids,
            merges,
            fuse_unk=False,
            byte_fallback=False,
            ignore_merges=vocab.pre in _LLAMA3_LIKE,
        )
        tok = Tokenizer(model)
    except Exception as exc:
        raise TokenizerLoadError(
            f"{vocab.name}: the merges do not fit the vocabulary: {exc}"
        ) from exc
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.ByteLevel()
    tok.add_tokens(_added_tokens(vocab))
    template = _special_template(vocab, default_bos=False)
    if template is not None:
        tok.post_processor = template
    return tok.to_str()


def _wordpiece_vocab(vocab: GGUFVocab) -> dict[str, int]:
    """Undo llama.cpp's "phantom space" renaming: ``▁word`` -> ``word``, ``piece`` -> ``##piece``
    (``[X]`` tokens are kept as they are)."""
    out: dict[str, int] = {}
    for i, tok in enumerate(vocab.tokens):
        if vocab.types[i] == TokenType.CONTROL or (tok.startswith("[") and tok.endswith("]")):
            name = tok
        elif tok.startswith("\u2581"):
            name = tok[1:]
        else:
            name = "##" + tok
        out[name] = i
    if len(out) != len(vocab.tokens):
        raise TokenizerLoadError(f"{vocab.name}: the WordPiece vocabulary has clashing tokens.")
    return out


def _wordpiece_json(vocab: GGUFVocab) -> str:
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, processors
    from tokenizers import pre_tokenizers as pt

    ids = _wordpiece_vocab(vocab)
    names = {i: t for t, i in ids.items()}

    def special(key: str, default: str) -> tuple[str, int]:
        tid = vocab.token_id(key)
        if tid is None:
            if default not in ids:
                raise TokenizerLoadError(f"{vocab.name}: no {default} token.")
            tid = ids[default]
        return names[tid], tid

    unk, cls, sep = (
        special("unknown", "[UNK]"),
        special("cls", "[CLS]"),
        special("seperator", "[SEP]"),
    )
    # An uncased vocabulary has no token that lower-casing changes, outside its [X] tokens.
    lowercase = all(t == t.lower() for t in ids if not (t.startswith("[") and t.endswith("]")))
    tok = Tokenizer(models.WordPiece(ids, unk_token=unk[0], max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=lowercase
    )
    tok.pre_tokenizer = pt.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{cls[0]}:0 $A:0 {sep[0]}:0",
        pair=f"{cls[0]}:0 $A:0 {sep[0]}:0 $B:1 {sep[0]}:1",
        special_tokens=[cls, sep],
    )
    tok.add_special_tokens(
        [
            AddedToken(names[i], special=True, normalized=False)
            for i, t in enumerate(vocab.types)
            if t == TokenType.CONTROL
        ]
    )
    return tok.to_str()


def hf_json_from_gguf(path: str | Path, *, keep_padding: bool = False) -> str:
    """An HF ``tokenizers`` tokenizer.json (as a string) rebuilt from a ``gpt2`` (byte-level
    BPE) or ``bert`` (WordPiece) GGUF vocabulary.

    llama.cpp's trailing ``[PAD<id>]`` fillers are dropped unless ``keep_padding``.
    """
    vocab = read_vocab(path, keep_padding=keep_padding)
    if vocab.model == "gpt2":
        return _bpe_json(vocab)
    if vocab.model == "bert":
        return _wordpiece_json(vocab)
    raise TokenizerLoadError(
        f"{vocab.name}: a SentencePiece vocabulary; convert it with spm_model_from_gguf."
    )


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
