"""kill -9 at random moments: a tiny real training run is SIGKILLed again and again (some kills
land inside a checkpoint write), resumed each time, and must end with the same weights as a run
that was never interrupted. `gankit reproduce` must never lose or redo a finished experiment."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from gankit.rundir import LOCK
from gankit.training.checkpoint import load_checkpoint

pytestmark = pytest.mark.integration

KILLS = 20
ITERATIONS = 16
SEED = 14  # of the kill moments
TINY = ["--no-eval", "--quiet", "--seed", "3",
        "--set", "data.limit=512", "--set", "model.g_width=8", "--set", "model.d_width=8",
        "--set", "train.batch_size=16", "--set", "log.every=1", "--set", "log.eval_every=0",
        "--set", "log.checkpoint_every=1", "--set", "log.sample_every=1000",
        "--set", "log.grid_size=10", "--set", "log.milestones=[8]",
        # pinned: the killed runs are compared with an uninterrupted one, started separately,
        # and `auto` layouts probed on busy cores may differ between them
        "--set", "perf.channels_last=both", "--set", "perf.gemm_conv=discriminator"]  # fmt: skip


@dataclass
class Outcome:
    pid: int
    killed: bool
    code: int | None


class ForkServer:
    """tests/training/forkserver.py: `gankit` commands in forked children of one warm process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("forkserver.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, argv: list[str], log: Path, **options: object) -> Outcome:
        """options: kill_after, kill_on, fsync_delay, warm (see forkserver.py)."""
        self.proc.stdin.write(json.dumps({"argv": argv, "log": str(log), **options}) + "\n")
        self.proc.stdin.flush()
        return Outcome(**json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="module")
def forkserver() -> Iterator[ForkServer]:
    server = ForkServer()
    yield server
    server.close()


def _leftovers(root: Path) -> list[Path]:
    """Temporary files of atomic writes a kill interrupted."""
    return sorted(root.rglob(".*.tmp"))


def _state(run: Path) -> dict[str, torch.Tensor]:
    state = load_checkpoint(run / "checkpoints" / "last.pt")
    flat = {f"G.{k}": v for k, v in state["generator"].items()}
    flat |= {f"D.{k}": v for k, v in state["discriminator"].items()}
    flat |= {f"EMA.{k}": v for k, v in state["ema"].items()}
    for opt in ("opt_g", "opt_d"):
        for index, slots in state[opt]["state"].items():
            flat |= {f"{opt}.{index}.{k}": v for k, v in slots.items() if torch.is_tensor(v)}
    return flat


def test_kill_9_at_random_moments_then_resume_ends_bit_for_bit(
    tmp_path: Path, forkserver: ForkServer
) -> None:
    """Kill runs until KILLS kills have landed: most at a random moment, every fourth while a
    checkpoint is being written. Each run is resumed after each kill until it finishes, then
    compared with the uninterrupted run; a run that finishes early is followed by a new one."""
    command = ["train", "dcgan", "--iterations", str(ITERATIONS), *TINY]
    log = tmp_path / "log.txt"
    straight = tmp_path / "straight"
    # The uninterrupted run, inside the server: it also warms it up for the children.
    outcome = forkserver.run([*command, "--out", str(straight)], log, warm=True)
    assert outcome.code == 0, log.read_text()
    expected = _state(straight)

    rng = random.Random(SEED)
    kills, in_checkpoint_write, in_other_write, runs, takeovers = 0, 0, 0, 0, 0
    while kills < KILLS:
        out, steps, seen, pid = tmp_path / f"killed-{runs}", [0], set(), None
        lock_held = False  # whether the last killed process had written its lock
        runs += 1
        while kills < KILLS:
            if kills % 4 == 3:  # kill inside a checkpoint write: slow fsyncs hold the write
                # open for 0.1 s, long enough to be caught on a loaded machine
                options = {
                    "kill_on": f"{out}/checkpoints/.last.pt.*.tmp",
                    "kill_after": 20.0,
                    "fsync_delay": 0.1,
                }
            else:
                options = {"kill_after": rng.uniform(0.05, 0.5), "fsync_delay": 0.01}
            outcome = forkserver.run([*command, "--out", str(out)], log, **options)
            assert outcome.killed or outcome.code == 0, log.read_text()
            if not outcome.killed:
                break  # finished before the kill came
            kills, pid = kills + 1, outcome.pid
            lock = out / LOCK  # a kill may land before the run took its lock (a loaded machine)
            lock_held = lock.exists() and f"pid {pid}\n" in lock.read_text()
            new = set(_leftovers(out)) - seen
            seen |= new
            in_checkpoint_write += any(p.parent.name == "checkpoints" for p in new)
            in_other_write += any(p.parent.name != "checkpoints" for p in new)
            last = out / "checkpoints" / "last.pt"
            if last.exists():  # every resume starts from an intact checkpoint, never older
                steps.append(load_checkpoint(last)["step"])
                assert steps[-1] >= steps[-2]
        outcome = forkserver.run([*command, "--out", str(out)], log)
        assert outcome.code == 0, log.read_text()
        if lock_held:
            assert f"taking over the lock left by pid {pid} " in log.read_text()
            takeovers += 1
        state = _state(out)
        assert state.keys() == expected.keys()
        assert all(torch.equal(state[k], expected[k]) for k in state), [
            k for k in state if not torch.equal(state[k], expected[k])
        ]
        assert (straight / "losses.csv").read_text() == (out / "losses.csv").read_text()
        assert load_checkpoint(out / "checkpoints" / "step_000008.pt")["step"] == 8
        assert _leftovers(out) == [] and not (out / LOCK).exists()
        print(f"run {runs}: kills with the last checkpoint at steps {steps[1:]}")
    assert in_checkpoint_write >= KILLS // 4
    assert takeovers >= 1  # kills inside checkpoint writes come after the lock, at least those
    print(f"{kills} kills over {runs} runs: {in_checkpoint_write} inside a checkpoint write, "
          f"{in_other_write} inside another write")  # fmt: skip
