"""Documents and corpora: the types every loader returns, and how raw bytes become a document.

Bad content never raises here: a file that is binary, empty, not UTF-8, or has a megabyte-long
line becomes a `Skipped` entry with a reason a user can read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath

import pandas as pd

from tokdash.analysis.pretokenize import count_lines
from tokdash.errors import CorpusError

#: File extension (lower case, with the dot) -> language tag.
LANGUAGE_BY_EXTENSION: dict[str, str] = {
    ".py": "python", ".pyi": "python",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".java": "java",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".go": "go",
    ".rs": "rust",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell",
    ".sql": "sql",
    ".html": "html", ".htm": "html",
    ".css": "css", ".scss": "scss",
    ".md": "english", ".markdown": "english", ".txt": "english", ".rst": "english",
    ".rb": "ruby", ".php": "php", ".kt": "kotlin", ".kts": "kotlin", ".swift": "swift",
    ".scala": "scala", ".lua": "lua", ".r": "r", ".jl": "julia", ".cs": "csharp",
    ".hs": "haskell", ".pl": "perl", ".dart": "dart", ".m": "objective-c",
    ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".xml": "xml",
}  # fmt: skip

MB = 1_000_000
#: Folder names never walked into (hidden folders are skipped too), in folders and archives.
SKIP_DIRS = frozenset({"node_modules", "__pycache__", ".git", ".venv", "venv", "__MACOSX"})
#: Longest line a document may have. Real source lines are far shorter (the StarCoder data
#: pipeline drops files with any line over 1,000 characters); a megabyte-long line is minified,
#: generated or binary-like, and would take tokenizers minutes and gigabytes to encode.
MAX_LINE_BYTES = 1 * MB
_SNIFF_BYTES = 8192
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Document:
    """One text with its language tag and where it came from (relative path or upload name)."""

    text: str
    language: str
    source: str

    @cached_property
    def n_bytes(self) -> int:
        """Size of the text in UTF-8 bytes."""
        return len(self.text.encode("utf-8"))

    @cached_property
    def n_lines(self) -> int:
        """Number of lines, as `tokdash.analysis.pretokenize.count_lines` counts them."""
        return count_lines(self.text)


@dataclass
class Skipped:
    """A file left out of a corpus, and why."""

    source: str
    reason: str


@dataclass
class Corpus:
    """A named list of documents plus the files that were skipped."""

    name: str
    documents: list[Document]
    skipped: list[Skipped] = field(default_factory=list)

    @classmethod
    def of(cls, name: str, items: Iterable[Document | Skipped]) -> Corpus:
        """The corpus ``name`` of ``items``: its documents in order, the `Skipped` ones apart."""
        docs: list[Document] = []
        skipped: list[Skipped] = []
        for item in items:
            (docs if isinstance(item, Document) else skipped).append(item)
        return cls(name, docs, skipped)

    @property
    def languages(self) -> list[str]:
        """Sorted unique language tags."""
        return sorted({d.language for d in self.documents})

    @property
    def n_bytes(self) -> int:
        """Total UTF-8 bytes over all documents."""
        return sum(d.n_bytes for d in self.documents)

    def by_language(self) -> dict[str, list[Document]]:
        """Documents grouped by language, languages sorted, document order kept."""
        out: dict[str, list[Document]] = {lang: [] for lang in self.languages}
        for doc in self.documents:
            out[doc.language].append(doc)
        return out

    def summary(self) -> pd.DataFrame:
        """One row per language: documents, bytes, lines."""
        rows = [
            {
                "language": lang,
                "documents": len(docs),
                "bytes": sum(d.n_bytes for d in docs),
                "lines": sum(d.n_lines for d in docs),
            }
            for lang, docs in self.by_language().items()
        ]
        return pd.DataFrame(rows, columns=["language", "documents", "bytes", "lines"])

    def filter(self, languages: str | Iterable[str]) -> Corpus:
        """Only the documents of ``languages``; an unknown language raises `CorpusError`."""
        wanted = {languages} if isinstance(languages, str) else set(languages)
        missing = sorted(wanted - set(self.languages))
        if missing:
            raise CorpusError(
                f"corpus '{self.name}' has no {', '.join(missing)} documents; "
                f"its languages are: {', '.join(self.languages) or 'none'}"
            )
        docs = [d for d in self.documents if d.language in wanted]
        return Corpus(f"{self.name}[{','.join(sorted(wanted))}]", docs, list(self.skipped))


def language_for_path(path: str | os.PathLike[str]) -> str | None:
    """The language tag for a file name by its extension, or None when unknown."""
    return LANGUAGE_BY_EXTENSION.get(PurePosixPath(os.fspath(path)).suffix.lower())


def skip_dir(name: str) -> bool:
    """Whether a folder called ``name`` is left out of a corpus: hidden, or in `SKIP_DIRS`."""
    return name.startswith(".") or name in SKIP_DIRS


def require_documents(corpus: Corpus) -> Corpus:
    """``corpus`` itself when it has a document; else `CorpusError` saying what was skipped."""
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


def _mb(n: int) -> str:
    return f"{n / MB:.1f} MB"


def _too_large(size: int, limit: int) -> str:
    return f"too large ({_mb(size)} > {limit / MB:g} MB limit)"


def longest_line(data: bytes) -> tuple[int, int]:
    """``(length, line_number)`` of the longest line of ``data`` in bytes (1-based line number)."""
    if not data:
        return 0, 1
    import numpy as np

    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    bounds = np.concatenate(([-1], ends, [len(data)]))
    lengths = np.diff(bounds) - 1
    k = int(lengths.argmax())
    return int(lengths[k]), k + 1


def decode_document(name: str, data: bytes) -> str | Skipped:
    """UTF-8 text of ``data`` (leading BOM removed), or `Skipped` with the reason; never raises."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Skipped(name, "not UTF-8 (UTF-16 byte-order mark): save the file as UTF-8")
    nul = data.find(b"\x00", 0, _SNIFF_BYTES)
    if nul >= 0:
        return Skipped(name, f"binary file (NUL byte at offset {nul})")
    start = len(_BOM) if data.startswith(_BOM) else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        return Skipped(name, f"not UTF-8 (invalid byte 0x{data[offset]:02x} at offset {offset})")
    if not text or text.isspace():
        return Skipped(name, "empty file" if not text else "empty file (only whitespace)")
    if len(data) > MAX_LINE_BYTES:
        length, line = longest_line(data)
        if length > MAX_LINE_BYTES:
            return Skipped(
                name,
                f"line {line} is {_mb(length)} long (limit {MAX_LINE_BYTES / MB:g} MB per line): "
                "minified or generated text, not source code; split it into lines to use it",
            )
    return text


def read_document(name: str, data: bytes, language: str) -> Document | Skipped:
    """``data`` as a `Document` of ``language`` named ``name``, or `Skipped` (`decode_document`)."""
    text = decode_document(name, data)
    return text if isinstance(text, Skipped) else Document(text, language, name)
