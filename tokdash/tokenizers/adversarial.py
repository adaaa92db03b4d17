"""The inputs of the engine differential suite: adversarial text generated with a fixed seed,
and the suites built from it (`suite_documents`).

Each category targets a construct where two implementations of "the same" tokenizer have been
seen to disagree: regex semantics (whitespace lookaheads, optional prefixes, contractions,
Unicode categories), normalizers (combining-mark order, Unicode spaces), special-token matching,
byte fallback (rare code points) and very long pieces. `adversarial_documents` gives one document
per category plus random mixes of all of them; the same seed always gives the same texts.

Suites: ``reduced`` (CI: adversarial set, the shipped sample corpora, 30 standard-library files)
and ``full`` (adversarial set, llama.cpp's reference strings, every standard-library ``.py`` file,
and a C4 sample when its path is given).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tokdash.corpus import Document, harvest_stdlib, load_sample_corpus, resolve_corpus
from tokdash.errors import TokdashError

#: The language tag of every adversarial document.
LANGUAGE = "adversarial"
DEFAULT_SEED = 20240611

_UNICODE_SPACES = "\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_UNICODE_SPACES += "\u202f\u205f\u3000\u2028\u2029\x85\u200b\ufeff"

#: Plain words mixed between the adversarial pieces.
_WORDS = ("hello", "world", "the", "quick", "brown", "fox", "return", "value", "Straße", "naïve",
          "café", "résumé", "façade", "coöperate", "tokenizer", "HTTPServer", "x86_64")  # fmt: skip


def _whitespace(rng: random.Random) -> list[str]:
    """Runs of spaces, tabs and mixed blanks, alone and around words and newlines."""
    out = [" " * n + "x" for n in (1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 257)]
    out += ["\t" * n + "y" for n in (1, 2, 3, 8, 9, 40)]
    out += [" " * 5000, "\t" * 3000, " \t" * 500, "word" + " " * 1000 + "\n", "a" + " " * 25 + "b"]
    out += [
        "".join(rng.choice(" \t\n\r\v\f") for _ in range(rng.randint(1, 60))) for _ in range(20)
    ]
    out += ["x  \n", "x \t\n  y", "  3", "   3", "\t 3", " \n", "\n ", "end   "]
    return out


def _blank_lines(rng: random.Random) -> list[str]:
    """Blank lines that hold spaces or tabs (``'\\n \\n'``), repeated newlines."""
    out = ["\n \n", "\n  \n\n", " \n\t\n", "\n\t\n", "a\n \nb", "a\n    \n    b", "\n\n\n\n\n"]
    out += ["\r\n \r\n", "x\n \n \n \ny", "    \n" * 10, "\n" * 50, "\t\n" * 20]
    out += ["".join(rng.choice(["\n", " \n", "\n ", "  \n", "\t\n"]) for _ in range(30))]
    return out


def _crlf(rng: random.Random) -> list[str]:
    """Windows line ends, lone CRs, CRs before spaces."""
    out = ["line one\r\nline two\r\n", "\r\n\r\n\r\n", "a\rb\rc", "\n\r", "x \r\n y", "\r \r"]
    out += ["def f():\r\n    return 1\r\n", "\r\n\t\r\n", " \r\n\r\n  x"]
    out += ["".join(rng.choice(["\r\n", "\r", "\n", " ", "w"]) for _ in range(40))]
    return out


def _digits(rng: random.Random) -> list[str]:
    """Digit runs of every length 1-40, numbers with separators, digits glued to letters."""
    runs = ["".join(rng.choice("0123456789") for _ in range(n)) for n in range(1, 41)]
    out = [" ".join(runs), "\n".join(runs), "x".join(runs)]
    out += [
        "3.14159265358979",
        "1,000,000",
        "1_000_000",
        "0x1F2E3D",
        "1e-10",
        "v1.2.3",
        "2024-06-11",
    ]
    out += ["a1b22c333d4444", " 12", "  12", "$100", "-42", "+7", "１２３", "1２3"]
    return out


def _unicode_numbers(rng: random.Random) -> list[str]:
    """Numbers outside ASCII: letter numbers (Nl, Roman), other numbers (No), other digits (Nd)."""
    roman = "".join(chr(c) for c in range(0x2160, 0x2189))  # Ⅰ..ↈ (Nl)
    other = "½¼¾²³¹①②③⑩⑳⓵❶➀㉑㊿𝟘𝟙𝟚"  # No and math digits
    digits = "٠١٢٣٤٥٦٧٨٩ ۰۱۲ ०१२३४ ০১২ ๐๑๒ ０１２３"  # Nd in other scripts
    out = [roman, other, digits, "Chapter Ⅻ and Ⅳ", "〇一二三 〡〢〣", "x²+y³", "ⅰⅱⅲⅳ"]
    out += ["".join(rng.choice(roman + other + digits + "0123456789") for _ in range(80))]
    return out


def _scripts(rng: random.Random) -> list[str]:
    """Mixed scripts: CJK, kana, Hangul, Cyrillic, Arabic, Hebrew, Devanagari, Thai, Greek."""
    samples = [
        "中文分词测试，这是一个句子。",
        "日本語のテキストとカタカナ、ひらがな。",
        "한국어 텍스트입니다",
        "Привет, мир! Съешь ещё этих мягких булок.",
        "مرحبا بالعالم، هذا نص عربي.",
        "שלום עולם",
        "नमस्ते दुनिया, यह हिंदी है।",
        "สวัสดีชาวโลก",
        "Γειά σου Κόσμε",
        "ქართული ენა",
        "Ελληνικά中文Русскийعربيहिंदी",
    ]
    out = [*samples, "".join(samples), "HelloМирWorld世界"]
    out += [" ".join(rng.choice(samples) for _ in range(10))]
    return out


def _emoji(rng: random.Random) -> list[str]:
    """Emoji: ZWJ families, skin tones, flags, keycaps, variation selectors."""
    zwj = [
        "👨\u200d👩\u200d👧\u200d👦",
        "👩🏽\u200d💻",
        "🏳️\u200d🌈",
        "👁️\u200d🗨️",
        "🧑🏿\u200d🤝\u200d🧑🏻",
    ]
    tones = ["👍🏻", "👍🏼", "👍🏽", "👍🏾", "👍🏿", "✋🏽"]
    other = ["🇫🇷🇯🇵🇺🇸", "1️⃣", "#️⃣", "❤️", "☺︎", "😀😃😄", "🤖 says hi", "a😀b"]
    out = [*zwj, *tones, *other, "".join(zwj + tones + other)]
    out += ["".join(rng.choice(zwj + tones + other + [" ", "x"]) for _ in range(50))]
    return out


def _combining(rng: random.Random) -> list[str]:
    """Combining marks, decomposed letters, two marks of classes 230 and 7 in both orders."""
    out = ["e\u0301", "cafe\u0301", "a\u0301\u093c", "a\u093c\u0301", "\u0915\u0301\u093c"]
    out += ["n\u0303o\u0308", "\u1100\u1161\u11a8", "o\u0302\u0323", "o\u0323\u0302", "\u0301"]
    marks = [chr(c) for c in range(0x0300, 0x0370)]
    out += ["Z" + "".join(rng.choice(marks) for _ in range(30)) + "algo"]
    out += ["".join(rng.choice("aeiou") + rng.choice(marks) for _ in range(40))]
    return out


def _surrogates_escaped(rng: random.Random) -> list[str]:
    """Lone surrogates written as escapes (real ones cannot be UTF-8), plus U+FFFD."""
    out = ["\\ud800", "\\udfff", '"\\ud83d\\ude00"', "s = '\\ud800\\udc00'", "\ufffd", "a\ufffdb"]
    out += ["\\u00e9 \\x41 \\N{BULLET}", "\\U0001F600"]
    out += ["".join(f"\\u{rng.randint(0xD800, 0xDFFF):04x}" for _ in range(10))]
    return out


def _unicode_spaces(rng: random.Random) -> list[str]:
    """NBSP and the other Unicode spaces, before letters, digits and punctuation."""
    out = [f"a{s}b" for s in _UNICODE_SPACES] + [f"{s}b" for s in _UNICODE_SPACES]
    out += [
        "\xa0b",
        "x\xa0\xa0y",
        "\xa0'r",
        "1\u20092",
        "\u3000中文",
        "tab\t\xa0x",
        _UNICODE_SPACES,
    ]
    out += ["".join(rng.choice(_UNICODE_SPACES + "ab ") for _ in range(60))]
    return out


def _contractions(rng: random.Random) -> list[str]:
    """Apostrophe forms that contraction branches may or may not take."""
    forms = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'LL", "'tt"]
    out = [f"word{f}" for f in forms] + [f" {f}" for f in forms]
    out += ["\t'r", "\t'tt", "don't", "I'M", "y'all", "it’s", "''", "'\n", "' s", "''s"]
    out += ["rock'n'roll", "'123", "\n's", "x 'll y", "'ts"]
    out += ["".join(rng.choice(forms + [" ", "\t", "a"]) for _ in range(40))]
    return out


def _long_identifiers(rng: random.Random) -> list[str]:
    """Identifiers of 10,000 characters (one piece for most pre-tokenizers)."""
    alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return [
        "a" * 10_000,
        "".join(rng.choice(alnum) for _ in range(10_000)),
        "_".join("".join(rng.choice("abcxyz") for _ in range(7)) for _ in range(1250)),
        "".join(rng.choice(["Get", "Set", "Value", "Http", "XML"]) for _ in range(2500))[:10_000],
        "é" * 5000,
    ]


def _special_tokens(rng: random.Random) -> list[str]:
    """Special-token spellings in raw text (ordinary encoding must not treat them as specials,
    unless the tokenizer's own library does)."""
    specials = [
        "<|endoftext|>", "<s>", "</s>", "<|im_start|>", "<|im_end|>", "[CLS]", "[SEP]",
        "[MASK]", "[PAD]", "[UNK]", "<unk>", "<pad>", "<|begin_of_text|>", "<|end_of_text|>",
        "<|eot_id|>", "<fim_prefix>", "<|fim_middle|>", "<｜begin▁of▁sentence｜>", "<|user|>",
    ]  # fmt: skip
    out = [*specials, "hello<|endoftext|>world", "<s>[INST] hi [/INST]</s>", " <s> "]
    out += ["".join(rng.choice(specials + [" ", "\n", "text"]) for _ in range(40))]
    return out


def _code(rng: random.Random) -> list[str]:
    """Short programs in several languages, with tabs, CRLF and trailing blanks."""
    return [
        "def f(x):\n    if x:\n        return x ** 2  # square\n    return None\n\n",
        '#include <stdio.h>\nint main(void) {\n\tprintf("%d\\n", 42);\n\treturn 0;\n}\n',
        "const f = (a, b) => { return a?.b ?? `t${b}`; };\r\nexport default f;\r\n",
        'fn main() {\n    let v: Vec<u8> = vec![0xff; 16];\n    println!("{:?}", &v[..]);\n}\n',
        'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n',
        "SELECT id, COUNT(*) FROM t WHERE x >= 10 GROUP BY id;  \n",
        '<div class="a">&nbsp;<b>x</b></div>\n<!-- comment -->\n',
        '#!/bin/sh\nfor f in *.py; do echo "$f" | wc -c; done 2>&1 >/dev/null\n',
        '{"key": [1, 2.5, null, true], "s": "\\u00e9\\n"}\n',
        "    \t  mixed_indent = [\n\t\t1,\n    ]\n",
    ]


def _rare_codepoints(rng: random.Random) -> list[str]:
    """Code points most vocabularies lack (byte fallback): rare CJK, private use, math, old
    scripts, noncharacters."""
    fixed = ["\U00020000\U0002a6d6", "\ue000\uf8ff", "\U0010fffd", "\uffff\ufffe", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𓀀𓁐"]
    pool = [c for c in range(0x00A0, 0x2FFFF) if not 0xD800 <= c <= 0xDFFF]
    rand = ["".join(chr(rng.choice(pool)) for _ in range(100)) for _ in range(5)]
    return fixed + rand


def _controls(rng: random.Random) -> list[str]:
    """ASCII and C1 control characters, NUL, DEL."""
    c0 = "".join(chr(c) for c in range(0, 32) if chr(c) not in "\n\r\t")
    return [c0, "a\x00b", "\x7f", "".join(chr(c) for c in range(0x80, 0xA0)), "x\x0bx\x0cx"]


#: Category name -> generator of its texts.
CATEGORIES: dict[str, Callable[[random.Random], list[str]]] = {
    "whitespace": _whitespace,
    "blank_lines": _blank_lines,
    "crlf": _crlf,
    "digits": _digits,
    "unicode_numbers": _unicode_numbers,
    "scripts": _scripts,
    "emoji": _emoji,
    "combining": _combining,
    "surrogates_escaped": _surrogates_escaped,
    "unicode_spaces": _unicode_spaces,
    "contractions": _contractions,
    "long_identifiers": _long_identifiers,
    "special_tokens": _special_tokens,
    "code": _code,
    "rare_codepoints": _rare_codepoints,
    "controls": _controls,
}


def category_texts(seed: int = DEFAULT_SEED) -> dict[str, list[str]]:
    """Every category's texts (each category draws from its own seeded generator)."""
    return {name: gen(random.Random(f"{seed}:{name}")) for name, gen in CATEGORIES.items()}


def adversarial_documents(seed: int = DEFAULT_SEED, n_mixes: int = 40) -> list[Document]:
    """The adversarial set: per category one document of its texts on separate lines and one of
    them glued together, each text alone as well, and ``n_mixes`` random mixes of everything.

    Documents are named ``adversarial/<category>/...``; the same seed gives the same list.
    """
    texts = category_texts(seed)
    docs: list[Document] = []
    for name, items in texts.items():
        docs.append(Document("\n".join(items), LANGUAGE, f"adversarial/{name}/lines"))
        docs.append(Document("".join(items), LANGUAGE, f"adversarial/{name}/glued"))
        docs += [
            Document(t, LANGUAGE, f"adversarial/{name}/{i}")
            for i, t in enumerate(items)
            if len(t) < 10_000 or name == "long_identifiers"
        ]
    rng = random.Random(f"{seed}:mix")
    pieces = [t[:400] for items in texts.values() for t in items] + list(_WORDS)
    for i in range(n_mixes):
        parts = [rng.choice(pieces) for _ in range(rng.randint(5, 40))]
        seps = [rng.choice(["", " ", "\n", "\t", "\r\n", "\xa0", "\n \n"]) for _ in parts]
        text = "".join(p + s for p, s in zip(parts, seps, strict=True))
        docs.append(Document(text, LANGUAGE, f"adversarial/mix/{i}"))
    docs.append(Document("", LANGUAGE, "adversarial/empty"))
    return docs


# --- suites --------------------------------------------------------------------------------

SUITES = ("reduced", "full")
#: Standard-library files in the reduced suite (spread evenly over the top-level modules).
REDUCED_STDLIB_FILES = 30


@dataclass
class Suite:
    """A named list of documents (names unique, prefixed by their source) and, in ``notes``,
    inputs that were left out and why."""

    name: str
    documents: list[Document]
    notes: list[str] = field(default_factory=list)

    @property
    def n_bytes(self) -> int:
        """Total UTF-8 bytes."""
        return sum(d.n_bytes for d in self.documents)


def _renamed(prefix: str, docs: list[Document]) -> list[Document]:
    return [Document(d.text, d.language, f"{prefix}/{d.source}") for d in docs]


def _spread(docs: list[Document], n: int) -> list[Document]:
    """``n`` documents taken at even steps through ``docs`` (all of them when fewer)."""
    if len(docs) <= n:
        return docs
    step = len(docs) / n
    return [docs[int(i * step)] for i in range(n)]


def llama_cpp_documents() -> list[Document]:
    """llama.cpp's 46 reference strings (identical in every ``ggml-vocab-*.gguf.inp``), read
    from the cached llama-cpp-python sdist; raises when it is neither cached nor downloadable."""
    from tokdash.tokenizers.catalog import ENTRIES, reference_files
    from tokdash.tokenizers.fetch import fetch_members
    from tokdash.tokenizers.gguf_read import reference_cases

    src = next(f for e in ENTRIES if (f := reference_files(e)) is not None)
    inp, out = src.member + ".inp", src.member + ".out"
    paths = fetch_members(src.package, [inp, out], sdist=src.sdist)
    name = Path(src.member).name
    cases = reference_cases(paths[inp], paths[out])
    return [Document(t, "reference", f"llama.cpp/{name}/{i}") for i, (t, _) in enumerate(cases)]


def build_suite(kind: str, *, c4: str | Path | None = None) -> Suite:
    """The differential suite ``kind`` (``reduced`` or ``full``); ``c4`` (full only) is the path
    of a C4 sample (``.jsonl``) read through `tokdash.corpus.resolve_corpus`."""
    if kind not in SUITES:
        raise TokdashError(f"unknown suite {kind!r}; choose one of {', '.join(SUITES)}")
    docs = adversarial_documents()
    notes: list[str] = []
    if kind == "reduced":
        docs += _renamed("sample", load_sample_corpus("all").documents)
        stdlib = harvest_stdlib(top_level_only=True).documents
        docs += _renamed("stdlib", _spread(stdlib, REDUCED_STDLIB_FILES))
        return Suite(kind, docs, notes)
    try:
        docs += llama_cpp_documents()
    except Exception as exc:  # offline without the cached sdist, a missing member
        notes.append(f"llama.cpp reference strings left out: {exc}")
    docs += _renamed("stdlib", harvest_stdlib(top_level_only=False).documents)
    if c4 is None:
        notes.append("C4 sample left out: no path given (--c4)")
    else:
        try:
            docs += _renamed("c4", resolve_corpus(str(c4)).documents)
        except TokdashError as exc:
            notes.append(f"C4 sample left out: {exc}")
    return Suite(kind, docs, notes)


def suite_documents(kind: str, *, c4: str | Path | None = None) -> list[Document]:
    """The documents of the suite ``kind`` (see `build_suite`)."""
    return build_suite(kind, c4=c4).documents
