"""Datasets: IDX reading, checksums, lookup, download, subsets, Stacked MNIST, your folders.

Importing the package loads no torch, so the config checks dataset names without it: the
functions that make tensors (data/load.py) load on first use."""

from typing import TYPE_CHECKING

from gankit.data.catalog import DatasetInfo, dataset_info, known_datasets
from gankit.data.errors import DataError
from gankit.data.registry import DATASETS, get_spec

if TYPE_CHECKING:
    from gankit.data.load import load_arrays, load_tensors, to_unit_range

_LOADING = ("load_arrays", "load_tensors", "to_unit_range")

__all__ = [
    "DATASETS",
    "DataError",
    "DatasetInfo",
    "dataset_info",
    "get_spec",
    "known_datasets",
    "load_arrays",
    "load_tensors",
    "to_unit_range",
]


def __getattr__(name: str) -> object:
    if name in _LOADING:
        from gankit.data import load

        return getattr(load, name)
    raise AttributeError(f"module 'gankit.data' has no attribute {name!r}")
