"""Corpora: documents with a language tag, from the sample corpora, the Python standard library,
a folder or a file, and `resolve_corpus`, the one entry point of the CLI and the pages (archives
and uploads: `tokdash.corpus.archives`).

Bad content never raises: a file that is binary, empty, not UTF-8 or too large becomes a
`Skipped` entry with a reason a user can read. Only a corpus that cannot be read at all (a
missing path, an unknown name, a broken archive, nothing usable) raises `CorpusError`.
"""

from __future__ import annotations

import os
import sysconfig
from collections.abc import Iterator
from pathlib import Path

from tokdash.corpus.archives import jsonl_items, read_zip
from tokdash.corpus.documents import (
    MB,
    SKIP_DIRS,
    Corpus,
    Document,
    Skipped,
    _mb,
    _too_large,
    language_for_path,
    read_document,
    require_documents,
    skip_dir,
)
from tokdash.errors import CorpusError
from tokdash.paths import user_path

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_corpora"


# --- sample corpora and the standard library -------------------------------------------------


def _sample_languages() -> list[str]:
    if not SAMPLE_DIR.is_dir():
        return []
    return sorted(p.name for p in SAMPLE_DIR.iterdir() if p.is_dir() and any(p.iterdir()))


def list_sample_corpora() -> list[str]:
    """``"all"`` followed by the languages that have a folder in ``sample_corpora/``."""
    return ["all", *_sample_languages()]


def load_sample_corpus(name: str = "all") -> Corpus:
    """A sample corpus: ``"all"`` or one language; the folder name is the language tag."""
    languages = _sample_languages()
    if name != "all" and name not in languages:
        raise CorpusError(
            f"no sample corpus '{name}'; choose one of: {', '.join(list_sample_corpora())}"
        )
    items: list[Document | Skipped] = []
    for lang in languages if name == "all" else [name]:
        for path in sorted(p for p in (SAMPLE_DIR / lang).iterdir() if p.is_file()):
            items.append(read_document(f"{lang}/{path.name}", path.read_bytes(), lang))
    return Corpus.of("sample" if name == "all" else f"sample:{name}", items)


def harvest_stdlib(limit_files: int | None = None, top_level_only: bool = True) -> Corpus:
    """The Python standard library's own ``.py`` files (no site-packages), sorted by path."""
    root = Path(sysconfig.get_paths()["stdlib"])
    if top_level_only:
        paths = sorted(root.glob("*.py"))
    else:
        paths = sorted(
            p
            for p in root.rglob("*.py")
            if not any(
                part in SKIP_DIRS or part in ("site-packages", "dist-packages")
                for part in p.relative_to(root).parts[:-1]
            )
        )
    if limit_files is not None:
        paths = paths[:limit_files]
    items = [read_document(p.relative_to(root).as_posix(), p.read_bytes(), "python") for p in paths]
    return Corpus.of("python-stdlib", items)


# --- folders and files ----------------------------------------------------------------------


def _walk_files(folder: Path) -> Iterator[Path]:
    """Files (and symlinks) under ``folder`` in sorted path order, pruning skipped folders."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            yield Path(entry.path)
        elif not skip_dir(entry.name):
            yield from _walk_files(Path(entry.path))


def iter_folder_documents(
    path: str | os.PathLike[str],
    *,
    max_files: int = 20_000,
    max_file_bytes: int = 10 * MB,
    max_total_bytes: int = 500 * MB,
) -> Iterator[Document | Skipped]:
    """Documents (and `Skipped` entries) of a folder, walked recursively in sorted path order.

    Hidden folders, ``.git``, ``node_modules``, virtual environments and ``__pycache__`` are
    not entered; symbolic links are not followed. Past ``max_files`` files or
    ``max_total_bytes`` bytes the walk stops with one `Skipped` entry saying so.
    """
    root = Path(path).expanduser()
    if not root.is_dir():
        raise CorpusError(f"folder not found: {root} (give an existing folder)")
    n_files = 0
    total = 0
    for full in _walk_files(root):
        rel = full.relative_to(root).as_posix()
        if n_files >= max_files:
            yield Skipped(rel, f"stopped here: more than {max_files} files (max_files limit)")
            return
        n_files += 1
        language = language_for_path(full.name)
        if language is None:
            yield Skipped(rel, f"unknown extension '{full.suffix}'")
            continue
        if full.is_symlink():
            yield Skipped(rel, "symbolic link (not followed)")
            continue
        try:
            size = full.stat().st_size
            if size > max_file_bytes:
                yield Skipped(rel, _too_large(size, max_file_bytes))
                continue
            if total + size > max_total_bytes:
                yield Skipped(
                    rel,
                    f"stopped here: the folder holds more than {_mb(max_total_bytes)} "
                    "of text (max_total_bytes limit)",
                )
                return
            data = full.read_bytes()
        except OSError as exc:
            yield Skipped(rel, f"unreadable ({exc.strerror or exc})")
            continue
        total += len(data)
        yield read_document(rel, data, language)


def load_folder(
    path: str | os.PathLike[str],
    *,
    max_files: int = 20_000,
    max_file_bytes: int = 10 * MB,
    max_total_bytes: int = 500 * MB,
) -> Corpus:
    """All files of a folder with a known extension (see `iter_folder_documents`)."""
    root = Path(path).expanduser()
    items = iter_folder_documents(
        root, max_files=max_files, max_file_bytes=max_file_bytes, max_total_bytes=max_total_bytes
    )
    return Corpus.of(root.resolve().name or str(root), items)


def load_file(path: str | os.PathLike[str], *, max_bytes: int = 500 * MB) -> Corpus:
    """One file as a corpus: a source/text file by extension, a ``.jsonl`` or a ``.zip``."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise CorpusError(f"file not found: {file} (give an existing file)")
    size = file.stat().st_size
    if size > max_bytes:
        raise CorpusError(f"{file.name} is {_too_large(size, max_bytes)}; use a smaller file")
    suffix = file.suffix.lower()
    if suffix == ".zip":
        return read_zip(file, file.name)
    if suffix == ".jsonl":
        with file.open("rb") as fh:
            return Corpus.of(file.name, jsonl_items(file.name, fh))
    language = language_for_path(file)
    if language is None:
        return Corpus(file.name, [], [Skipped(file.name, f"unknown extension '{file.suffix}'")])
    return Corpus.of(file.name, [read_document(file.name, file.read_bytes(), language)])


# --- one entry point for the CLI and the pages ----------------------------------------------


def resolve_corpus(spec: str, *, allow_paths: bool = True) -> Corpus:
    """A corpus from a name or a path, as the CLI and the pages give it.

    ``sample`` / ``sample:LANG`` / ``LANG`` (a sample corpus), ``stdlib`` / ``python-stdlib``,
    or a path to a folder, a file, a ``.zip`` or a ``.jsonl``. Names win over paths of the same
    spelling (write ``./python`` for a folder called python). ``allow_paths=False`` (a hosted
    demo) refuses paths. Raises `CorpusError` when nothing usable is found.
    """
    spec = spec.strip()
    samples = list_sample_corpora()
    if spec == "sample":
        corpus = load_sample_corpus("all")
    elif spec.startswith("sample:"):
        corpus = load_sample_corpus(spec.removeprefix("sample:"))
    elif spec in samples:
        corpus = load_sample_corpus(spec)
    elif spec in ("stdlib", "python-stdlib"):
        corpus = harvest_stdlib()
    elif not allow_paths:
        raise CorpusError(
            f"unknown corpus '{spec}': reading local paths is disabled here; "
            "choose a sample corpus or upload files"
        )
    else:
        path = user_path(spec, "corpus", CorpusError) if spec else None
        if path is None or not path.exists():
            names = ", ".join(["sample", *(f"sample:{s}" for s in samples[1:])])
            raise CorpusError(
                f"unknown corpus '{spec}': not a sample corpus ({names}), not 'stdlib', "
                "and not an existing folder or file"
            )
        corpus = load_folder(path) if path.is_dir() else load_file(path)
    return require_documents(corpus)
