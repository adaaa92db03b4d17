"""Shareable links: the sidebar's selection carried in the page URL (``st.query_params``).

``/compression?tokenizers=cl100k_base,starcoder2&base=llama2&corpus=sample:python`` opens that
selection. Corpus values are the CLI's specs for what every server has (``sample``,
``sample:<language>``, ``stdlib``); uploads and local folders are private and never go into a
link. Unknown values are dropped with a one-line warning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

PARAMS = ("tokenizers", "base", "corpus")
SAMPLE_ALL = "sample:all"


@dataclass
class LinkSelection:
    """What a link asks for (None: not in the link, or nothing usable) and what was dropped."""

    tokenizers: list[str] | None = None
    base: str | None = None
    corpus: str | None = None
    warnings: list[str] = field(default_factory=list)


def _corpus_option(spec: str, options: Sequence[str]) -> str | None:
    """The sidebar option of a CLI corpus spec (``sample`` = all samples, a bare language =
    that sample), None when the server has no such shareable corpus."""
    spec = spec.strip()
    candidates = [spec, f"sample:{spec}"] if spec != "sample" else [SAMPLE_ALL]
    return next((c for c in candidates if c in options), None)


def parse_link(
    params: Mapping[str, str], tokenizer_ids: Sequence[str], corpus_options: Sequence[str]
) -> LinkSelection:
    """The selection of ``params`` (the URL's query), keeping only known tokenizer ids and
    shareable corpora."""
    sel = LinkSelection()
    if params.get("tokenizers"):
        asked = list(dict.fromkeys(t.strip() for t in params["tokenizers"].split(",")))
        asked = [t for t in asked if t]
        unknown = [t for t in asked if t not in tokenizer_ids]
        sel.tokenizers = [t for t in asked if t in tokenizer_ids] or None
        if unknown:
            sel.warnings.append(f"The link names unknown tokenizers, dropped: {', '.join(unknown)}")
    base = (params.get("base") or "").strip()
    if base:
        if base in tokenizer_ids:
            sel.base = base
        else:
            sel.warnings.append(f"The link's base tokenizer {base!r} is unknown; kept the default.")
    corpus = (params.get("corpus") or "").strip()
    if corpus:
        sel.corpus = _corpus_option(corpus, corpus_options)
        if sel.corpus is None:
            sel.warnings.append(
                f"The link's corpus {corpus!r} is not one every server has (sample, "
                "sample:<language>, stdlib); kept the current corpus."
            )
    return sel


def link_params(tokenizers: Sequence[str], base: str, corpus_option: str) -> dict[str, str]:
    """The query of the current selection; a private corpus (upload, folder) is left out."""
    out = {"tokenizers": ",".join(tokenizers), "base": base}
    if corpus_option == SAMPLE_ALL:
        out["corpus"] = "sample"
    elif corpus_option.startswith("sample:") or corpus_option == "stdlib":
        out["corpus"] = corpus_option
    return out


def share_url(page_url: str | None, params: Mapping[str, str]) -> str:
    """The page URL with ``params`` as its query (relative when the URL is not known)."""
    return f"{(page_url or '').split('?')[0]}?{urlencode(params, safe=',:')}"
