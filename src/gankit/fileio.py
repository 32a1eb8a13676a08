"""Atomic file writes: a crash or a kill leaves the old file or the new one, never half."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from gankit.errors import GankitError

_FIXES = {
    errno.ENOSPC: "free some disk space",
    errno.EDQUOT: "free some disk space (quota exceeded)",
    errno.EROFS: "the file system is read-only; write to another folder",
    errno.EACCES: "make the folder writable, or write to another folder",
    errno.EPERM: "make the folder writable, or write to another folder",
    errno.EEXIST: "a file is in the way of a folder; remove it or write somewhere else",
    errno.ENOTDIR: "a file is in the way of a folder; remove it or write somewhere else",
}


# tempfile.mkstemp's flags (Windows: binary, so no newline is rewritten); the mode is open()'s.
_NEW_FILE = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
)
_TRIES = 100  # random names taken before giving up, as tempfile does (with more)


def temporary_file(parent: Path, prefix: str, suffix: str) -> tuple[int, Path]:
    """A new file named prefix + random + suffix in `parent`, open for writing. Unlike
    tempfile.mkstemp's (mode 0o600), its mode is 0o666 less the umask, as open() gives a new
    file, so the output it becomes is as readable as any other the user writes."""
    for _ in range(_TRIES):
        path = parent / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            return os.open(path, _NEW_FILE, 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no unused temporary name in {parent}")


def temporary_folder(parent: Path, prefix: str, suffix: str = "") -> Path:
    """A new, empty folder in `parent`; mode 0o777 less the umask, as mkdir gives (not
    tempfile.mkdtemp's 0o700)."""
    for _ in range(_TRIES):
        path = parent / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            path.mkdir(0o777)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, f"no unused temporary name in {parent}")


class WriteError(GankitError, RuntimeError):
    """A file could not be written; the message names the file, the cause and the fix."""

    def __init__(self, path: Path, cause: OSError) -> None:
        fix = _FIXES.get(cause.errno or 0, "fix the cause")
        super().__init__(
            f"could not write {path}: {cause.strerror or cause} "
            f"({errno.errorcode.get(cause.errno or 0, 'error')}); any previous {path.name} is "
            f"left as it was. To go on, {fix}, then run the same command again (a training run "
            "resumes from its last checkpoint)"
        )
        self.path = path
        self.errno = cause.errno


def atomic_write_bytes(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call write(file) on a temporary file beside `path`, fsync, then rename over `path`:
    a crash leaves either the old file or the new one, never half of one. An OSError (disk
    full, read-only or forbidden folder) becomes a WriteError naming `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temporary_file(path.parent, f".{path.name}.", ".tmp")
    except OSError as exc:
        raise WriteError(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WriteError(path, exc) from exc
        raise


def remove_interrupted_writes(folder: Path) -> list[Path]:
    """Delete the temporary files that killed atomic writes left under `folder` (their targets
    are intact); call it only while no other process writes there."""
    leftovers = sorted(folder.rglob(".*.tmp"))
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, lambda f: f.write(text.encode()))


def append_text(path: Path, text: str) -> None:
    """Append to a log file; an OSError becomes a WriteError naming `path`. A kill mid-append
    can leave a partial last line, which the log's reader drops on resume."""
    try:
        with open(path, "a", newline="") as f:
            f.write(text)
    except OSError as exc:
        raise WriteError(path, exc) from exc
