"""An exponential moving average of the generator's weights, used for samples and metrics."""

from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """`start`: the update (counted from 1) before which the average only copies the model."""

    def __init__(self, model: nn.Module, decay: float, start: int = 0) -> None:
        self.decay = decay
        self.start = start
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module, step: int) -> None:
        """Fold in `model` as it is after training step `step`."""
        ema_params, params = list(self.model.parameters()), list(model.parameters())
        if step < self.start:
            torch._foreach_copy_(ema_params, params)
        else:
            torch._foreach_lerp_(ema_params, params, 1.0 - self.decay)
        # BatchNorm running statistics follow the live model: they are averages already.
        for ema_buf, buf in zip(self.model.buffers(), model.buffers(), strict=True):
            ema_buf.copy_(buf)
