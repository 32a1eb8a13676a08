"""The local executor: each trial in its own worker process, pinned to its share of the cores.

A process per trial (not a long-lived pool) keeps trials apart: a trial that crashes the
interpreter or is killed by the kernel fails alone. Workers run in their own process group, so
a Ctrl-C reaches the sweep once and the sweep passes it on once: each trainer checkpoints and
stops. A worker whose sweep dies gets SIGTERM from the kernel and does the same.

This module imports no torch: a worker pins itself to its cores before torch loads.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gankit.locks import ClaimBusy, DirClaim
from gankit.machine import available_cores
from gankit.sweep.executor_base import TrialSettings, counting_sigint
from gankit.sweep.outcome import BUSY, FAILED, INTERRUPTED, SKIPPED, Outcome

if TYPE_CHECKING:
    from gankit.sweep.spec import Trial

LOG_FILE = "train.log"  # a worker's stdout and stderr


def core_slots(workers: int, threads: int, cores: list[int] | None = None) -> list[list[int]]:
    """Disjoint core sets, one per worker, `threads` cores each."""
    from gankit.sweep.spec import SweepError

    cores = available_cores() if cores is None else cores
    if workers < 1 or threads < 1:
        raise SweepError(f"--workers and --threads must be at least 1 (got {workers}, {threads})")
    if workers * threads > len(cores):
        raise SweepError(
            f"--workers {workers} x --threads {threads} needs {workers * threads} cores; this "
            f"process may use {len(cores)} ({cores}). Lower --workers or --threads"
        )
    return [cores[i * threads : (i + 1) * threads] for i in range(workers)]


# Windows has no SIGKILL; there os.kill ends a process outright whatever the signal.
_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)


def _die_with_parent() -> None:
    """Linux: SIGTERM this worker when the sweep process dies, so it checkpoints and stops (a
    SIGTERM, unlike a second SIGINT, never cuts the checkpoint short)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _worker(
    payload: dict[str, Any], run_dir: str, cores: list[int], settings: TrialSettings,
    conn: Connection, parent: int,
) -> None:  # fmt: skip
    """A worker process's main: pin, claim, run one trial, send its outcome."""
    if hasattr(os, "setpgrp"):  # POSIX; a Windows console sends Ctrl-C to every process
        os.setpgrp()  # Ctrl-C at the terminal reaches the sweep, which passes it on once
    _die_with_parent()
    if os.getppid() != parent:  # the sweep died before the line above could take effect
        return
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, cores)
    os.environ["OMP_NUM_THREADS"] = str(len(cores))
    root = Path(run_dir)
    root.mkdir(parents=True, exist_ok=True)
    log = os.open(root / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)

    # torch loads here, after the pinning above
    from gankit.sweep.spec import Trial
    from gankit.sweep.trial import execute_trial, is_finished

    trial = Trial.from_payload(payload)
    claim = DirClaim(root)
    try:
        claim.acquire()
    except ClaimBusy as exc:
        conn.send(Outcome(trial.name, BUSY, error=str(exc)))
        return
    try:
        if is_finished(trial, root):  # another sweep finished it after this one planned it
            conn.send(Outcome(trial.name, SKIPPED))
            return
        settings_kw = {"data_dir": settings.data_dir, "eval_samples": settings.eval_samples}
        outcome = execute_trial(trial, root, threads=len(cores), **settings_kw)
        try:
            conn.send(outcome)
        except BrokenPipeError:  # the sweep stopped first; the trial's state is on disk
            print(f"the sweep is gone; {trial.name} ended {outcome.status}", flush=True)
    finally:
        claim.release()


@dataclass
class _Running:
    process: mp.process.BaseProcess
    conn: Connection
    trial: Trial
    slot: list[int]


class LocalExecutor:
    def __init__(self, workers: int, settings: TrialSettings) -> None:
        self.slots = core_slots(workers, settings.threads)
        self.settings = settings

    def describe(self) -> str:
        threads = self.settings.threads
        return f"local executor, {len(self.slots)} workers x {threads} thread(s), pinned"

    def run(self, trials: list[Trial], out: Path, on_outcome: Callable[[Outcome], None]) -> None:
        ctx = mp.get_context("spawn")  # no forked torch or OpenMP state
        queue = deque(trials)
        free = list(self.slots)
        running: dict[int, _Running] = {}

        def on_sigint(count: int) -> None:
            queue.clear()  # start nothing new
            for job in running.values():
                # first and second Ctrl-C reach the trainers (checkpoint, then stop at once)
                sig = signal.SIGINT if count <= 2 else _KILL
                if job.process.pid is not None:
                    os.kill(job.process.pid, sig)

        with counting_sigint(on_sigint):
            while queue or running:
                while queue and free:
                    trial, slot = queue.popleft(), free.pop(0)
                    claim = DirClaim(out / trial.name)
                    if claim.is_held_elsewhere():  # spare a worker's start-up
                        on_outcome(Outcome(trial.name, BUSY, error=str(claim.busy())))
                        free.append(slot)
                        continue
                    receive, send = ctx.Pipe(duplex=False)
                    process = ctx.Process(
                        target=_worker,
                        args=(
                            trial.to_payload(),
                            str(out / trial.name),
                            slot,
                            self.settings,
                            send,
                            os.getpid(),
                        ),
                        name=f"gankit-trial-{trial.name}",
                    )
                    process.start()
                    send.close()  # the worker holds the only send end: EOF when it dies
                    running[process.sentinel] = _Running(process, receive, trial, slot)
                if not running:
                    break
                for sentinel in wait(list(running), timeout=1.0):
                    job = running.pop(sentinel)  # type: ignore[arg-type]
                    job.process.join()
                    free.append(job.slot)
                    on_outcome(self._outcome(job))

    @staticmethod
    def _outcome(job: _Running) -> Outcome:
        try:
            if job.conn.poll():
                return job.conn.recv()
        except (EOFError, OSError):
            pass
        finally:
            job.conn.close()
        code = job.process.exitcode
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        status = INTERRUPTED if code in (-signal.SIGINT, -signal.SIGTERM) else FAILED
        error = f"the worker process died ({how}); its output is in {LOG_FILE}"
        return Outcome(job.trial.name, status, error=error)
