"""A GAN's side of a training iteration: the batches each update trains on, D's and G's losses,
and `iteration`, which runs the phases (training/phases.py) the config asks for.

The steps own the algorithm; the trainer only loops, logs and saves around them.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import NamedTuple

import torch
from torch import nn

from gankit import choices
from gankit.config import TrainConfig
from gankit.fast.path import FastPath
from gankit.losses import GANLoss, gradient_penalty, r1_penalty
from gankit.sampling import latent
from gankit.training.augment import diff_augment
from gankit.training.optim import build_decay
from gankit.training.phases import Phase, Stats, build_phases, run_phase, run_phases

# What a sampler hands over: images, or (images, labels) for a conditional model.
RealBatch = torch.Tensor | tuple[torch.Tensor, torch.Tensor]
Labels = torch.Tensor | None  # class labels of a conditional model, else None


class DBatch(NamedTuple):
    """What one D update trains on: real images and images G made from noise `z`."""

    real: torch.Tensor
    y_real: Labels
    fake: torch.Tensor
    y_fake: Labels
    z: torch.Tensor | None

    def split(self, parts: int) -> list[DBatch]:
        n_real, n_fake = len(self.real) // parts, len(self.fake) // parts
        columns = (
            _split(self.real, n_real, parts),
            _split(self.y_real, n_real, parts),
            _split(self.fake, n_fake, parts),
            _split(self.y_fake, n_fake, parts),
            _split(self.z, n_fake, parts),
        )
        return [DBatch(*part) for part in zip(*columns, strict=True)]


class GBatch(NamedTuple):
    """What one G update trains on: noise and labels for G, and real images (with their labels)
    only when the G loss compares fakes with them (LossSpec.generator_sees_real)."""

    z: torch.Tensor
    y: Labels
    real: torch.Tensor | None = None
    y_real: Labels = None

    def split(self, parts: int) -> list[GBatch]:
        n = len(self.z) // parts
        n_real = len(self.real) // parts if self.real is not None else 0
        columns = (
            _split(self.z, n, parts),
            _split(self.y, n, parts),
            _split(self.real, n_real, parts),
            _split(self.y_real, n_real, parts),
        )
        return [GBatch(*part) for part in zip(*columns, strict=True)]


def _split(x: torch.Tensor | None, size: int, parts: int) -> tuple[torch.Tensor | None, ...]:
    return (None,) * parts if x is None else x.split(size)


class GANSteps:
    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        opt_g: torch.optim.Optimizer,
        opt_d: torch.optim.Optimizer,
        loss: GANLoss,
        cfg: TrainConfig,
        g_decay: float = 0.0,
        d_decay: float = 0.0,
        fast: FastPath | None = None,
    ) -> None:
        self.G, self.D = generator, discriminator
        self.device = next(generator.parameters()).device
        self.fast = fast or FastPath()
        self._g, self._d = self.fast.forward_fn(generator), self.fast.forward_fn(discriminator)
        self.opt_g, self.opt_d = opt_g, opt_d
        self.sched_g, self.sched_d = build_decay(opt_g, g_decay), build_decay(opt_d, d_decay)
        self.loss = loss
        self.next_real: Callable[[], RealBatch] | None = None  # the sampler, during `iteration`
        self.last_d_batch: DBatch | None = None  # the iteration's latest D inputs
        self.cfg = cfg
        self.phases: list[Phase] = build_phases(self, cfg)

    def stat_names(self) -> list[str]:
        """The scalars `iteration` returns: the columns of losses.csv. D(x) and D(G(z)) are
        the means of D's output on the last D update's batches (probabilities for the
        cross-entropy losses, raw scores otherwise); g_loss is the last G update's; the
        gradient norms are the L2 norms of all of a network's gradients (at the last update of
        each), measured only when `iteration` is asked to."""
        names = ["d_loss", "g_loss", "d_real", "d_fake"]
        names += ["gp"] if self.loss.spec.needs_gradient_penalty else []
        names += ["r1"] if self.cfg.r1_gamma else []
        names += ["wasserstein"] if self.loss.spec.wasserstein else []
        return [*names, "d_grad_norm", "g_grad_norm"]

    # ---- one iteration -----------------------------------------------------------------
    def iteration(
        self, next_real: Callable[[], RealBatch], grad_norms: bool = False
    ) -> dict[str, torch.Tensor]:
        """The phases in order (by default k D updates, then g G updates); returns the
        scalars of `stat_names` (the last D update's, and the gradient norms only when
        `grad_norms`), detached, on the device."""
        self.fast.begin_iteration()
        self.next_real, self.last_d_batch = next_real, None
        stats: Stats = {}
        losses = run_phases(self.phases, stats, grad_norms)
        self.last_d_batch = None  # not kept alive until the next iteration draws its own
        return {**losses, **stats}

    def d_update(
        self,
        real: torch.Tensor,
        fake: torch.Tensor,
        y_real: Labels = None,
        y_fake: Labels = None,
    ) -> torch.Tensor:
        """One run of D's phase on the given images, outside an iteration; returns its loss."""
        return run_phase(self._phase("d"), DBatch(real, y_real, fake, y_fake, None), {})

    def g_update(self, batch_size: int, device: torch.device) -> torch.Tensor:
        """One run of G's phase on fresh noise, outside an iteration; returns its loss."""
        labels = self.fake_labels(batch_size, device)
        batch = GBatch(self.noise(batch_size, device), labels, *self._real_for_g())
        return run_phase(self._phase("g"), batch, {})

    def _phase(self, name: str) -> Phase:
        return next(phase for phase in self.phases if phase.name == name)

    # ---- what the updates train on -------------------------------------------------------
    def noise(self, n: int, device: torch.device) -> torch.Tensor:
        return latent(n, self.G.z_dim, self.G.z_dist, device=device)

    def fake_labels(self, n: int, device: torch.device) -> torch.Tensor | None:
        """Uniform classes for a conditional generator; None for an unconditional one."""
        if not self.G.num_classes:
            return None
        return torch.randint(self.G.num_classes, (n,), device=device)

    def fresh_d_batch(self, run: int) -> DBatch:
        """The next real batch, and as many images generated from fresh noise (and labels)."""
        assert self.next_real is not None, "D draws its batches inside `iteration`"
        real, y_real = _images_and_labels(self.next_real())
        y_fake = self.fake_labels(len(real), real.device)
        z = self.noise(len(real), real.device)
        with torch.no_grad():
            fake = self.generate(z, y_fake)
        self.last_d_batch = DBatch(real, y_real, fake, y_fake, z)
        return self.last_d_batch

    def same_d_batch(self, run: int) -> DBatch:
        """The iteration's first D batch for every D run (train.d_same_batch)."""
        if run == 0 or self.last_d_batch is None:
            return self.fresh_d_batch(run)
        return self.last_d_batch

    def fresh_g_batch(self, run: int, size: int) -> GBatch:
        """Fresh noise (and labels) for `size` images."""
        labels = self.fake_labels(size, self.device)
        return GBatch(self.noise(size, self.device), labels, *self._real_for_g())

    def d_step_g_batch(self, run: int) -> GBatch:
        """The noise and labels the latest D batch was generated from (train.g_noise=d-step)."""
        last = self.last_d_batch
        assert last is not None and last.z is not None, "a D run precedes G's"
        return GBatch(last.z, last.y_fake, *self._real_for_g())

    def _real_for_g(self) -> tuple[torch.Tensor | None, Labels]:
        """The latest real batch, for a G loss that compares fakes with real images."""
        if not self.loss.spec.generator_sees_real:
            return None, None
        if self.last_d_batch is None:
            raise ValueError("this G loss compares fakes with real images: run a D phase first")
        return self.last_d_batch.real, self.last_d_batch.y_real

    # ---- the networks as training sees them ----------------------------------------------
    def generate(self, noise: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        with self.fast.autocast():
            return at_least_fp32(self._g(noise, labels))

    def discriminate(
        self, images: torch.Tensor, labels: torch.Tensor | None = None
    ) -> torch.Tensor:
        """D's logits for `images` as D sees them in training: augmented (DiffAugment), and
        stacked into packs (PacGAN), one logit per pack."""
        images = pack(diff_augment(images, self.cfg.diffaugment), self.cfg.packing)
        # Logits leave the autocast region as fp32: losses and their gradients stay fp32.
        with self.fast.autocast():
            return at_least_fp32(self._d(images, labels))

    # ---- the losses of one (micro-)batch -----------------------------------------------
    def d_loss(self, batch: DBatch, stats: Stats, combined: bool = False) -> torch.Tensor:
        """D's loss on real and generated images together, with its penalties. `stats` receives
        D(x), D(G(z)), the penalties and the Wasserstein estimate as detached device tensors
        (no host sync). `combined`: one D pass over both batches (train.d_forward)."""
        real, fake, y_real = batch.real, batch.fake, batch.y_real
        if combined:
            labels = None if y_real is None else torch.cat([y_real, batch.y_fake])
            logits = self.discriminate(torch.cat([real, fake]), labels)
            n_real = len(real) // self.cfg.packing  # packs never straddle: B is a multiple of m
            real_logits, fake_logits = logits[:n_real], logits[n_real:]
        else:
            real_logits = self.discriminate(real, y_real)
            fake_logits = self.discriminate(fake, batch.y_fake)
        loss = self.loss.discriminator(real_logits, fake_logits)
        stats["d_real"], stats["d_fake"] = self._d_out(real_logits), self._d_out(fake_logits)
        if self.loss.spec.wasserstein:
            stats["wasserstein"] = (real_logits.mean() - fake_logits.mean()).detach()
        if self.loss.spec.needs_gradient_penalty:
            # Interpolates are scored under the real labels (a conditional critic needs one).
            penalty = gradient_penalty(lambda x: self.discriminate(x, y_real), real, fake)
            loss = loss + self.cfg.gp_weight * penalty
            stats["gp"] = penalty.detach()
        if self.cfg.r1_gamma:
            r1 = r1_penalty(lambda x: self.discriminate(x, y_real), real)
            loss = loss + 0.5 * self.cfg.r1_gamma * r1
            stats["r1"] = r1.detach()
        return loss

    def d_real_half_loss(self, batch: DBatch, stats: Stats) -> torch.Tensor:
        """D's loss on the real images alone (label 1), for train.d_update=real-then-fake."""
        half = self._halves()[0]
        logits = self.discriminate(batch.real, batch.y_real)
        stats["d_real"] = self._d_out(logits)
        return half(logits)

    def d_fake_half_loss(self, batch: DBatch, stats: Stats) -> torch.Tensor:
        """D's loss on the generated images alone (label 0)."""
        half = self._halves()[1]
        logits = self.discriminate(batch.fake, batch.y_fake)
        stats["d_fake"] = self._d_out(logits)
        return half(logits)

    def _d_out(self, logits: torch.Tensor) -> torch.Tensor:
        """The mean of what D says of a batch, as logged (d_real, d_fake): a probability where
        the loss reads D's output as one, else the raw score."""
        out = logits.detach()
        return (out.sigmoid() if self.loss.spec.d_probability else out).mean()

    def _halves(self) -> tuple[Callable[[torch.Tensor], torch.Tensor], ...]:
        real_only, fake_only = self.loss.d_real_only, self.loss.d_fake_only
        if real_only is None or fake_only is None:
            halves = choices.LOSSES.having(lambda spec: spec.separate_halves)
            raise ValueError(
                f"train.d_update=real-then-fake needs a loss with separate halves "
                f"({', '.join(halves)}), not {self.loss.spec.name}"
            )
        return real_only, fake_only

    def g_loss(
        self,
        batch: GBatch,
        stats: Stats,
        d_view: Callable[[], AbstractContextManager[object]],
    ) -> torch.Tensor:
        """G's loss on images it generates from `batch`, through D as `d_view` presents it
        (frozen, by default); a relativistic loss also sees D's logits of the real images."""
        fake = self.generate(batch.z, batch.y)
        with d_view():
            fake_logits = self.discriminate(fake, batch.y)
            if not self.loss.spec.generator_sees_real:
                return self.loss.generator(fake_logits)
            assert batch.real is not None, "_real_for_g hands the real batch over"
            real_logits = self.discriminate(batch.real, batch.y_real)
            return self.loss.generator(fake_logits, real_logits)


def pack(images: torch.Tensor, m: int) -> torch.Tensor:
    """(B, C, H, W) -> (B/m, m*C, H, W): each run of m consecutive images becomes one input."""
    if m == 1:
        return images
    n, c, h, w = images.shape
    if n % m:
        raise ValueError(f"a batch of {n} images does not split into packs of {m}")
    return images.reshape(n // m, m * c, h, w)


def at_least_fp32(x: torch.Tensor) -> torch.Tensor:
    """`x` in fp32 when autocast made it narrower; networks cast to fp64 stay fp64 (the exact
    tests of tests/training/test_first_iterations.py run them so)."""
    return x if x.dtype == torch.float64 else x.float()


def _images_and_labels(batch: RealBatch) -> tuple[torch.Tensor, torch.Tensor | None]:
    return batch if isinstance(batch, tuple) else (batch, None)
