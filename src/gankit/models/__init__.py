"""Model registry; importing this package registers every built-in family."""

from gankit.models import dcgan, mlp, rnn  # noqa: F401  (registration side effect)
from gankit.models.base import Discriminator, Generator
from gankit.models.registry import DISCRIMINATORS, GENERATORS, ImageShape

__all__ = ["DISCRIMINATORS", "GENERATORS", "Discriminator", "Generator", "ImageShape"]
