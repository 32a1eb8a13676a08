"""Base classes: every generator maps (batch, z_dim) noise to images in [-1, 1]; every
discriminator maps images to one real/fake logit per image. A conditional model
(num_classes > 0) also takes one class label per image."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gankit.errors import InputError
from gankit.models.registry import ImageShape
from gankit.models.shapes import check_shape


def check_label_batch(labels: torch.Tensor | None, batch: int, num_classes: int, what: str) -> None:
    """Raise InputError unless a network `what` gets the labels its conditioning asks for:
    none when unconditional, else one int64 class index per image of the batch."""
    if num_classes == 0:
        if labels is not None:
            raise InputError(f"{what} is unconditional; it takes no labels")
        return
    if labels is None:
        raise InputError(f"{what} is conditional on {num_classes} classes; pass labels")
    if labels.shape != (batch,) or labels.dtype != torch.long:
        raise InputError(
            f"{what}: labels must be int64 of shape ({batch},), got "
            f"{labels.dtype} {tuple(labels.shape)}"
        )


def one_hot(labels: torch.Tensor, num_classes: int, like: torch.Tensor) -> torch.Tensor:
    return F.one_hot(labels, num_classes).to(like.dtype)


class Generator(nn.Module):
    # the noise it maps (model.z_dist): build_generator sets it, and training and every
    # sampling draw read it from here
    z_dist: str = "normal"

    def __init__(self, z_dim: int, image: ImageShape, num_classes: int = 0) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.image = image
        self.num_classes = num_classes

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        name = type(self).__name__
        check_shape(z, (self.z_dim,), f"{name} input noise")
        check_label_batch(labels, len(z), self.num_classes, name)
        if labels is not None:
            # Conditioning by concatenation: the class enters as a one-hot code beside z.
            z = torch.cat([z, one_hot(labels, self.num_classes, z)], dim=1)
        out = self.generate(z)
        check_shape(out, self.image.as_tuple(), f"{name} output")
        return out

    @property
    def input_dim(self) -> int:
        """Width of what `generate` receives: the noise plus the one-hot class, if any."""
        return self.z_dim + self.num_classes

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class Discriminator(nn.Module):
    """`projection` (conditional models whose family has a feature trunk): the class enters by
    a projection head on phi(x) (see projection.py) instead of as input planes."""

    def __init__(self, image: ImageShape, num_classes: int = 0, projection: bool = False) -> None:
        super().__init__()
        self.image = image
        self.num_classes = num_classes
        self.projection = projection and num_classes > 0

    @property
    def input_channels(self) -> int:
        """Image channels, plus one constant plane per class for a concatenating conditional
        model."""
        planes = 0 if self.projection else self.num_classes
        return self.image.channels + planes

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        name = type(self).__name__
        check_shape(x, self.image.as_tuple(), f"{name} input image")
        check_label_batch(labels, len(x), self.num_classes, name)
        if self.projection:
            logits = self.head(self.projected_features(x), labels)
        else:
            if labels is not None:
                # The class as extra input planes: works for any channel count and image size.
                planes = one_hot(labels, self.num_classes, x)[:, :, None, None]
                x = torch.cat([x, planes.expand(-1, -1, *x.shape[2:])], dim=1)
            logits = self.score(x)
        check_shape(logits, (1,), f"{name} output")
        return logits.squeeze(1)

    def score(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, C, H, W) -> (batch, 1) logits; the sigmoid lives in the loss, for stability."""
        raise NotImplementedError

    def projected_features(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, C, H, W) -> (batch, F): phi(x), what a projection head reads."""
        raise NotImplementedError(f"{type(self).__name__} has no projection head")
