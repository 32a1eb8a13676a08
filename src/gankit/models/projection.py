"""The projection discriminator's head (Miyato & Koyama 2018): the class enters D as an inner
product with its features instead of as extra input planes."""

from __future__ import annotations

import torch
from torch import nn


class ProjectionHead(nn.Module):
    """logit = psi(phi(x)) + <embed(y), phi(x)>, with psi a linear map to one logit."""

    def __init__(self, features: int, num_classes: int) -> None:
        super().__init__()
        self.psi = nn.Linear(features, 1)
        self.embed = nn.Embedding(num_classes, features)
        # DCGAN-scale initial weights (N(0, 0.02)), like every other layer of the family.
        for weight in (self.psi.weight, self.embed.weight):
            nn.init.normal_(weight, 0.0, 0.02)
        nn.init.zeros_(self.psi.bias)

    def forward(self, phi: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.psi(phi) + (self.embed(labels) * phi).sum(1, keepdim=True)
