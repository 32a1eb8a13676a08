"""GAN losses as small pure functions of discriminator logits, chosen by name.

Logits rather than probabilities: softplus(-x) = -log(sigmoid(x)) is exact and stable where
sigmoid followed by log is not, and it is the same binary cross-entropy the papers minimise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from gankit.errors import UnknownNameError

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
    discriminator: Callable[[Tensor, Tensor], Tensor]  # (real_logits, fake_logits)
    # (fake_logits), or (fake_logits, real_logits) when generator_sees_real
    generator: Callable[..., Tensor]
    # WGAN-GP adds the gradient penalty to the critic's loss
    needs_gradient_penalty: bool = False
    # D's output is the logit of P(real): D(x) and D(G(z)) are logged as sigmoid means.
    # Otherwise they are logged as D's raw scores (critic values, hinge or least-squares outputs).
    d_probability: bool = False
    # D is a Wasserstein critic: E[D(real)] - E[D(fake)] estimates the Wasserstein distance
    wasserstein: bool = False
    # D's loss on real images alone and on generated ones alone, for D updated on each in turn
    # (train.d_update=real-then-fake): what Keras reports for a batch of one label.
    d_real_only: Callable[[Tensor], Tensor] | None = None
    d_fake_only: Callable[[Tensor], Tensor] | None = None
    # G's loss compares the fakes' logits with the real images' (a relativistic loss): the G
    # step also passes the iteration's latest real batch through D. Micro-batches
    # (train.accumulate) add up to the whole batch's update only for a loss that is a mean of
    # per-logit terms: every loss here, not a relativistic average one (its terms compare each
    # logit with a batch mean).
    generator_sees_real: bool = False


BCE_HALVES = {
    "d_real_only": lambda real_logits: F.softplus(-real_logits).mean(),  # label 1
    "d_fake_only": lambda fake_logits: F.softplus(fake_logits).mean(),  # label 0
}

LOSSES: dict[str, GANLoss] = {
    "bce": GANLoss(d_bce, g_nonsaturating, d_probability=True, **BCE_HALVES),
    "minimax": GANLoss(d_bce, g_minimax, d_probability=True, **BCE_HALVES),
    "hinge": GANLoss(d_hinge, g_wasserstein),
    "wgan-gp": GANLoss(d_wasserstein, g_wasserstein, needs_gradient_penalty=True, wasserstein=True),
    "lsgan": GANLoss(d_least_squares, g_least_squares),
}


def get_loss(name: str) -> GANLoss:
    try:
        return LOSSES[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}"
        ) from None
