"""Generators and discriminators registered by name, so presets can pick them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn


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

GENERATORS: dict[str, GeneratorFactory] = {}
DISCRIMINATORS: dict[str, DiscriminatorFactory] = {}


def register_generator(name: str) -> Callable[[GeneratorFactory], GeneratorFactory]:
    def wrap(factory: GeneratorFactory) -> GeneratorFactory:
        GENERATORS[name] = factory
        return factory

    return wrap


def register_discriminator(name: str) -> Callable[[DiscriminatorFactory], DiscriminatorFactory]:
    def wrap(factory: DiscriminatorFactory) -> DiscriminatorFactory:
        DISCRIMINATORS[name] = factory
        return factory

    return wrap
