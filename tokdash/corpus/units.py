"""Streaming corpora: a *plan* of units (files, byte blocks of large JSON-lines files, parquet row
groups) read one at a time, so that a corpus of any size is counted without holding it.

`plan_corpus(spec)` lists the units of a folder, a file or any fsspec URL (``s3://``, ``gs://``,
``hf://datasets/...``, when the network allows it): source files by extension (one document
each), ``.jsonl`` / ``.jsonl.gz`` / ``.jsonl.zst`` (one document per line; a plain ``.jsonl``
larger than `BLOCK_BYTES` is split into blocks that tasks read independently), ``.parquet`` (one
unit per row group) and ``.zip`` (read in memory, within its bounds). `read_unit` yields the
unit's `DocRef`, `SkipRef` and `UnitLines` records. Units do not depend on how many tasks read
them, so every split of the work gives the same statistics.

Records: the text is the ``text`` or ``content`` field; the language is the ``language`` or
``lang`` field, else the extension of a ``path`` / ``file_path`` / ``max_stars_repo_path``
field, else the name of the folder holding the file when it is a known language, else english.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath

from tokdash.corpus.documents import (
    LANGUAGE_BY_EXTENSION,
    MB,
    Skipped,
    _too_large,
    decode_document,
    language_for_path,
    read_document,
    skip_dir,
)
from tokdash.corpus.records import DocRef, SkipRef, UnitLines
from tokdash.errors import CorpusError

#: Plain JSON-lines files are split into blocks of this many bytes.
BLOCK_BYTES = 32 * MB
#: A document (a file, a record) larger than this is skipped as a bad record.
MAX_DOCUMENT_BYTES = 10 * MB
TEXT_KEYS = ("text", "content")
LANGUAGE_KEYS = ("language", "lang")
PATH_KEYS = ("path", "file_path", "max_stars_repo_path", "filename")
LINE_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson")
KNOWN_LANGUAGES = frozenset(LANGUAGE_BY_EXTENSION.values())


@dataclass(frozen=True)
class Unit:
    """One piece of a plan: ``kind`` is doc, lines, parquet or zip; ``url`` what fsspec
    opens; ``name`` the path shown in sources (relative to the corpus root); ``start``/``end``
    a byte range (lines) or row group index (parquet); ``size`` bytes, for progress."""

    kind: str
    url: str
    name: str
    start: int = 0
    end: int = 0
    size: int = 0
    first: int = 0


@dataclass(frozen=True)
class Plan:
    """The units of a corpus, in corpus order, and its display name."""

    name: str
    units: tuple[Unit, ...]

    @property
    def total_bytes(self) -> int:
        return sum(u.size for u in self.units)

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "units": [asdict(u) for u in self.units]})

    @classmethod
    def from_json(cls, text: str) -> Plan:
        doc = json.loads(text)
        return cls(doc["name"], tuple(Unit(**u) for u in doc["units"]))

    def shard(self, rank: int, world_size: int) -> list[int]:
        """The unit indices task ``rank`` of ``world_size`` reads: largest units first, each to
        the least loaded task (deterministic), returned in corpus order."""
        load = [0] * world_size
        owner = {}
        order = sorted(range(len(self.units)), key=lambda i: (-self.units[i].size, i))
        for i in order:
            task = min(range(world_size), key=lambda t: (load[t], t))
            owner[i] = task
            load[task] += max(self.units[i].size, 1)
        return [i for i in range(len(self.units)) if owner[i] == rank]


def _fs(spec: str):
    import fsspec

    try:
        return fsspec.core.url_to_fs(spec)
    except (ImportError, ValueError) as exc:
        raise CorpusError(f"cannot open {spec}: {exc}") from None


def _suffix(name: str) -> str:
    low = name.lower()
    for s in (*LINE_SUFFIXES, ".parquet", ".zip"):
        if low.endswith(s):
            return s
    return PurePosixPath(low).suffix


def plan_corpus(spec: str, *, block_bytes: int = BLOCK_BYTES) -> Plan:
    """The plan of a folder, file or URL (`CorpusError` when it does not exist)."""
    fs, root = _fs(spec)
    try:
        info = fs.info(root)
    except FileNotFoundError:
        raise CorpusError(f"corpus not found: {spec} (no such file or folder)") from None
    except Exception as exc:  # the network, credentials, a server's refusal
        raise CorpusError(f"cannot read {spec}: {type(exc).__name__}: {exc}") from None
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    prefix = "" if protocol in ("file", "local") else f"{protocol}://"
    if info["type"] == "directory":
        try:
            found = fs.find(root, detail=True)
        except Exception as exc:
            raise CorpusError(f"cannot list {spec}: {type(exc).__name__}: {exc}") from None
        entries = sorted(
            (path, meta.get("size") or 0)
            for path, meta in found.items()
            if meta.get("type") != "directory"
            and not any(skip_dir(p) for p in PurePosixPath(path).relative_to(root).parts[:-1])
        )
        name = PurePosixPath(root.rstrip("/")).name or spec
        rel = [(p, str(PurePosixPath(p).relative_to(root)), s) for p, s in entries]
    else:
        name = PurePosixPath(root).name
        rel = [(root, name, info.get("size") or 0)]
    units: list[Unit] = []
    for path, shown, size in rel:
        url = prefix + path
        units.extend(_file_units(fs, url, path, shown, int(size), len(units), block_bytes))
    return Plan(name, tuple(units))


def _file_units(fs, url, path, shown, size, first, block_bytes) -> list[Unit]:
    suffix = _suffix(shown)
    if suffix in (".jsonl", ".ndjson") and size > block_bytes:
        return [
            Unit(
                "lines",
                url,
                shown,
                s,
                min(s + block_bytes, size),
                min(block_bytes, size - s),
                first,
            )
            for s in range(0, size, block_bytes)
        ]
    if suffix in LINE_SUFFIXES:
        return [Unit("lines", url, shown, 0, -1, size, first)]
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            with fs.open(path, "rb") as fh:
                groups = pq.ParquetFile(fh).metadata.num_row_groups
        except Exception:  # a broken footer: one unit that reports it
            return [Unit("broken", url, shown, 0, 0, size, first)]
        share = size // max(groups, 1)
        return [Unit("parquet", url, shown, g, g + 1, share, first) for g in range(groups)]
    if suffix == ".zip":
        return [Unit("zip", url, shown, 0, 0, size, first)]
    return [Unit("doc", url, shown, 0, 0, size, first)]


# --- reading ----------------------------------------------------------------------------------


def _language(obj: dict, hint: str | None) -> str:
    for key in LANGUAGE_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    for key in PATH_KEYS:
        value = obj.get(key)
        if isinstance(value, str) and (lang := language_for_path(value)):
            return lang
    return hint or "english"


def record_document(obj, source: str, hint: str | None) -> tuple[str, str] | str:
    """``(text, language)`` of a JSON / parquet record, or the reason it is skipped."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    text = next((obj[k] for k in TEXT_KEYS if isinstance(obj.get(k), str)), None)
    if text is None:
        return "no string field 'text' or 'content'"
    if not text.strip():
        return "empty text"
    if len(text) > MAX_DOCUMENT_BYTES:
        return _too_large(len(text.encode("utf-8")), MAX_DOCUMENT_BYTES)
    return text, _language(obj, hint)


def _folder_hint(name: str) -> str | None:
    parent = PurePosixPath(name).parent.name.lower()
    return parent if parent in KNOWN_LANGUAGES else None


def read_unit(unit: Unit, index: int) -> Iterator[DocRef | SkipRef | UnitLines]:
    """The records of unit ``index`` of a plan, in order; never raises for bad content."""
    try:
        if unit.kind == "lines":
            yield from _read_lines(unit, index)
        elif unit.kind == "parquet":
            yield from _read_parquet(unit, index)
        elif unit.kind == "zip":
            yield from _read_zip(unit, index)
        elif unit.kind == "broken":
            yield SkipRef(unit.name, "unreadable parquet file (broken footer)", index, 0)
        else:
            yield from _read_doc(unit, index)
    except Exception as exc:  # an unreadable shard (I/O, a corrupt stream): reported, run goes on
        yield SkipRef(unit.name, f"unreadable ({type(exc).__name__}: {exc})", index, 1 << 40)


def _read_doc(unit: Unit, index: int) -> Iterator[DocRef | SkipRef]:
    language = language_for_path(unit.name)
    if language is None:
        yield SkipRef(unit.name, f"unknown extension '{PurePosixPath(unit.name).suffix}'", index)
        return
    if unit.size > MAX_DOCUMENT_BYTES:
        yield SkipRef(unit.name, _too_large(unit.size, MAX_DOCUMENT_BYTES), index)
        return
    import fsspec

    with fsspec.open(unit.url, "rb") as fh:
        data = fh.read()
    doc = read_document(unit.name, data, language)
    if isinstance(doc, Skipped):
        yield SkipRef(doc.source, doc.reason, index)
    else:
        yield DocRef(doc.text, doc.language, unit.name, index, 0, -1)


def _read_lines(unit: Unit, index: int) -> Iterator[DocRef | SkipRef | UnitLines]:
    import fsspec

    hint = _folder_hint(unit.name)
    compression = None if unit.end >= 0 else "infer"
    pos = lineno = 0
    with fsspec.open(unit.url, "rb", compression=compression) as raw:
        fh = raw if compression is None else io.BufferedReader(raw, 1 << 20)  # zstd: no readline
        offset = unit.start
        if unit.start > 0:
            fh.seek(unit.start - 1)
            offset += len(fh.readline()) - 1
        while unit.end < 0 or offset < unit.end:
            raw = fh.readline()
            if not raw:
                break
            offset += len(raw)
            lineno += 1
            if not raw.strip():
                continue
            where = f"{unit.name}:{lineno}"
            text = decode_document(where, raw)
            if isinstance(text, Skipped):
                yield SkipRef(unit.name, f"line {lineno}: {text.reason}", index, lineno)
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                reason = f"line {lineno}: not valid JSON ({exc.msg}, column {exc.colno})"
                yield SkipRef(unit.name, reason, index, lineno)
                continue
            got = record_document(obj, where, hint)
            if isinstance(got, str):
                yield SkipRef(unit.name, f"line {lineno}: {got}", index, lineno)
                continue
            yield DocRef(got[0], got[1], unit.name, index, pos, lineno)
            pos += 1
    yield UnitLines(index, lineno)


def _read_parquet(unit: Unit, index: int) -> Iterator[DocRef | SkipRef]:
    import fsspec
    import pyarrow.parquet as pq

    hint = _folder_hint(unit.name)
    with fsspec.open(unit.url, "rb") as fh:
        pf = pq.ParquetFile(fh)
        names = set(pf.schema_arrow.names)
        columns = [c for c in (*TEXT_KEYS, *LANGUAGE_KEYS, *PATH_KEYS) if c in names]
        if not any(c in names for c in TEXT_KEYS):
            yield SkipRef(unit.name, "no 'text' or 'content' column", index, 0)
            return
        table = pf.read_row_group(unit.start, columns=columns)
    pos = 0
    for row, obj in enumerate(table.to_pylist()):
        where = f"{unit.name}[row group {unit.start}, row {row}]"
        got = record_document(obj, where, hint)
        if isinstance(got, str):
            yield SkipRef(where, got, index, row)
            continue
        yield DocRef(got[0], got[1], where, index, pos, -1)
        pos += 1


def _read_zip(unit: Unit, index: int) -> Iterator[DocRef | SkipRef]:
    import fsspec

    from tokdash.corpus.archives import read_zip

    with fsspec.open(unit.url, "rb") as fh:
        corpus = read_zip(fh.read(), unit.name)
    for pos, doc in enumerate(corpus.documents):
        yield DocRef(doc.text, doc.language, doc.source, index, pos, -1)
    for k, skipped in enumerate(corpus.skipped):
        yield SkipRef(skipped.source, skipped.reason, index, len(corpus.documents) + k)


def is_streamable(spec: str) -> bool:
    """Whether ``spec`` names a folder, file or URL (rather than a built-in corpus name)."""
    return "://" in spec or os.path.exists(os.path.expanduser(spec))
