"""GGUF vocabularies rebuilt as Hugging Face ``tokenizer.json``: ``tokenizer.ggml.model ==
"gpt2"`` becomes a byte-level BPE with the pre-tokenizer named by ``tokenizer.ggml.pre``,
``"bert"`` a WordPiece (checked against llama.cpp's reference strings in the tests)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gguf.constants import TokenType

from tokdash.errors import TokenizerLoadError
from tokdash.tokenizers.gguf_read import GGUFVocab, read_vocab

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
