"""Datasets: IDX reading, checksums, lookup, download and subsets."""

from gankit.data.errors import DataError
from gankit.data.load import load_arrays, load_tensors, to_unit_range
from gankit.data.registry import DATASETS, get_spec

__all__ = ["DATASETS", "DataError", "get_spec", "load_arrays", "load_tensors", "to_unit_range"]
