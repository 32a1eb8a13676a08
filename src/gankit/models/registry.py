"""Generators and discriminators registered by their declared names, so presets can pick them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from gankit import choices
from gankit.choices import DiscriminatorSpec, GeneratorSpec, Implemented


@dataclass(frozen=True)
class ImageShape:
    channels: int = 1
    height: int = 28
    width: int = 28

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.channels, self.height, self.width)

    @property
    def numel(self) -> int:
        return self.channels * self.height * self.width


GeneratorFactory = Callable[..., nn.Module]
DiscriminatorFactory = Callable[..., nn.Module]

# The factory of each generator and discriminator declared in gankit/choices/models.py (which
# says what each reads and can do), by name. A generator factory takes (z_dim, image,
# num_classes=, width=, batchnorm=), a discriminator factory (image, num_classes=, width=,
# batchnorm=, norm=, projection=); each ignores the keyword arguments its declaration does not
# read.
GENERATORS: Implemented[GeneratorSpec, GeneratorFactory] = Implemented(choices.GENERATORS)
DISCRIMINATORS: Implemented[DiscriminatorSpec, DiscriminatorFactory] = Implemented(
    choices.DISCRIMINATORS
)


def register_generator(name: str) -> Callable[[GeneratorFactory], GeneratorFactory]:
    """Registers the decorated factory as generator `name`, declared in gankit.choices."""
    return GENERATORS.registering(name)


def register_discriminator(name: str) -> Callable[[DiscriminatorFactory], DiscriminatorFactory]:
    """Registers the decorated factory as discriminator `name`, declared in gankit.choices."""
    return DISCRIMINATORS.registering(name)
