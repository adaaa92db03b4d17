"""Parse trees reduced to categorized leaves: the category rules, grammars, bad input."""

from __future__ import annotations

import re

import pytest

from tokdash.analysis import lexemes as lx
from tokdash.corpus import LANGUAGE_BY_EXTENSION, load_sample_corpus
from tokdash.errors import CodeParseError, NoGrammarError


def leaves_of(text: str, language: str, source: str = ""):
    leaves = lx.parse(text, language, source)
    data = text.encode("utf-8")
    return [
        (data[s:e].decode(), lx.CATEGORIES[c], kind)
        for s, e, c, kind in zip(
            leaves.starts.tolist(),
            leaves.ends.tolist(),
            leaves.categories.tolist(),
            leaves.kind_names(),
            strict=True,
        )
    ]


def test_python_snippet_by_eye():
    got = leaves_of("def foo_bar(x):\n    return x + 12345  # done\n", "python")
    assert [(t, c) for t, c, _ in got] == [
        ("def", "keyword"),
        ("foo_bar", "identifier"),
        ("(", "operator"),
        ("x", "identifier"),
        (")", "operator"),
        (":", "operator"),
        ("return", "keyword"),
        ("x", "identifier"),
        ("+", "operator"),
        ("12345", "number"),
        ("# done", "comment"),
    ]


def test_string_rule_covers_descendants():
    got = leaves_of('s = f"a{b}"\n', "python")
    cats = {t: c for t, c, _ in got}
    assert cats["s"] == "identifier"
    assert cats["b"] == "string"  # an identifier inside an f-string is under a string node
    assert cats['"'] == "string"


def test_comment_rule_covers_descendants_rust():
    got = leaves_of("// hello\nfn main() {}\n", "rust")
    assert got[0] == ("//", "comment", "//")  # the `//` leaf of a line_comment node
    assert ("fn", "keyword", "fn") in got and ("main", "identifier", "identifier") in got


def test_go_int_literal_is_a_number():
    got = leaves_of("package main\nvar x = 42 + 1.5\n", "go")
    assert ("42", "number", "int_literal") in got
    assert ("1.5", "number", "float_literal") in got


def test_tsx_sources_use_the_tsx_grammar():
    text = 'const a = <div className="x">hi</div>;\n'
    assert lx.parse(text, "typescript", "view.tsx").error_bytes == 0
    with pytest.raises(CodeParseError, match="is it really typescript"):
        lx.parse(text, "typescript", "view.ts")


def test_languages_without_grammar_are_named_not_guessed():
    assert not lx.has_grammar("english")
    with pytest.raises(NoGrammarError, match="no tree-sitter grammar for 'english'"):
        lx.parse("Just some words.", "english")
    with_g, without = lx.split_by_grammar(["python", "english", "ruby", "python"])
    assert with_g == ["python"] and without == ["english", "ruby"]


def test_every_grammar_language_is_a_corpus_language():
    corpus_languages = set(LANGUAGE_BY_EXTENSION.values())
    assert set(lx.GRAMMARS) <= corpus_languages
    assert set(lx.GRAMMARS) >= {"python", "c", "cpp", "java", "javascript", "typescript"}
    assert set(lx.GRAMMARS) >= {"go", "rust", "shell", "html", "css", "sql"}


def test_garbage_is_refused_with_a_message():
    with pytest.raises(CodeParseError, match="could not parse 9\\d% of its bytes"):
        lx.parse("}}}} ((( ]]] {{{{ ))) ]]] [[[ ", "python", "junk.py")


def _naive_leaves(text: str, language: str, source: str = ""):
    """Leaves and categories from a recursive walk over ``Node.children`` and the rules as
    written in the issue (independent of the cursor walk and the kind table)."""
    import tree_sitter

    grammar = lx._grammar(language, source)
    module = __import__(grammar.module)
    lang = tree_sitter.Language(getattr(module, grammar.function)())
    tree = tree_sitter.Parser(lang).parse(text.encode("utf-8"))
    out = []

    def visit(node, ancestors):
        if node.child_count == 0:
            if node.end_byte > node.start_byte:
                types = [node.type, *ancestors]
                if any("comment" in t for t in types):
                    cat = "comment"
                elif any("string" in t for t in types):
                    cat = "string"
                elif node.is_named and node.type.endswith("identifier"):
                    cat = "identifier"
                elif node.is_named and (
                    any(w in node.type for w in ("integer", "float", "number"))
                    or node.type in ("int_literal", "imaginary_literal")
                ):
                    cat = "number"
                elif not node.is_named and re.fullmatch(r"[A-Za-z_]+", node.type):
                    cat = "keyword"
                elif not node.is_named:
                    cat = "operator"
                else:
                    cat = "other"
                out.append((node.start_byte, node.end_byte, cat))
            return
        for child in node.children:
            visit(child, [node.type, *ancestors])

    visit(tree.root_node, [])
    return sorted(out)


def test_cursor_walk_equals_a_naive_walk_on_every_sample_language():
    corpus = load_sample_corpus()
    seen = set()
    for doc in corpus.documents:
        if not lx.has_grammar(doc.language):
            continue
        leaves = lx.parse_document(doc)
        got = sorted(
            zip(
                leaves.starts.tolist(),
                leaves.ends.tolist(),
                [lx.CATEGORIES[c] for c in leaves.categories],
                strict=True,
            )
        )
        assert got == _naive_leaves(doc.text, doc.language, doc.source), doc.source
        assert (leaves.ends > leaves.starts).all()
        assert (leaves.starts[1:] >= leaves.ends[:-1]).all(), "leaves never overlap"
        assert leaves.error_bytes <= lx.MAX_ERROR_SHARE * doc.n_bytes
        seen.add(doc.language)
    assert seen == set(lx.GRAMMARS)  # every grammar met a real sample file


def test_counts_and_masks():
    leaves = lx.parse("x = 1  # c\n", "python")
    counts = dict(zip(lx.CATEGORIES, leaves.counts().tolist(), strict=True))
    assert counts == {
        "comment": 1,
        "string": 0,
        "identifier": 1,
        "number": 1,
        "keyword": 0,
        "operator": 1,
        "other": 0,
    }
    assert leaves.of(lx.IDENTIFIER, lx.NUMBER).sum() == 2
    assert len(lx.parse("", "python")) == 0
