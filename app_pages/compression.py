"""Compression: bytes/token, NSL against a base, and the spread over documents, per language."""

import streamlit as st

from tokdash.analysis import metrics
from tokdash.analysis.stats_io import bundle_zip
from tokdash.scale.report import skipped_summary
from tokdash.ui import selection
from tokdash.ui.widgets import progress_bar, table_with_download
from tokdash.viz import charts
from tokdash.words import plural

st.title("Compression")
st.caption(
    "How many tokens each tokenizer needs for your corpus. Ratios are totals over totals "
    "(all bytes / all tokens), per language and overall (ALL). NSL = tokens(T) / tokens(base) on "
    "the same documents: below 1 means fewer tokens than the base, so more code per context "
    "window and more characters per generated token."
)

alpha = st.sidebar.number_input(
    "Rényi alpha", min_value=0.0, max_value=10.0, value=2.5, step=0.5, key="cmp_alpha"
)
with progress_bar() as progress:
    toks, cmp = selection.selection_comparison(with_base=True, progress=progress, allow_stats=True)
table = cmp.table(alpha=alpha)
stats = cmp.stats

st.markdown(
    f"**{stats.meta.get('corpus') or stats.name}**: {plural(stats.n_documents, 'document')}, "
    f"{stats.n_bytes / 1e6:.2f} MB, "
    f"languages: {', '.join(stats.languages)}. Base: `{cmp.base}`."
)
if stats.skipped_total:
    with st.expander(skipped_summary(stats)):
        st.dataframe(stats.skipped_report(), hide_index=True)

overall = table[table["language"] == "ALL"].set_index("tokenizer")
cols = st.columns(min(len(overall), 4))
for i, (tid, row) in enumerate(overall.iterrows()):
    nsl = "" if row["nsl"] != row["nsl"] else f"NSL {row['nsl']:.3f}"
    cols[i % len(cols)].metric(
        f"{tid}: bytes/token",
        f"{row['bytes_per_token']:.3f}",
        nsl or None,
        delta_color="off",
        delta_arrow="off",
    )

metric = st.radio(
    "Metric",
    ["bytes_per_token", "chars_per_token", "tokens_per_line", "nsl"],
    horizontal=True,
    key="cmp_metric",
)
st.plotly_chart(charts.bytes_per_token_bars(table, metric), width="stretch")
if cmp.base is not None:
    matrix = metrics.nsl_matrix(table)
    st.plotly_chart(charts.nsl_heatmap(matrix, cmp.base), width="stretch")
per_doc = cmp.per_document()
st.plotly_chart(charts.document_box(per_doc, metric), width="stretch")
st.caption(f"Spread over {cmp.sample_note()}.")

st.subheader("Full table")
table_with_download(table, "compression.csv", key="dl_compression", width="stretch")
st.download_button(
    "Download the statistics (zip)",
    data=lambda: bundle_zip(cmp.stamped(alpha)),
    file_name="tokdash-statistics.zip",
    mime="application/zip",
    key="dl_stats_zip",
    help="Counts only, no text: open it later as 'Saved statistics' in the sidebar (here or on "
    "a hosted demo), or rebuild every CSV with `python -m tokdash report --stats-dir`.",
)
with st.expander("Per-document numbers"):
    table_with_download(per_doc, "documents.csv", key="dl_documents", width="stretch")
