"""The shared sidebar: tokenizer and corpus pickers, kept in session state across pages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from tokdash import corpus as corpus_lib
from tokdash.errors import TokdashError
from tokdash.paths import resolved_or_raw, user_path
from tokdash.settings import DEFAULT_TOKENIZERS, current_limits, max_upload_bytes
from tokdash.tokenizers import Tokenizer, load_path
from tokdash.tokenizers.catalog import CATALOG, ENTRIES, PAPER_BASE
from tokdash.tokenizers.fingerprint import fingerprint
from tokdash.tokenizers.registry import is_cached
from tokdash.ui import cache, links, sessions, stats_source
from tokdash.ui.sessions import session_dir

TOK_KEY = "td_tokenizers"
CUSTOM_KEY = "td_custom"  # label -> Tokenizer loaded from this session's upload or path
CORPUS_KEY = "td_corpus"
UPLOAD_CORPUS_KEY = "td_upload_corpus"
BASE_KEY = "td_base"
PENDING_KEY = "td_pending_tokenizers"  # added while the picker was drawn: selected next run

SAMPLE_PREFIX = "sample:"
STDLIB = "stdlib"
UPLOAD = "upload"
FOLDER = "folder"


def _init_state() -> None:
    ss = st.session_state
    if TOK_KEY not in ss:
        ss[TOK_KEY] = [t for t in DEFAULT_TOKENIZERS if is_cached(CATALOG[t])] or [
            e.id for e in ENTRIES if is_cached(e)
        ][:2]
    ss.setdefault(CUSTOM_KEY, {})
    ss.setdefault(CORPUS_KEY, SAMPLE_PREFIX + "all")
    ss.setdefault(BASE_KEY, PAPER_BASE)


def _label(spec: str) -> str:
    entry = CATALOG.get(spec)
    if entry is None:
        return f"{spec} (yours)"
    mark = "" if is_cached(entry) else " (not cached)"
    return f"{entry.id} · {entry.name}{mark}"


def add_session_tokenizer(tok: Tokenizer) -> None:
    """Make ``tok`` (uploaded, trained, ...) pickable on every page of this session; select it."""
    ss = st.session_state
    ss[CUSTOM_KEY][tok.id] = tok
    ss.setdefault("td_custom_keys", {})[tok.id] = _content_key(tok)
    if tok.id not in ss[TOK_KEY]:
        try:
            ss[TOK_KEY] = [*ss[TOK_KEY], tok.id]
        except StreamlitAPIException:  # the picker is already drawn: select it on the next run
            ss.setdefault(PENDING_KEY, []).append(tok.id)


def _on_add_upload() -> None:
    """Button callback (runs before widgets exist, so it may change the picker's state)."""
    up = st.session_state.get("td_tok_upload")
    if up is None:
        st.session_state["td_tok_error"] = "Choose a tokenizer file first."
        return
    if up.size > max_upload_bytes():
        st.session_state["td_tok_error"] = (
            f"{up.name} is {up.size / 1e6:.1f} MB; the limit here is "
            f"{max_upload_bytes() / 1e6:.0f} MB."
        )
        return
    folder = session_dir() / "tokenizers"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (Path(up.name).name or "tokenizer")
    target.write_bytes(up.getvalue())
    try:
        add_session_tokenizer(load_path(target, name=target.name))
        st.session_state["td_tok_error"] = None
    except TokdashError as exc:
        st.session_state["td_tok_error"] = str(exc)


def _clear_tok_error() -> None:
    st.session_state["td_tok_error"] = None


def _on_add_path() -> None:
    path = (st.session_state.get("td_tok_path") or "").strip()
    if not path:
        st.session_state["td_tok_error"] = "Type a file or folder path first."
        return
    try:
        add_session_tokenizer(load_path(user_path(path, "tokenizer path")))
        st.session_state["td_tok_error"] = None
    except TokdashError as exc:
        st.session_state["td_tok_error"] = str(exc)


def _tokenizer_picker() -> None:
    ss = st.session_state
    options = [e.id for e in ENTRIES] + list(ss[CUSTOM_KEY])
    pending = [t for t in ss.pop(PENDING_KEY, []) if t not in ss[TOK_KEY]]
    if pending:
        ss[TOK_KEY] = [*ss[TOK_KEY], *pending]
    ss[TOK_KEY] = [s for s in ss[TOK_KEY] if s in options]
    st.sidebar.multiselect(
        "Tokenizers",
        options,
        key=TOK_KEY,
        format_func=_label,
        help="Catalog tokenizers load offline from vocabularies cached at set-up; add your own "
        "below (tokenizer.json, SentencePiece .model, .tiktoken, .gguf).",
    )
    base_options = list(dict.fromkeys([PAPER_BASE, *ss[TOK_KEY]]))
    if ss[BASE_KEY] not in base_options:
        ss[BASE_KEY] = base_options[0]
    st.sidebar.selectbox(
        "Base tokenizer (for NSL)",
        base_options,
        key=BASE_KEY,
        format_func=_label,
        help="Normalized sequence length = tokens(T) / tokens(base) on the same text. The paper "
        "uses Llama 2.",
    )
    with st.sidebar.expander("Add your own tokenizer"):
        st.file_uploader(
            "Tokenizer file",
            type=["json", "model", "tiktoken", "gguf", "gz"],
            key="td_tok_upload",
            max_upload_size=_upload_mb(),
            on_change=_clear_tok_error,  # a new file: the last file's error no longer applies
        )
        st.button("Add uploaded tokenizer", key="td_tok_add", on_click=_on_add_upload)
        if current_limits().local_paths:
            st.text_input("…or a local file or folder path", key="td_tok_path")
            st.button("Add from path", key="td_tok_add_path", on_click=_on_add_path)
        if ss.get("td_tok_error"):
            st.error(ss["td_tok_error"])


def _corpus_options() -> list[str]:
    langs = [c for c in corpus_lib.list_sample_corpora() if c != "all"]
    options = [SAMPLE_PREFIX + "all"] + [SAMPLE_PREFIX + lang for lang in langs] + [STDLIB, UPLOAD]
    if current_limits().local_paths:
        options.append(FOLDER)
    return [*options, stats_source.STATS]


def _corpus_label(option: str) -> str:
    if option == SAMPLE_PREFIX + "all":
        return "Sample corpora: all languages"
    if option.startswith(SAMPLE_PREFIX):
        return f"Sample: {option[len(SAMPLE_PREFIX) :]}"
    return {
        STDLIB: "Local code: Python standard library",
        UPLOAD: "Upload files or a zip",
        FOLDER: "A folder on this machine",
        stats_source.STATS: stats_source.LABEL,
    }.get(option, option)


def _digest(payload: list[tuple[str, bytes]]) -> str:
    import hashlib

    h = hashlib.sha256()
    for name, data in payload:
        h.update(name.encode("utf-8", "replace") + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def _corpus_picker() -> None:
    ss = st.session_state
    options = _corpus_options()
    if ss[CORPUS_KEY] not in options:
        ss[CORPUS_KEY] = options[0]
    st.sidebar.selectbox("Corpus", options, key=CORPUS_KEY, format_func=_corpus_label)
    choice = ss[CORPUS_KEY]
    if choice == UPLOAD:
        files = st.sidebar.file_uploader(
            "Source files or a .zip",
            accept_multiple_files=True,
            key="td_corpus_upload",
            max_upload_size=_upload_mb(),
        )
        total = sum(f.size for f in files or [])
        if files and total > max_upload_bytes():
            st.sidebar.error(
                f"The upload is {total / 1e6:.1f} MB; the limit here is "
                f"{max_upload_bytes() / 1e6:.0f} MB. Upload fewer or smaller files."
            )
        elif files:
            sig = tuple(f.file_id for f in files)  # a new upload, even of the same name and size
            if ss.get("td_upload_sig") != sig:
                try:
                    payload = [(f.name, f.getvalue()) for f in files]
                    ss[UPLOAD_CORPUS_KEY] = corpus_lib.load_uploads(payload)
                    ss["td_upload_sig"] = sig
                    ss["td_upload_digest"] = _digest(payload)
                except TokdashError as exc:
                    st.sidebar.error(str(exc) + _still_shown(ss.get(UPLOAD_CORPUS_KEY)))
        elif ss.get(UPLOAD_CORPUS_KEY) is not None:  # the uploader was cleared: say what is used
            st.sidebar.caption(_still_shown(ss[UPLOAD_CORPUS_KEY]).strip())
    elif choice == FOLDER:
        st.sidebar.text_input("Folder path", key="td_corpus_folder")
    elif choice == stats_source.STATS:
        stats_source.picker()


def _still_shown(previous: corpus_lib.Corpus | None) -> str:
    """What the pages go on showing after a failed upload: the previous upload, by its files."""
    if previous is None or not previous.documents:
        return ""
    names = list(dict.fromkeys(d.source.split("/")[0].split(":")[0] for d in previous.documents))
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f" The pages still show your previous upload ({shown})."


def _upload_mb() -> int:
    """The upload bound in MB, enforced by Streamlit itself (the browser refuses a larger file
    before sending it)."""
    return max(1, max_upload_bytes() // 1_000_000)


def _apply_link() -> None:
    """Once per session, before the pickers exist: take the selection a shared link carries."""
    ss = st.session_state
    if ss.get("td_link_applied"):
        return
    ss["td_link_applied"] = True
    params = {k: st.query_params[k] for k in links.PARAMS if k in st.query_params}
    if not params:
        return
    known = [e.id for e in ENTRIES] + list(ss.get(CUSTOM_KEY, {}))
    sel = links.parse_link(params, known, _corpus_options())
    if sel.tokenizers:
        ss[TOK_KEY] = sel.tokenizers
    if sel.base:
        ss[BASE_KEY] = sel.base
    if sel.corpus:
        ss[CORPUS_KEY] = sel.corpus
    ss["td_link_warnings"] = sel.warnings


def _share_link() -> None:
    """Keep the address bar on the current selection, and offer the link to copy."""
    ss = st.session_state
    params = links.link_params(ss[TOK_KEY], ss[BASE_KEY], ss[CORPUS_KEY])
    for key in links.PARAMS:
        if key in params:
            if st.query_params.get(key) != params[key]:
                st.query_params[key] = params[key]
        elif key in st.query_params:
            del st.query_params[key]
    for msg in ss.pop("td_link_warnings", []):
        st.sidebar.warning(msg)
    with st.sidebar.expander("Share this selection"):
        st.code(links.share_url(st.context.url, params), language=None, wrap_lines=True)
        if "corpus" not in params:
            st.caption("Uploads and local folders stay private: the link leaves the corpus out.")


def render_sidebar() -> None:
    """Draw the shared pickers (call once, in app.py, before the page runs)."""
    _init_state()
    _apply_link()
    sessions.maybe_sweep()
    st.sidebar.header("Selection")
    _tokenizer_picker()
    _corpus_picker()
    _share_link()


def _content_key(tok: Tokenizer) -> str:
    """A cache key for a user tokenizer: its id and the digest of its content."""
    return f"{tok.id}:{fingerprint(tok)}"


def tokenizer_key(tok: Tokenizer) -> str:
    """A key that names ``tok`` uniquely for caching (catalog id, or id + file hash)."""
    if tok.id in CATALOG and tok.id not in st.session_state.get(CUSTOM_KEY, {}):
        return tok.id
    keys = st.session_state.setdefault("td_custom_keys", {})
    if tok.id not in keys:
        keys[tok.id] = _content_key(tok)
    return keys[tok.id]


def corpus_key() -> str:
    """A key naming the selected corpus for caching (spec, or the upload's signature)."""
    _init_state()
    ss = st.session_state
    choice = ss[CORPUS_KEY]
    if choice == UPLOAD:
        return f"upload:{ss.get('td_upload_digest', 'none')}"
    if choice == FOLDER:
        path = folder_path()
        return f"folder:{path}:{cache.folder_signature(path)}" if path else "folder:"
    if choice == stats_source.STATS:
        return stats_source.key()
    return choice


def folder_path() -> str:
    """The typed folder, resolved ('' when none)."""
    path = (st.session_state.get("td_corpus_folder") or "").strip()
    return resolved_or_raw(path)


def selected_tokenizer_ids() -> list[str]:
    """Ids of the tokenizers picked in the sidebar, in order."""
    _init_state()
    return list(st.session_state[TOK_KEY])


def load_selected(specs: list[str] | None = None) -> list[Tokenizer]:
    """The picked tokenizers, loaded; a failure is shown as an error and the rest still load."""
    ss = st.session_state
    out: list[Tokenizer] = []
    for spec in specs if specs is not None else selected_tokenizer_ids():
        if spec in ss.get(CUSTOM_KEY, {}):
            out.append(ss[CUSTOM_KEY][spec])
            continue
        try:
            out.append(cache.tokenizer(spec))
        except TokdashError as exc:
            st.error(str(exc))
    return out


def base_tokenizer() -> Tokenizer | None:
    """The base tokenizer for normalized sequence length, loaded (None if it fails)."""
    _init_state()
    loaded = load_selected([st.session_state[BASE_KEY]])
    return loaded[0] if loaded else None


def selected_corpus() -> corpus_lib.Corpus | None:
    """The picked corpus; None (with a message on the page) when nothing usable is chosen."""
    _init_state()
    ss = st.session_state
    choice = ss[CORPUS_KEY]
    if choice == stats_source.STATS:
        st.info(stats_source.NEEDS_DOCUMENTS)
        return None
    try:
        if choice == UPLOAD:
            corpus = ss.get(UPLOAD_CORPUS_KEY)
            if corpus is None:
                st.info("Upload source files or a zip in the sidebar to use them as the corpus.")
            return corpus
        if choice == FOLDER:
            path = folder_path()
            if not path:
                st.info("Type a folder path in the sidebar.")
                return None
            return cache.named_corpus(path)
        if choice == STDLIB:
            return cache.named_corpus("stdlib")
        return cache.named_corpus(choice)
    except TokdashError as exc:
        st.error(str(exc))
        return None
