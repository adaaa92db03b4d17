"""tokdash: the Streamlit entry point (navigation and the shared sidebar)."""


def main() -> None:
    """Navigation, the shared sidebar, and the chosen page's run (timed)."""
    import streamlit as st

    from tokdash.ui.guard import guarded
    from tokdash.ui.sidebar import render_sidebar
    from tokdash.ui.style import inject_css
    from tokdash.ui.timing import timed_run

    st.set_page_config(page_title="tokdash", page_icon="🔤", layout="wide")
    inject_css()
    pages = [
        st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("app_pages/catalog.py", title="Catalog", icon=":material/menu_book:"),
        st.Page("app_pages/tokens.py", title="Tokens", icon=":material/search:"),
        st.Page("app_pages/regex_splits.py", title="Regex splits", icon=":material/content_cut:"),
        st.Page("app_pages/compression.py", title="Compression", icon=":material/compress:"),
        st.Page("app_pages/vocabulary.py", title="Vocabulary", icon=":material/abc:"),
        st.Page(
            "app_pages/code_structure.py", title="Code structure", icon=":material/account_tree:"
        ),
        st.Page("app_pages/train.py", title="Train", icon=":material/model_training:"),
        st.Page("app_pages/speed.py", title="Speed", icon=":material/speed:"),
        st.Page("app_pages/swap.py", title="Swap", icon=":material/swap_horiz:"),
        st.Page("app_pages/paper_check.py", title="Paper check", icon=":material/article:"),
    ]
    pg = st.navigation(pages)
    guarded(render_sidebar, "the sidebar")
    try:
        title = pg.title
    except AttributeError:  # app.py run bare (no Streamlit runtime): no page
        title = "?"
    timed_run(title, lambda: guarded(pg.run))


# A worker process started with multiprocessing's "spawn" (the tree-sitter parse pool,
# datatrove's local executor) first re-runs its parent's main module as "__mp_main__". Under
# Streamlit (and AppTest) that module is this file: a worker needs none of it, and importing the
# UI cost ~150 MB and seconds per worker.
if __name__ != "__mp_main__":
    main()
