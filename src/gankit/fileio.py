"""Atomic file writes: a crash or a kill leaves the old file or the new one, never half."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

_FIXES = {
    errno.ENOSPC: "free some disk space",
    errno.EDQUOT: "free some disk space (quota exceeded)",
    errno.EROFS: "the file system is read-only; write to another folder",
    errno.EACCES: "make the folder writable, or write to another folder",
    errno.EPERM: "make the folder writable, or write to another folder",
    errno.EEXIST: "a file is in the way of a folder; remove it or write somewhere else",
    errno.ENOTDIR: "a file is in the way of a folder; remove it or write somewhere else",
}


class WriteError(RuntimeError):
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
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteError(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
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
