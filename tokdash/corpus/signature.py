"""A cheap signature of a folder's contents, so a cached folder corpus is reread when it changes."""

from __future__ import annotations

import os
from pathlib import Path

from tokdash.corpus.documents import skip_dir


def folder_signature(path: str | os.PathLike[str]) -> tuple[int, int, int]:
    """``(files, total bytes, newest mtime in ns)`` of the files a folder walk would read.

    Walks with ``os.scandir`` (stat only, no file is opened), skipping the folders the reader
    skips (`skip_dir`). Adding, removing, growing or touching any file changes it. A
    single file gives ``(1, its size, its mtime)``; a missing path ``(0, 0, 0)`` (the reader
    reports that case).
    """
    root = Path(path)
    try:
        if root.is_file():
            st = root.stat()
            return 1, st.st_size, st.st_mtime_ns
    except (OSError, ValueError):  # a name too long, a NUL byte: the reader says what is wrong
        return 0, 0, 0
    files = size = newest = 0
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except (OSError, ValueError):
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not skip_dir(entry.name):
                        stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    files += 1
                    size += st.st_size
                    newest = max(newest, st.st_mtime_ns)
            except OSError:
                continue
    return files, size, newest
