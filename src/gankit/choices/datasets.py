"""Every kind of dataset data.dataset names, declared once with what its kind means for training
and evaluation; gankit/data/catalog.py says which kind each dataset is, and gankit/data/load.py
reads each kind's images."""

from __future__ import annotations

from dataclasses import dataclass

from gankit.choices.registry import Choice, Declared


@dataclass(frozen=True)
class DatasetKind(Choice):
    # Its evaluation counts the modes an unconditional generator covers (Stacked MNIST): a
    # model must be unconditional, and the periodic evaluation has no FID to keep a best.pt by.
    counts_modes: bool = False
    # Its evaluator classifier ships with gankit; else the user imports or trains one, and a
    # run checks that it exists before training.
    bundled_evaluator: bool = True


DATASET_KINDS: Declared[DatasetKind] = Declared("dataset kind")

DATASET_KINDS.declare(DatasetKind("idx", "a built-in IDX download (data/registry.py)"))
DATASET_KINDS.declare(
    DatasetKind(
        "stacked",
        "Stacked MNIST: 3 MNIST digits as RGB channels, 1,000 modes (data/stacked.py)",
        counts_modes=True,
    )
)
DATASET_KINDS.declare(
    DatasetKind(
        "folder",
        "a folder of your images, imported with `gankit data import`",
        bundled_evaluator=False,
    )
)
