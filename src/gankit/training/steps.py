"""One training iteration of a GAN: k discriminator updates, then g generator updates.

The steps own the algorithm; the trainer only loops, logs and saves around them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from gankit.config import TrainConfig
from gankit.fast.path import FastPath
from gankit.losses import GANLoss, gradient_penalty, r1_penalty
from gankit.sampling import latent
from gankit.training.augment import diff_augment
from gankit.training.optim import build_decay

# What a sampler hands over: images, or (images, labels) for a conditional model.
RealBatch = torch.Tensor | tuple[torch.Tensor, torch.Tensor]
# What G is fed: noise, and the class labels of a conditional model (else None).
GeneratorInput = tuple[torch.Tensor, torch.Tensor | None]


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
        self.fast = fast or FastPath()
        self._g, self._d = self.fast.forward_fn(generator), self.fast.forward_fn(discriminator)
        self.opt_g, self.opt_d = opt_g, opt_d
        self.sched_g, self.sched_d = build_decay(opt_g, g_decay), build_decay(opt_d, d_decay)
        self.loss = loss
        self.cfg = cfg

    def stat_names(self) -> list[str]:
        """The scalars `iteration` returns: the columns of losses.csv. D(x) and D(G(z)) are
        the means of D's output on the last D update's batches (probabilities for the
        cross-entropy losses, raw scores otherwise); g_loss is the last G update's; the
        gradient norms are the L2 norms of all of a network's gradients (at the last update of
        each), measured only when `iteration` is asked to."""
        names = ["d_loss", "g_loss", "d_real", "d_fake"]
        names += ["gp"] if self.loss.needs_gradient_penalty else []
        names += ["r1"] if self.cfg.r1_gamma else []
        names += ["wasserstein"] if self.loss.wasserstein else []
        return [*names, "d_grad_norm", "g_grad_norm"]

    def noise(self, n: int, device: torch.device) -> torch.Tensor:
        return latent(n, self.G.z_dim, self.G.z_dist, device=device)

    def fake_labels(self, n: int, device: torch.device) -> torch.Tensor | None:
        """Uniform classes for a conditional generator; None for an unconditional one."""
        if not self.G.num_classes:
            return None
        return torch.randint(self.G.num_classes, (n,), device=device)

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

    def _d_logits(
        self, real: torch.Tensor, fake: torch.Tensor, y_real: torch.Tensor | None,
        y_fake: torch.Tensor | None,
    ) -> tuple[torch.Tensor, ...]:  # fmt: skip
        if self.cfg.d_forward == "combined":
            labels = None if y_real is None else torch.cat([y_real, y_fake])
            logits = self.discriminate(torch.cat([real, fake]), labels)
            n_real = len(real) // self.cfg.packing  # packs never straddle: B is a multiple of m
            return logits[:n_real], logits[n_real:]
        return self.discriminate(real, y_real), self.discriminate(fake, y_fake)

    def d_update(
        self,
        real: torch.Tensor,
        fake: torch.Tensor,
        y_real: torch.Tensor | None = None,
        y_fake: torch.Tensor | None = None,
        stats: dict[str, torch.Tensor] | None = None,
        measure_grad: bool = False,
    ) -> torch.Tensor:
        """One D update; returns its loss. `stats` (when given) receives D(x), D(G(z)), the
        penalties and the Wasserstein estimate as detached device tensors (no host sync),
        and D's gradient norm when `measure_grad`."""
        stats = {} if stats is None else stats
        if self.cfg.d_update == "real-then-fake":
            return self._d_update_each_half(real, fake, y_real, y_fake, stats, measure_grad)
        real_logits, fake_logits = self._d_logits(real, fake, y_real, y_fake)
        loss = self.loss.discriminator(real_logits, fake_logits)
        real_out, fake_out = real_logits.detach(), fake_logits.detach()
        if self.loss.d_probability:
            real_out, fake_out = real_out.sigmoid(), fake_out.sigmoid()
        stats["d_real"], stats["d_fake"] = real_out.mean(), fake_out.mean()
        if self.loss.wasserstein:
            stats["wasserstein"] = (real_logits.mean() - fake_logits.mean()).detach()
        if self.loss.needs_gradient_penalty:
            # Interpolates are scored under the real labels (a conditional critic needs one).
            penalty = gradient_penalty(lambda x: self.discriminate(x, y_real), real, fake)
            loss = loss + self.cfg.gp_weight * penalty
            stats["gp"] = penalty.detach()
        if self.cfg.r1_gamma:
            r1 = r1_penalty(lambda x: self.discriminate(x, y_real), real)
            loss = loss + 0.5 * self.cfg.r1_gamma * r1
            stats["r1"] = r1.detach()
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        if measure_grad:
            stats["d_grad_norm"] = grad_norm(self.D)
        self.opt_d.step()
        self.sched_d.step()
        return loss.detach()

    def _d_update_each_half(
        self,
        real: torch.Tensor,
        fake: torch.Tensor,
        y_real: torch.Tensor | None,
        y_fake: torch.Tensor | None,
        stats: dict[str, torch.Tensor],
        measure_grad: bool,
    ) -> torch.Tensor:
        """Two D updates, on the real batch alone and then on the generated one; returns the
        mean of the two losses (what Keras code reports as 0.5 * (d_loss_real + d_loss_fake))."""
        if self.loss.d_real_only is None or self.loss.d_fake_only is None:
            raise ValueError(
                "train.d_update=real-then-fake needs a loss with separate halves (bce)"
            )
        losses = []
        for images, labels, side in ((real, y_real, "real"), (fake, y_fake, "fake")):
            logits = self.discriminate(images, labels)
            half = self.loss.d_real_only if side == "real" else self.loss.d_fake_only
            loss = half(logits)
            stats[f"d_{side}"] = logits.detach().sigmoid().mean()
            self.opt_d.zero_grad(set_to_none=True)
            loss.backward()
            if measure_grad and side == "fake":
                stats["d_grad_norm"] = grad_norm(self.D)
            self.opt_d.step()
            self.sched_d.step()
            losses.append(loss.detach())
        return 0.5 * (losses[0] + losses[1])

    def g_update(
        self,
        batch_size: int,
        device: torch.device,
        stats: dict[str, torch.Tensor] | None = None,
        measure_grad: bool = False,
        given: GeneratorInput | None = None,
    ) -> torch.Tensor:
        """One G update, on fresh noise or on the `given` noise and labels; returns its loss
        (and G's gradient norm in `stats` when asked)."""
        if given is None:
            labels = self.fake_labels(batch_size, device)
            noise = self.noise(batch_size, device)
        else:
            noise, labels = given
        fake = self.generate(noise, labels)
        # A trained D stays as it is: opt_g holds its parameters too (build_gan).
        trained = self.cfg.g_step_d == "trained"
        with nullcontext() if trained else frozen(self.D, self.cfg.g_step_d_bn):
            loss = self.loss.generator(self.discriminate(fake, labels))
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        if measure_grad and stats is not None:
            stats["g_grad_norm"] = grad_norm(self.G)
        self.opt_g.step()
        self.sched_g.step()
        return loss.detach()

    def iteration(
        self, next_real: Callable[[], RealBatch], grad_norms: bool = False
    ) -> dict[str, torch.Tensor]:
        """k D updates then g G updates; returns the scalars of `stat_names` (the last D
        update's, and the gradient norms only when `grad_norms`), detached, on the device.

        With d_same_batch (Liu 2021), one real batch and one generated batch serve all k D
        updates, as Keras `train_on_batch` called k times on the same arrays does. With
        g_noise=d-step (DCGAN-tensorflow), every G update is fed the noise and labels the last
        D update generated its batch from.
        """
        self.fast.begin_iteration()
        real, y_real = _split(next_real())
        device = real.device
        d_losses = []
        stats: dict[str, torch.Tensor] = {}
        fake = y_fake = z_fake = None
        for k in range(self.cfg.d_steps):
            if k > 0 and not self.cfg.d_same_batch:
                real, y_real = _split(next_real())
            if fake is None or not self.cfg.d_same_batch:
                y_fake = self.fake_labels(len(real), device)
                z_fake = self.noise(len(real), device)
                with torch.no_grad():
                    fake = self.generate(z_fake, y_fake)
            last = k == self.cfg.d_steps - 1
            d_losses.append(
                self.d_update(real, fake, y_real, y_fake, stats, measure_grad=grad_norms and last)
            )
        g_batch = self.cfg.g_batch_size or self.cfg.batch_size
        assert z_fake is not None, "d_steps >= 1 draws the D step's noise"
        given = (z_fake, y_fake) if self.cfg.g_noise == "d-step" else None
        g_losses = [
            self.g_update(g_batch, device, stats, grad_norms and k == self.cfg.g_steps - 1, given)
            for k in range(self.cfg.g_steps)
        ]
        return {"d_loss": d_losses[-1], "g_loss": g_losses[-1], **stats}


@contextmanager
def frozen(discriminator: nn.Module, batchnorm: str) -> Iterator[None]:
    """D as the G step sees it. Its parameters get no gradient: only G is updated, and skipping
    D's weight gradients saves a third of the backward pass through D. With batchnorm="running"
    its BatchNorm layers also normalise with their running averages and leave them unchanged."""
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


def pack(images: torch.Tensor, m: int) -> torch.Tensor:
    """(B, C, H, W) -> (B/m, m*C, H, W): each run of m consecutive images becomes one input."""
    if m == 1:
        return images
    n, c, h, w = images.shape
    if n % m:
        raise ValueError(f"a batch of {n} images does not split into packs of {m}")
    return images.reshape(n // m, m * c, h, w)


def grad_norm(module: nn.Module) -> torch.Tensor:
    """The L2 norm of all of a module's parameter gradients taken together, on its device."""
    norms = [p.grad.detach().norm() for p in module.parameters() if p.grad is not None]
    if not norms:
        return torch.zeros((), device=next(module.parameters()).device)
    return torch.linalg.vector_norm(torch.stack(norms))


def at_least_fp32(x: torch.Tensor) -> torch.Tensor:
    """`x` in fp32 when autocast made it narrower; networks cast to fp64 stay fp64 (the exact
    tests of tests/test_first_iterations.py run them so)."""
    return x if x.dtype == torch.float64 else x.float()


def _split(batch: RealBatch) -> tuple[torch.Tensor, torch.Tensor | None]:
    return batch if isinstance(batch, tuple) else (batch, None)
