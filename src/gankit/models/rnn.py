"""Xiao 2023's RNN discriminator: the image rows read as a sequence by a simple RNN."""

from __future__ import annotations

import torch
from torch import nn

from gankit.models.base import Discriminator
from gankit.models.registry import ImageShape, register_discriminator


class RowRNNDiscriminator(Discriminator):
    """Each of the H rows (C*W values) is one time step of a fully connected (Elman) RNN;
    the last hidden state is scored by a linear layer."""

    def __init__(self, image: ImageShape, hidden: int = 128, num_classes: int = 0) -> None:
        super().__init__(image, num_classes)
        self.rnn = nn.RNN(self.input_channels * image.width, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.permute(0, 2, 1, 3).flatten(2)  # (B, H, C*W): row t is step t
        out, _ = self.rnn(rows)
        return self.head(out[:, -1])


@register_discriminator("xiao2023-rnn")
def xiao_rnn_discriminator(
    image: ImageShape, width: int = 128, num_classes: int = 0, **_: object
) -> Discriminator:
    return RowRNNDiscriminator(image, hidden=width, num_classes=num_classes)
