"""Paper check: the paper's tokenizers next to yours, its findings measured on your corpus."""

import streamlit as st

from tokdash.errors import TokdashError
from tokdash.paper import replication
from tokdash.tokenizers.catalog import CATALOG, PAPER_BASE, PAPER_REPO
from tokdash.tokenizers.registry import is_cached
from tokdash.ui import cache, selection
from tokdash.ui.sidebar import CUSTOM_KEY, corpus_key, selected_corpus, tokenizer_key
from tokdash.ui.widgets import table_with_download
from tokdash.viz.paper_chart import nsl_vocab_figure

st.title("Paper check")
st.caption(
    f"{replication.PAPER}. The authors' own tokenizers (GPT-4 regex, Punct and Identity at 32k, "
    "64k and 80k, and the merged 80k model) are encoded next to Llama 2 (the paper's base), "
    "GPT-4's cl100k_base and the tokenizers you trained or uploaded in this session, on the corpus "
    "picked in the sidebar. Each finding shows what is measured here next to what the paper "
    "reports. NSL = tokens(T) / tokens(Llama 2) on the same documents; lower is better."
)

missing = [tid for tid in replication.PAPER_IDS if not is_cached(CATALOG[tid])]
if missing:
    st.warning(
        f"{len(missing)} of the paper's {len(replication.PAPER_IDS)} tokenizers are not here: "
        f"{', '.join(missing)}. Set TOKDASH_PAPER_DIR to a folder holding the authors' files "
        f"(github.com/{PAPER_REPO}, folder tokenizers/, MIT), or run `python -m tokdash "
        "paper-check --corpus sample` once while online: it downloads them (sha256-checked) "
        "into the cache. The findings that need them say n/a."
    )

averaging = st.radio(
    "NSL averaging",
    list(replication.AVERAGING),
    format_func=lambda a: {"total": "total over total (default)", "paper": "the authors' way"}[a],
    horizontal=True,
    key="pc_averaging",
    help="Total over total counts every token of the category's documents; the authors "
    "average the NSL of each dataset (here: each language) within code and within English.",
)

corpus = selected_corpus()
if corpus is None:
    st.stop()
ckey = corpus_key()
specs = [tid for tid in replication.check_tokenizer_ids() if is_cached(CATALOG[tid])]
toks, errors = cache.try_tokenizers(specs)
for msg in errors:
    st.error(msg)
toks += [t for t in st.session_state.get(CUSTOM_KEY, {}).values() if t.id not in specs]


run_key = (ckey, tuple(tokenizer_key(t) for t in toks), averaging)
previous = st.session_state.get("pc_result")
if previous is None or previous.get("key") != run_key:
    bar = st.progress(0.0, text=f"Encoding {corpus.name} with {len(toks)} tokenizers ...")
    try:
        english = None
        if replication.ENGLISH not in corpus.languages:
            english = cache.named_corpus(replication.ENGLISH_REFERENCE)
        findings, points, used_reference = replication.run_check(
            toks,
            corpus.documents,
            corpus.languages,
            averaging,
            english_documents=english.documents if english is not None else None,
            encode=selection.cached_encoder(ckey),
            english_encode=selection.cached_encoder(replication.ENGLISH_REFERENCE),
            progress=lambda msg, frac: bar.progress(min(frac, 1.0), text=msg),
        )
        st.session_state["pc_result"] = {
            "key": run_key,
            "findings": findings,
            "points": points,
            "corpus": corpus.name,
            "summary": f"{len(corpus.documents):,} documents, {corpus.n_bytes / 1e6:.2f} MB, "
            f"languages: {', '.join(corpus.languages)}",
            "english": english.name if used_reference else "",
            "averaging": averaging,
        }
    except TokdashError as exc:
        st.error(str(exc))
    bar.empty()

result = st.session_state.get("pc_result")
if result is None:
    st.stop()

findings, points = result["findings"], result["points"]
st.markdown(
    f"**{result['corpus']}**: {result['summary']}."
    + (
        f" English for finding 3 comes from the reference corpus *{result['english']}* (the "
        "selected corpus has no English document)."
        if result["english"]
        else ""
    )
)
st.info(f"NSL shown: **{replication.AVERAGING[result['averaging']]}**.")

COLOURS = {"yes": "green", "partial": "orange", "no": "red", "n/a": "gray"}


def _md(text: str) -> str:
    """Plain text for st.markdown (no emphasis from underscores or stars)."""
    return str(text).replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


st.subheader("Findings")
cells = st.columns(2)
for i, row in enumerate(findings.itertuples()):
    with cells[i % 2].container(border=True):
        st.markdown(
            f"**{row.finding}. {_md(row.claim)}**  \n"
            f"Holds here: :{COLOURS.get(row.holds, 'gray')}[**{row.holds}**]"
        )
        st.markdown("**Measured here:**  \n" + _md(row.measured).replace("; ", "  \n"))
        st.markdown("**The paper reports:**  \n" + _md(row.paper).replace("; ", "  \n"))
        st.caption(f"Source: {row.source}")
with st.expander("Findings as a table (CSV)"):
    table_with_download(findings, "paper_check.csv", key="dl_paper_check", width="stretch")

st.subheader("NSL against vocabulary size")
column = st.radio(
    "Documents",
    ["code_nsl", "english_nsl"],
    format_func=lambda c: {"code_nsl": "code", "english_nsl": "English"}[c],
    horizontal=True,
    key="pc_chart_column",
)
st.plotly_chart(nsl_vocab_figure(points, PAPER_BASE, column), width="stretch")
st.caption(
    "Dashed line: the NSL the authors report for BPE tokenizers with the GPT-4 regex trained on "
    f"70% code ({replication.RESULTS_SOURCE}; mean over their datasets). Points: measured here on "
    f"{result['corpus']}, NSL {replication.AVERAGING[result['averaging']].split(':')[0]}."
)
nsl_format = {
    c: st.column_config.NumberColumn(format="%.4f") for c in replication.POINT_COLUMNS[3:]
}
table_with_download(
    points,
    "paper_check_points.csv",
    key="dl_paper_points",
    width="stretch",
    column_config=nsl_format,
)
with st.expander("The paper's reported curve (transcribed)"):
    table_with_download(
        replication.reference_curve(),
        "paper_reference_nsl.csv",
        key="dl_paper_ref",
        width="stretch",
    )
