"""gankit: train, evaluate and compare GANs on MNIST-scale image data.

    import gankit
    run = gankit.train("dcgan", out="runs/mine", iterations=500)
    images = run.sample(64, labels=7)                  # (64, 1, 28, 28) in [-1, 1]
    scores = gankit.metrics.score(images)              # what `gankit eval` writes
    features = gankit.classifier("mnist")(images)      # the network the metrics use

README.md's "Python API" section lists every name.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# Each public name and the module defining it. They load on first use (PEP 562), so that
# `import gankit`, and with it `gankit --help`, never loads torch.
_LAZY = {
    "GankitError": "gankit.errors",
    "Run": "gankit.api",
    "load": "gankit.api",
    "train": "gankit.api",
    "classifier": "gankit.metrics",
    "load_config": "gankit.config",
    "load_generator": "gankit.export",
}
_SUBMODULES = ("metrics",)

__all__ = [
    "GankitError",
    "Run",
    "__version__",
    "classifier",
    "load",
    "load_config",
    "load_generator",
    "metrics",
    "train",
]

if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from gankit import metrics
    from gankit.api import Run, load, train
    from gankit.config import load_config
    from gankit.errors import GankitError
    from gankit.export import load_generator
    from gankit.metrics import classifier


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return importlib.import_module(f"gankit.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module 'gankit' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names and the module's own dunders, not the helpers of this file."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
