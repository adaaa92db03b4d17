"""Vocabulary: how much of each vocabulary your corpus uses, Zipf curves, token lengths."""

import pandas as pd
import streamlit as st

from tokdash.analysis import metrics
from tokdash.analysis.compare import vocab_table
from tokdash.ui import selection
from tokdash.ui.widgets import table_with_download
from tokdash.viz import charts

st.title("Vocabulary")
st.caption(
    "A token the corpus never uses still costs an embedding row and an output-layer column. "
    "Utilization = share of the vocabulary seen at least once; whitespace share = share of "
    "token occurrences that are only spaces, tabs or newlines (indentation)."
)

toks, cmp = selection.selection_comparison(with_base=False, allow_stats=True)
vocabularies = {t.id: t for t in toks}

languages = ["ALL", *cmp.stats.languages]
language = st.selectbox("Language", languages, key="voc_language")
lang_arg = None if language == "ALL" else language

vocab = vocab_table(cmp.stats.select(cmp.tokenizer_ids))
st.plotly_chart(charts.utilization_bars(vocab), width="stretch")

curves = {}
hists = []
for tid in cmp.tokenizer_ids:
    counts = cmp.encodings[tid].counts(lang_arg)
    curves[tid] = metrics.zipf_curve(counts)
    if tid in vocabularies:
        h = metrics.token_length_histogram(counts, vocabularies[tid].vocab_bytes(), weighted=True)
        hists.append(h.assign(tokenizer=tid))
missing = [t for t in cmp.tokenizer_ids if t not in vocabularies]
if missing:
    st.caption(
        f"Token lengths and token strings need the vocabulary of {', '.join(missing)}, which "
        "does not load here: load it in the sidebar to see them."
    )
left, right = st.columns(2)
left.plotly_chart(charts.zipf_curves(curves), width="stretch")
hist = pd.concat(hists, ignore_index=True) if hists else pd.DataFrame()
if hists:
    right.plotly_chart(charts.token_length_histogram(hist), width="stretch")

st.subheader("Utilization table")
table_with_download(vocab, "vocabulary.csv", key="dl_vocab", width="stretch")

st.subheader("Top and unused tokens")
if not vocabularies:
    st.stop()
pick = st.selectbox("Tokenizer", list(vocabularies), key="voc_tok")
tok = vocabularies[pick]
counts = cmp.encodings[tok.id].counts(lang_arg)
n_top = st.slider("How many top tokens", 10, 500, 50, key="voc_top")
top_col, unused_col = st.columns(2)
with top_col:
    st.markdown(f"**Most frequent tokens** ({language})")
    top = metrics.top_tokens(counts, tok.vocab_bytes(), n_top)
    table_with_download(top, f"top_tokens_{tok.id}.csv", key="dl_top", width="stretch")
with unused_col:
    unused = metrics.unused_tokens(counts, tok.vocab_bytes(), tok.special_ids)
    st.markdown(f"**Never used** ({len(unused):,} of {tok.vocab_size:,}, {language})")
    table_with_download(unused, f"unused_tokens_{tok.id}.csv", key="dl_unused", width="stretch")
with st.expander("Length histogram numbers"):
    table_with_download(hist, "token_lengths.csv", key="dl_hist", width="stretch")
