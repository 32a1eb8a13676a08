"""Base classes: every generator maps (batch, z_dim) noise to images in [-1, 1]; every
discriminator maps images to one real/fake logit per image."""

from __future__ import annotations

import torch
from torch import nn

from gankit.models.registry import ImageShape
from gankit.models.shapes import check_shape


class Generator(nn.Module):
    def __init__(self, z_dim: int, image: ImageShape) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.image = image

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_shape(z, (self.z_dim,), f"{type(self).__name__} input noise")
        out = self.generate(z)
        check_shape(out, self.image.as_tuple(), f"{type(self).__name__} output")
        return out

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class Discriminator(nn.Module):
    def __init__(self, image: ImageShape) -> None:
        super().__init__()
        self.image = image

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_shape(x, self.image.as_tuple(), f"{type(self).__name__} input image")
        logits = self.score(x)
        check_shape(logits, (1,), f"{type(self).__name__} output")
        return logits.squeeze(1)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, C, H, W) -> (batch, 1) logits; the sigmoid lives in the loss, for stability."""
        raise NotImplementedError
