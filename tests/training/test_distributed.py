"""Runs on two gloo ranks on the CPU. Under torchrun: Ctrl-C stops both ranks at one step with
a checkpoint, the run resumes (repeating an uninterrupted run bit for bit), the config records
the world size, only rank 0 writes, and a rank killed with SIGKILL ends the whole job. Two
spawned ranks: the averaged gradient is the global batch's; through the workflow, each rank
trains its share of G's own batch, and a run stopped and resumed ends on every rank in the
state of an uninterrupted one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from support import PLAIN_LAYOUT, set_args

from gankit.training.checkpoint import load_checkpoint
from gankit.training.distributed import RankShare, World
from gankit.training.sampler import BatchSampler
from gankit.training.trainer import TrainResult

# The layouts pinned: runs compared bit for bit must share them, and a probe timed on busy
# cores may pick others for each run (and costs seconds that test nothing here).
TINY = ["--no-eval", "--quiet", "--set", "train.batch_size=16", "--set", "log.eval_every=0",
        "--set", "log.every=1", "--set", "log.sample_every=1000", "--set", "model.g_width=8",
        "--set", "model.d_width=8", "--set", "data.limit=512",
        *set_args(*PLAIN_LAYOUT)]  # fmt: skip


def torchrun(out: Path, iterations: int, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", "-m", "gankit", "train", "dcgan", "--out", str(out),
               "--iterations", str(iterations), *TINY, *extra]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GANKIT_DIST_TIMEOUT": "60"}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)  # fmt: skip


def logged_steps(out: Path) -> list[int]:
    path = out / "losses.csv"
    lines = path.read_text().splitlines()[1:] if path.exists() else []
    return [int(line.split(",")[0]) for line in lines]


def wait_for_rows(out: Path, rows: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 240
    while len(logged_steps(out)) < rows:
        assert process.poll() is None, process.communicate()[0][-3000:]
        assert time.monotonic() < deadline, "no training progress"
        time.sleep(0.3)


def test_ranks_share_each_global_batch() -> None:
    data = torch.arange(64.0).reshape(64, 1, 1, 1)
    shares = [RankShare(BatchSampler(data, 8, seed=3), World(r, 2)) for r in (0, 1)]
    whole = BatchSampler(data, 8, seed=3)
    for _ in range(9):  # past an epoch's end
        assert torch.equal(torch.cat([shares[0](), shares[1]()]), whole())
    assert shares[1].state_dict()["position"] == whole.state_dict()["position"]


# xiao2023-adam on two ranks, tiny: D's batch 8 and G's own batch 16 (4 and 8 per rank), one
# thread per rank and the plain layouts, pinned so that every run computes alike.
XIAO_TINY = ["world_size=2", "perf.device=cpu", "perf.threads=1", "perf.amp=none",
             *PLAIN_LAYOUT,
             "data.limit=64", "train.batch_size=8", "train.g_batch_size=16", "log.every=1",
             "log.sample_every=1000", "log.eval_every=0", "log.tensorboard=false",
             "log.plots=false"]  # fmt: skip
# (run, train.iterations), in order: `resumed` stops at step 2 and is resumed to 4.
XIAO_RUNS = (("resumed", 2), ("resumed", 4), ("straight", 4))


def _xiao_rank(rank: int, folder: str) -> None:
    """Rank `rank` of 2 first averages one plain gradient (_rank_gradient), then trains
    XIAO_RUNS through the workflow, one process group each. After each run it saves its
    training state and what its generator was run on (batch size, and whether gradients were
    on: only in G's own update) to <folder>/<run>-<iterations>-<rank>.pt."""
    import torch.distributed as dist

    from gankit import workflow
    from gankit.config import load_config

    saved_as = ""

    class Recording(workflow.Trainer):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.seen: list[tuple[int, bool]] = []  # in iterations, not sample grids
            self.stepping = False
            self.gan.generator.register_forward_pre_hook(self._record)

        def _record(self, module: torch.nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
            if self.stepping:
                self.seen.append((len(inputs[0]), torch.is_grad_enabled()))

        def advance(self) -> dict[str, torch.Tensor]:
            self.stepping = True
            try:
                return super().advance()
            finally:
                self.stepping = False

        def train(self, until: int | None = None) -> TrainResult:
            result = super().train(until)
            state = {k: v for k, v in self.state_dict().items() if k != "timing"}
            torch.save({"state": state, "seen": self.seen}, Path(folder) / saved_as)
            return result

    _rank_gradient(rank, f"{folder}/store-gradient", f"{folder}/gradient-{rank}.pt")
    workflow.Trainer = Recording  # type: ignore[misc]
    for name, iterations in XIAO_RUNS:
        saved_as = f"{name}-{iterations}-{rank}.pt"
        store = f"file://{folder}/store-{name}-{iterations}"
        dist.init_process_group("gloo", init_method=store, rank=rank, world_size=2)
        config = load_config("xiao2023-adam", [*XIAO_TINY, f"train.iterations={iterations}"])
        out = Path(folder) / name
        workflow.run_experiment(config, out, evaluate=False, progress=False, world=World(rank, 2))


@pytest.fixture(scope="module")
def xiao_two_ranks(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, int], dict]:
    """What each rank saved: (run-iterations, rank) -> its record of XIAO_RUNS; ("gradient",
    0) -> _rank_gradient's result. One spawn of 2 ranks for all of them, as starting ranks
    costs more than what they compute."""
    folder = tmp_path_factory.mktemp("xiao-two-ranks")
    torch.multiprocessing.spawn(_xiao_rank, args=(str(folder),), nprocs=2)
    return lambda run, rank: torch.load(folder / f"{run}-{rank}.pt", weights_only=True)


@pytest.mark.integration
def test_each_rank_trains_its_share_of_gs_batch_too(
    xiao_two_ranks: Callable[[str, int], dict],
) -> None:
    """The xiao2023 presets give G its own batch (g_batch_size 32, D's 16 + 16): on 2 ranks
    each rank's G update generates from g_batch_size / 2 noise vectors and D's fakes from
    batch_size / 2, so that the averaged gradients are those of the global batches. A
    g_batch_size that does not split over the ranks is refused."""
    from gankit.config import ConfigError, load_config
    from gankit.training.distributed import check_config

    for rank in (0, 1):
        seen = xiao_two_ranks("resumed-2", rank)["seen"]
        assert seen == [(8 // 2, False), (16 // 2, True)] * 2, rank  # two iterations
    with pytest.raises(ConfigError, match="g_batch_size 32 does not split over 3 ranks"):
        check_config(
            load_config("xiao2023-adam", ["world_size=3", "train.batch_size=24"]), World(0, 3)
        )


def _differences(a: object, b: object, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a)} != {sorted(b)}"]
        return [d for k in a for d in _differences(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return [] if torch.equal(a, b) else [where]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


@pytest.mark.integration
def test_a_resumed_two_rank_run_repeats_an_uninterrupted_one_on_every_rank(
    xiao_two_ranks: Callable[[str, int], dict],
) -> None:
    """Stopped at step 2 and resumed to 4, every rank ends in the state of a run straight to
    4, bit for bit: weights, optimizer states and rate schedules, the sampler and the random
    generator. Rank 0's random state comes back from the checkpoint; rank 1's needs none, as
    it reseeds from (seed, rank, step) before every iteration."""
    for rank in (0, 1):
        resumed, straight = xiao_two_ranks("resumed-4", rank), xiao_two_ranks("straight-4", rank)
        assert len(resumed["seen"]) < len(straight["seen"]), rank  # it trained 2 steps, not 4
        a, b = resumed["state"], straight["state"]
        assert a["step"] == b["step"] == 4
        # config differs in its perf decisions' wording only ("kept from the run's start")
        assert _differences(a, b | {"config": a["config"]}) == [], rank
    ranks = [xiao_two_ranks("straight-4", rank)["state"]["rng_cpu"] for rank in (0, 1)]
    assert not torch.equal(*ranks)  # each rank draws its own noise


def _rank_gradient(rank: int, store: str, result: str) -> None:
    """Rank `rank` of 2: the gradient of its half of a batch, averaged by the optimizer hook;
    rank 0 saves the stepped weights and the batch to `result`."""
    import torch.distributed as dist

    from gankit.training.distributed import average_gradients, leave_together

    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=2)
    torch.manual_seed(0)
    model, x = torch.nn.Linear(3, 1), torch.randn(8, 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    optimizer.register_step_pre_hook(average_gradients)
    model(x[rank * 4 : rank * 4 + 4]).pow(2).mean().backward()
    optimizer.step()
    if rank == 0:
        torch.save({"weight": model.weight.detach(), "x": x}, result)
    leave_together()


@pytest.mark.integration
def test_the_averaged_gradient_is_the_global_batch_gradient(
    xiao_two_ranks: Callable[[str, int], dict],
) -> None:
    got = xiao_two_ranks("gradient", 0)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)  # the same initial weights, the whole batch at once
    model(got["x"]).pow(2).mean().backward()
    expected = model.weight.detach() - 0.1 * model.weight.grad
    torch.testing.assert_close(got["weight"], expected)


@pytest.mark.integration
def test_ctrl_c_stops_both_ranks_the_run_resumes_and_a_killed_rank_ends_it(
    tmp_path: Path,
) -> None:
    """Ctrl-C stops both ranks at one step, rank 0 alone reports and writes the checkpoint;
    torchrun resumes the run from it; SIGKILL of one rank of the resumed run ends the whole job
    and leaves the last checkpoint intact. That a resumed run repeats an uninterrupted one on
    every rank is test_a_resumed_two_rank_run_repeats_an_uninterrupted_one_on_every_rank's
    check. (One test: each torchrun launch costs seconds of start-up.)"""
    run = tmp_path / "run"
    job = torchrun(run, 100_000, "--set", "log.checkpoint_every=100000")
    wait_for_rows(run, 3, job)
    os.killpg(job.pid, signal.SIGINT)  # what Ctrl-C at a terminal does
    output = job.communicate(timeout=120)[0]
    stopped = load_checkpoint(run / "checkpoints" / "last.pt")["step"]
    assert f"interrupted at step {stopped}; checkpoint saved" in output
    assert output.count("interrupted at step") == 1  # rank 0 alone reports and writes
    assert logged_steps(run) == list(range(1, stopped + 1))
    assert "world_size: 2" in (run / "config.yaml").read_text()
    assert not list(run.rglob("*.tmp"))

    job = torchrun(run, 100_000, "--set", "log.checkpoint_every=2")
    wait_for_rows(run, stopped + 4, job)  # resumed, and past a checkpoint of its own
    assert logged_steps(run)[: stopped + 4] == list(range(1, stopped + 5))
    rank0 = int((run / ".lock").read_text().split()[1])  # the writer's lock names its pid
    children = subprocess.run(["pgrep", "-P", str(job.pid)], capture_output=True, text=True)
    workers = [int(p) for p in children.stdout.split()]
    (rank1,) = [p for p in workers if p != rank0]
    os.kill(rank1, signal.SIGKILL)
    started = time.monotonic()
    output = job.communicate(timeout=150)[0]
    assert job.returncode != 0 and time.monotonic() - started < 120, output[-3000:]
    assert f"resuming {run} from step {stopped}" in output
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert load_checkpoint(run / "checkpoints" / "last.pt")["step"] > stopped  # intact
