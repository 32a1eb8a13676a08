"""One writer per run directory.

`RUN_DIR/.lock` is locked with flock(2) while a process writes the run and holds that process's
pid and host. flock rather than an O_EXCL lock file: the kernel drops an flock when its owner
dies, kill -9 included, so a lock left behind is told apart from a live one without guessing
from pids (which get reused, and say nothing across hosts). A file whose flock is free but
which still names an owner was left by a process that died; it is taken over, with a warning.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gankit.fileio import WriteError
from gankit.rundir import RunDir

log = logging.getLogger(__name__)


class RunDirBusy(RuntimeError):
    """Another live process writes the run directory; the message names its pid and host."""


def _owner(fd: int) -> str:
    text = os.pread(fd, 4096, 0).decode(errors="replace")
    fields = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
    if "pid" not in fields:
        return ""
    return (
        f"pid {fields['pid']} on host {fields.get('host', '?')} (since {fields.get('since', '?')})"
    )


def _still_linked(fd: int, path: Path) -> bool:
    """Whether `path` still names the file `fd` has open (a releasing owner unlinks it)."""
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


@contextmanager
def run_lock(root: Path) -> Iterator[None]:
    """Hold `root`'s lock for the duration, or raise RunDirBusy naming the owner."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file in the way, a read-only or forbidden parent
        raise WriteError(root, exc) from exc
    path = RunDir(root).lock
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _owner(fd) or "another process"
            os.close(fd)
            raise RunDirBusy(
                f"{root} is being written by {owner}; only one process may write a run "
                f"directory (lock: {path}). Wait for that run to finish or stop it, or write "
                "to another --out"
            ) from None
        if _still_linked(fd, path):
            break
        os.close(fd)  # the owner released and removed the file between our open and flock
    try:
        stale = _owner(fd)
        if stale:
            log.warning(
                "%s: taking over the lock left by %s, which is no longer running", root, stale
            )
        since = time.strftime("%Y-%m-%d %H:%M:%S")
        me = f"pid {os.getpid()}\nhost {socket.gethostname()}\nsince {since}\n".encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, me, 0)
        yield
    finally:
        path.unlink(missing_ok=True)  # before the flock goes, so no one locks a dead file
        os.close(fd)
