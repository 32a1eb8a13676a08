"""The two locks on a run directory, built on one primitive.

A lock is flock(2) on a small file that also records its owner (pid, host, since) for
messages. flock rather than an O_EXCL lock file: the kernel drops an flock when its owner
dies, kill -9 included, so a lock left behind is told apart from a live one without guessing
from pids (which get reused, and say nothing across hosts). Releasing removes the file, so a
file whose flock is free but which still names an owner was left by a process that died.

The two locks nest and have different holders, so they are two files:
- RUN/.claim, a sweep's hold on a trial: from checking that it is unfinished until it ends
  (the Ray driver holds it while the trial trains on another host);
- RUN/.lock, the process that writes the run: `gankit train`, a resume, or a sweep's worker
  inside its claim.
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
from types import TracebackType

from gankit.fileio import WriteError
from gankit.rundir import RunDir

log = logging.getLogger(__name__)


class ClaimBusy(RuntimeError):
    """Another live sweep holds the trial; the message names its pid and host."""


class RunDirBusy(RuntimeError):
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
    """A non-blocking exclusive flock on `path`, with its owner recorded in the file."""

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
            stale = _owner_of(os.pread(fd, 4096, 0).decode(errors="replace"))
            since = time.strftime("%Y-%m-%d %H:%M:%S")
            me = f"pid {os.getpid()}\nhost {socket.gethostname()}\nsince {since}\n".encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, me, 0)
        except OSError as exc:  # a full disk
            os.close(fd)
            raise WriteError(self.path, exc) from exc
        self._fd = fd
        return stale

    def _open_locked(self) -> int:
        """A descriptor of the lock file, flocked; BlockingIOError while another holds it."""
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise
            if self._still_linked(fd):
                return fd
            os.close(fd)  # the owner released and removed the file between our open and flock

    def release(self) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)  # before the flock goes, so no one locks a dead file
            os.close(self._fd)
            self._fd = None

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
