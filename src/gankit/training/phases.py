"""One training iteration as a list of phases, the one helper that takes an update, and the
phases each config asks for.

A phase is one kind of optimizer update: the network it trains, its optimizer and learning-rate
schedule, how many times it runs per iteration, what each run trains on, and its loss (or
losses: several updates in turn on the same inputs). `take_update` is the only code that zeroes
gradients, runs backward passes (accumulated over micro-batches), records a gradient norm and
steps an optimizer and its schedule.

The default GAN is two phases: train.d_steps D updates, each on a fresh real batch and a batch
G generates from fresh noise, then train.g_steps G updates on fresh noise through a frozen D.
The other schedules are readings of papers' Keras and TensorFlow programs, chosen by the
train.* keys in `discriminator_phase` and `generator_phase`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.utils.parametrize import is_parametrized
from torch.optim.lr_scheduler import LRScheduler

from gankit.config import TrainConfig

if TYPE_CHECKING:
    from gankit.training.steps import DBatch, GANSteps, GBatch

log = logging.getLogger(__name__)

# The scalars an iteration reports, detached, on the device.
Stats = dict[str, torch.Tensor]


class MicroBatches(Protocol):
    """What a phase trains on: it splits into equal micro-batches (train.accumulate)."""

    def split(self, parts: int) -> Sequence[Any]: ...


B = TypeVar("B", bound=MicroBatches)


@dataclass(frozen=True, eq=False)
class Phase(Generic[B]):
    name: str  # "d" or "g": its loss is reported as f"{name}_loss", its gradient norm likewise
    module: nn.Module  # the network whose gradient norm is recorded
    optimizer: torch.optim.Optimizer
    lr_schedule: LRScheduler
    repeat: int  # runs per iteration
    inputs: Callable[[int], B]  # what run r of an iteration trains on (drawn, or reused)
    # One update per loss, in turn, on the same inputs: the mean loss over one micro-batch,
    # its diagnostics written to the stats it is handed.
    losses: tuple[Callable[[B, Stats], torch.Tensor], ...]
    accumulate: int = 1  # micro-batches per update
    loss_stat: str = field(init=False)
    grad_stat: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "loss_stat", f"{self.name}_loss")
        object.__setattr__(self, "grad_stat", f"{self.name}_grad_norm")


def run_phases(phases: Sequence[Phase[Any]], stats: Stats, grad_norms: bool) -> Stats:
    """Every run of every phase in order; returns each phase's loss (its last run's), and
    leaves the diagnostics in `stats`, gradient norms (at each phase's last update) when
    `grad_norms`."""
    losses: Stats = {}
    for phase in phases:
        last = phase.repeat - 1
        for r in range(phase.repeat):
            loss = run_phase(phase, phase.inputs(r), stats, grad_norms and r == last)
        losses[phase.loss_stat] = loss
    return losses


def run_phase(phase: Phase[B], batch: B, stats: Stats, measure_grad: bool = False) -> torch.Tensor:
    """One run of `phase` on `batch`: an update per loss; returns their mean loss (for two
    halves what Keras code reports as 0.5 * (d_loss_real + d_loss_fake))."""
    if len(phase.losses) == 1:
        return take_update(phase, phase.losses[0], batch, stats, measure_grad)
    last = len(phase.losses) - 1
    losses = [
        take_update(phase, loss, batch, stats, measure_grad and i == last)
        for i, loss in enumerate(phase.losses)
    ]
    return sum(losses[1:], losses[0]) / len(losses)


def take_update(
    phase: Phase[B],
    loss_fn: Callable[[B, Stats], torch.Tensor],
    batch: B,
    stats: Stats,
    measure_grad: bool,
) -> torch.Tensor:
    """One optimizer update of `phase` on `loss_fn` over `batch`, in `phase.accumulate`
    micro-batches; returns the loss, detached."""
    phase.optimizer.zero_grad(set_to_none=True)
    if phase.accumulate == 1:
        loss = loss_fn(batch, stats)
        loss.backward()
    else:
        loss = _accumulate(loss_fn, batch.split(phase.accumulate), stats)
    if measure_grad:
        stats[phase.grad_stat] = grad_norm(phase.module)
    phase.optimizer.step()
    phase.lr_schedule.step()
    return loss.detach()


def _accumulate(
    loss_fn: Callable[[Any, Stats], torch.Tensor], parts: Sequence[Any], stats: Stats
) -> torch.Tensor:
    """Backward passes over equal micro-batches whose gradients add up to those of the mean
    loss over all of them (each loss weighted 1/K); their losses and diagnostics are averaged
    alike. Only one micro-batch's graph is alive at a time."""
    k = len(parts)
    total: torch.Tensor | None = None
    sums: Stats = {}
    for i, part in enumerate(parts):
        part_stats: Stats = {}
        loss = loss_fn(part, part_stats) / k
        loss.backward()
        total = loss.detach() if total is None else total + loss.detach()
        for key, value in part_stats.items():
            sums[key] = sums[key] + value if i else value
    for key, value in sums.items():
        stats[key] = value / k
    assert total is not None, "train.accumulate >= 1"
    return total


def grad_norm(module: nn.Module) -> torch.Tensor:
    """The L2 norm of all of a module's parameter gradients taken together, on its device."""
    norms = [p.grad.detach().norm() for p in module.parameters() if p.grad is not None]
    if not norms:
        return torch.zeros((), device=next(module.parameters()).device)
    return torch.linalg.vector_norm(torch.stack(norms))


# ---- the phases of a config ---------------------------------------------------------------


def build_phases(steps: GANSteps, cfg: TrainConfig) -> list[Phase[Any]]:
    """The phases of one iteration under `cfg`: D's, then G's."""
    if cfg.accumulate > 1:
        _warn_where_micro_batches_differ(steps, cfg.accumulate)
    return [discriminator_phase(steps, cfg), generator_phase(steps, cfg)]


def discriminator_phase(steps: GANSteps, cfg: TrainConfig) -> Phase[DBatch]:
    """train.d_steps D updates on real and generated images."""
    losses: tuple[Callable[[DBatch, Stats], torch.Tensor], ...]
    if cfg.d_update == "real-then-fake":
        # Keras code calling train_on_batch once per half (Keras-GAN's gan.py): two updates
        losses = (steps.d_real_half_loss, steps.d_fake_half_loss)
    elif cfg.d_forward == "combined":
        # One D pass over real and generated images together, so that BatchNorm sees both
        # (Keras train_on_batch on one concatenated batch)
        losses = (partial(steps.d_loss, combined=True),)
    else:
        losses = (steps.d_loss,)
    # Liu 2021: one real batch and one generated batch serve every D update of an iteration,
    # as Keras `train_on_batch` called k times on the same arrays does.
    inputs = steps.same_d_batch if cfg.d_same_batch else steps.fresh_d_batch
    return Phase(
        "d", steps.D, steps.opt_d, steps.sched_d, cfg.d_steps, inputs, losses, cfg.accumulate
    )


def generator_phase(steps: GANSteps, cfg: TrainConfig) -> Phase[GBatch]:
    """train.g_steps G updates through D."""
    inputs: Callable[[int], GBatch]
    if cfg.g_noise == "d-step":
        # DCGAN-tensorflow feeds one batch_z to the D step and to both G steps
        inputs = steps.d_step_g_batch
    else:
        inputs = partial(steps.fresh_g_batch, size=cfg.g_batch_size or cfg.batch_size)
    # D frozen, by default. A Keras combined model built without trainable=False on D trains
    # it instead: G's optimizer holds D's weights too (generator_parameters) and moves them
    # towards calling the fakes real.
    trained = cfg.g_step_d == "trained"
    d_view = nullcontext if trained else partial(frozen, steps.D, cfg.g_step_d_bn)
    loss = partial(steps.g_loss, d_view=d_view)
    return Phase(
        "g", steps.G, steps.opt_g, steps.sched_g, cfg.g_steps, inputs, (loss,), cfg.accumulate
    )


def generator_parameters(
    cfg: TrainConfig, generator: nn.Module, discriminator: nn.Module
) -> list[nn.Parameter]:
    """What G's optimizer steps: G's weights, and D's too when the G step trains D
    (train.g_step_d=trained), with the optimizer's own state for them, as the optimizer of a
    Keras combined model owns every trainable weight of the model."""
    params = [*generator.parameters()]
    if cfg.g_step_d == "trained":
        params += [*discriminator.parameters()]
    return params


@contextmanager
def frozen(discriminator: nn.Module, batchnorm: str) -> Iterator[None]:
    """D as the G step sees it. Its parameters get no gradient: only G is updated, and skipping
    D's weight gradients saves a third of the backward pass through D. With batchnorm="running"
    its BatchNorm layers also normalise with their running averages and leave them unchanged
    (a Keras D frozen with trainable=False inside the combined model, TF 2)."""
    norms = [m for m in discriminator.modules() if isinstance(m, _BatchNorm)]
    norms = [m for m in norms if m.training] if batchnorm == "running" else []
    discriminator.requires_grad_(False)
    for norm in norms:
        norm.eval()
    try:
        yield
    finally:
        for norm in norms:
            norm.train()
        discriminator.requires_grad_(True)


def _warn_where_micro_batches_differ(steps: GANSteps, k: int) -> None:
    """Micro-batches add up to the whole batch's update only where each image's loss depends on
    that image alone; warn of the layers that see a batch as a whole."""
    for role, net in (("generator", steps.G), ("discriminator", steps.D)):
        layers = list(net.modules())
        if any(isinstance(m, _BatchNorm) for m in layers):
            log.warning(
                "train.accumulate=%d: the %s's BatchNorm layers normalise each micro-batch by "
                "its own statistics and update their running averages once per micro-batch, "
                "so an update is not the one over the whole batch",
                k,
                role,
            )
        if any(is_parametrized(m) for m in layers):
            log.warning(
                "train.accumulate=%d: the %s's spectral normalisation takes one power "
                "iteration per micro-batch, so an update is not the one over the whole batch",
                k,
                role,
            )
