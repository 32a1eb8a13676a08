"""Every optimizer optim.g.name and optim.d.name choose, declared once with the optim.* keys it
reads (every one reads lr and decay); training/optim.py builds each, registered under the same
name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from gankit.choices.registry import Choice, Declared


@dataclass(frozen=True)
class OptimizerSpec(Choice):
    # the optim.g / optim.d keys only some optimizers read
    OPTIONS: ClassVar[tuple[str, ...]] = ("betas", "eps", "momentum", "rho")


OPTIMIZERS: Declared[OptimizerSpec] = Declared("optimizer")

OPTIMIZERS.declare(OptimizerSpec("adam", "Adam (Kingma & Ba 2015)", reads=("betas", "eps")))
OPTIMIZERS.declare(OptimizerSpec("sgd", "SGD, with optional momentum", reads=("momentum",)))
OPTIMIZERS.declare(
    OptimizerSpec("rmsprop", "RMSprop, Keras' rho as the smoothing", reads=("rho", "eps"))
)
