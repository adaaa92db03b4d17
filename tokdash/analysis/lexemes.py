"""Lexemes: a document parsed with tree-sitter and reduced to its categorized leaves.

Grammars come from the per-language PyPI wheels (``tree-sitter-python``, ``-c``, ...), which ship
compiled grammars and work offline; `GRAMMARS` maps the corpus's language tags to them, and a
language without a grammar is reported as such (`NoGrammarError`), never guessed.

A *leaf* is a node of the parse tree with no children and a non-empty byte span. Each leaf gets
one category, the first rule that holds:

1. ``comment``: its type, or an ancestor's, contains ``comment`` (an ancestor too, because some
   grammars, e.g. Rust's, make ``//`` a leaf of a ``line_comment`` node);
2. ``string``: its type, or an ancestor's, contains ``string``;
3. ``identifier``: named, type ends with ``identifier``;
4. ``number``: named, type contains ``integer``, ``float`` or ``number`` (or is Go's
   ``int_literal`` / ``imaginary_literal``, which name no such word);
5. ``keyword``: anonymous, type matches ``[A-Za-z_]+``;
6. ``operator``: anonymous otherwise;
7. ``other``.

Code lexemes are identifiers, numbers, keywords and operators (`CODE_CATEGORIES`).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath

import numpy as np

from tokdash.errors import CodeParseError, NoGrammarError

CATEGORIES: tuple[str, ...] = (
    "comment",
    "string",
    "identifier",
    "number",
    "keyword",
    "operator",
    "other",
)
COMMENT, STRING, IDENTIFIER, NUMBER, KEYWORD, OPERATOR, OTHER = range(len(CATEGORIES))
#: Categories that are code lexemes (what `lexeme_integrity` counts).
CODE_CATEGORIES: tuple[int, ...] = (IDENTIFIER, NUMBER, KEYWORD, OPERATOR)

#: A document whose bytes lie under ERROR nodes for more than this share is refused: the grammar
#: does not understand it (wrong language, or not code), so its leaves would mean little.
MAX_ERROR_SHARE = 0.5

_KEYWORD = re.compile(r"[A-Za-z_]+")
_NUMBER_WORDS = ("integer", "float", "number")
_NUMBER_TYPES = frozenset({"int_literal", "imaginary_literal"})


@dataclass(frozen=True)
class Grammar:
    """A tree-sitter grammar wheel: its PyPI name, module and the function giving the grammar."""

    package: str
    module: str
    function: str = "language"


#: Corpus language tag -> grammar (tags as in `tokdash.corpus.LANGUAGE_BY_EXTENSION`).
GRAMMARS: dict[str, Grammar] = {
    "python": Grammar("tree-sitter-python", "tree_sitter_python"),
    "c": Grammar("tree-sitter-c", "tree_sitter_c"),
    "cpp": Grammar("tree-sitter-cpp", "tree_sitter_cpp"),
    "java": Grammar("tree-sitter-java", "tree_sitter_java"),
    "javascript": Grammar("tree-sitter-javascript", "tree_sitter_javascript"),
    "typescript": Grammar(
        "tree-sitter-typescript", "tree_sitter_typescript", "language_typescript"
    ),
    "go": Grammar("tree-sitter-go", "tree_sitter_go"),
    "rust": Grammar("tree-sitter-rust", "tree_sitter_rust"),
    "shell": Grammar("tree-sitter-bash", "tree_sitter_bash"),
    "html": Grammar("tree-sitter-html", "tree_sitter_html"),
    "css": Grammar("tree-sitter-css", "tree_sitter_css"),
    "sql": Grammar("tree-sitter-sql", "tree_sitter_sql"),
}
#: ``.tsx`` files are tagged ``typescript`` but need the TSX grammar.
_TSX = Grammar("tree-sitter-typescript", "tree_sitter_typescript", "language_tsx")


def has_grammar(language: str) -> bool:
    """Whether ``language`` (a corpus language tag) has a grammar here."""
    return language in GRAMMARS


def split_by_grammar(languages) -> tuple[list[str], list[str]]:
    """``(with a grammar, without one)``, each sorted."""
    langs = sorted(set(languages))
    return [g for g in langs if has_grammar(g)], [g for g in langs if not has_grammar(g)]


def _grammar(language: str, source: str = "") -> Grammar:
    if language == "typescript" and PurePosixPath(source).suffix.lower() == ".tsx":
        return _TSX
    grammar = GRAMMARS.get(language)
    if grammar is None:
        known = ", ".join(sorted(GRAMMARS))
        raise NoGrammarError(
            f"no tree-sitter grammar for {language!r}: code structure is measured only for {known}"
        )
    return grammar


@cache
def _load(grammar: Grammar):
    """The `tree_sitter.Language` of ``grammar`` and its per-kind category table."""
    try:
        import tree_sitter

        module = importlib.import_module(grammar.module)
        lang = tree_sitter.Language(getattr(module, grammar.function)())
    except ImportError as exc:
        raise NoGrammarError(
            f"the grammar package {grammar.package} is not installed: "
            f"pip install -r requirements.txt ({exc})"
        ) from exc
    return lang, _kind_table(lang)


#: Kind ids are uint16; tree-sitter's ERROR kind is 65535, past every grammar's own kinds.
_KIND_SPACE = 65536


def _kind_table(lang) -> tuple[np.ndarray, list[int], np.ndarray]:
    """Per kind id (all 65,536, so ERROR's 65535 indexes too): the leaf's own category (rules
    3-7, an int8 array) and its mark, 1/2 when the kind's name contains ``comment``/``string``
    (rules 1-2, inherited by descendants), else 0: a list for the walk, which indexes it per
    node, and the same as an int8 array."""
    own = np.full(_KIND_SPACE, OTHER, dtype=np.int8)
    marks = [0] * _KIND_SPACE
    for kid in range(lang.node_kind_count):
        name = lang.node_kind_for_id(kid) or ""
        named = lang.node_kind_is_named(kid)
        marks[kid] = 1 if "comment" in name else 2 if "string" in name else 0
        if named and name.endswith("identifier"):
            own[kid] = IDENTIFIER
        elif named and (name in _NUMBER_TYPES or any(w in name for w in _NUMBER_WORDS)):
            own[kid] = NUMBER
        elif not named and _KEYWORD.fullmatch(name):
            own[kid] = KEYWORD
        elif not named:
            own[kid] = OPERATOR
    return own, marks, np.asarray(marks, dtype=np.int8)


@dataclass(frozen=True)
class Leaves:
    """The leaves of one parsed document, sorted by start.

    ``starts``/``ends`` are byte offsets (int64) into the document's UTF-8 text, ``categories``
    indexes `CATEGORIES` (int8), ``kinds`` the grammar's node kind ids (`kind_names` turns them
    into types). ``error_bytes``: bytes under ERROR nodes (0 for a clean parse).
    """

    language: str
    n_bytes: int
    starts: np.ndarray
    ends: np.ndarray
    categories: np.ndarray
    kinds: np.ndarray
    error_bytes: int = 0
    grammar: Grammar | None = None

    def __len__(self) -> int:
        return int(self.starts.size)

    def of(self, *categories: int) -> np.ndarray:
        """Boolean mask of the leaves in ``categories``."""
        return np.isin(self.categories, categories)

    def kind_names(self) -> list[str]:
        """The node type of each leaf."""
        if self.grammar is None:
            return [""] * len(self)
        lang, _ = _load(self.grammar)
        return [lang.node_kind_for_id(int(k)) or "" for k in self.kinds]

    def counts(self) -> np.ndarray:
        """Leaves per category (int64, in `CATEGORIES` order)."""
        return np.bincount(self.categories, minlength=len(CATEGORIES)).astype(np.int64)


def parse(text: str | bytes, language: str, source: str = "") -> Leaves:
    """The leaves of ``text`` under ``language``'s grammar.

    Raises `NoGrammarError` for a language without a grammar and `CodeParseError` when the
    parser fails or more than `MAX_ERROR_SHARE` of the bytes lie under ERROR nodes.
    """
    grammar = _grammar(language, source)
    lang, (own, marks, mark_array) = _load(grammar)
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    import tree_sitter

    label = source or f"this {language} text"
    try:
        tree = tree_sitter.Parser(lang).parse(data)
    except Exception as exc:  # the C parser's failures surface as plain exceptions
        raise CodeParseError(f"{label}: tree-sitter could not parse it ({exc})") from exc
    root = tree.root_node
    error_bytes = _error_bytes(root) if root.has_error else 0
    if data and error_bytes > MAX_ERROR_SHARE * len(data):
        raise CodeParseError(
            f"{label}: the {language} grammar could not parse {error_bytes / len(data):.0%} of "
            f"its bytes; is it really {language}?"
        )
    flat = np.asarray(_walk(tree, marks), dtype=np.int64).reshape(-1, 4)
    starts, ends, kinds, inherited = flat[:, 0], flat[:, 1], flat[:, 2], flat[:, 3]
    # A leaf's effective mark: comment (1) if it or an ancestor is one, else string (2) if it or
    # an ancestor is one; `_walk` gives the ancestors' (``inherited``), the kind its own.
    own_mark = mark_array[kinds]
    cats = own[kinds]
    cats[(own_mark == 2) | (inherited == 2)] = STRING
    cats[(own_mark == 1) | (inherited == 1)] = COMMENT
    if starts.size > 1 and not bool(np.all(starts[1:] >= starts[:-1])):
        order = np.argsort(starts, kind="stable")  # a pre-order walk is sorted already
        starts, ends, kinds, cats = starts[order], ends[order], kinds[order], cats[order]
    return Leaves(
        language=language,
        n_bytes=len(data),
        starts=np.ascontiguousarray(starts),
        ends=np.ascontiguousarray(ends),
        categories=np.ascontiguousarray(cats, dtype=np.int8),
        kinds=kinds.astype(np.uint16),
        error_bytes=int(error_bytes),
        grammar=grammar,
    )


def parse_document(doc) -> Leaves:
    """`parse` of a `tokdash.corpus.Document` (its source name picks TSX for ``.tsx``)."""
    return parse(doc.text, doc.language, doc.source)


def _walk(tree, marks: list[int]) -> list[int]:
    """Every non-empty leaf of ``tree`` as a flat list of (start, end, kind id, inherited mark)
    quadruples, in pre-order (sorted by start). The inherited mark is 1 under a comment node, 2
    under a string node (comment wins), else 0. A cursor walk with its methods bound once: this
    loop is most of a parse's Python time, so it does nothing per node it can leave to numpy."""
    out: list[int] = []
    extend = out.extend
    cursor = tree.walk()
    first_child = cursor.goto_first_child
    next_sibling = cursor.goto_next_sibling
    parent = cursor.goto_parent
    stack: list[int] = []
    push = stack.append
    pop = stack.pop
    inherited = 0
    while True:
        node = cursor.node
        if first_child():
            push(inherited)
            if inherited != 1:
                mark = marks[node.kind_id]
                if mark:
                    inherited = mark
            continue
        start, end = node.byte_range
        if end > start:
            extend((start, end, node.kind_id, inherited))
        while not next_sibling():
            if not parent():
                return out
            inherited = pop()


def _error_bytes(root) -> int:
    """Bytes under ERROR nodes (outermost ones), visiting only subtrees that hold an error."""
    total = 0
    todo = [root]
    while todo:
        node = todo.pop()
        if node.is_error:
            total += node.end_byte - node.start_byte
        elif node.has_error:
            todo.extend(node.children)
    return total
