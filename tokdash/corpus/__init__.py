"""Corpora: documents with a language tag, read from samples, the standard library, folders,
files (`readers`), archives and uploads (`archives`); the document types and decoding rules
(`documents`)."""

from tokdash.corpus.archives import load_jsonl, load_uploads, load_zip
from tokdash.corpus.documents import (
    LANGUAGE_BY_EXTENSION,
    MAX_LINE_BYTES,
    MB,
    SKIP_DIRS,
    Corpus,
    Document,
    Skipped,
    decode_document,
    language_for_path,
    longest_line,
    skip_dir,
)
from tokdash.corpus.readers import (
    SAMPLE_DIR,
    harvest_stdlib,
    iter_folder_documents,
    list_sample_corpora,
    load_file,
    load_folder,
    load_sample_corpus,
    resolve_corpus,
)

__all__ = [
    "LANGUAGE_BY_EXTENSION",
    "MAX_LINE_BYTES",
    "MB",
    "SAMPLE_DIR",
    "SKIP_DIRS",
    "Corpus",
    "Document",
    "Skipped",
    "decode_document",
    "harvest_stdlib",
    "iter_folder_documents",
    "language_for_path",
    "list_sample_corpora",
    "load_file",
    "load_folder",
    "load_jsonl",
    "load_sample_corpus",
    "load_uploads",
    "load_zip",
    "longest_line",
    "resolve_corpus",
    "skip_dir",
]
