"""GAN losses as small pure functions of discriminator logits, chosen by name.

Logits rather than probabilities: softplus(-x) = -log(sigmoid(x)) is exact and stable where
sigmoid followed by log is not, and it is the same binary cross-entropy the papers minimise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

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


@dataclass(frozen=True)
class GANLoss:
    discriminator: Callable[[Tensor, Tensor], Tensor]
    generator: Callable[[Tensor], Tensor]


LOSSES: dict[str, GANLoss] = {
    "bce": GANLoss(d_bce, g_nonsaturating),
    "minimax": GANLoss(d_bce, g_minimax),
}


def get_loss(name: str) -> GANLoss:
    try:
        return LOSSES[name]
    except KeyError:
        raise KeyError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}") from None
