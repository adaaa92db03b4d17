"""Loading tokenizers: catalog ids (fetched once, converted, cached), files, folders, hub names.

The files behind catalog entries and their availability live in `tokdash.tokenizers.sources`
(re-exported here).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tokdash.errors import TokdashError, TokenizerLoadError, UnknownTokenizerError
from tokdash.paths import user_path
from tokdash.tokenizers.base import Tokenizer, TokenizerInfo
from tokdash.tokenizers.catalog import CATALOG, ENTRIES, PaperFile
from tokdash.tokenizers.fetch import KeyedLocks
from tokdash.tokenizers.sources import (  # noqa: F401  (re-exported: registry.<name>)
    GGUF_CONVERTER_VERSION,
    Availability,
    Progress,
    availability,
    catalog_rows,
    is_cached,
    load_entry,
    paper_dir,
)

_LOADED: dict[str, Tokenizer] = {}
#: Files of a transformers tokenizer folder (one of them must be there to try transformers).
_TRANSFORMERS_FILES = (
    "tokenizer_config.json",
    "config.json",
    "special_tokens_map.json",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "spiece.model",
    "sentencepiece.bpe.model",
)
#: One lock per catalog entry: a slow fetch or conversion holds only its own entry's.
_ENTRY_LOCKS = KeyedLocks()


def load_catalog(entry_id: str, progress: Progress | None = None) -> Tokenizer:
    """A catalog tokenizer (fetched and converted on first use, then cached on disk and here)."""
    if entry_id not in CATALOG:
        raise UnknownTokenizerError(_unknown_message(entry_id))
    tok = _LOADED.get(entry_id)
    if tok is not None:
        return tok
    with _ENTRY_LOCKS(entry_id):
        tok = _LOADED.get(entry_id)  # loaded by another session while this one waited
        if tok is None:
            tok = load_entry(CATALOG[entry_id], progress)
            _LOADED[entry_id] = tok
        return tok


def release_loaded() -> None:
    """Forget the catalog tokenizers loaded in this process (a process that hands the encoding to
    workers calls it to give the memory back)."""
    _LOADED.clear()


def _unknown_message(name: str) -> str:
    from tokdash.tokenizers.catalog import NOT_AVAILABLE_OFFLINE

    if name.lower() in NOT_AVAILABLE_OFFLINE:
        return f"{name}: {NOT_AVAILABLE_OFFLINE[name.lower()]}"
    known = ", ".join(e.id for e in ENTRIES)
    return f"Unknown tokenizer {name!r}: not a catalog id ({known}) nor an existing file or folder."


def fetch_all(progress: Progress | None = None) -> dict[str, str]:
    """Fetch, convert, load and verify every catalog entry; returns id -> 'ok' or the error."""
    results: dict[str, str] = {}
    for entry in ENTRIES:
        if isinstance(entry.source, PaperFile) and not is_cached(entry):
            results[entry.id] = availability(entry).reason
            continue
        try:
            if progress:
                progress(f"[{entry.id}] preparing ...")
            tok = load_catalog(entry.id, progress)
            ids = tuple(tok.encode(entry.check_text, add_special_tokens=entry.check_add_special))
            if ids != entry.check_ids:
                raise TokenizerLoadError(
                    f"{entry.id}: check failed: {entry.check_text!r} -> {list(ids)}, "
                    f"expected {list(entry.check_ids)}"
                )
            results[entry.id] = "ok"
        except TokdashError as exc:
            results[entry.id] = str(exc)
    return results


def load_path(
    path: str | Path, *, name: str | None = None, pattern: str | None = None
) -> Tokenizer:
    """A tokenizer from a user file or folder, detected by content and extension.

    ``tokenizer.json`` (HF), Tekken JSON, SentencePiece ``.model``, tiktoken rank files
    (``.tiktoken``, ``.tiktoken.gz``, or a ``.model`` in that format such as Llama 3's; they need
    a ``pattern``, GPT-4's by default), llama.cpp ``.gguf`` vocabularies, transformers folders.
    """
    from tokdash.tokenizers import hf_backend, spm_backend, tiktoken_backend

    p = user_path(path, "tokenizer")
    if not p.exists():
        raise UnknownTokenizerError(_unknown_message(str(path)))
    label = name or p.name
    info = TokenizerInfo(id=label, name=label, backend="file", source=str(p))
    if p.is_dir():
        for candidate in ("tokenizer.json", "tokenizer.model", "tekken.json"):
            if (p / candidate).is_file():
                return load_path(p / candidate, name=name or p.name, pattern=pattern)
        if not any((p / f).is_file() for f in _TRANSFORMERS_FILES):
            raise TokenizerLoadError(
                f"{p}: the folder holds no tokenizer file; give a folder with tokenizer.json, "
                "tokenizer.model, tekken.json or a transformers tokenizer (tokenizer_config.json "
                "and its vocabulary), or the file itself"
            )
        return hf_backend.load_transformers(str(p), info)
    suffixes = "".join(p.suffixes[-2:]).lower()
    if p.suffix.lower() == ".json":
        head = p.read_bytes()[:4096]
        if b'"config"' in head and b"token_bytes" in p.read_bytes()[:200_000]:
            return tiktoken_backend.load_tekken(p, replace(info, backend="tekken"))
        return hf_backend.load_tokenizer_json(p, replace(info, backend="hf-json"))
    if p.suffix.lower() == ".gguf":
        from tokdash.tokenizers import gguf_convert

        kind = gguf_convert.gguf_kind(p)
        if kind == "spm":
            data = gguf_convert.spm_model_from_gguf(p)
            return spm_backend.load_sentencepiece_bytes(data, info, label=p.name)
        return hf_backend.load_tokenizer_json_str(gguf_convert.hf_json_from_gguf(p), info)
    if suffixes.endswith(".tiktoken") or suffixes.endswith(".tiktoken.gz"):
        return _tiktoken_file(p, info, pattern)
    if p.suffix.lower() == ".model":
        try:
            return spm_backend.load_sentencepiece(p, replace(info, backend="spm"))
        except TokenizerLoadError as spm_error:
            try:
                return _tiktoken_file(p, info, pattern)
            except TokenizerLoadError:
                detail = str(spm_error).removeprefix(f"{p.name}: not a SentencePiece model ")
                raise TokenizerLoadError(
                    f"{p.name}: neither a SentencePiece model {detail} nor a tiktoken rank file"
                ) from None
    raise TokenizerLoadError(
        f"{p.name}: unsupported tokenizer file; expected tokenizer.json, a SentencePiece "
        ".model, a .tiktoken rank file, a .gguf vocabulary or a transformers folder."
    )


def _tiktoken_file(p: Path, info: TokenizerInfo, pattern: str | None) -> Tokenizer:
    from tokdash.analysis.pretokenize import get_pattern
    from tokdash.tokenizers import tiktoken_backend

    ranks = tiktoken_backend.load_tiktoken_ranks(p)
    pat = pattern or get_pattern("gpt4").pattern
    info = replace(info, backend="tiktoken", pattern=pat)
    return tiktoken_backend.tokenizer_from_ranks(ranks, pat, info)


def load_hub(name: str) -> Tokenizer:
    """A tokenizer from the Hugging Face hub (online only; ``trust_remote_code`` off)."""
    from tokdash.tokenizers import hf_backend

    info = TokenizerInfo(id=name, name=name, backend="hub", source=f"hub: {name}")
    try:
        from tokenizers import Tokenizer as Raw

        return hf_backend.HFTokenizer(Raw.from_pretrained(name), info)
    except Exception:
        pass
    try:
        return hf_backend.load_transformers(name, info)
    except TokenizerLoadError as exc:
        raise TokenizerLoadError(
            f"{name}: not found on the Hugging Face hub, or the hub is unreachable from here "
            f"({exc})"
        ) from exc


def get_tokenizer(spec: str, progress: Progress | None = None) -> Tokenizer:
    """Resolve a catalog id, a path, or ``hub:ORG/NAME`` to a loaded tokenizer."""
    spec = spec.strip()
    if not spec:
        raise UnknownTokenizerError(
            "the tokenizer name is empty: give a catalog id (see `python -m tokdash tokenizers`), "
            "a tokenizer file or folder, or hub:ORG/NAME"
        )
    if spec in CATALOG:
        return load_catalog(spec, progress)
    if spec.startswith("hub:"):
        return load_hub(spec[4:])
    path = user_path(spec, "tokenizer")
    if path.exists():
        return load_path(path)
    raise UnknownTokenizerError(_unknown_message(spec))
