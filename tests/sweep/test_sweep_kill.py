"""kill -9 of `gankit sweep` at any moment loses no finished trial and redoes none: running
the same command again finishes the rest. Real tiny trials, real SIGKILLs of the whole process
group (the sweep and its workers, as a machine losing power would)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import PLAIN_LAYOUT, set_args

from gankit.training.checkpoint import load_checkpoint

pytestmark = pytest.mark.integration

DEADLINE_S = 240


def _sweep(out: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "gankit", "sweep", "--preset", "dcgan", "--seeds", "2",
            "--iterations", "3", "--eval-samples", "40", "--workers", "1", "--threads", "1",
            "--set", "log.eval_every=0", "--set", "train.batch_size=8",
            "--set", "model.g_width=4", "--set", "model.d_width=4", "--set", "data.limit=64",
            "--set", "log.checkpoint_every=1", *set_args(*PLAIN_LAYOUT),
            "--out", str(out)]  # fmt: skip
    return subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def _finished(out: Path) -> dict[str, float]:
    """trial -> mtime of its metrics.json, for every trial that has one."""
    return {m.parent.name: m.stat().st_mtime for m in out.glob("*/metrics.json")}


def test_killed_sweeps_finish_without_losing_or_redoing_a_trial(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    seen: dict[str, float] = {}
    kills = 0
    start = time.monotonic()
    while time.monotonic() - start < DEADLINE_S:
        proc = _sweep(out)
        # Kill soon after the next trial finishes, or after a while inside one.
        before, t0 = len(_finished(out)), time.monotonic()
        while proc.poll() is None and time.monotonic() - t0 < 20:
            if len(_finished(out)) > before:
                time.sleep(0.5)
                break
            time.sleep(0.2)
        if proc.poll() is not None:
            break  # the sweep finished on its own
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        done = _finished(out)
        for name, mtime in seen.items():  # a finished trial is never lost, never redone
            assert done.get(name) == mtime, name
        seen = done
    if proc.returncode != 0:  # the deadline came first (a loaded machine): finish unkilled
        proc = _sweep(out)
        proc.wait(timeout=DEADLINE_S)
    assert proc.returncode == 0
    done = _finished(out)
    assert len(done) == 2 and kills >= 1
    assert all(done[name] == mtime for name, mtime in seen.items())
    for trial in out.glob("dcgan*-s*"):
        assert json.loads((trial / "trial.json").read_text())["status"] == "finished"


@pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="the kernel's signal to an orphaned worker (PR_SET_PDEATHSIG) and /proc are Linux's",
)
def test_a_worker_whose_sweep_dies_right_after_a_ctrl_c_still_checkpoints(tmp_path: Path) -> None:
    """The sweep passes Ctrl-C on and is then killed (a machine shutting down does both): the
    kernel's signal to the orphaned worker must not count as a second Ctrl-C, which would stop
    it before its checkpoint."""
    out = tmp_path / "sweep"
    args = [sys.executable, "-m", "gankit", "sweep", "--preset", "dcgan", "--seeds", "[0]",
            "--iterations", "100000", "--workers", "1", "--threads", "1",
            "--set", "log.eval_every=0", "--set", "log.every=1", "--set", "train.batch_size=8",
            "--set", "model.g_width=4", "--set", "model.d_width=4", "--set", "data.limit=64",
            "--set", "log.checkpoint_every=100000", "--set", "log.checkpoint_minutes=0",
            "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    trial = out / "dcgan-s0"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _logged_steps(trial) >= 3:
        time.sleep(0.2)
    assert _logged_steps(trial) >= 3, "the trial did not start in time"
    # The worker is held still while the sweep passes the Ctrl-C on, and let go the moment
    # before the sweep is killed: it cannot finish its iteration, checkpoint and send its outcome
    # between the two calls below, so it finds the sweep gone (a worker left stopped when the
    # sweep dies would get the kernel's SIGHUP for an orphaned stopped process group instead).
    worker = _worker_of(proc.pid, trial / "train.log")
    os.kill(worker, signal.SIGSTOP)
    os.kill(proc.pid, signal.SIGINT)  # the sweep passes it on to the worker ...
    time.sleep(0.5)
    os.kill(worker, signal.SIGCONT)
    os.kill(proc.pid, signal.SIGKILL)  # ... and dies: the kernel signals the worker
    proc.wait()
    last = trial / "checkpoints" / "last.pt"
    status = trial / "trial.json"
    while time.monotonic() < deadline and not (
        last.exists() and json.loads(status.read_text()).get("status") == "interrupted"
    ):
        time.sleep(0.2)
    assert json.loads(status.read_text())["status"] == "interrupted"
    assert load_checkpoint(last)["step"] >= 3
    # Its result has nowhere to go: the worker says so and ends without a traceback.
    log = trial / "train.log"
    while time.monotonic() < deadline and "the sweep is gone" not in log.read_text():
        time.sleep(0.2)
    assert "the sweep is gone; dcgan-s0 ended interrupted" in log.read_text()
    assert "Traceback" not in log.read_text()


def _worker_of(sweep: int, log: Path) -> int:
    """The pid of the sweep's worker process: its child whose stdout is the trial's log."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if parent == sweep and Path(stat.parent, "fd", "1").resolve() == log.resolve():
                return int(stat.parent.name)
        except (OSError, ValueError, IndexError):  # a process that ended meanwhile
            continue
    raise AssertionError(f"no worker of sweep {sweep} writes {log}")


def _logged_steps(trial: Path) -> int:
    losses = trial / "losses.csv"
    return len(losses.read_text().splitlines()) - 1 if losses.exists() else 0
