"""Code structure: how tokens line up with the language's own lexemes, and a vocabulary audit."""

import streamlit as st

from tokdash.analysis.code_compare import code_table, worst_table
from tokdash.ui import code_ui
from tokdash.ui.widgets import table_with_download
from tokdash.viz import code_charts
from tokdash.viz.render import css

st.title("Code structure")
st.caption(
    "Compression says how many tokens; this page says whether they respect the code. Each "
    "document is parsed with tree-sitter; its leaves are comments, strings and the code lexemes "
    "(identifiers, numbers, keywords, operators). A lexeme is kept whole when no token boundary "
    "falls inside it; a boundary is aligned when it cuts no code lexeme (boundaries inside "
    "comments and strings are not scored). Ratios are totals over totals."
)
st.html(css())

toks, corpus, parsed, results = code_ui.selection()
code_ui.coverage_note(corpus, parsed)
table = code_table(results)

language = st.selectbox("Language", ["ALL", *parsed.languages], key="code_language")
st.plotly_chart(code_charts.share_bars(table, language), width="stretch")
left, right = st.columns(2)
left.plotly_chart(code_charts.tokens_per_lexeme_bars(table, language), width="stretch")
right.plotly_chart(code_charts.digit_group_bars(table, language), width="stretch")

shown = table[table["language"] == language][
    [
        "tokenizer",
        "tokens",
        "lexemes",
        "lexeme_integrity",
        "identifier_integrity",
        "boundary_alignment",
        "crossing_rate",
        "identifier_tokens_mean",
    ]
]
share = st.column_config.NumberColumn(format="percent")
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_config={
        "lexeme_integrity": share,
        "identifier_integrity": share,
        "boundary_alignment": share,
        "crossing_rate": share,
        "identifier_tokens_mean": st.column_config.NumberColumn(format="%.3f"),
    },
)
with st.expander("Full table (every language and metric)"):
    table_with_download(table, "code_metrics.csv", key="dl_code", width="stretch")

st.subheader("Most fragmented identifiers")
st.caption("Per tokenizer, the identifiers cut into the most tokens (pieces split by |).")
worst = worst_table(results, language, top=10)
st.dataframe(code_ui.worst_columns(worst), hide_index=True, width="stretch")
with st.expander("As a table"):
    table_with_download(worst, "worst_identifiers.csv", key="dl_worst", width="stretch")

st.subheader("Document view")
code_ui.document_view(toks, parsed, language)

st.subheader("Vocabulary audit")
st.caption(
    "Every id: special (control, or no token), partial_utf8 (not valid UTF-8 alone: part of a "
    "character), ok (its own text encodes to exactly this id) or unreachable (it encodes to "
    "something else, so text never produces it and its embedding never trains). SentencePiece's "
    "dummy-prefix space is turned off for the check. Never seen: non-special ids the sidebar's "
    "corpus does not use."
)
code_ui.audit_section(toks, corpus)
