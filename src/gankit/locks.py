"""The two locks on a run directory, built on one primitive.

A lock is an OS lock on a small file (flock(2) on Linux and macOS, a lock on its first byte
on Windows, both through filelock's `lock_descriptor`) that also records its owner (pid,
host, since) for messages. An OS lock rather than an O_EXCL lock file: the OS drops it when
its owner dies, kill -9 included, so a lock left behind is told apart from a live one
without guessing from pids (which get reused, and say nothing across hosts). Releasing
removes the file, so a file whose lock is free but which still names an owner was left by a
process that died. (Windows locks the file's first byte against reads too, so there the
messages name no owner.)

The two locks nest and have different holders, so they are two files:
- RUN/.claim, a sweep's hold on a trial: from checking that it is unfinished until it ends
  (the Ray driver holds it while the trial trains on another host);
- RUN/.lock, the process that writes the run: `gankit train`, a resume, or a sweep's worker
  inside its claim.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType

from filelock import lock_descriptor

from gankit.errors import GankitError
from gankit.fileio import WriteError
from gankit.rundir import RunDir

log = logging.getLogger(__name__)

# Windows opens in text mode unless told, which would rewrite the record's newlines.
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)


class ClaimBusy(GankitError, RuntimeError):
    """Another live sweep holds the trial; the message names its pid and host."""


class RunDirBusy(GankitError, RuntimeError):
    """Another live process writes the run directory; the message names its pid and host."""


def _owner_of(text: str) -> str:
    """'pid N on host H (since T)' from an owner record, or '' if it names none."""
    fields = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
    if "pid" not in fields:
        return ""
    return (
        f"pid {fields['pid']} on host {fields.get('host', '?')} (since {fields.get('since', '?')})"
    )


class FileLock:
    """A non-blocking exclusive OS lock on `path`, with its owner recorded in the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def take(self) -> str:
        """Take the lock and return the owner a dead process left in the file ('' if none);
        raise BlockingIOError if a live process holds it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = self._open_locked()
        except BlockingIOError:
            raise
        except OSError as exc:  # a file in the way, a read-only or forbidden folder
            raise WriteError(self.path, exc) from exc
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            stale = _owner_of(os.read(fd, 4096).decode(errors="replace"))
            since = time.strftime("%Y-%m-%d %H:%M:%S")
            me = f"pid {os.getpid()}\nhost {socket.gethostname()}\nsince {since}\n".encode()
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, me)
        except OSError as exc:  # a full disk
            os.close(fd)
            raise WriteError(self.path, exc) from exc
        self._fd = fd
        return stale

    def _open_locked(self) -> int:
        """A descriptor of the lock file, locked; BlockingIOError while another holds it."""
        while True:
            fd = os.open(self.path, _OPEN_FLAGS, 0o644)  # Python's descriptors are not inherited
            try:
                locked = lock_descriptor(fd, blocking=False)
            except BaseException:
                os.close(fd)
                raise
            if not locked:
                os.close(fd)
                raise BlockingIOError(errno.EWOULDBLOCK, f"{self.path} is held by another process")
            if self._still_linked(fd):
                return fd
            os.close(fd)  # the owner released and removed the file between our open and lock

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            # Before the lock goes, so no one locks a file that is gone (POSIX).
            self.path.unlink(missing_ok=True)
            removed = True
        except PermissionError:  # Windows removes no file that is open
            removed = False
        os.close(self._fd)
        self._fd = None
        if not removed:
            # A process that opened it since keeps it (Windows refuses again) and records itself.
            with suppress(OSError):
                self.path.unlink(missing_ok=True)

    def owner(self) -> str:
        """The holder as its file names it, for messages."""
        try:
            return _owner_of(self.path.read_text()) or "another process"
        except OSError:
            return "another process"

    def is_held_elsewhere(self) -> bool:
        """Whether another process holds the lock right now (a probe, not a reservation)."""
        if self._fd is not None or not self.path.exists():
            return False
        try:
            self.take()
        except BlockingIOError:
            return True
        self.release()
        return False

    def _still_linked(self, fd: int) -> bool:
        """Whether the path still names the file `fd` has open (a releasing owner unlinks it)."""
        try:
            return os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False


class DirClaim(FileLock):
    """A sweep's claim on a trial's folder: at most one sweep at a time runs a trial."""

    def __init__(self, folder: Path) -> None:
        super().__init__(RunDir(Path(folder)).claim)

    def acquire(self) -> str:
        """Take the claim or raise ClaimBusy; never blocks."""
        try:
            return self.take()
        except BlockingIOError:
            raise self.busy() from None

    def busy(self) -> ClaimBusy:
        return ClaimBusy(f"{self.path.parent} is in use by {self.owner()}")

    def __enter__(self) -> DirClaim:
        """Hold the claim for the block (taking it unless this object holds it already)."""
        if self._fd is None:
            self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


@contextmanager
def run_lock(root: Path) -> Iterator[None]:
    """Hold `root`'s lock for the duration, or raise RunDirBusy naming the owner."""
    lock = FileLock(RunDir(root).lock)
    try:
        stale = lock.take()
    except BlockingIOError:
        raise RunDirBusy(
            f"{root} is being written by {lock.owner()}; only one process may write a run "
            f"directory (lock: {lock.path}). Wait for that run to finish or stop it, or write "
            "to another --out"
        ) from None
    try:
        if stale:
            log.warning(
                "%s: taking over the lock left by %s, which is no longer running", root, stale
            )
        yield
    finally:
        lock.release()
