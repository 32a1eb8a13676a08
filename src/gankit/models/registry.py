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

# The model.* config keys a family may or may not read (each registration says which it does;
# every family reads z_dim and conditional). A key set for a family that does not read it is a
# config error, never silently dropped.
GENERATOR_OPTIONS = ("g_width", "batchnorm")
DISCRIMINATOR_OPTIONS = ("d_width", "batchnorm", "d_norm")
GENERATOR_READS: dict[str, frozenset[str]] = {}
DISCRIMINATOR_READS: dict[str, frozenset[str]] = {}


def _declared(name: str, reads: tuple[str, ...], options: tuple[str, ...]) -> frozenset[str]:
    unknown = set(reads) - set(options)
    if unknown:
        raise ValueError(f"{name}: reads {sorted(unknown)}, not among {options}")
    return frozenset(reads)


def register_generator(
    name: str, reads: tuple[str, ...] = ()
) -> Callable[[GeneratorFactory], GeneratorFactory]:
    """`reads`: the GENERATOR_OPTIONS the factory uses (passed as width= and batchnorm=)."""

    def wrap(factory: GeneratorFactory) -> GeneratorFactory:
        GENERATORS[name] = factory
        GENERATOR_READS[name] = _declared(name, reads, GENERATOR_OPTIONS)
        return factory

    return wrap


def register_discriminator(
    name: str, reads: tuple[str, ...] = ()
) -> Callable[[DiscriminatorFactory], DiscriminatorFactory]:
    """`reads`: the DISCRIMINATOR_OPTIONS the factory uses (width=, batchnorm=, norm=)."""

    def wrap(factory: DiscriminatorFactory) -> DiscriminatorFactory:
        DISCRIMINATORS[name] = factory
        DISCRIMINATOR_READS[name] = _declared(name, reads, DISCRIMINATOR_OPTIONS)
        return factory

    return wrap
