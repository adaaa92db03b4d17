"""Corpora from archives and uploads: ``.jsonl`` (one document per line), ``.zip`` archives read
in memory (unsafe paths, encrypted members and zip bombs refused), and uploaded files.

Bad content never raises: it becomes a `Skipped` entry with a reason a user can read.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from tokdash.corpus.documents import (
    MB,
    Corpus,
    Document,
    Skipped,
    _mb,
    _too_large,
    decode_document,
    language_for_path,
    read_document,
    require_documents,
    skip_dir,
)
from tokdash.errors import CorpusError

# --- jsonl -----------------------------------------------------------------------------------


def jsonl_items(name: str, lines: Iterable[bytes]) -> Iterator[Document | Skipped]:
    """Documents (and `Skipped` lines) of ``{"text": ..., "language": ...}`` JSON lines."""
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
    return Corpus.of(name, jsonl_items(name, data.splitlines()))


# --- zip archives and uploads ---------------------------------------------------------------

_DRIVE = re.compile(r"^[A-Za-z]:")


def _unsafe_member(name: str) -> bool:
    posix = name.replace("\\", "/")
    return posix.startswith("/") or bool(_DRIVE.match(posix)) or ".." in posix.split("/")


def read_zip(
    source: bytes | Path,
    name: str,
    *,
    max_members: int = 5000,
    max_total_uncompressed: int = 200 * MB,
    max_member_bytes: int = 10 * MB,
) -> Corpus:
    """The text files of a zip archive given as bytes or a path (see `load_zip`)."""
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
            if any(skip_dir(part) for part in parts[:-1]):
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
            items.append(read_document(source_name, data, language))
    return Corpus.of(name, items)


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
    return read_zip(
        data,
        name,
        max_members=max_members,
        max_total_uncompressed=max_total_uncompressed,
        max_member_bytes=max_member_bytes,
    )


def _reason_of(name: str, message: str) -> str:
    """``message`` about file ``name`` without the name in front (the skipped list names it)."""
    for prefix in (f"{name}: ", f"{name} is ", f"{name} "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def load_uploads(files: list[tuple[str, bytes]], *, max_file_bytes: int = 10 * MB) -> Corpus:
    """Uploaded ``(name, bytes)`` pairs: source files, ``.jsonl`` or ``.zip`` archives.

    An archive that cannot be read at all (not a zip, a broken ``.jsonl``) is skipped with its
    reason, like a bad member inside one; the other files are kept. Raises `CorpusError` when
    none of them holds a usable document.
    """
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for raw_name, data in files:
        name = PurePosixPath(raw_name.replace("\\", "/")).name or "upload"
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in (".zip", ".jsonl"):
            try:
                part = load_zip(data, name) if suffix == ".zip" else load_jsonl(data, name)
            except CorpusError as exc:
                part = Corpus(name, [], [Skipped(name, _reason_of(name, str(exc)))])
        elif (language := language_for_path(name)) is None:
            part = Corpus(name, [], [Skipped(name, f"unknown extension '{suffix}'")])
        elif len(data) > max_file_bytes:
            part = Corpus(name, [], [Skipped(name, _too_large(len(data), max_file_bytes))])
        else:
            part = Corpus.of(name, [read_document(name, data, language)])
        docs += part.documents
        skipped += part.skipped
    return require_documents(Corpus("upload", docs, skipped))
