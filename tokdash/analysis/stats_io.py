"""`CorpusStats` on disk: a folder of JSON, parquet and ``.npz`` files (no pickle), and the same
folder as a zip (what the hosted dashboard accepts as an upload).

Layout of a bundle folder::

    stats.json        format, version, corpus name, seed, sample size, text sums per language,
                      per tokenizer: vocabulary, engine, seconds, tokens per language,
                      whitespace ids; the skipped total; free-form meta (date, input, tool)
    unigram.parquet   tokenizer, language, id, count  (the ids that occur)
    sample.parquet    the per-document sample
    skipped.parquet   the listed skipped records
    units.npz         unit_docs, unit_lines, unit_first

Writing goes to a temporary folder renamed into place, so a reader never sees half a bundle.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from tokdash.analysis.counts import SparseCounts
from tokdash.analysis.stats import TEXT_FIELDS, CorpusStats, TokenizerStats
from tokdash.errors import TokdashError
from tokdash.paths import user_path

FORMAT = "tokdash-stats"
VERSION = 1
FILES = ("stats.json", "unigram.parquet", "sample.parquet", "skipped.parquet", "units.npz")
#: Largest uncompressed bundle a zip upload may hold.
MAX_ZIP_BUNDLE_BYTES = 200_000_000


class StatsBundleError(TokdashError):
    """A folder or zip that is not a readable statistics bundle."""


def is_bundle(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder holding a bundle's ``stats.json`` (False for a path that
    cannot be one: a name too long, a NUL byte)."""
    try:
        return (Path(path) / "stats.json").is_file()
    except (OSError, ValueError):
        return False


def save_stats(stats: CorpusStats, folder: str | os.PathLike[str]) -> Path:
    """Write ``stats`` as a bundle folder (replacing one already there); returns its path."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        _write(stats, tmp)
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
            tmp.rename(folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _write(stats: CorpusStats, out: Path) -> None:
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "name": stats.name,
        "seed": stats.seed,
        "sample_size": stats.sample_size,
        "skipped_total": stats.skipped_total,
        "text_fields": list(TEXT_FIELDS),
        "text": {lang: [int(v) for v in arr] for lang, arr in sorted(stats.text.items())},
        "tokenizers": [
            {
                "id": t.tokenizer_id,
                "base_vocab": t.base_vocab,
                "vocab_size": t.vocab_size,
                "engine": t.engine,
                "seconds": t.seconds,
                "tokens": {k: int(v) for k, v in sorted(t.tokens.items())},
                "whitespace_ids": [int(i) for i in t.whitespace_ids],
            }
            for t in stats.tokenizers.values()
        ],
        "meta": stats.meta,
    }
    (out / "stats.json").write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    frames = []
    for t in stats.tokenizers.values():
        for lang, c in sorted(t.unigram.items()):
            frames.append(
                pd.DataFrame(
                    {
                        "tokenizer": t.tokenizer_id,
                        "language": lang,
                        "id": c.ids.astype(np.int64),
                        "count": c.values.astype(np.int64),
                    }
                )
            )
    unigram = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame({"tokenizer": [], "language": [], "id": [], "count": []})
    )
    unigram.to_parquet(out / "unigram.parquet", index=False)
    stats.sample.to_parquet(out / "sample.parquet", index=False)
    stats.skipped.to_parquet(out / "skipped.parquet", index=False)
    np.savez(
        out / "units.npz",
        unit_docs=stats.unit_docs,
        unit_lines=stats.unit_lines,
        unit_first=stats.unit_first,
    )


def load_stats(folder: str | os.PathLike[str]) -> CorpusStats:
    """The bundle in ``folder`` (or in ``folder/bundle``); `StatsBundleError` when it is not
    one, with what is wrong."""
    folder = user_path(folder, "statistics folder", StatsBundleError)
    if not is_bundle(folder) and is_bundle(folder / "bundle"):
        folder = folder / "bundle"
    if not folder.is_dir():
        raise StatsBundleError(f"no statistics folder at {folder}")
    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing:
        raise StatsBundleError(
            f"{folder} is not a statistics bundle: {', '.join(missing)} missing (write one with "
            "`python -m tokdash compare ... --stats-dir DIR`)"
        )
    try:
        doc = json.loads((folder / "stats.json").read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StatsBundleError(f"{folder / 'stats.json'} is unreadable: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise StatsBundleError(f"{folder / 'stats.json'} is not a tokdash statistics file")
    if doc.get("version") != VERSION:
        raise StatsBundleError(
            f"{folder} was written in bundle format version {doc.get('version')}; this tokdash "
            f"reads version {VERSION}: run `compare --stats-dir` again"
        )
    try:
        return _read(folder, doc)
    except StatsBundleError:
        raise
    except Exception as exc:  # a truncated parquet, a bad npz, a field of the wrong type
        raise StatsBundleError(
            f"{folder} is damaged ({type(exc).__name__}: {exc}); write it again"
        ) from None


def _read(folder: Path, doc: dict) -> CorpusStats:
    unigram = pd.read_parquet(folder / "unigram.parquet")
    groups = {key: g for key, g in unigram.groupby(["tokenizer", "language"], sort=False)}
    toks = {}
    for t in doc["tokenizers"]:
        size = int(t["vocab_size"])
        counts = {}
        for lang in t["tokens"]:
            g = groups.get((t["id"], lang))
            counts[lang] = (
                SparseCounts.empty(size)
                if g is None
                else SparseCounts.from_dense(
                    _dense(g["id"].to_numpy(np.int64), g["count"].to_numpy(np.int64), size)
                )
            )
        toks[t["id"]] = TokenizerStats(
            tokenizer_id=t["id"],
            base_vocab=int(t["base_vocab"]),
            tokens={k: int(v) for k, v in t["tokens"].items()},
            unigram=counts,
            engine=str(t["engine"]),
            seconds=float(t["seconds"]),
            vocab_size=size,
            whitespace_ids=np.asarray(t["whitespace_ids"], np.int64),
        )
    with np.load(folder / "units.npz", allow_pickle=False) as units:
        unit_docs, unit_lines = units["unit_docs"], units["unit_lines"]
        unit_first = units["unit_first"]
    sample = pd.read_parquet(folder / "sample.parquet")
    sample = sample.astype(
        {
            "key": np.uint64,
            **{c: np.int64 for c in sample.columns if c not in ("key", "source", "language")},
            "source": object,
            "language": object,
        }
    )
    skipped = pd.read_parquet(folder / "skipped.parquet").astype(
        {"unit": np.int64, "pos": np.int64, "source": object, "reason": object}
    )
    return CorpusStats(
        name=str(doc["name"]),
        text={k: np.asarray(v, np.int64) for k, v in doc["text"].items()},
        tokenizers=toks,
        sample=sample,
        sample_size=int(doc["sample_size"]),
        seed=int(doc["seed"]),
        unit_docs=unit_docs.astype(np.int64),
        unit_lines=unit_lines.astype(np.int64),
        unit_first=unit_first.astype(np.int64),
        skipped=skipped,
        skipped_total=int(doc["skipped_total"]),
        meta=dict(doc.get("meta") or {}),
    )


def _dense(ids: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    if ids.size and (ids.min() < 0 or ids.max() >= size):
        raise StatsBundleError("unigram ids outside the vocabulary")
    out = np.zeros(size, np.int64)
    np.add.at(out, ids, values)
    return out


def bundle_zip(stats: CorpusStats) -> bytes:
    """``stats`` as the bytes of a zip of its bundle folder (for a download)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_stats(stats, Path(tmp) / "bundle")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in FILES:
                zf.write(folder / name, f"bundle/{name}")
        return buf.getvalue()


def load_bundle_zip(data: bytes, *, max_bytes: int = MAX_ZIP_BUNDLE_BYTES) -> CorpusStats:
    """A bundle from the bytes of a zip holding its files (at the top or in one folder)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise StatsBundleError("not a zip file: upload the zip of a statistics folder") from None
    with zf, tempfile.TemporaryDirectory() as tmp:
        members = {Path(i.filename).name: i for i in zf.infolist() if not i.is_dir()}
        missing = [f for f in FILES if f not in members]
        if missing:
            raise StatsBundleError(
                f"the zip holds no statistics bundle: {', '.join(missing)} missing"
            )
        total = sum(members[f].file_size for f in FILES)
        if total > max_bytes:
            raise StatsBundleError(
                f"the bundle unpacks to {total / 1e6:.0f} MB (limit {max_bytes / 1e6:.0f} MB)"
            )
        try:
            for name in FILES:
                (Path(tmp) / name).write_bytes(zf.read(members[name]))
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:  # bad CRC, truncated
            raise StatsBundleError(f"the zip is damaged: {exc}") from None
        try:
            return load_stats(tmp)
        except StatsBundleError as exc:  # it names the temporary folder, not the upload
            raise StatsBundleError(str(exc).replace(str(tmp), "the zip")) from None
