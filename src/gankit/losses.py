"""GAN losses as small pure functions of discriminator logits, chosen by name.

Logits rather than probabilities: softplus(-x) = -log(sigmoid(x)) is exact and stable where
sigmoid followed by log is not, and it is the same binary cross-entropy the papers minimise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from gankit import choices
from gankit.choices import Implemented, LossSpec

Tensor = torch.Tensor


def d_bce(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Mean binary cross-entropy over real (label 1) and fake (label 0) images: what Keras
    reports for one combined real+fake batch of equal halves."""
    return 0.5 * (F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean())


def g_nonsaturating(fake_logits: Tensor) -> Tensor:
    """-log D(G(z)): binary cross-entropy of fakes against label 1 (Goodfellow's practical G
    loss, and what Keras code that trains G with 'ones' labels computes)."""
    return F.softplus(-fake_logits).mean()


def g_minimax(fake_logits: Tensor) -> Tensor:
    """log(1 - D(G(z))): the original minimax objective, which saturates early in training."""
    return -F.softplus(fake_logits).mean()


def d_wasserstein(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """The critic's side of the Wasserstein estimate, E[D(fake)] - E[D(real)] (Arjovsky 2017)."""
    return fake_scores.mean() - real_scores.mean()


def g_wasserstein(fake_scores: Tensor) -> Tensor:
    return -fake_scores.mean()


def d_hinge(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018)."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor) -> Tensor:
    """Gulrajani et al. 2017: E[(||grad_x D(x)||_2 - 1)^2] at random points between real and
    fake images. Norms are over every non-batch dimension, so any channel count or size works."""
    shape = (len(real),) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, device=real.device, dtype=real.dtype)
    mixed = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def d_least_squares(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """LSGAN (Mao et al. 2017, eq. 2) with the 0-1 coding a=0 (fake), b=1 (real):
    1/2 E[(D(x) - 1)^2] + 1/2 E[D(G(z))^2] on raw scores (no sigmoid)."""
    return 0.5 * ((real_scores - 1) ** 2).mean() + 0.5 * (fake_scores**2).mean()


def g_least_squares(fake_scores: Tensor) -> Tensor:
    """LSGAN's generator side with c=1: 1/2 E[(D(G(z)) - 1)^2]."""
    return 0.5 * ((fake_scores - 1) ** 2).mean()


def r1_penalty(critic: Callable[[Tensor], Tensor], real: Tensor) -> Tensor:
    """Mescheder et al. 2018: E[||grad_x D(x)||^2] at real images; the D loss adds gamma/2 of it.

    The mean is over D's outputs: a critic that scores packs of m images (PacGAN) has one
    gradient per pack, whose squared norm sums over the pack's images."""
    x = real.detach().requires_grad_(True)
    scores = critic(x)
    (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
    return grad.pow(2).sum() / len(scores)


@dataclass(frozen=True)
class GANLoss:
    """The functions of a loss; `spec`, its declaration (gankit/choices/losses.py), holds what
    the training steps need to know of it."""

    spec: LossSpec
    discriminator: Callable[[Tensor, Tensor], Tensor]  # (real_logits, fake_logits)
    # (fake_logits), or (fake_logits, real_logits) when spec.generator_sees_real
    generator: Callable[..., Tensor]
    # D's loss on real images alone and on generated ones alone: given exactly when
    # spec.separate_halves
    d_real_only: Callable[[Tensor], Tensor] | None = None
    d_fake_only: Callable[[Tensor], Tensor] | None = None

    def __post_init__(self) -> None:
        halves = (self.d_real_only is not None, self.d_fake_only is not None)
        if halves != (self.spec.separate_halves,) * 2:
            raise ValueError(
                f"loss {self.spec.name!r}: give d_real_only and d_fake_only exactly when its "
                "declaration says separate_halves"
            )


LOSSES: Implemented[LossSpec, GANLoss] = Implemented(choices.LOSSES)


def register_loss(
    name: str,
    discriminator: Callable[[Tensor, Tensor], Tensor],
    generator: Callable[..., Tensor],
    d_real_only: Callable[[Tensor], Tensor] | None = None,
    d_fake_only: Callable[[Tensor], Tensor] | None = None,
) -> GANLoss:
    """The functions of `name`, a loss declared in gankit/choices/losses.py."""
    loss = GANLoss(LOSSES.declaration(name), discriminator, generator, d_real_only, d_fake_only)
    return LOSSES.register(name, loss)


def d_bce_real_only(real_logits: Tensor) -> Tensor:
    """d_bce's half on real images alone (label 1): what Keras reports for a real batch."""
    return F.softplus(-real_logits).mean()


def d_bce_fake_only(fake_logits: Tensor) -> Tensor:
    """d_bce's half on generated images alone (label 0)."""
    return F.softplus(fake_logits).mean()


register_loss("bce", d_bce, g_nonsaturating, d_bce_real_only, d_bce_fake_only)
register_loss("minimax", d_bce, g_minimax, d_bce_real_only, d_bce_fake_only)
register_loss("hinge", d_hinge, g_wasserstein)
register_loss("wgan-gp", d_wasserstein, g_wasserstein)
register_loss("lsgan", d_least_squares, g_least_squares)


def get_loss(name: str) -> GANLoss:
    """The loss `name`; an unknown name is an UnknownNameError listing the choices."""
    return LOSSES[name]
