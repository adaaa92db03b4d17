"""Paths the user types (CLI options, the sidebar's folder and file fields), checked once.

``Path(text).expanduser()`` and ``path.exists()`` raise on inputs a user can type: ``~nobody/x``
(RuntimeError), a NUL byte (ValueError), a name over the file system's limit (OSError
ENAMETOOLONG). `user_path` turns each into a `TokdashError` that names the input; the writable
checks run before an expensive job, so a bad output place fails before the work, not after it.
"""

from __future__ import annotations

import os
from pathlib import Path

from tokdash.errors import TokdashError


def user_path(
    text: str | os.PathLike[str], what: str = "path", error: type[TokdashError] = TokdashError
) -> Path:
    """``text`` as a Path, ``~`` expanded; ``error`` (naming ``what``) when it cannot be one."""
    raw = os.fspath(text)
    if not str(raw).strip():
        raise error(f"{what}: the path is empty")
    if "\x00" in str(raw):
        raise error(f"{what} {shown(raw)}: a path cannot contain a NUL byte")
    try:
        path = Path(raw).expanduser()
    except RuntimeError as exc:  # ~user with no such user, or no home directory
        raise error(f"{what} {shown(raw)}: cannot expand '~' ({exc})") from None
    try:
        path.exists()  # raises for a too-long name, a permission error on the way ...
    except OSError as exc:
        raise error(f"{what} {shown(raw)}: {exc.strerror or exc}") from None
    return path


def resolved_or_raw(text: str) -> str:
    """A typed folder made absolute ('' for none), or the text as typed when it cannot be a
    path: the reader then says what is wrong with it, where the page shows errors."""
    if not text:
        return ""
    try:
        return str(user_path(text).resolve())
    except (TokdashError, OSError, RuntimeError):
        return text


def writable_file(text: str | os.PathLike[str], what: str = "output file") -> Path:
    """A file the job will write at its end, checked now: not a folder, its folder exists (or
    can be made) and is writable."""
    path = user_path(text, what)
    if path.is_dir():
        raise TokdashError(f"{what} {shown(text)} is a folder; give a file name")
    _writable_folder(path.parent, what, text)
    return path


def writable_dir(text: str | os.PathLike[str], what: str = "output folder") -> Path:
    """A folder the job will write into at its end, checked now: not a file, and it exists and
    is writable, or can be made."""
    path = user_path(text, what)
    if path.exists() and not path.is_dir():
        raise TokdashError(f"{what} {shown(text)} is a file, not a folder")
    _writable_folder(path, what, text)
    return path


def shown(text: str | os.PathLike[str], limit: int = 80) -> str:
    """``text`` quoted for a message, cut to ``limit`` characters."""
    raw = str(os.fspath(text))
    return repr(raw if len(raw) <= limit else raw[: limit - 3] + "...")


def _writable_folder(folder: Path, what: str, text: str | os.PathLike[str]) -> None:
    import tempfile

    probe = folder
    while not probe.exists():  # the nearest existing ancestor must let us make the rest
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise TokdashError(f"{what} {shown(text)}: {probe} is a file, not a folder")
    try:  # os.access says yes to root on /proc; a real file says what writing will meet
        with tempfile.NamedTemporaryFile(dir=probe, prefix=".tokdash-write-check-"):
            pass
    except OSError as exc:
        raise TokdashError(
            f"{what} {shown(text)}: cannot write in {probe} ({exc.strerror or exc})"
        ) from None
