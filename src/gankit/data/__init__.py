"""Datasets: IDX reading, checksums, lookup, download, subsets, Stacked MNIST, your folders."""

from gankit.data.catalog import DatasetInfo, dataset_info, known_datasets
from gankit.data.errors import DataError
from gankit.data.load import load_arrays, load_tensors, to_unit_range
from gankit.data.registry import DATASETS, get_spec

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
