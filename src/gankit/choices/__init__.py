"""Every name a config chooses (loss, optimizer, generator, discriminator, dataset kind),
declared once with the config keys it reads and its capabilities. Torch-free: the config schema
validates its choices here, and gankit.config_rules reads the capabilities, never the names.
Implementations register under the declared names (choices/registry.py)."""

from gankit.choices.datasets import DATASET_KINDS, DatasetKind
from gankit.choices.losses import LOSSES, LossSpec
from gankit.choices.models import (
    DISCRIMINATORS,
    GENERATORS,
    DiscriminatorSpec,
    GeneratorSpec,
)
from gankit.choices.optimizers import OPTIMIZERS, OptimizerSpec
from gankit.choices.registry import Choice, Declared, Implemented

__all__ = [
    "DATASET_KINDS",
    "DISCRIMINATORS",
    "GENERATORS",
    "LOSSES",
    "OPTIMIZERS",
    "Choice",
    "DatasetKind",
    "Declared",
    "DiscriminatorSpec",
    "GeneratorSpec",
    "Implemented",
    "LossSpec",
    "OptimizerSpec",
]
