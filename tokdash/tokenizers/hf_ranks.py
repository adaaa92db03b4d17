"""An HF byte-level BPE as tiktoken-style ranks + one regex, converted exactly or refused.

`byte_level_ranks(tok)` reads a `tokenizers.Tokenizer`'s JSON and gives a `RankSpec` (ranks,
pattern, normalizer) for riptoken/tiktoken's ``CoreBPE``, or raises `EngineUnavailable` naming
every construct that has no exact equivalent. The reference it must match is HF
``encode_batch_fast(texts, add_special_tokens=False)`` with ``encode_special_tokens = True``.

Accepted (anything else is refused):
- model ``BPE`` without dropout, ``continuing_subword_prefix`` or ``end_of_word_suffix``;
  ``byte_fallback`` only when it cannot fire (every byte that UTF-8 text can hold is in the
  vocabulary, so no character is ever unknown);
- normalizer none, or ``NFC`` (then ``normalize`` is HF's own ``NFC().normalize_str``: Python's
  ``unicodedata`` orders some combining marks differently);
- pre-tokenizer, with every ``ByteLevel`` at ``add_prefix_space: false``:
  ``ByteLevel(use_regex=true)`` -> `GPT2_PATTERN`;
  ``[Split(Regex P), ByteLevel(use_regex=false)]`` -> P (behavior ``Removed`` with ``invert``:
  the pieces are P's matches, as in tiktoken) or `isolated` P (behavior ``Isolated``: HF also
  keeps the text between matches as pieces, tiktoken would drop it);
  ``[Digits(individual_digits=true), ByteLevel(use_regex=true)]`` -> `digits_gpt2_pattern` (the
  two folded into one regex, StarCoder2);
- added tokens: special ones only (with ``encode_special_tokens`` HF encodes their text as plain
  text, as riptoken without specials does); HF still cuts non-special ones out of raw text.

Ranks (`ranks_from_model`): ``rank(bytes(piece)) = id`` where ``bytes`` inverts GPT-2's
byte-to-unicode map. tiktoken merges the adjacent pair whose concatenation has the lowest rank;
HF merges the listed pair with the lowest merge index. The two agree where ``id(a + b)`` never
decreases along the merge list ("merge order equals id order", else refused) and every pair that
tiktoken can meet and join is a listed merge; the latter is not checked here (the differential
suite decides): without pre-tokenization it fails badly (refused), and with ``ignore_merges:
false`` tiktoken's first step, a whole-piece lookup, may also find a token HF's merges miss
(``ignore_merges: true``, as in Llama 3, is exactly that lookup). Both break ties leftmost,
except between two different splits of one token (HF: lower merge index first).

These are tiktoken's semantics: riptoken 0.2.4 departs from tiktoken itself on pieces of 500
bytes or more (a run of 500 spaces, a 500-letter word), so its engine needs a guard there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tokdash.errors import EngineUnavailable
from tokdash.tokenizers.hf_backend import _byte_decoder

#: HF ``ByteLevel(use_regex=true)``'s split (GPT-2's pattern).
GPT2_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"

#: Bytes that never occur in UTF-8 text (C0, C1, F5-FF): missing from a vocabulary, harmless.
NEVER_IN_UTF8 = frozenset([0xC0, 0xC1, *range(0xF5, 0x100)])


@dataclass(frozen=True)
class RankSpec:
    """What riptoken needs to encode like the HF tokenizer.

    ``ranks``: token bytes -> id (plus placeholder ranks for bytes missing from the vocabulary);
    ``pattern``: the pre-tokenization regex (fancy-regex syntax); ``normalize``: applied to each
    text before encoding, or None; ``notes``: caveats the differential suite must settle.
    """

    ranks: dict[bytes, int] = field(repr=False)
    pattern: str
    normalize: Callable[[str], str] | None = None
    notes: tuple[str, ...] = ()


def byte_level_ranks(tok: Any) -> RankSpec:
    """The `RankSpec` of an `HFTokenizer` (``tok.raw`` is its `tokenizers.Tokenizer`)."""
    return spec_from_json(json.loads(tok.raw.to_str()))


def spec_from_json(spec: dict) -> RankSpec:
    """The `RankSpec` of a parsed tokenizer.json; `EngineUnavailable` lists every reason not."""
    problems: list[str] = []
    model = spec.get("model") or {}
    if model.get("type") != "BPE":
        problems.append(f"model is {model.get('type')}, not BPE")
    else:
        problems += model_problems(model)
    normalize = normalizer(spec.get("normalizer"), problems)
    pattern = pre_tokenizer_pattern(spec.get("pre_tokenizer"), problems)
    plain = [a["content"] for a in spec.get("added_tokens") or [] if not a.get("special")]
    if plain:
        shown = ", ".join(map(repr, plain[:3])) + (", ..." if len(plain) > 3 else "")
        problems.append(
            f"{len(plain)} non-special added tokens ({shown}): HF cuts them out of raw text "
            "even with encode_special_tokens"
        )
    if problems:
        raise EngineUnavailable("not convertible to ranks + one regex: " + "; ".join(problems))
    max_id = max([*model["vocab"].values(), *(a["id"] for a in spec.get("added_tokens") or [])])
    ranks, notes = ranks_from_model(model, max_id)
    return RankSpec(ranks, pattern, normalize, notes)


def model_problems(model: dict) -> list[str]:
    """BPE options with no tiktoken equivalent (byte_fallback is judged in `ranks_from_model`)."""
    out = []
    if model.get("dropout"):
        out.append(f"BPE dropout {model['dropout']} (random merges)")
    for key in ("continuing_subword_prefix", "end_of_word_suffix"):
        if model.get(key):
            out.append(f"BPE {key} {model[key]!r}")
    return out


def normalizer(node: dict | None, problems: list[str]) -> Callable[[str], str] | None:
    """None for no normalizer (or an empty Sequence), HF's NFC for ``NFC``; else a problem."""
    if node is None:
        return None
    parts = node.get("normalizers", []) if node.get("type") == "Sequence" else [node]
    kinds = [p.get("type") for p in parts]
    if kinds == []:
        return None
    if kinds == ["NFC"]:
        return nfc
    problems.append(f"normalizer {'+'.join(map(str, kinds))} (only none or NFC convert)")
    return None


def nfc(text: str) -> str:
    """HF's own NFC (Python's ``unicodedata`` orders marks of classes 230 and 7 differently);
    ASCII text is its own NFC in every implementation, so it skips the call."""
    if text.isascii():
        return text
    from tokenizers.normalizers import NFC

    return NFC().normalize_str(text)


#: Top-level alternatives that match one character of a class anywhere, whatever surrounds it
#: (an optional prefix can always be skipped): whitespace, letters, numbers, everything else.
_COVER = (
    {r"\s+"},
    {r"\p{L}+", r" ?\p{L}+", r"[^\r\n\p{L}\p{N}]?\p{L}+"},
    {r"\p{N}", r"\p{N}+", r" ?\p{N}+", r"\p{N}{1,3}", r"\p{N}{1,2}"},
    {
        r"[^\s\p{L}\p{N}]+",
        r" ?[^\s\p{L}\p{N}]+",
        r" ?[^\s\p{L}\p{N}]+[\r\n]*",
        r"[^\s\p{L}\p{N}]+[\r\n]*",
    },
)


def top_level_alternatives(pattern: str) -> list[str]:
    """``pattern`` cut at the ``|`` outside groups and classes (escapes skipped)."""
    out, depth, in_class, start, i = [], 0, 0, 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class += {"[": 1, "]": -1}.get(c, 0)
        elif c == "[":
            in_class = 1
        elif c in "()":
            depth += 1 if c == "(" else -1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*out, pattern[start:]]


def isolated(pattern: str) -> str:
    """P as a ``Split(P, Isolated)``: HF keeps each match and each run of text between matches.

    tiktoken keeps matches only. P is kept as it is when it matches at every position: its
    top-level alternatives include one of each `_COVER` set (whitespace, letters, numbers, the
    rest; GPT-2/4, Llama 3, Qwen2 and the paper's Punct do). Otherwise a gap branch is added,
    ``(?:P)|(?:(?!(?:P))[\\s\\S])+``: leftmost-first, it is tried only where P does not match and
    takes the characters up to the next position where P matches, which is HF's gap piece (it
    makes riptoken about 2x slower). HF drops empty matches; a P that can match the empty string
    is left to the differential suite.
    """
    alternatives = set(top_level_alternatives(pattern))
    if "(?x" not in pattern and all(alternatives & cover for cover in _COVER):
        return pattern
    return f"(?:{pattern})|(?:(?!(?:{pattern}))[\\s\\S])+"


@lru_cache(maxsize=1)
def hf_numeric_class() -> str:
    """The characters HF's ``Digits`` isolates (Rust's ``char::is_numeric``), as the inside of a
    regex class of ``\\x{..}`` ranges, read from HF itself: Rust's Unicode tables are newer than
    the regex engines' (13 characters of Unicode 17 are numeric for ``Digits`` only)."""
    from tokenizers.pre_tokenizers import Digits

    probe = "x" + "x".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000) + "x"
    pieces = Digits(individual_digits=True).pre_tokenize_str(probe)
    ranges: list[list[int]] = []
    for c in sorted(ord(p) for p, _ in pieces if len(p) == 1 and p != "x"):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return "".join(f"\\x{{{a:X}}}" + (f"-\\x{{{b:X}}}" if b > a else "") for a, b in ranges)


def digits_gpt2_pattern() -> str:
    """``Digits(individual_digits=true)`` then GPT-2's split, as one regex (StarCoder2).

    With D the characters ``Digits`` isolates: each D character is a piece; GPT-2's pattern
    runs on the text between them, so its classes lose D (``[\\p{L}--D]``, ``[\\p{N}--D]``,
    ``[^\\s\\p{L}\\p{N}D]``) and a whitespace run right before a D character ends a piece
    (``\\s+(?![^\\sD])``). Where the regex's ``\\p{N}`` equals D this is ENGINES.md's
    ``'s|...| ?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+|\\s+(?![^\\s\\p{N}])|\\s+``.
    """
    d = hf_numeric_class()
    return (
        rf"'s|'t|'re|'ve|'m|'ll|'d| ?[\p{{L}}--[{d}]]+|[{d}]| ?[\p{{N}}--[{d}]]+"
        rf"| ?[^\s\p{{L}}\p{{N}}{d}]+|\s+(?![^\s{d}])|\s+"
    )


def _byte_level(node: dict, use_regex: bool, problems: list[str]) -> bool:
    """Whether ``node`` is ByteLevel with this ``use_regex``; a prefix space is a problem."""
    if node.get("type") != "ByteLevel" or bool(node.get("use_regex", True)) != use_regex:
        return False
    if node.get("add_prefix_space"):
        problems.append("ByteLevel add_prefix_space: true (HF prepends a space tiktoken does not)")
    return True


def _describe(parts: list[dict]) -> str:
    """``Sequence[Split(Isolated), ByteLevel(use_regex=false)]``-style name of a pre-tokenizer."""

    def one(p: dict) -> str:
        t = p.get("type")
        if t == "ByteLevel":
            return f"ByteLevel(use_regex={str(p.get('use_regex', True)).lower()})"
        if t == "Split":
            return f"Split({p.get('behavior')}, invert={str(p.get('invert')).lower()})"
        if t == "Digits":
            return f"Digits(individual_digits={str(p.get('individual_digits')).lower()})"
        return str(t)

    return "Sequence[" + ", ".join(map(one, parts)) + "]"


def _flat(node: dict | None) -> list[dict]:
    """A pre-tokenizer as the list of its steps (nested Sequences flattened, as HF runs them)."""
    if not node:
        return []
    if node.get("type") != "Sequence":
        return [node]
    return [step for child in node.get("pretokenizers", []) for step in _flat(child)]


def pre_tokenizer_pattern(node: dict | None, problems: list[str]) -> str:
    """The one regex equivalent to HF's pre-tokenizer (see the module docstring); '' with a
    problem appended when there is none."""
    parts = _flat(node)
    if not any(p.get("type") == "ByteLevel" for p in parts):
        problems.append(f"not byte-level: no ByteLevel pre-tokenizer ({_describe(parts)})")
        return ""
    if len(parts) == 1 and _byte_level(parts[0], True, problems):
        return GPT2_PATTERN
    if len(parts) == 1 and _byte_level(parts[0], False, problems):
        problems.append(
            "no pre-tokenization (ByteLevel use_regex: false, no Split): tiktoken-style BPE "
            "merges any adjacent pair that forms a token, HF only listed merges"
        )
        return ""
    if len(parts) == 2 and parts[0].get("type") == "Split":
        split, regex = parts[0], (parts[0].get("pattern") or {}).get("Regex")
        behavior, invert = split.get("behavior"), bool(split.get("invert"))
        if not _byte_level(parts[1], False, problems):
            problems.append(
                f"pre-tokenizer {_describe(parts)} has no one-regex equivalent (two regex "
                "splits in a row)"
            )
        elif regex is None:
            problems.append(f"Split on a literal String pattern {split.get('pattern')}")
        elif behavior == "Isolated":
            return isolated(regex)
        elif behavior == "Removed" and invert:
            return regex
        else:
            problems.append(f"Split behavior {behavior} with invert {str(invert).lower()}")
        return ""
    if (
        len(parts) == 2
        and parts[0].get("type") == "Digits"
        and parts[0].get("individual_digits")
        and _byte_level(parts[1], True, problems)
    ):
        return digits_gpt2_pattern()
    problems.append(f"pre-tokenizer {_describe(parts)} has no one-regex equivalent")
    return ""


def _merge_pairs(merges: list) -> list[tuple[str, str]]:
    """Merges as pairs (tokenizer.json has ``"a b"`` strings or ``["a", "b"]`` lists)."""
    return [tuple(m.split(" ", 1)) if isinstance(m, str) else (m[0], m[1]) for m in merges]


def ranks_from_model(model: dict, max_id: int) -> tuple[dict[bytes, int], tuple[str, ...]]:
    """tiktoken ranks of a BPE model: ``rank = id``; `EngineUnavailable` where not exact.

    Rules: merge order must equal id order (``id(a + b)`` non-decreasing along the merges; equal
    runs are one token's alternative splits, as Llama 3 lists them). A multi-byte entry that no
    merge produces is left out when ``ignore_merges`` is false (HF can never emit it; typically a
    special token's text) and kept otherwise (HF's whole-piece lookup can). Entries that are not
    byte-level strings are left out (unreachable). A byte missing from the vocabulary gets a
    placeholder rank ``max_id + 1 + k``: tiktoken needs every byte, HF skips (or byte-falls-back)
    an unknown character; the engine would then emit an id the reference never does, which the
    differential suite and the runtime guard catch. Missing bytes that UTF-8 text can hold are
    refused under ``byte_fallback`` (HF emits byte tokens for them) and noted otherwise.
    """
    vocab: dict[str, int] = model["vocab"]
    decode = _byte_decoder()
    produced: set[int] = set()
    last, last_pair = -1, ("", "")
    for index, (a, b) in enumerate(_merge_pairs(model.get("merges") or [])):
        new = vocab.get(a + b)
        if new is None:
            raise EngineUnavailable(f"merge #{index} {a!r} + {b!r} makes no vocabulary entry")
        if new < last:
            raise EngineUnavailable(
                f"merge order differs from id order: merge #{index} {a!r} + {b!r} -> id {new} "
                f"comes after {last_pair[0]!r} + {last_pair[1]!r} -> id {last}"
            )
        produced.add(new)
        last, last_pair = new, (a, b)
    ignore_merges = bool(model.get("ignore_merges"))
    ranks: dict[bytes, int] = {}
    unreachable = not_bytes = 0
    for piece, token_id in vocab.items():
        if not piece or any(c not in decode for c in piece):
            not_bytes += 1
            continue
        raw = bytes(decode[c] for c in piece)
        if len(raw) > 1 and token_id not in produced and not ignore_merges:
            unreachable += 1
            continue
        ranks[raw] = token_id
    notes: list[str] = []
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    in_text = [f"{b:02X}" for b in missing if b not in NEVER_IN_UTF8]
    if in_text and model.get("byte_fallback"):
        raise EngineUnavailable(
            f"byte_fallback with bytes {' '.join(in_text)} missing from the vocabulary: HF emits "
            "byte tokens for characters holding them, tiktoken one placeholder id per byte"
        )
    for k, b in enumerate(missing):
        ranks[bytes([b])] = max_id + 1 + k
    if in_text:
        notes.append(
            f"bytes {' '.join(in_text)} missing from the vocabulary have placeholder ranks past "
            "every id: a text holding them gets an id the reference never gives"
        )
    if unreachable or not_bytes:
        notes.append(
            f"{unreachable} multi-byte entries no merge makes and {not_bytes} non-byte-level "
            "entries left out (HF never emits them)"
        )
    if not ignore_merges:
        notes.append(
            "ignore_merges is false: tiktoken's whole-piece lookup may find a token HF's merges "
            "do not reach (the differential suite decides)"
        )
    return ranks, tuple(notes)
