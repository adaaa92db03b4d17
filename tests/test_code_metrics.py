"""Code-structure metrics: a snippet counted by eye, an independent computation from the
definitions on real code, merging, spans, and the paper's finding on the standard library."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tokdash.analysis import lexemes as lx
from tokdash.analysis.code_compare import (
    CODE_COLUMNS,
    code_counts,
    code_table,
    parse_corpus,
    spans_of,
    worst_table,
)
from tokdash.analysis.code_metrics import CodeCounts, cutting_tokens, document_counts
from tokdash.corpus import Document, harvest_stdlib, load_sample_corpus
from tokdash.errors import CodeParseError, NoGrammarError

SNIPPET = "def foo_bar(x):\n    return x + 12345\n"
PIECES = ["def", " foo", "_bar", "(x", "):\n", "   ", " return", " x", " +", " 123", "45", "\n"]


def spans(pieces: list[str]) -> tuple[np.ndarray, np.ndarray]:
    lens = np.array([len(p.encode()) for p in pieces])
    ends = np.cumsum(lens)
    return ends - lens, ends


def test_snippet_counted_by_eye():
    leaves = lx.parse(SNIPPET, "python")
    starts, ends = spans(PIECES)
    c = document_counts(leaves, starts, ends, SNIPPET.encode())
    # leaves: def foo_bar ( x ) : return x + 12345 -> 10 code lexemes, 3 identifiers
    assert (c.leaves, c.code_lexemes, c.identifiers, c.tokens) == (10, 10, 3, 12)
    # boundary 7 cuts foo_bar, boundary 34 cuts 12345
    assert (c.code_lexemes_intact, c.identifiers_intact) == (8, 2)
    assert (c.boundaries, c.boundaries_scored, c.boundaries_aligned) == (11, 11, 9)
    assert c.crossing_tokens == 2  # "(x" and "):\n"
    assert c.identifier_tokens == 4  # foo_bar: 2, x: 1, x: 1
    assert (c.indented_lines, c.indent_tokens, c.indent_single) == (1, 2, 0)
    assert (c.numbers, c.number_tokens) == (1, 2)
    assert c.digit_groups.tolist() == [0, 1, 1, 0]  # "123" and "45"
    assert c.partial_tokens == 0
    m = c.metrics()
    assert m["lexeme_integrity"] == pytest.approx(0.8)
    assert m["identifier_integrity"] == pytest.approx(2 / 3)
    assert m["boundary_alignment"] == pytest.approx(9 / 11)
    assert m["crossing_rate"] == pytest.approx(2 / 12)
    assert m["identifier_tokens_mean"] == pytest.approx(4 / 3)
    assert m["digit_group_2"] == m["digit_group_3"] == 0.5
    assert c.worst[0] == (2, "foo_bar", "foo|_bar")
    cuts = cutting_tokens(leaves, starts, ends)
    assert [p for p, cut in zip(PIECES, cuts, strict=True) if cut] == [" foo", "_bar", " 123", "45"]


def test_boundaries_inside_strings_and_comments_are_not_scored():
    text = 's = "ab"  # cd\n'
    leaves = lx.parse(text, "python")
    # leaves: s [0,1) = [2,3) " [4,5) ab [5,7) " [7,8) comment [10,14)
    # tokens: 's', ' = "a', 'b"', '  # c', 'd\n': boundaries 1, 6, 8, 13
    c = document_counts(leaves, *spans(["s", ' = "a', 'b"', "  # c", "d\n"]), text.encode())
    assert c.boundaries == 4
    assert c.boundaries_scored == 2  # 6 is inside "ab", 13 inside the comment
    assert c.boundaries_aligned == 2  # 1 and 8 cut no code lexeme
    assert c.crossing_tokens == 2  # ' = "a' (=, ", ab) and 'b"' (ab, ")


def test_partial_utf8_tokens_and_empty_tokens():
    text = "x = 'é'\n"
    data = text.encode()
    leaves = lx.parse(text, "python")
    # split the two bytes of é, and add an empty token (a dummy-prefix piece) at the start
    starts = np.array([0, 0, 1, 5, 6, 8])
    ends = np.array([0, 1, 5, 6, 8, 9])
    c = document_counts(leaves, starts, ends, data)
    assert c.tokens == 6
    assert c.partial_tokens == 2
    assert c.boundaries == 4  # 1, 5, 6, 8 (0 is not internal)


def test_spans_of_handles_the_dummy_prefix(catalog_tokenizer):
    tok = catalog_tokenizer("llama2")
    text = "def f(x):\n    return  x"
    ids = tok.encode(text)
    starts, ends = spans_of(tok, text, ids)
    assert starts[0] == 0 and ends[-1] == len(text.encode())
    assert (starts[1:] == ends[:-1]).all()  # tiles the text
    assert [tuple(s) for s in zip(starts, ends, strict=True)] == tok.encode_with_spans(text)[1]


# ----- an independent computation from the definitions ---------------------------------------


def naive_counts(leaves, starts, ends, data: bytes) -> dict:
    """Every count by plain loops over bytes, from the issue's definitions."""
    n = len(data)
    leaf_list = list(
        zip(leaves.starts.tolist(), leaves.ends.tolist(), leaves.categories.tolist(), strict=True)
    )
    toks = list(zip(starts.tolist(), ends.tolist(), strict=True))
    bset = {e for _, e in toks[:-1]} | {s for s, _ in toks[1:]}
    bset = {b for b in bset if 0 < b < n}
    code_cats = set(lx.CODE_CATEGORIES)
    owner = [None] * n
    for i, (s, e, _) in enumerate(leaf_list):
        for k in range(s, e):
            owner[k] = i
    tok_of = [None] * n
    for j, (s, e) in enumerate(toks):
        for k in range(s, e):
            tok_of[k] = j

    def cut(s, e):
        return any(b in bset for b in range(s + 1, e))

    inside_quoted = {
        k for s, e, c in leaf_list if c in (lx.COMMENT, lx.STRING) for k in range(s + 1, e)
    }
    inside_code = {k for s, e, c in leaf_list if c in code_cats for k in range(s + 1, e)}
    scored = [b for b in bset if b not in inside_quoted]
    out = {
        "tokens": len(toks),
        "code_lexemes": sum(c in code_cats for _, _, c in leaf_list),
        "code_lexemes_intact": sum(c in code_cats and not cut(s, e) for s, e, c in leaf_list),
        "identifiers": sum(c == lx.IDENTIFIER for _, _, c in leaf_list),
        "identifiers_intact": sum(c == lx.IDENTIFIER and not cut(s, e) for s, e, c in leaf_list),
        "identifier_tokens": sum(
            len({tok_of[k] for k in range(s, e)} - {None})
            for s, e, c in leaf_list
            if c == lx.IDENTIFIER
        ),
        "boundaries": len(bset),
        "boundaries_scored": len(scored),
        "boundaries_aligned": sum(b not in inside_code for b in scored),
        "crossing_tokens": sum(len({owner[k] for k in range(s, e)} - {None}) >= 2 for s, e in toks),
        "partial_tokens": 0,
    }
    for s, e in toks:
        try:
            data[s:e].decode("utf-8")
        except UnicodeDecodeError:
            out["partial_tokens"] += 1
    lines, indented, ind_tokens, single = data.split(b"\n"), 0, 0, 0
    pos = 0
    for line in lines:
        lead = len(line) - len(line.lstrip(b" \t"))
        if lead and lead < len(line) and not line[lead : lead + 1].isspace():
            indented += 1
            cover = {tok_of[k] for k in range(pos, pos + lead)} - {None}
            ind_tokens += len(cover)
            single += len(cover) == 1
        pos += len(line) + 1
    out.update(indented_lines=indented, indent_tokens=ind_tokens, indent_single=single)
    groups = [0, 0, 0, 0]
    numbers = [(s, e) for s, e, c in leaf_list if c == lx.NUMBER]
    out["numbers"] = len(numbers)
    out["number_tokens"] = 0
    for s, e in numbers:
        covering = sorted({tok_of[k] for k in range(s, e)} - {None})
        out["number_tokens"] += len(covering)
        for j in covering:
            ts, te = toks[j]
            run = 0
            for ch in data[max(ts, s) : min(te, e)] + b" ":
                if 48 <= ch <= 57:
                    run += 1
                elif run:
                    groups[min(run, 4) - 1] += 1
                    run = 0
    out["digit_groups"] = groups
    return out


@pytest.mark.parametrize("tok_id", ["cl100k_base", "llama2", "starcoder2", "bert-base-uncased"])
def test_metrics_equal_an_independent_computation(catalog_tokenizer, tok_id):
    tok = catalog_tokenizer(tok_id)
    corpus = load_sample_corpus()
    checked = 0
    for doc in corpus.documents:
        if not lx.has_grammar(doc.language):
            continue
        leaves = lx.parse_document(doc)
        data = doc.text.encode("utf-8")
        starts, ends = spans_of(tok, doc.text, tok.encode(doc.text))
        got = document_counts(leaves, starts, ends, data)
        want = naive_counts(leaves, starts, ends, data)
        for key, value in want.items():
            have = getattr(got, key)
            have = have.tolist() if isinstance(have, np.ndarray) else have
            assert have == value, (doc.source, key)
        checked += 1
    assert checked >= 30


def test_counts_merge_like_the_corpus():
    corpus = load_sample_corpus()
    docs = [d for d in corpus.documents if lx.has_grammar(d.language)]
    data = [(lx.parse_document(d), d) for d in docs]

    def counts(leaves, doc):
        data = doc.text.encode()
        b = np.arange(0, len(data) + 1, 3)  # a toy tokenizer: 3-byte tokens
        starts, ends = b[:-1], np.append(b[1:-1], len(data)) if b[-1] != len(data) else b[1:]
        return document_counts(leaves, starts, ends, data)

    parts = [counts(leaves, doc) for leaves, doc in data]
    left = sum(parts[:10], CodeCounts())
    right = sum(parts[10:], CodeCounts())
    total = left.merge(right)
    assert total.documents == len(docs)
    assert total.tokens == sum(p.tokens for p in parts)
    assert right.merge(left).metrics() == pytest.approx(total.metrics(), nan_ok=True)
    assert total.worst == left.merge(right).worst
    assert max(t for t, _, _ in total.worst) == max(t for p in parts for t, _, _ in p.worst)


def test_code_table_and_worst_identifiers(catalog_tokenizer):
    corpus = load_sample_corpus()
    parsed = parse_corpus(corpus.documents)
    assert parsed.no_grammar == {"english": 2}
    tok = catalog_tokenizer("cl100k_base")
    results = {tok.id: code_counts(tok, parsed)}
    table = code_table(results)
    assert list(table.columns) == CODE_COLUMNS
    langs = table[table["language"] != "ALL"]
    all_row = table[table["language"] == "ALL"].iloc[0]
    assert all_row["tokens"] == langs["tokens"].sum()
    assert all_row["documents"] == len(parsed.documents)
    assert "english" not in set(table["language"])
    assert all_row["lexeme_integrity"] > 0.8 and all_row["crossing_rate"] < 0.5
    html = table[table["language"] == "html"].iloc[0]
    assert math.isnan(html["identifier_integrity"])  # HTML has no identifier leaf
    worst = worst_table(results, "python", top=5)
    assert len(worst) == 5 and worst["tokens"].is_monotonic_decreasing
    assert (worst["pieces"].str.replace("|", "") == worst["identifier"]).all()


def test_corpus_without_grammar_or_parseable_document():
    english = [Document("Plain words here.", "english", "a.md")]
    with pytest.raises(NoGrammarError, match="english"):
        parse_corpus(english)
    junk = [Document("}}}} ((( ]]] {{{{ ))) ]]]", "python", "junk.py")]
    with pytest.raises(CodeParseError, match="junk.py"):
        parse_corpus(junk)
    mixed = parse_corpus([*junk, Document("x = 1\n", "python", "ok.py")])
    assert [s.source for s in mixed.skipped] == ["junk.py"]
    assert len(mixed.documents) == 1


def test_identity_tokenizers_cross_more_leaves_than_gpt4_regex(catalog_tokenizer):
    """The paper's finding: without a pre-tokenization regex, tokens run across syntax."""
    pairs = [("paper-gpt4-32k", "paper-identity-32k"), ("paper-gpt4-80k", "paper-identity-80k")]
    toks = {t: catalog_tokenizer(t) for pair in pairs for t in pair}
    parsed = parse_corpus(harvest_stdlib().documents)
    results = {t: code_counts(tok, parsed) for t, tok in toks.items()}
    table = code_table(results).set_index(["tokenizer", "language"])
    for gpt4, identity in pairs:
        g, i = table.loc[(gpt4, "ALL")], table.loc[(identity, "ALL")]
        assert i["crossing_rate"] > 1.5 * g["crossing_rate"]
        assert i["boundary_alignment"] < g["boundary_alignment"]
