"""One run on several processes: `torchrun --nproc_per_node=N -m gankit train ...`.

Data parallel, one model: every rank holds the same networks and draws its own share of each
batch. `train.batch_size` stays the global batch: all ranks walk one shared, seeded order and
rank r takes rows [r*B/N, (r+1)*B/N) of each batch, so the batches are the ones a single
process draws; `train.g_batch_size`, where a preset gives G its own batch, is global too,
each rank drawing its share of G's noise. Before every optimizer step the gradients are
averaged across ranks with one all-reduce (the mean over the global batch, as a single process
computes it), and rank 0's BatchNorm statistics are broadcast after every iteration, as
DistributedDataParallel does.
The all-reduce sits on the optimizers rather than in a DistributedDataParallel wrapper because a
GAN's generator step runs D with its weights frozen, which DDP's reducer cannot take without
searching the graph for unused parameters on every step.

A Trainer built with `world` is rank `world.rank` of such a run: build_gan gives its steps the
rank's share of each batch (`rank_share`) and optimizers that average the gradients first
(`average_gradients`), and the Trainer draws through `RankShare` and calls `RankSync` first
among its callbacks. `prepare_process` hands every rank the perf settings rank 0 decided.

losses.csv holds each iteration's scalars averaged over the ranks. Rank 0 alone writes the run
directory and checkpoints, with its random state and the shared sampler's. A rank above 0 needs
no random state saved: before every iteration it reseeds torch's generator from (seed, rank,
step), so its noise and dropout masks at a step are the same in a resumed run as in an
uninterrupted one, which the resumed run then repeats bit for bit on every rank. Ctrl-C on any
rank stops every rank after the same iteration (a flag all-reduced each step) with a
checkpoint; a rank that dies ends the others through torchrun (and every collective has a
timeout, GANKIT_DIST_TIMEOUT seconds). When training ends, the ranks leave the process group
together; rank 0 alone then evaluates and writes the report, and the others exit at once
(`end_follower`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from gankit.config import Config, ConfigError, TrainConfig
from gankit.training.hooks import Callback, due
from gankit.training.stopping import STOP_SIGNALS, interrupts_at_once

if TYPE_CHECKING:
    from gankit.training.sampler import BatchSampler
    from gankit.training.trainer import Trainer

TIMEOUT_ENV = "GANKIT_DIST_TIMEOUT"
T = TypeVar("T")


@dataclass(frozen=True)
class World:
    rank: int
    size: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def world_from_env() -> World | None:
    """The ranks torchrun started (WORLD_SIZE > 1), or None for a single process."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    return World(int(os.environ["RANK"]), size) if size > 1 else None


def check_config(config: Config, world: World | None) -> None:
    size = world.size if world else 1
    if config.world_size != size:
        raise ConfigError(
            f"world_size is {config.world_size} but {size} process(es) train this run; "
            "world_size is set by the launcher (torchrun --nproc_per_node=N), not by hand"
        )
    if config.train.batch_size % size:
        raise ConfigError(
            f"train.batch_size {config.train.batch_size} does not split over {size} ranks; "
            f"the batch is global, so make it a multiple of {size}"
        )
    t = config.train
    share, unit = t.batch_size // size, t.accumulate * t.packing
    if share % unit:
        raise ConfigError(
            f"train.batch_size {t.batch_size} gives each of {size} ranks {share} images, which "
            f"do not split into train.accumulate={t.accumulate} micro-batches of whole packs "
            f"of {t.packing}: make train.batch_size a multiple of {size * unit}"
        )
    if t.g_batch_size is not None and t.g_batch_size % size:
        raise ConfigError(
            f"train.g_batch_size {t.g_batch_size} does not split over {size} ranks; G's batch "
            f"is global too, so make it a multiple of {size}"
        )


def rank_share(train: TrainConfig, world: World) -> TrainConfig:
    """`train` as one rank trains it: its share of D's batch, and of G's where G has its own
    (train.g_batch_size); check_config makes sure that both split evenly."""
    shares = {"batch_size": train.batch_size // world.size}
    if train.g_batch_size is not None:
        shares["g_batch_size"] = train.g_batch_size // world.size
    return train.model_copy(update=shares)


def init(world: World, device: torch.device) -> None:
    seconds = float(os.environ.get(TIMEOUT_ENV, "300"))
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", world.rank)))
    dist.init_process_group(backend, timeout=timedelta(seconds=seconds))


def shutdown() -> None:
    """Ends the process group if it is still open, which after leave_together means an error:
    a peer may be gone, so no barrier."""
    if dist.is_initialized():
        dist.destroy_process_group()


def leave_together() -> None:
    """Every rank ends the process group at one point, after a barrier: gloo aborts a rank
    (std::terminate) that destroys its group while its peer still has the group open, as rank
    1 did when it left while rank 0 wrote its outputs."""
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def from_main(value: T) -> T:
    """Rank 0's `value`, on every rank (one broadcast; the other ranks' values are dropped)."""
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def end_follower(code: int) -> NoReturn:
    """A rank above 0 ends here, skipping interpreter finalization: gloo's threads can still
    abort a rank there (std::terminate, SIGABRT) after its group is destroyed, which torchrun
    reports as a failed run. Such a rank has nothing left to write; rank 0 writes the run."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class RankShare:
    """Rank r's rows of each global batch that a shared BatchSampler draws."""

    def __init__(self, sampler: BatchSampler, world: World) -> None:
        self.sampler = sampler
        self.world = world

    def _rows(self, batch: torch.Tensor) -> torch.Tensor:
        share = len(batch) // self.world.size
        return batch[self.world.rank * share : (self.world.rank + 1) * share]

    def __call__(self) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        batch = self.sampler()
        if isinstance(batch, tuple):
            return self._rows(batch[0]), self._rows(batch[1])
        return self._rows(batch)

    def state_dict(self) -> dict[str, Any]:
        return self.sampler.state_dict()  # the same on every rank

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.sampler.load_state_dict(state)


def average_gradients(optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
    """Step pre-hook (register_step_pre_hook): every rank's gradients replaced by their mean
    over the ranks."""
    grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= dist.get_world_size()
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


def _broadcast(tensors: list[torch.Tensor]) -> None:
    """Rank 0's values into every rank's tensors, with one collective."""
    if not tensors:
        return
    flat = torch.cat([t.detach().reshape(-1).to(torch.float64) for t in tensors])
    dist.broadcast(flat, src=0)
    offset = 0
    for t in tensors:
        t.data.copy_(flat[offset : offset + t.numel()].view_as(t))
        offset += t.numel()


def _networks(trainer: Trainer) -> list[nn.Module]:
    gan = trainer.gan
    return [gan.generator, gan.discriminator] + ([gan.ema.model] if gan.ema else [])


class RankSync(Callback):
    """First among the callbacks, on every rank: the same start state, rank 0's buffers after
    each iteration, one decision to stop, and a check that the ranks' weights agree."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.stop_requested = False
        self._previous: dict[signal.Signals, Any] = {}

    def on_loop(self, trainer: Trainer) -> None:
        nets = _networks(trainer)
        _broadcast([t for m in nets for t in [*m.parameters(), *m.buffers()]])
        self._reseed(trainer)
        if threading.current_thread() is threading.main_thread():
            # after the trainer's own handler: this one stops every rank at the same step
            self._previous = {sig: signal.signal(sig, self._on_stop) for sig in STOP_SIGNALS}

    def _on_stop(self, signum: int, frame: Any) -> None:
        if interrupts_at_once(signum, self.stop_requested):
            raise KeyboardInterrupt
        self.stop_requested = True

    def on_step(self, trainer: Trainer, stats: dict[str, torch.Tensor]) -> None:
        _broadcast([b for m in _networks(trainer) for b in m.buffers()])
        # One all-reduce: the stop votes, and the iteration's scalars, which the log then shows
        # as their mean over the ranks (each a mean over an equal share: the global batch's).
        keys = list(stats)
        vote = torch.tensor(float(self.stop_requested), device=trainer.device)
        values = [vote] + [stats[k].detach().float() for k in keys]
        summed = torch.stack(values)
        dist.all_reduce(summed)
        for i, key in enumerate(keys, start=1):
            stats[key] = summed[i] / self.world.size
        if summed[0].item() > 0 and trainer.step < trainer.until:
            trainer.until = trainer.step  # every rank leaves the loop after this iteration
            trainer.interrupted = True
        if due(trainer, trainer.config.log.checkpoint_every):
            self._check_agreement(trainer)
        self._reseed(trainer)

    def _reseed(self, trainer: Trainer) -> None:
        """A rank above 0 draws the next iteration's randomness (its noise, dropout masks) from
        (seed, rank, step) alone: its own, not rank 0's, and the same after a resume as in an
        uninterrupted run (rank 0's random state is in the checkpoint, the others' is not)."""
        if not self.world.is_main:
            entropy = [trainer.config.train.seed, self.world.rank, trainer.step]
            torch.manual_seed(int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0]))

    def _check_agreement(self, trainer: Trainer) -> None:
        total = sum(p.detach().double().sum() for p in trainer.gan.generator.parameters())
        sums = torch.stack([torch.as_tensor(total), -torch.as_tensor(total)])
        dist.all_reduce(sums, op=dist.ReduceOp.MAX)
        if sums[0].item() != -sums[1].item():
            raise RuntimeError(
                f"the ranks' generator weights differ at step {trainer.step}; the gradient "
                "all-reduce did not keep them equal"
            )

    def on_end(self, trainer: Trainer) -> None:
        """Training is the ranks' only shared work: they leave together, and rank 0 then
        evaluates and reports alone."""
        self.close(trainer)
        leave_together()

    def close(self, trainer: Trainer) -> None:
        """Hand Ctrl-C and SIGTERM back to the trainer's handler (it restores the ones before)."""
        for sig, before in self._previous.items():
            if signal.getsignal(sig) == self._on_stop:
                signal.signal(sig, before)
