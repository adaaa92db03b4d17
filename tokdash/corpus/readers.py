"""Corpora: documents with a language tag, from the sample corpora, the Python standard library,
a folder, a file, a .jsonl, a zip or uploads.

Bad content never raises: a file that is binary, empty, not UTF-8 or too large becomes a
`Skipped` entry with a reason a user can read. Only a corpus that cannot be read at all (a
missing path, an unknown name, a broken archive, nothing usable) raises `CorpusError`.
"""

from __future__ import annotations

import io
import json
import os
import re
import sysconfig
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from tokdash.corpus.documents import (
    MB,
    Corpus,
    Document,
    Skipped,
    _document,
    _mb,
    _split,
    _too_large,
    decode_document,
    language_for_path,
)
from tokdash.errors import CorpusError

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_corpora"

#: Folder names never walked into (hidden folders are skipped too).
SKIP_DIRS = frozenset({"node_modules", "__pycache__", ".git", ".venv", "venv", "__MACOSX"})


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
            items.append(_document(f"{lang}/{path.name}", path.read_bytes(), lang))
    docs, skipped = _split(items)
    return Corpus("sample" if name == "all" else f"sample:{name}", docs, skipped)


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
    items = [_document(p.relative_to(root).as_posix(), p.read_bytes(), "python") for p in paths]
    docs, skipped = _split(items)
    return Corpus("python-stdlib", docs, skipped)


# --- folders and files ----------------------------------------------------------------------


def _skip_dir(name: str) -> bool:
    return name.startswith(".") or name in SKIP_DIRS


def _walk_files(folder: Path) -> Iterator[Path]:
    """Files (and symlinks) under ``folder`` in sorted path order, pruning skipped folders."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            yield Path(entry.path)
        elif not _skip_dir(entry.name):
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
        yield _document(rel, data, language)


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
    docs, skipped = _split(items)
    return Corpus(root.resolve().name or str(root), docs, skipped)


def _jsonl_items(name: str, lines: Iterable[bytes]) -> Iterator[Document | Skipped]:
    for lineno, raw in enumerate(lines, start=1):
        source = f"{name}:{lineno}"
        if not raw.strip():
            continue
        line = decode_document(source, raw)
        if isinstance(line, Skipped):
            yield Skipped(source, f"line {lineno}: {line.reason}")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(source, f"line {lineno}: not valid JSON ({exc.msg}, column {exc.colno})")
            continue
        text = obj.get("text") if isinstance(obj, dict) else None
        if not isinstance(text, str):
            yield Skipped(source, f"line {lineno}: no string field 'text'")
            continue
        if not text.strip():
            yield Skipped(source, f"line {lineno}: empty text")
            continue
        language = obj.get("language")
        if not isinstance(language, str) or not language.strip():
            language = "english"
        yield Document(text, language.strip().lower(), source)


def load_jsonl(data: bytes, name: str) -> Corpus:
    """One document per line ``{"text": ..., "language": ...}`` (language defaults to english)."""
    docs, skipped = _split(_jsonl_items(name, data.splitlines()))
    return Corpus(name, docs, skipped)


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
        return _load_zip_source(file, file.name)
    if suffix == ".jsonl":
        with file.open("rb") as fh:
            docs, skipped = _split(_jsonl_items(file.name, fh))
        return Corpus(file.name, docs, skipped)
    language = language_for_path(file)
    if language is None:
        return Corpus(file.name, [], [Skipped(file.name, f"unknown extension '{file.suffix}'")])
    docs, skipped = _split([_document(file.name, file.read_bytes(), language)])
    return Corpus(file.name, docs, skipped)


# --- zip archives and uploads ---------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:")


def _unsafe_member(name: str) -> bool:
    posix = name.replace("\\", "/")
    return posix.startswith("/") or bool(_DRIVE.match(posix)) or ".." in posix.split("/")


def _load_zip_source(
    source: bytes | Path,
    name: str,
    *,
    max_members: int = 5000,
    max_total_uncompressed: int = 200 * MB,
    max_member_bytes: int = 10 * MB,
) -> Corpus:
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorpusError(f"{name} is not a readable zip archive ({exc})") from exc
    items: list[Document | Skipped] = []
    total = 0
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        for i, info in enumerate(members):
            source_name = f"{name}/{info.filename}"
            if i >= max_members:
                items.append(
                    Skipped(
                        source_name,
                        f"stopped here: the archive has {len(members)} files, only the first "
                        f"{max_members} are read (max_members limit)",
                    )
                )
                break
            if _unsafe_member(info.filename):
                items.append(Skipped(source_name, "unsafe path (absolute or '..'): not read"))
                continue
            parts = PurePosixPath(info.filename).parts
            if any(_skip_dir(part) for part in parts[:-1]):
                continue
            language = language_for_path(info.filename)
            if language is None:
                suffix = PurePosixPath(info.filename).suffix
                items.append(Skipped(source_name, f"unknown extension '{suffix}'"))
                continue
            if info.flag_bits & 0x1:
                items.append(Skipped(source_name, "encrypted member: not read"))
                continue
            if info.file_size > max_member_bytes:
                items.append(Skipped(source_name, _too_large(info.file_size, max_member_bytes)))
                continue
            if total + info.file_size > max_total_uncompressed:
                items.append(
                    Skipped(
                        source_name,
                        f"stopped here: the archive unpacks to more than "
                        f"{_mb(max_total_uncompressed)} (max_total_uncompressed limit); "
                        f"{len(members) - i} files not read",
                    )
                )
                break
            try:
                with archive.open(info) as fh:
                    # zipfile never returns more than the declared size, and checks the CRC.
                    data = fh.read(info.file_size + 1)
            except (zipfile.BadZipFile, zlib.error, OSError, NotImplementedError, ValueError) as e:
                items.append(Skipped(source_name, f"unreadable member ({e})"))
                continue
            total += len(data)
            items.append(_document(source_name, data, language))
    docs, skipped = _split(items)
    return Corpus(name, docs, skipped)


def load_zip(
    data: bytes,
    name: str,
    *,
    max_members: int = 5000,
    max_total_uncompressed: int = 200 * MB,
    max_member_bytes: int = 10 * MB,
) -> Corpus:
    """Text files inside a zip archive, read in memory (nothing is extracted to disk).

    Members with absolute paths or ``..`` are refused; declared sizes are checked before a
    member is read, and reading stops at ``max_total_uncompressed`` bytes (zip bombs).
    """
    return _load_zip_source(
        data,
        name,
        max_members=max_members,
        max_total_uncompressed=max_total_uncompressed,
        max_member_bytes=max_member_bytes,
    )


def load_uploads(files: list[tuple[str, bytes]], *, max_file_bytes: int = 10 * MB) -> Corpus:
    """Uploaded ``(name, bytes)`` pairs: source files, ``.jsonl`` or ``.zip`` archives.

    Raises `CorpusError` when none of them holds a usable document.
    """
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for raw_name, data in files:
        name = PurePosixPath(raw_name.replace("\\", "/")).name or "upload"
        suffix = PurePosixPath(name).suffix.lower()
        if suffix == ".zip":
            part = load_zip(data, name)
        elif suffix == ".jsonl":
            part = load_jsonl(data, name)
        elif (language := language_for_path(name)) is None:
            part = Corpus(name, [], [Skipped(name, f"unknown extension '{suffix}'")])
        elif len(data) > max_file_bytes:
            part = Corpus(name, [], [Skipped(name, _too_large(len(data), max_file_bytes))])
        else:
            part = Corpus(name, *_split([_document(name, data, language)]))
        docs += part.documents
        skipped += part.skipped
    return _require_documents(Corpus("upload", docs, skipped))


# --- one entry point for the CLI and the pages ----------------------------------------------


def _require_documents(corpus: Corpus) -> Corpus:
    if corpus.documents:
        return corpus
    if not corpus.skipped:
        raise CorpusError(f"corpus '{corpus.name}' has no file with a known extension")
    shown = "; ".join(f"{s.source}: {s.reason}" for s in corpus.skipped[:5])
    more = f" (and {len(corpus.skipped) - 5} more)" if len(corpus.skipped) > 5 else ""
    raise CorpusError(
        f"corpus '{corpus.name}' has no usable document; {len(corpus.skipped)} skipped: "
        f"{shown}{more}"
    )


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
        path = Path(spec).expanduser() if spec else None
        if path is None or not path.exists():
            names = ", ".join(["sample", *(f"sample:{s}" for s in samples[1:])])
            raise CorpusError(
                f"unknown corpus '{spec}': not a sample corpus ({names}), not 'stdlib', "
                "and not an existing folder or file"
            )
        corpus = load_folder(path) if path.is_dir() else load_file(path)
    return _require_documents(corpus)
