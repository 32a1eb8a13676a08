"""Model registry; importing this package registers every built-in family."""

from gankit.models import dcgan, mlp, pacgan, rnn  # noqa: F401  (registration side effect)
from gankit.models.base import Discriminator, Generator
from gankit.models.registry import DISCRIMINATORS, GENERATORS, ImageShape
from gankit.models.spectral import apply_spectral_norm

__all__ = [
    "DISCRIMINATORS",
    "GENERATORS",
    "Discriminator",
    "Generator",
    "ImageShape",
    "apply_spectral_norm",
]
