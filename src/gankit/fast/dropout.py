"""Dropout with the same distribution as `nn.Dropout`, drawn faster on the CPU.

`nn.Dropout` draws its mask with `bernoulli_`, whose CPU kernel is slow per element; in a
discriminator with dropout after every block (Liu 2021's) it is a large share of the training
step (docs/results/performance.md measures it). Comparing uniform draws with the keep
probability gives a mask with the same Bernoulli(1 - p) law for less. Only the random stream
differs.
"""

from __future__ import annotations

import torch
from torch import nn

from gankit.fast.swap import swap_layers


class _MaskedScale(torch.autograd.Function):
    """y = x * mask / (1 - p); the backward pass reuses the mask (as native dropout does)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, mask: torch.Tensor, scale: float) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(mask)
        ctx.scale = scale
        # The scalar multiply rounds once, in the input's dtype (bf16 under autocast).
        return torch.mul(x, mask).mul_(scale)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:  # type: ignore[override]
        (mask,) = ctx.saved_tensors
        return torch.mul(grad, mask).mul_(ctx.scale), None, None


class FastDropout(nn.Dropout):
    """A drop-in `nn.Dropout` (same `p`, same eval behaviour, no state) whose training mask is
    `uniform < 1 - p` instead of `bernoulli_(1 - p)`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        keep = 1.0 - self.p
        # Float32 uniforms have 24-bit resolution: P(u < keep) is keep to within 6e-8.
        # rand_like keeps x's memory layout (NHWC under channels_last), so the multiply stays dense.
        mask = torch.rand_like(x, dtype=torch.float32).lt_(keep).to(x.dtype)
        return _MaskedScale.apply(x, mask, 1.0 / keep)


def use_fast_dropout(module: nn.Module) -> nn.Module:
    """Make every plain `nn.Dropout` inside `module` (in place) a `FastDropout`."""
    return swap_layers(module, lambda layer: type(layer) is nn.Dropout, FastDropout)
