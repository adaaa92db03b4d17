"""HF byte-level BPE -> riptoken ranks + regex (`tokdash.tokenizers.hf_ranks`): exact or refused.

Tiny byte-level BPEs are trained here with HF ``tokenizers`` for each accepted and each refused
construct; Llama 3 (catalog) is checked on tricky and random text against the HF reference.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import Regex, decoders, models, normalizers, pre_tokenizers, trainers
from tokenizers import Tokenizer as RawTokenizer

from tokdash.tokenizers.base import TokenizerInfo
from tokdash.tokenizers.engines import EngineUnavailable, build_engine
from tokdash.tokenizers.hf_backend import HFTokenizer
from tokdash.tokenizers.hf_ranks import (
    GPT2_PATTERN,
    byte_level_ranks,
    isolated,
    spec_from_json,
    top_level_alternatives,
)

GPT4 = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)
TRAIN = [
    "def add(a, b):\n    return a + b\n\n",
    "for i in range(1024):\n\tprint(i, 'it's', \"we've\")\r\n",
    "The quick brown fox jumps over the lazy dog 1234567890.\n \n",
    "Le café est très bon, naïve ñandú. Ⅻ ½ ٣٤ 日本語のテキスト 😀\n",
] * 10
PROBES = [
    "def sub(a, b):\n    return a - b\n",
    "\n \n\n  \n\t\tx\r\n\r\n",
    "  3 12345 x1y22 ⅫⅫ ½ ٣٤٥ \U00011de0\U00011de1  \U00016ff4",
    "'tt \t'r \xa0b don't WE'LL 'S",
    "café naïve e\u0301 \u0915\u0301\u0c3c a\u0315\u1dfa 日本語 😀👍🏽",
    "<|endoftext|> x<|endoftext|>y",
    "fooBarBazQux_" * 20,
    "",
]


def tiny(
    pre: object, *, normalizer: object = None, alphabet: bool = True, vocab: int = 600, **bpe
) -> RawTokenizer:
    """A byte-level BPE trained on `TRAIN` with this pre-tokenizer (ByteLevel decoder)."""
    tok = RawTokenizer(models.BPE(**bpe))
    tok.pre_tokenizer = pre
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab,
        show_progress=False,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet() if alphabet else [],
    )
    tok.train_from_iterator(TRAIN, trainer)
    return tok


def wrap(raw: RawTokenizer) -> HFTokenizer:
    return HFTokenizer(RawTokenizer.from_str(raw.to_str()), TokenizerInfo("tiny", "tiny", "hf"))


def byte_level(use_regex: bool = True, prefix: bool = False) -> object:
    return pre_tokenizers.ByteLevel(add_prefix_space=prefix, use_regex=use_regex)


def split(pattern: str, behavior: str = "isolated", invert: bool = False) -> object:
    return pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(pattern), behavior, invert=invert), byte_level(False)]
    )


def assert_exact(tok: HFTokenizer, texts: list[str]) -> None:
    fast, ref = build_engine("riptoken", tok), build_engine("reference", tok)
    assert fast.encode_batch(texts) == ref.encode_batch(texts)


# --- accepted constructs: converted, identical ids -------------------------------------------


@pytest.mark.parametrize(
    "pre",
    [
        byte_level(),
        split(GPT4),
        split(GPT4, "removed", invert=True),
        split(r"\p{L}+"),  # leaves gaps: HF keeps them as pieces
        split(r" ?\p{L}+| ?\p{N}+"),
        pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level()]),
    ],
    ids=["gpt2", "split-gpt4", "removed-inverted", "letters-only", "gappy", "digits"],
)
def test_accepted_constructs_convert_exactly(pre):
    tok = wrap(tiny(pre))
    assert_exact(tok, PROBES + TRAIN[:4])


def test_nfc_uses_hf_normalizer_exactly():
    tok = wrap(tiny(split(GPT4), normalizer=normalizers.NFC()))
    spec = byte_level_ranks(tok)
    assert spec.normalize is not None and spec.normalize("abc") == "abc"
    # marks whose order Python's unicodedata (older tables) and HF's NFC disagree on
    assert_exact(tok, ["\u0915\u0301\u0c3c", "a\u0315\u1dfa x", "e\u0301\u0327", *PROBES])


def test_ranks_are_ids_with_placeholders_for_missing_bytes():
    raw = tiny(byte_level(), alphabet=False)
    spec = byte_level_ranks(wrap(raw))
    vocab = raw.get_vocab()
    assert all(bytes([b]) in spec.ranks for b in range(256))
    assert spec.ranks[b" t"] == vocab["Ġt"] and spec.ranks[b"a"] == vocab["a"]
    assert max(spec.ranks.values()) > max(vocab.values())  # placeholders come after every id
    assert any("missing from the vocabulary" in note for note in spec.notes)
    assert any("ignore_merges is false" in note for note in spec.notes)


def test_inert_byte_fallback_is_accepted():
    """With every byte in the vocabulary no character is unknown: byte_fallback never fires."""
    tok = wrap(tiny(byte_level(), byte_fallback=True))
    assert_exact(tok, PROBES)


def test_isolated_adds_a_gap_branch_only_to_patterns_that_can_leave_gaps():
    assert isolated(GPT4) == GPT4
    assert isolated(GPT2_PATTERN) == GPT2_PATTERN
    assert isolated(r"\p{L}+").startswith(r"(?:\p{L}+)|(?:(?!(?:\p{L}+))")
    assert top_level_alternatives(r"a|(b|c)|[|\]]|\||d") == ["a", "(b|c)", r"[|\]]", r"\|", "d"]


# --- refused constructs: the reason names the construct --------------------------------------


def _edit(raw: RawTokenizer, edit) -> dict:
    spec = json.loads(raw.to_str())
    edit(spec)
    return spec


def _swap_merged_ids(spec: dict) -> None:
    """Give the first two merge results each other's ids (merge order no longer id order)."""
    vocab = spec["model"]["vocab"]
    (a1, b1), (a2, b2) = spec["model"]["merges"][:2]
    t1, t2 = a1 + b1, a2 + b2
    vocab[t1], vocab[t2] = vocab[t2], vocab[t1]


REFUSALS = {
    "wordpiece": (lambda: _edit(tiny(byte_level()), _wordpiece), "not BPE"),
    "dropout": (lambda: tiny(byte_level(), dropout=0.5), "dropout"),
    "prefix": (lambda: _model(continuing_subword_prefix="##"), "continuing_subword_prefix"),
    "suffix": (lambda: _model(end_of_word_suffix="</w>"), "end_of_word_suffix"),
    "fallback": (lambda: tiny(byte_level(), alphabet=False, byte_fallback=True), "byte_fallback"),
    "lowercase": (lambda: tiny(byte_level(), normalizer=normalizers.Lowercase()), "Lowercase"),
    "whitespace": (lambda: tiny(pre_tokenizers.Whitespace()), "not byte-level"),
    "identity": (lambda: tiny(byte_level(False)), "any adjacent pair that forms a token"),
    "prefix-space": (lambda: tiny(byte_level(prefix=True)), "add_prefix_space"),
    "two-splits": (
        lambda: tiny(
            pre_tokenizers.Sequence(
                [
                    pre_tokenizers.Split(Regex(r"[\r\n]"), "isolated"),
                    pre_tokenizers.Split(Regex(GPT4), "isolated"),
                    byte_level(False),
                ]
            )
        ),
        "no one-regex equivalent",
    ),
    "string": (
        lambda: tiny(
            pre_tokenizers.Sequence([pre_tokenizers.Split(" ", "isolated"), byte_level(False)])
        ),
        "literal String",
    ),
    "merged": (lambda: tiny(split(GPT4, "merged_with_previous")), "Split behavior"),
    "regex-then-regex": (
        lambda: tiny(
            pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(" "), "isolated"), byte_level()])
        ),
        "two regex splits in a row",
    ),
    "digit-runs": (
        lambda: tiny(
            pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=False), byte_level()])
        ),
        "Digits(individual_digits=false)",
    ),
    "added": (lambda: _with_added(tiny(byte_level())), "non-special added tokens"),
    "merge-order": (
        lambda: _edit(tiny(byte_level()), _swap_merged_ids),
        "merge order differs from id order",
    ),
}


def _model(**options: object) -> dict:
    """A trained tiny BPE's tokenizer.json with these model options (training resets them)."""
    return _edit(tiny(byte_level()), lambda spec: spec["model"].update(options))


def _wordpiece(spec: dict) -> None:
    spec["model"] = {"type": "WordPiece", "unk_token": "a", "vocab": {"a": 0}}


def _with_added(raw: RawTokenizer) -> RawTokenizer:
    raw.add_tokens(["def add"])
    return raw


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refused_constructs_name_the_reason(case):
    make, reason = REFUSALS[case]
    built = make()
    spec = built if isinstance(built, dict) else json.loads(built.to_str())
    with pytest.raises(EngineUnavailable, match=re.escape(reason)):
        spec_from_json(spec)


def test_nested_and_one_element_sequences_are_flattened():
    nested = pre_tokenizers.Sequence([pre_tokenizers.Sequence([byte_level()])])
    assert byte_level_ranks(wrap(tiny(nested))).pattern == GPT2_PATTERN


def test_engine_build_refuses_through_riptoken_engine():
    with pytest.raises(EngineUnavailable, match="no pre-tokenization"):
        build_engine("riptoken", wrap(tiny(byte_level(False))))


# --- a catalog tokenizer: Llama 3 ------------------------------------------------------------

TRICKY = [
    "\n \n",
    " \n \n ",
    "a\n \nb",
    "  \n\t\n  x",
    "\t\t\tx",
    "a\r\nb\r\n\r\n",
    "\r\r\n\n",
    "123456789 1234567 89 0",
    "x1y22z333",
    "ⅠⅡⅢ Ⅻ ⅻ ½ ¼ ²³ ①② ١٢٣ ४५६",
    "Hello мир 世界 مرحبا שלום",
    "😀👍🏽👨‍👩‍👧 🇫🇷",
    "e\u0301 e\u0301\u0327 \u0915\u0301\u0c3c",
    "<|endoftext|> <|begin_of_text|> x<|eot_id|>y <|reserved_special_token_5|>",
    "_".join(["someVeryLongIdentifier"] * 20),
    "'tt \t'r \xa0b \xa0\xa0b 'S 'T 'RE 'Ve 'LL 'D 'ſ 'K don't it's' ''s",
    "\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e\x1f \u200b\u180e\u3000\ufeff",
    "def f(x):\n    return x**2  # comment\n\n\n",
    "ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ",
    "\U00011de0\U00016ff4 \U0010ffff \ue000 \x00\x01\x7f",
]
ALPHABET = st.sampled_from(list(" \t\n\r\xa0'sStTdrevml0123456789Ⅻ½aZ_é\u0301😀中.,;:!?()<|>-=#"))


@pytest.fixture(scope="module")
def llama3(catalog_tokenizer):
    tok = catalog_tokenizer("llama3")
    return build_engine("riptoken", tok), build_engine("reference", tok)


def test_llama3_converts_with_its_own_regex(catalog_tokenizer):
    spec = byte_level_ranks(catalog_tokenizer("llama3"))
    assert spec.pattern.startswith("(?i:'s|'t|'re|'ve|'m|'ll|'d)") and spec.normalize is None
    assert len(spec.ranks) == 128000 and spec.notes == ()


def test_llama3_exact_on_tricky_strings(llama3):
    fast, ref = llama3
    assert fast.encode_batch(TRICKY) == ref.encode_batch(TRICKY)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.text(ALPHABET, max_size=60), min_size=1, max_size=5))
def test_llama3_exact_on_random_text(llama3, texts):
    fast, ref = llama3
    assert fast.encode_batch(texts) == ref.encode_batch(texts)
