"""A claim on a folder: at most one process at a time works in it.

The claim is an advisory lock (flock) on a small file that also records its owner's pid and
host for messages. The kernel drops the lock when its process ends, however it ends, so a
claim left by a killed process is free again at once: no stale-pid guessing.
"""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path
from types import TracebackType

from gankit.rundir import RunDir


class ClaimBusy(RuntimeError):
    """Another live process holds the claim; the message names its pid and host."""


class DirClaim:
    def __init__(self, folder: Path) -> None:
        self.path = RunDir(Path(folder)).claim
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the claim or raise ClaimBusy; never blocks."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise self.busy() from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the lock
            self._fd = None

    def busy(self) -> ClaimBusy:
        return ClaimBusy(f"{self.path.parent} is in use by {self.owner()}")

    def owner(self) -> str:
        """'pid N on HOST' as the owner wrote it, for messages."""
        try:
            pid, host = self.path.read_text().split()
        except (OSError, ValueError):
            return "another process"
        return f"pid {pid} on {host}"

    def is_held_elsewhere(self) -> bool:
        """Whether another process holds the claim right now (a probe, not a reservation)."""
        if self._fd is not None or not self.path.exists():
            return False
        try:
            self.acquire()
        except ClaimBusy:
            return True
        self.release()
        return False

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
