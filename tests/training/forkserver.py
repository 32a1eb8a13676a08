"""Runs `gankit` commands in forked children of one warm process, so that a test can SIGKILL
many real runs without paying the torch import for each.

Started as a script by tests; reads one JSON request per line on stdin:
  {"argv": [...], "log": PATH, "kill_after": SECONDS or null, "kill_on": GLOB or null,
   "fsync_delay": SECONDS, "warm": bool}
and answers one JSON line per request: {"pid": N, "killed": bool, "code": exit code or null}.

Each child is a whole `gankit` command (the CLI's main, in the child process). It gets SIGKILL
`kill_after` seconds after it was forked, or as soon as a new file matching `kill_on` exists (a
temporary file of an atomic write: the kill lands inside that write), unless it ended first.
`fsync_delay` makes every fsync of the child that much slower, as on a slow disk, so that
writes last long enough to be caught. A "warm" request runs in the server itself, not in a
child, so that every later child starts with its imports, data and caches ready.
"""

from __future__ import annotations

import glob
import json
import os
import signal
import sys
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout

import torch

torch.set_num_threads(1)  # no OpenMP worker threads: forking this process stays safe

from gankit.cli import main  # noqa: E402


def run_main(argv: list[str]) -> int:
    try:
        main(argv, prog_name="gankit", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


def run_child(argv: list[str], log: str, fsync_delay: float) -> None:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    if fsync_delay:
        fsync = os.fsync

        def slow_fsync(descriptor: int) -> None:
            time.sleep(fsync_delay)
            fsync(descriptor)

        os.fsync = slow_fsync
    code = 1
    try:
        code = run_main(argv)
    except BaseException:
        traceback.print_exc()  # an uncaught error still shows in the log
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def supervise(pid: int, kill_after: float | None, kill_on: str | None) -> int:
    """Wait for the child, killing it at the deadline or when `kill_on` matches; its status."""
    deadline = None if kill_after is None else time.monotonic() + kill_after
    # Files an earlier killed run left behind match too, until this child cleans them up:
    # only a new one is a write of this child's.
    stale = set(glob.glob(kill_on)) if kill_on else set()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if (deadline is not None and time.monotonic() >= deadline) or (
            kill_on and set(glob.glob(kill_on)) - stale
        ):
            os.kill(pid, signal.SIGKILL)
            return os.waitpid(pid, 0)[1]
        time.sleep(0.001)


def serve() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("warm"):
            with open(request["log"], "a") as out, redirect_stdout(out), redirect_stderr(out):
                code = run_main(request["argv"])
            print(json.dumps({"pid": os.getpid(), "killed": False, "code": code}), flush=True)
            continue
        pid = os.fork()
        if pid == 0:
            run_child(request["argv"], request["log"], request.get("fsync_delay", 0.0))
        status = supervise(pid, request.get("kill_after"), request.get("kill_on"))
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        print(json.dumps({"pid": pid, "killed": killed, "code": code}), flush=True)


if __name__ == "__main__":
    serve()
