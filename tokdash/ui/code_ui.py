"""The Code structure page's flow: the sidebar's corpus parsed once (cached per corpus), each
tokenizer's code counts cached per (tokenizer, corpus), the document view and the audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from tokdash.analysis.code_compare import ParsedCorpus, code_counts, parse_corpus
from tokdash.analysis.code_metrics import CodeCounts, cutting_tokens, document_counts
from tokdash.analysis.vocab_audit import (
    Audit,
    audit_examples,
    audit_summary,
    audit_table,
    audit_vocabulary,
)
from tokdash.errors import TokdashError
from tokdash.tokenizers import Tokenizer
from tokdash.ui import drawing
from tokdash.ui.cache import TTL
from tokdash.ui.selection import cached_encoder
from tokdash.ui.sidebar import corpus_key, load_selected, selected_corpus, tokenizer_key
from tokdash.ui.widgets import csv_bytes, table_with_download
from tokdash.viz.code_charts import audit_bars
from tokdash.viz.render import render_spans
from tokdash.words import plural

#: Tokens drawn in the document view by default (each is an element with a hover title: a
#: long document costs the browser seconds to draw, and every rerun of the page draws it again),
#: and at most.
DRAW_TOKENS = 1_500
DRAW_TOKENS_MAX = 20_000


@st.cache_resource(show_spinner="Parsing the corpus with tree-sitter ...", max_entries=8, ttl=TTL)
def _parsed(_documents, corpus_key: str) -> ParsedCorpus:
    """The corpus's parsed documents and leaves (shared; never mutate)."""
    return parse_corpus(_documents)


@st.cache_data(max_entries=128, ttl=TTL, show_spinner=False)
def _counts(_tok: Tokenizer, tok_key: str, _parsed: ParsedCorpus, corpus_key: str):
    """Per-language `CodeCounts` of one tokenizer on the parsed corpus."""
    return code_counts(_tok, _parsed)


@st.cache_data(max_entries=64, ttl=TTL, show_spinner=False)
def _audit(_tok: Tokenizer, tok_key: str) -> Audit:
    """The audit of every id of one tokenizer."""
    return audit_vocabulary(_tok)


def selection() -> tuple[list[Tokenizer], object, ParsedCorpus, dict[str, dict[str, CodeCounts]]]:
    """The sidebar's tokenizers, its corpus parsed, and each tokenizer's counts; stops the page
    with a message when nothing can be measured."""
    toks = load_selected()
    corpus = selected_corpus()
    if not toks or corpus is None:
        st.info("Pick tokenizers and a corpus in the sidebar.")
        st.stop()
    try:
        parsed = _parsed(corpus.documents, corpus_key())
    except TokdashError as exc:
        st.error(str(exc))
        st.stop()
    results: dict[str, dict[str, CodeCounts]] = {}
    bar = st.progress(0.0, text="Encoding ...")
    for i, tok in enumerate(toks):
        bar.progress(i / len(toks), text=f"{tok.id}: tokens against lexemes ...")
        try:
            results[tok.id] = _counts(tok, tokenizer_key(tok), parsed, corpus_key())
        except TokdashError as exc:
            st.error(f"{tok.id}: {exc}")
    bar.empty()
    if not results:
        st.stop()
    return [t for t in toks if t.id in results], corpus, parsed, results


def coverage_note(corpus, parsed: ParsedCorpus) -> None:
    """Which documents were measured, and which languages have no grammar (never guessed)."""
    measured = f"**{corpus.name}**: {plural(len(parsed.documents), 'document')} parsed"
    measured += f" in {parsed.seconds:.2f} s ({', '.join(parsed.languages)})"
    if parsed.no_grammar:
        left = ", ".join(f"{lang} ({n})" for lang, n in sorted(parsed.no_grammar.items()))
        measured += f". No tree-sitter grammar, not measured: {left}"
    st.markdown(measured + ".")
    if parsed.skipped:
        with st.expander(f"{plural(len(parsed.skipped), 'document')} the parser refused"):
            st.dataframe(
                [{"document": s.source, "reason": s.reason} for s in parsed.skipped],
                hide_index=True,
            )


def worst_columns(worst: pd.DataFrame) -> pd.DataFrame:
    """The worst identifiers as one column per tokenizer: ``pieces (tokens)``."""
    cols = {}
    for tid, rows in worst.groupby("tokenizer", sort=False):
        cols[tid] = [f"{p}  ({n})" for p, n in zip(rows["pieces"], rows["tokens"], strict=True)]
    width = max((len(v) for v in cols.values()), default=0)
    return pd.DataFrame({k: v + [""] * (width - len(v)) for k, v in cols.items()})


def document_view(toks: list[Tokenizer], parsed: ParsedCorpus, language: str) -> None:
    """One document cut by one tokenizer, tokens cutting a code lexeme underlined in red."""
    idx = [i for i, d in enumerate(parsed.documents) if language in ("ALL", d.language)]
    left, mid, right = st.columns([3, 2, 1])
    pick = left.selectbox(
        "Document", idx, format_func=lambda i: parsed.documents[i].source, key="code_doc"
    )
    tok_id = mid.selectbox("Tokenizer", [t.id for t in toks], key="code_doc_tok")
    draw = right.number_input(
        "Tokens drawn",
        min_value=100,
        max_value=DRAW_TOKENS_MAX,
        value=DRAW_TOKENS,
        step=500,
        key="code_doc_draw",
        help="The metrics above count the whole document; this draws its first tokens.",
    )
    tok = next(t for t in toks if t.id == tok_id)
    doc, leaves = parsed.documents[pick], parsed.leaves[pick]
    try:
        view = drawing.encoded(tok, tokenizer_key(tok), doc.text)
    except TokdashError as exc:
        st.error(f"{tok.id}: {exc}")
        return
    starts, ends = view.spans[:, 0], view.spans[:, 1]
    cuts = cutting_tokens(leaves, starts, ends)
    c = document_counts(leaves, starts, ends, doc.text.encode("utf-8")).metrics()
    cols = st.columns(4)
    cols[0].metric("tokens cutting a code lexeme", f"{int(cuts.sum()):,} of {view.n_tokens:,}")
    cols[1].metric("code lexemes kept whole", f"{c['lexeme_integrity']:.1%}")
    cols[2].metric("identifiers kept whole", f"{c['identifier_integrity']:.1%}")
    cols[3].metric("tokens crossing 2+ leaves", f"{c['crossing_rate']:.1%}")
    marks = np.where(cuts, "cut", "").tolist()
    html = render_spans(
        doc.text, view.spans.tolist(), ids=view.ids.tolist(), max_tokens=int(draw), marks=marks
    )
    st.caption(
        "Red underline: the token starts or ends inside a code lexeme (identifier, "
        "number, keyword or operator). Hover a token for its id and bytes."
    )
    st.html(f'<div style="max-height: 30rem; overflow-y: auto">{html}</div>')


def audit_section(toks: list[Tokenizer], corpus) -> None:
    """Counts per audit category side by side, examples, and the full audit as CSV."""
    items: list[tuple[Tokenizer, Audit, np.ndarray | None]] = []
    with st.spinner("Auditing the vocabularies (encoding each token's own text) ..."):
        for tok in toks:
            try:
                audit = _audit(tok, tokenizer_key(tok))
                stats = cached_encoder(corpus_key())(tok, corpus.documents)
                counts = stats.tokenizers[tok.id].counts()
            except TokdashError as exc:
                st.error(f"{tok.id}: {exc}")
                continue
            items.append((tok, audit, counts))
    if not items:
        return
    summary = audit_summary([(a, c) for _, a, c in items])
    st.plotly_chart(audit_bars(summary), width="stretch")
    table_with_download(summary, "audit_summary.csv", key="dl_audit_summary", width="stretch")
    pick = st.selectbox("Examples of", [t.id for t, _, _ in items], key="code_audit_tok")
    tok, audit, _ = next(item for item in items if item[0].id == pick)
    st.dataframe(audit_examples(tok, audit), hide_index=True, width="stretch")

    def full_csv() -> bytes:
        return csv_bytes(pd.concat([audit_table(t, a, c) for t, a, c in items], ignore_index=True))

    st.download_button(
        "Download audit.csv (every id)",
        full_csv,
        file_name="audit.csv",
        mime="text/csv",
        key="dl_audit",
        on_click="ignore",
    )
